package main

import (
	"strings"
	"testing"
)

// TestServeDBPasswordsNeverPrinted gives drs serve and drs serve migrate a
// --db (or DRS_DB) holding the password hunter2 in every form a user may
// write, and checks that no output, text or --json, holds any of it, nor
// the admin token.
func TestServeDBPasswordsNeverPrinted(t *testing.T) {
	t.Parallel()
	const admin = "admin-token-hunter3-0123456789"
	specs := []struct{ name, spec, want string }{
		{"keyword", "host=db user=drs password=hunter2", "keyword/value connection string"},
		{"keyword with a colon", "host=db password=hun:ter2 user=drs", "keyword/value connection string"},
		{"keyword sslpassword", "host=db sslpassword=hunter2", "keyword/value connection string"},
		{"scheme then keywords", "postgres:host=db password=hunter2", "must be a URL"},
		{"opaque", "postgresql:drs:hunter2@db/drs", "must be a URL"},
		{"url", "postgres://drs:hunter2@db/drs", "postgres://drs:xxxxx@db/drs"},
		{"query PASSWORD", "postgres://drs@db/drs?PASSWORD=hunter2", "PASSWORD=xxxxx"},
		{"query sslpassword", "postgres://drs@db/drs?sslpassword=hunter2", "sslpassword=xxxxx"},
		{"unknown scheme", "mysql://drs:hunter2@db/drs", "mysql"},
		{"no scheme before user info", "drs:hunter2@db/drs", "unknown --db scheme"},
	}
	e := newEnv(t)
	e.vars["DRS_ADMIN_TOKEN"] = admin
	e.vars["DRS_STORE_KEY"] = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	serve := []string{"serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"}
	for _, tc := range specs {
		for _, cmd := range [][]string{serve, {"serve", "migrate"}} {
			for _, json := range []bool{false, true} {
				for _, viaEnv := range []bool{false, true} {
					args := append([]string{}, cmd...)
					if json {
						args = append(args, "--json")
					}
					vars := map[string]string{}
					for k, v := range e.vars {
						vars[k] = v
					}
					if viaEnv {
						vars["DRS_DB"] = tc.spec
					} else {
						args = append(args, "--db", tc.spec)
					}
					e2 := *e
					e2.vars = vars
					r := e2.run(args...)
					where := tc.name + ": drs " + strings.Join(args, " ")
					if r.code == 0 {
						t.Errorf("%s: exit 0, want a refusal", where)
					}
					out := r.stdout + r.stderr
					for _, s := range []string{"hunter2", "ter2", admin} {
						if strings.Contains(out, s) {
							t.Errorf("%s: the output holds %q:\n%s", where, s, out)
						}
					}
					if !strings.Contains(out, tc.want) {
						t.Errorf("%s: the output lacks %q:\n%s", where, tc.want, out)
					}
					if json && !strings.HasPrefix(strings.TrimSpace(r.stderr), "{") {
						t.Errorf("%s: the error is not JSON:\n%s", where, r.stderr)
					}
				}
			}
		}
	}
}
