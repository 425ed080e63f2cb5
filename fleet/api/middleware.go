package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the HTTP metrics of both listeners.
type Metrics struct {
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	rateLimited prometheus.Counter
}

// NewMetrics registers the HTTP metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "drs_http_requests_total", Help: "HTTP requests answered, by listener, route and status code.",
		}, []string{"listener", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "drs_http_request_duration_seconds", Help: "Time to answer HTTP requests, by listener and route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"listener", "route"}),
		rateLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "drs_http_rate_limited_total", Help: "Requests refused with 429 by the per-device or per-address rate limits.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.rateLimited)
	return m
}

type ctxKey int

const requestInfoKey ctxKey = 0

// requestInfo is what handlers add to the request's log line.
type requestInfo struct {
	id       string
	deviceID string
}

func info(ctx context.Context) *requestInfo {
	if ri, ok := ctx.Value(requestInfoKey).(*requestInfo); ok {
		return ri
	}
	return &requestInfo{}
}

// statusWriter records the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// requestID returns the client's X-Request-Id when it is short and
// plain, else a new one.
func requestID(r *http.Request) string {
	id := r.Header.Get("X-Request-Id")
	if id != "" && len(id) <= 64 && strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == "" {
		return id
	}
	return idEncoding.EncodeToString(random(10))
}

// logPath is the path as logged: the link paths carry a bearer
// credential (the link ID), which is cut. The query is never logged.
func logPath(p string) string {
	if strings.HasPrefix(p, "/link/") && p != "/link/callback" {
		return "/link/..."
	}
	if len(p) > 200 {
		return p[:200] + "..."
	}
	return p
}

// observe wraps h with a request ID, panic recovery, one JSON log line per
// request and the metrics. It logs no header, no query and no body: no
// token can reach the log.
func observe(listener string, h http.Handler, log *slog.Logger, m *Metrics, now func() time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := now()
		ri := &requestInfo{id: requestID(r)}
		r = r.WithContext(context.WithValue(r.Context(), requestInfoKey, ri))
		w.Header().Set("X-Request-Id", ri.id)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("handler panicked", "request_id", ri.id, "route", r.Pattern, "panic_type", typeName(p))
				if sw.status == 0 {
					writeError(sw, http.StatusInternalServerError, CodeInternal, "internal error; the log has the request ID")
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			took := now().Sub(start)
			code := strconv.Itoa(sw.status)
			m.requests.WithLabelValues(listener, route, code).Inc()
			m.duration.WithLabelValues(listener, route).Observe(took.Seconds())
			attrs := []any{"request_id", ri.id, "listener", listener, "method", r.Method, "path", logPath(r.URL.Path),
				"route", route, "status", sw.status, "duration_ms", took.Milliseconds()}
			if ri.deviceID != "" {
				attrs = append(attrs, "device_id", ri.deviceID)
			}
			log.Info("request", attrs...)
		}()
		h.ServeHTTP(sw, r)
	})
}

func typeName(v any) string {
	if _, ok := v.(error); ok {
		return "error"
	}
	if _, ok := v.(string); ok {
		return "string"
	}
	return "other"
}
