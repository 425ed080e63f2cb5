package api

import (
	"net/http"
	"sort"
	"strings"
)

// routes is a ServeMux that answers a known path with a method it does
// not serve by a JSON 405 with Allow, and an unknown path by a JSON 404,
// so that every error has the shape docs/serve.md describes.
type routes struct {
	mux     *http.ServeMux
	methods map[string][]string // path pattern -> methods
}

func newRoutes() *routes {
	return &routes{mux: http.NewServeMux(), methods: map[string][]string{}}
}

// handle registers h for pattern, "METHOD /path".
func (rt *routes) handle(pattern string, h http.Handler) {
	method, path, _ := strings.Cut(pattern, " ")
	rt.mux.Handle(pattern, h)
	if rt.methods[path] == nil {
		rt.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			allow := append([]string(nil), rt.methods[path]...)
			sort.Strings(allow)
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use "+strings.Join(allow, " or ")+" on this path")
		})
	}
	rt.methods[path] = append(rt.methods[path], method)
	if method == http.MethodGet {
		rt.methods[path] = append(rt.methods[path], http.MethodHead)
	}
}

// handler returns the mux with the JSON 404 for unknown paths.
func (rt *routes) handler() http.Handler {
	rt.mux.HandleFunc("/", notFound)
	return rt.mux
}
