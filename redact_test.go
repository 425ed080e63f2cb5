package drs_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
	"unicode/utf16"

	"github.com/amazondrs/drs"
)

// TestEchoedSecretsAreRedacted: a server that echoes what it was sent (the
// bearer token, the refresh token, the client secret) in its error message,
// headers or body must not get them into an error string, an error field or
// a debug log line, and the error must stay inspectable.
func TestEchoedSecretsAreRedacted(t *testing.T) {
	f := newFake(t)
	f.handle("/replenish/", func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		w.Header().Set("X-Amzn-Errortype", "ValidationException for "+auth+":x")
		w.Header().Set("X-Amzn-Requestid", "id-"+auth)
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"message":"slot refused for %s","echo":%q}`, auth, auth)
	})
	f.handle("/subscriptionInfo", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"unexpected":%q}`, r.Header.Get("Authorization")) // a 2xx that is not the JSON expected
	})
	var logs bytes.Buffer
	c := f.client(drs.WithDebug(true), drs.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))

	_, err := c.Replenish(t.Context(), "slot-1")
	var e *drs.Error
	if !errors.As(err, &e) || e.Code != 400 || !errors.Is(err, drs.ErrHTTP) {
		t.Fatalf("err = %v, want an HTTP 400 *drs.Error", err)
	}
	access := c.Token().AccessToken
	if access == "" {
		t.Fatal("the client holds no access token")
	}
	for what, s := range map[string]string{"Error()": err.Error(), "%#v": fmt.Sprintf("%#v", err), "Message": e.Message,
		"ErrorType": e.ErrorType, "RequestID": e.RequestID, "Body": string(e.Body)} {
		assertNoSecrets(t, what, s, access)
		if !strings.Contains(s, "[redacted]") && what != "%#v" {
			t.Errorf("%s = %q, want the token replaced by [redacted]", what, s)
		}
	}
	if !strings.Contains(e.Message, "slot refused for Bearer") {
		t.Errorf("Message = %q, want the rest of the text kept", e.Message)
	}

	_, err = c.SubscriptionInfo(t.Context())
	e = wantCode(t, err, drs.CodeGeneral)
	assertNoSecrets(t, "decode error body", string(e.Body), access)

	// LWA echoing the refresh token and the client secret.
	g := newFake(t)
	g.mux.HandleFunc("POST /auth/o2/token/echo", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"error":"invalid_grant","error_description":"refresh token %s is not valid for secret %s"}`,
			r.PostForm.Get("refresh_token"), r.PostForm.Get("client_secret"))
	})
	ep := g.endpoints()
	ep.TokenURL += "/echo"
	logs.Reset()
	c = g.client(drs.WithEndpoints(ep), drs.WithDebug(true), drs.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	_, err = c.Replenish(t.Context(), "slot-1")
	e = wantCode(t, err, drs.CodeNotAuthenticated)
	if !errors.Is(err, drs.ErrNotAuthenticated) || e.OAuthError != "invalid_grant" {
		t.Errorf("err = %v, want invalid_grant matching ErrNotAuthenticated", err)
	}
	for what, s := range map[string]string{"Error()": err.Error(), "%#v": fmt.Sprintf("%#v", err), "OAuthErrorDescription": e.OAuthErrorDescription} {
		assertNoSecrets(t, what, s)
	}
	if want := "refresh token [redacted] is not valid for secret [redacted]"; e.OAuthErrorDescription != want {
		t.Errorf("OAuthErrorDescription = %q, want %q", e.OAuthErrorDescription, want)
	}
	assertNoSecrets(t, "debug output", logs.String(), access)
}

// TestRefreshKeepsTokenSetMeanwhile: a refresh that completes after
// SetRefreshToken must not put the old device's tokens back.
func TestRefreshKeepsTokenSetMeanwhile(t *testing.T) {
	synctest.Test(t, testRefreshKeepsTokenSetMeanwhile)
}

func testRefreshKeepsTokenSetMeanwhile(t *testing.T) {
	f := newFakeInMemory(t)
	f.handle("/", jsonReply(200, orderJSON))
	hold := make(chan struct{})
	f.mu.Lock()
	f.tokenHold = hold
	f.rotateTo = "Atzr|rotated-by-lwa"
	f.mu.Unlock()
	var mu sync.Mutex
	var hooked []string
	c := f.client(drs.WithTokenChange(func(tk drs.Token) { mu.Lock(); hooked = append(hooked, tk.RefreshToken); mu.Unlock() }))
	done := make(chan error, 1)
	go func() { _, err := c.Replenish(t.Context(), "s"); done <- err }()
	synctest.Wait() // the refresh is in flight, held by the fake
	if n := f.tokens.Load(); n != 1 {
		t.Fatalf("%d token requests in flight, want 1", n)
	}
	c.SetRefreshToken("Atzr|set-by-caller")
	close(hold)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if tok := c.Token(); tok.RefreshToken != "Atzr|set-by-caller" || tok.AccessToken != "" {
		t.Errorf("after the refresh the client holds %v, want the caller's refresh token and no access token", tok)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(hooked) != 0 {
		t.Errorf("token-change hook called with %q for a token the caller replaced", hooked)
	}
}

// TestSubscriptionInfoVersionFromHeader: the result version is the one DRS
// names, not merely the one asked for.
func TestSubscriptionInfoVersionFromHeader(t *testing.T) {
	f := newFake(t)
	f.handle("/subscriptionInfo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amzn-Type-Version", "com.amazon.dash.replenishment.DrsSubscriptionInfoResult@1.0")
		jsonReply(200, `{"slotsSubscriptionStatus":{"a":true}}`)(w, r)
	})
	res, err := f.client().SubscriptionInfo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.Version != "1.0" || !res.Slots["a"].Subscribed {
		t.Errorf("Version = %q, slots %v; want 1.0 as the header says", res.Version, res.Slots)
	}
}

func TestEmulatorHostEnvMustBeHostPort(t *testing.T) {
	for _, bad := range []string{"http://127.0.0.1:8181", "127.0.0.1", "127.0.0.1:8181/drs", "user@127.0.0.1:1"} {
		t.Setenv(drs.EmulatorHostEnv, bad)
		_, err := drs.New("id", "secret")
		if drs.Code(err) != drs.CodeGeneral || !strings.Contains(err.Error(), drs.EmulatorHostEnv) {
			t.Errorf("%s=%q: New error = %v, want code 1010 naming the variable", drs.EmulatorHostEnv, bad, err)
		}
		if _, err := drs.New("id", "secret", drs.WithEndpoints(drs.NAEndpoints)); err != nil {
			t.Errorf("an explicit endpoint option must win over a bad %s: %v", drs.EmulatorHostEnv, err)
		}
	}
	t.Setenv(drs.EmulatorHostEnv, "[::1]:8181")
	c, err := drs.New("id", "secret")
	if err != nil || c.Endpoints().DRS != "http://[::1]:8181" {
		t.Errorf("IPv6 host:port: %v, %+v", err, c)
	}
}

// Secrets for the encoded-echo tests: '|', '/', '+' and '=' all change when
// percent-encoded, and '/' and 'é' when JSON-escaped.
const (
	echoAccess  = "Atza|IwEBIA/secret+access=token-0001"
	echoInside  = "IwEBIA/secret+access" // a client secret inside the access token
	echoRefresh = "Atzr|IwEBIB/refresh+token=0001"
	echoSecret  = "s3cret/clé+value=0001"
)

// echoEncodings are the forms in which a server may echo a secret.
var echoEncodings = []struct {
	name string
	enc  func(string) string
}{
	{"plain", func(s string) string { return s }},
	{"QueryEscape", url.QueryEscape},
	{"QueryEscape lower-case hex", func(s string) string {
		return regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(url.QueryEscape(s), strings.ToLower)
	}},
	{"PathEscape", url.PathEscape},
	{`JSON with \/`, func(s string) string {
		b, _ := json.Marshal(s)
		return strings.ReplaceAll(string(b[1:len(b)-1]), "/", `\/`)
	}},
	{`JSON \u00XX for every character`, func(s string) string {
		var b strings.Builder
		for _, u := range utf16.Encode([]rune(s)) {
			fmt.Fprintf(&b, `\u%04X`, u)
		}
		return b.String()
	}},
	{`JSON \u007c and \/`, strings.NewReplacer("|", `\u007c`, "/", `\/`).Replace},
}

// echoEscape matches one percent-escape or JSON string escape.
var echoEscape = regexp.MustCompile(`%[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\["\\/bfnrt]`)

// exposes reports whether s holds secret as it is or percent-encoded or
// JSON-escaped, in any mix, escaped up to three times over.
func exposes(s, secret string) bool {
	for range 4 {
		if strings.Contains(s, secret) || strings.Contains(strings.ReplaceAll(s, "+", " "), secret) {
			return true
		}
		s = echoEscape.ReplaceAllStringFunc(s, func(e string) string {
			switch {
			case e[0] == '%':
				b, _ := strconv.ParseUint(e[1:], 16, 8)
				return string([]byte{byte(b)})
			case e[1] == 'u':
				r, _ := strconv.ParseUint(e[2:], 16, 16)
				return string(rune(r))
			}
			var u string
			json.Unmarshal([]byte(`"`+e+`"`), &u)
			return u
		})
	}
	return false
}

// echoClient returns a Client of f with the given client secret that holds
// access as its access token and refresh as its refresh token, and logs to
// logs at level Debug; opts come last.
func echoClient(t *testing.T, f *fakeAmazon, secret, access, refresh string, logs *bytes.Buffer, opts ...drs.Option) *drs.Client {
	t.Helper()
	c, err := drs.New(testClientID, secret, append([]drs.Option{drs.WithEndpoints(f.endpoints()), drs.WithDebug(true),
		drs.WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(drs.Token{AccessToken: access, RefreshToken: refresh, Expiry: time.Now().Add(time.Hour)})
	return c
}

// checkNoEcho fails t if any part of err, or the debug output, exposes one
// of secrets.
func checkNoEcho(t *testing.T, err error, logs string, secrets ...string) *drs.Error {
	t.Helper()
	var e *drs.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want a *drs.Error", err)
	}
	for what, s := range map[string]string{"Error()": err.Error(), "%#v": fmt.Sprintf("%#v", err), "Message": e.Message,
		"ErrorType": e.ErrorType, "RequestID": e.RequestID, "OAuthError": e.OAuthError,
		"OAuthErrorDescription": e.OAuthErrorDescription, "Body": string(e.Body), "debug output": logs} {
		for _, sec := range secrets {
			if exposes(s, sec) {
				t.Errorf("%s exposes %q: %s", what, sec, s)
			}
		}
	}
	return e
}

// TestEncodedEchoesAreRedacted: a DRS error that echoes the bearer token
// percent-encoded or JSON-escaped, in its message, its body or its headers,
// must not get the token into any field of the error, its text or the debug
// output, and the text around it must stay. The client secret is part of the
// access token, so a secret inside another must not leave the rest behind.
func TestEncodedEchoesAreRedacted(t *testing.T) {
	// Each field's reply echoes the Authorization header, "Bearer " and the
	// token, encoded; want gets "Bearer " encoded as sent (raw) and as a
	// JSON string holding it decodes (text).
	fields := []struct {
		name  string
		reply func(w http.ResponseWriter, echo string)
		got   func(e *drs.Error) string
		want  func(raw, text string) string
	}{
		{"Message", func(w http.ResponseWriter, echo string) {
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"message":"rejected header Authorization=%s"}`, echo)
		}, func(e *drs.Error) string { return e.Message + " | " + string(e.Body) }, func(raw, text string) string {
			return "rejected header Authorization=" + text + `[redacted] | {"message":"rejected header Authorization=` + raw + `[redacted]"}`
		}},
		{"Body", func(w http.ResponseWriter, echo string) {
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"message":"rejected","echo":"%s","n":12345678901234567890}`, echo)
		}, func(e *drs.Error) string { return e.Message + " | " + string(e.Body) }, func(raw, _ string) string {
			return `rejected | {"message":"rejected","echo":"` + raw + `[redacted]","n":12345678901234567890}`
		}},
		{"ErrorType", func(w http.ResponseWriter, echo string) {
			w.Header().Set("X-Amzn-Errortype", "Rejected "+echo+":http://internal.amazon.com/")
			w.WriteHeader(400)
		}, func(e *drs.Error) string { return e.ErrorType }, func(raw, _ string) string { return "Rejected " + raw + "[redacted]" }},
		{"RequestID", func(w http.ResponseWriter, echo string) {
			w.Header().Set("X-Amzn-Requestid", "id-"+echo)
			w.WriteHeader(500)
		}, func(e *drs.Error) string { return e.RequestID }, func(raw, _ string) string { return "id-" + raw + "[redacted]" }},
	}
	for _, fl := range fields {
		for _, enc := range echoEncodings {
			t.Run(fl.name+"/"+enc.name, func(t *testing.T) {
				f := newFake(t)
				f.mux.HandleFunc("/replenish/", func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					fl.reply(w, enc.enc(r.Header.Get("Authorization")))
				})
				var logs bytes.Buffer
				c := echoClient(t, f, echoInside, echoAccess, echoRefresh, &logs)
				_, err := c.Replenish(t.Context(), "slot-1")
				e := checkNoEcho(t, err, logs.String(), echoAccess, echoInside)
				raw := enc.enc("Bearer ")
				var text string
				json.Unmarshal([]byte(`"`+raw+`"`), &text)
				if got, want := fl.got(e), fl.want(raw, text); got != want {
					t.Errorf("got  %s\nwant %s", got, want)
				}
			})
		}
	}
}

// TestEncodedTokenRequestEchoesAreRedacted: LWA answering a refresh with an
// error description that echoes the refresh token and the client secret,
// percent-encoded (as the form it was sent) or JSON-escaped, must not get
// them into the error.
func TestEncodedTokenRequestEchoesAreRedacted(t *testing.T) {
	cases := []struct {
		name string
		desc func(form url.Values) (desc, want string)
	}{{"the form sent", func(form url.Values) (string, string) {
		enc := form.Encode()
		return "cannot parse " + enc, "cannot parse " + strings.NewReplacer(url.QueryEscape(echoRefresh), "[redacted]", url.QueryEscape(echoSecret), "[redacted]").Replace(enc)
	}}}
	for _, enc := range echoEncodings {
		cases = append(cases, struct {
			name string
			desc func(url.Values) (string, string)
		}{enc.name, func(form url.Values) (string, string) {
			return fmt.Sprintf("refresh token %s is not valid for secret %s", enc.enc(form.Get("refresh_token")), enc.enc(form.Get("client_secret"))),
				"refresh token [redacted] is not valid for secret [redacted]"
		}})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			var want string
			f.mux.HandleFunc("POST /auth/o2/token/echo", func(w http.ResponseWriter, r *http.Request) {
				r.ParseForm()
				var desc string
				desc, want = tc.desc(r.PostForm)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(400)
				fmt.Fprintf(w, `{"error":"invalid_request","error_description":"%s"}`, desc)
			})
			var logs bytes.Buffer
			ep := f.endpoints()
			ep.TokenURL += "/echo"
			c := echoClient(t, f, echoSecret, "", echoRefresh, &logs, drs.WithEndpoints(ep))
			_, err := c.Replenish(t.Context(), "slot-1")
			e := checkNoEcho(t, err, logs.String(), echoRefresh, echoSecret)
			if e.OAuthError != "invalid_request" || e.OAuthErrorDescription != want {
				t.Errorf("OAuthError %q, OAuthErrorDescription\n%q, want invalid_request and\n%q", e.OAuthError, e.OAuthErrorDescription, want)
			}
		})
	}
}

