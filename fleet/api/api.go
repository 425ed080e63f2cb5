// Package api holds the fleet server's HTTP handlers: the admin API
// (Bearer DRS_ADMIN_TOKEN, on the admin listener), the device API (Bearer
// the device's token, on the public listener) and the health endpoints.
// Every error is the JSON shape docs/serve.md describes; request bodies are capped;
// device requests are rate limited per device, failed authentications per
// client address.
package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/amazondrs/drs/fleet/db"
	"github.com/amazondrs/drs/fleet/jobs"
	"golang.org/x/time/rate"
)

// Defaults of [Config].
const (
	DefaultMaxBody   = 64 << 10
	DefaultRateLimit = rate.Limit(5) // requests per second per device
	DefaultBurst     = 20
)

// Config is what the handlers need.
type Config struct {
	DB   *db.DB
	Jobs jobs.Enqueuer
	// AdminToken is DRS_ADMIN_TOKEN.
	AdminToken string
	// PublicURL is the base of link URLs, without a trailing slash.
	PublicURL string
	Logger    *slog.Logger
	Metrics   *Metrics
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxBody caps request bodies; 0 means DefaultMaxBody.
	MaxBody int64
	// RateLimit and Burst shape the per-device limit; 0 means the defaults.
	RateLimit rate.Limit
	Burst     int
}

// API is the handlers.
type API struct {
	cfg       Config
	sql       *sql.DB
	adminHash [32]byte
	devices   *limiters
	failures  *limiters
}

// New returns the handlers for cfg.
func New(cfg Config) *API {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	if cfg.Burst == 0 {
		cfg.Burst = DefaultBurst
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	return &API{
		cfg: cfg, sql: cfg.DB.SQL, adminHash: sha256.Sum256([]byte(cfg.AdminToken)),
		devices:  newLimiters(cfg.RateLimit, cfg.Burst, cfg.Now),
		failures: newLimiters(cfg.RateLimit, cfg.Burst, cfg.Now),
	}
}

// Public returns the public listener's handler: the device API and the
// health endpoints.
func (a *API) Public() http.Handler {
	rt := newRoutes()
	rt.handle("GET /livez", http.HandlerFunc(a.livez))
	rt.handle("GET /readyz", http.HandlerFunc(a.readyz))
	rt.handle("GET /v1/device", a.device(a.getDevice))
	return observe("public", rt.handler(), a.cfg.Logger, a.cfg.Metrics, a.cfg.Now)
}

// Admin returns the admin listener's handler; extra (such as /metrics) is
// mounted beside the admin API, without admin authentication.
func (a *API) Admin(extra map[string]http.Handler) http.Handler {
	rt := newRoutes()
	rt.handle("POST /admin/v1/devices", a.admin(a.provision))
	rt.handle("GET /admin/v1/devices", a.admin(a.listDevices))
	rt.handle("GET /admin/v1/devices/{id}", a.admin(a.adminGetDevice))
	rt.handle("DELETE /admin/v1/devices/{id}", a.admin(a.deleteDevice))
	rt.handle("POST /admin/v1/devices/{id}/device-token", a.admin(a.rotateToken))
	rt.handle("POST /admin/v1/devices/{id}/link-url", a.admin(a.newLinkURL))
	for pattern, h := range extra {
		rt.handle(pattern, h)
	}
	return observe("admin", rt.handler(), a.cfg.Logger, a.cfg.Metrics, a.cfg.Now)
}

func notFound(w http.ResponseWriter, _ *http.Request) {
	writeError(w, http.StatusNotFound, CodeNotFound, "no such endpoint")
}

func (a *API) livez(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (a *API) readyz(w http.ResponseWriter, r *http.Request) {
	if err := a.cfg.DB.Ready(r.Context()); err != nil {
		a.cfg.Logger.Warn("not ready", "request_id", info(r.Context()).id, "error", err.Error())
		writeError(w, http.StatusServiceUnavailable, "not_ready", "the database is unreachable or its schema is not current")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// admin requires the admin token, compared in constant time (of equal
// length hashes, so the token's length does not leak either).
func (a *API) admin(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := sha256.Sum256([]byte(bearer(r.Header.Get("Authorization"))))
		if a.cfg.AdminToken == "" || subtle.ConstantTimeCompare(got[:], a.adminHash[:]) != 1 {
			unauthorized(w, "admin")
			return
		}
		h(w, r)
	})
}

func unauthorized(w http.ResponseWriter, who string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="drs"`)
	writeError(w, http.StatusUnauthorized, CodeUnauthorized, "missing or invalid "+who+" token: send Authorization: Bearer <"+who+" token>")
}

func (a *API) tooMany(w http.ResponseWriter) {
	a.cfg.Metrics.rateLimited.Inc()
	w.Header().Set("Retry-After", "1")
	writeError(w, http.StatusTooManyRequests, CodeRateLimited, "too many requests; slow down and retry after the Retry-After seconds")
}

func (a *API) internal(w http.ResponseWriter, r *http.Request, what string, err error) {
	a.cfg.Logger.Error(what, "request_id", info(r.Context()).id, "error", err.Error())
	writeError(w, http.StatusInternalServerError, CodeInternal, "internal error; the log has the request ID")
}
