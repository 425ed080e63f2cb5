package login

import (
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"unicode"
)

var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#111}
h1{font-size:1.4rem}.ok{color:#067d62}.bad{color:#b12704}</style></head>
<body><h1 id="title" class="{{if .OK}}ok{{else}}bad{{end}}">{{.Title}}</h1><p id="message">{{.Message}}</p></body></html>
`))

// writePage answers with a small HTML page. Its text is escaped, and made
// printable first: the message may quote LWA's error_description from the
// return trip's query, which is anyone's to write.
func writePage(w http.ResponseWriter, status int, title, msg string) {
	title, msg = printable(title), printable(msg)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	page.Execute(w, struct {
		Title, Message string
		OK             bool
	}{title, msg, status == http.StatusOK})
}

// maxPrintable caps one message of a page.
const maxPrintable = 1024

// printable returns s as one line of valid UTF-8 of at most about
// maxPrintable bytes, control characters replaced by spaces.
func printable(s string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if b.Len() >= maxPrintable {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

func slogString(k, v string) slog.Attr { return slog.String(k, v) }