// TestSecretEscapedTwiceInBodyIsRedacted: a body that quotes another JSON
// document, itself quoting the token JSON-escaped, is re-encoded from its
// scrubbed decoded value, numbers kept exactly.
func TestSecretEscapedTwiceInBodyIsRedacted(t *testing.T) {
	f := newFake(t)
	f.mux.HandleFunc("/replenish/", func(w http.ResponseWriter, r *http.Request) {
		inner, _ := json.Marshal(map[string]string{"auth": strings.NewReplacer("|", `\u007c`, "/", `\/`).Replace(r.Header.Get("Authorization"))})
		outer, _ := json.Marshal(map[string]any{"message": "upstream failed", "n": json.Number("12345678901234567890"), "upstream": string(inner)})
		w.WriteHeader(502)
		w.Write(outer)
	})
	var logs bytes.Buffer
	c := echoClient(t, f, testClientSecret, echoAccess, echoRefresh, &logs)
	_, err := c.Replenish(t.Context(), "slot-1")
	e := checkNoEcho(t, err, logs.String(), echoAccess)
	if want := `{"message":"upstream failed","n":12345678901234567890,"upstream":"{\"auth\":\"Bearer [redacted]\"}"}`; string(e.Body) != want {
		t.Errorf("Body = %s, want %s", e.Body, want)
	}
}

// TestNonSecretTextIsKept: text that only resembles a secret (a prefix of
// it, another token, escapes of other characters) and a client secret
// shorter than 8 bytes stay as the server sent them.
func TestNonSecretTextIsKept(t *testing.T) {
	const (
		body    = `{"message":"keep Atza|other-token sevenb7 %7C %7c \u007c \/ + %zz \\u007c Atza%7CIwEBIA%2Fsecret Atza|IwEBIA\/secret+access=token-000"}`
		message = `keep Atza|other-token sevenb7 %7C %7c | / + %zz \u007c Atza%7CIwEBIA%2Fsecret Atza|IwEBIA/secret+access=token-000`
		errType = `Keep sevenb7 Atza%7cIwEBIA \u007c`
	)
	f := newFake(t)
	f.mux.HandleFunc("/replenish/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amzn-Errortype", errType+":x")
		w.Header().Set("X-Amzn-Requestid", "req-sevenb7")
		w.WriteHeader(400)
		fmt.Fprint(w, body)
	})
	var logs bytes.Buffer
	c := echoClient(t, f, "sevenb7", echoAccess, echoRefresh, &logs)
	_, err := c.Replenish(t.Context(), "slot-1")
	e := checkNoEcho(t, err, logs.String(), echoAccess, echoRefresh)
	if string(e.Body) != body || e.Message != message || e.ErrorType != errType || e.RequestID != "req-sevenb7" {
		t.Errorf("Body %s\nMessage %q\nErrorType %q, RequestID %q: want them as sent", e.Body, e.Message, e.ErrorType, e.RequestID)
	}
	if want := "drs: Replenish: HTTP 400 " + errType + ": " + message + " (code 400) [request id req-sevenb7]"; err.Error() != want {
		t.Errorf("Error() = %s\nwant      %s", err, want)
	}
}

// TestRedactedBodyStaysValidJSON: an escaped backslash before what would
// spell a secret does not start an escape, so scrubbing never cuts a JSON
// escape in half; and a body re-encoded by the fallback keeps <, > and &.
func TestRedactedBodyStaysValidJSON(t *testing.T) {
	spelled := `\u0041` + echoAccess[1:] // "A" escaped, then the rest: the token once more decoded
	if echoAccess[0] != 'A' {
		t.Fatalf("echoAccess %q must start with A for this test", echoAccess)
	}
	for _, body := range []string{
		`{"m":"x\\` + spelled + `","html":"<b>&amp;</b>"}`,
		`{"m":"x\\\\\\` + spelled + `"}`,
		`{"m":"` + strings.NewReplacer("|", `\\u007c`, "/", `\\/`).Replace(echoAccess) + `","html":"<b>&amp;</b>"}`,
	} {
		t.Run(body, func(t *testing.T) {
			if !json.Valid([]byte(body)) {
				t.Fatalf("test body is not JSON: %s", body)
			}
			f := newFake(t)
			f.mux.HandleFunc("/replenish/", func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(400)
				fmt.Fprint(w, body)
			})
			var logs bytes.Buffer
			c := echoClient(t, f, testClientSecret, echoAccess, echoRefresh, &logs)
			_, err := c.Replenish(t.Context(), "slot-1")
			e := checkNoEcho(t, err, logs.String(), echoAccess)
			if !json.Valid(e.Body) {
				t.Errorf("scrubbed body is not JSON any more: %s", e.Body)
			}
			if strings.Contains(body, "<b>") && !strings.Contains(string(e.Body), "<b>&amp;</b>") {
				t.Errorf("scrubbed body lost its HTML text: %s", e.Body)
			}
		})
	}
}
