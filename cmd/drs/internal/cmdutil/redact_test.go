package cmdutil

import (
	"strings"
	"testing"
)

// specCases are store specs with the password "hunter2" followed by a
// character a URL cannot hold as it is, in every form --store may get.
var specCases = []struct {
	name, spec, secret, redacted string
}{
	{"url", "postgres://drs:hunter2@db:5432/drs", "hunter2", "postgres://drs:xxxxx@db:5432/drs"},
	{"url escaped", "postgres://drs:hun%23ter2@db/drs", "hun#ter2", "postgres://drs:xxxxx@db/drs"},
	{"unescaped #", "postgres://drs:hunter2#x@db/drs", "hunter2#x", "postgres://drs:xxxxx@db/drs"},
	{"unescaped space", "postgres://drs:hunter2 x@db/drs", "hunter2 x", "postgres://drs:xxxxx@db/drs"},
	{"unescaped /", "postgresql://drs:hun/ter2@db/drs", "hun/ter2", "postgresql://drs:xxxxx@db/drs"},
	{"unescaped @", "postgres://drs:hun@ter2@db/drs", "hun@ter2", "postgres://drs:xxxxx@db/drs"},
	{"unescaped ?", "postgres://drs:hun?ter2@db/drs", "hun?ter2", "postgres://drs:xxxxx@db/drs"},
	{"bad %-escape", "postgres://drs:hu%zzter2@db/drs", "hu%zzter2", "postgres://drs:xxxxx@db/drs"},
	{"query", "postgres://db/drs?password=hunter2&sslmode=disable", "hunter2", "postgres://db/drs?password=xxxxx&sslmode=disable"},
	{"query with # and &", "postgres://db/drs?sslmode=disable&password=hun#t&er2", "hun#t&er2", "postgres://db/drs?sslmode=disable&password=xxxxx"},
	{"query sslpassword", "postgres://db/drs?sslpassword=hunter2", "hunter2", "postgres://db/drs?sslpassword=xxxxx"},
	{"keyword", "host=db user=drs password=hunter2#x dbname=drs", "hunter2#x", "host=db user=drs password=xxxxx dbname=drs"},
	{"keyword quoted", "host=db password='hun ter2' dbname=drs", "hun ter2", "host=db password=xxxxx dbname=drs"},
	{"keyword spaces", "host=db PASSWORD = hunter2", "hunter2", "host=db PASSWORD = xxxxx"},
	{"keyword first", "password=hunter2 host=db", "hunter2", "password=xxxxx host=db"},
	{"query PASSWORD", "postgres://drs@db/drs?PASSWORD=hunter2", "hunter2", "postgres://drs@db/drs?PASSWORD=xxxxx"},
	{"opaque", "postgresql:drs:hunter2@db/drs", "hunter2", "postgresql:drs:xxxxx@db/drs"},
	{"opaque with / and @", "postgres:drs:hun/t@er2@db/drs", "hun/t@er2", "postgres:drs:xxxxx@db/drs"},
	{"scheme then keywords", "postgres:host=db password=hunter2", "hunter2", "postgres:host=db password=xxxxx"},
	{"scheme then password", "postgres:password=hunter2 host=db", "hunter2", "postgres:password=xxxxx host=db"},
	{"keyword sslpassword", "host=db sslpassword=hunter2", "hunter2", "host=db sslpassword=xxxxx"},
	{"sqlite", "sqlite:/var/lib/drs/tokens.db", "", "sqlite:/var/lib/drs/tokens.db"},
	{"sqlite with : and @", "sqlite:/var/lib/a:b@c.db", "", "sqlite:/var/lib/a:b@c.db"},
	{"file", "file:/home/u/tokens.json", "", "file:/home/u/tokens.json"},
}

func TestRedactSpec(t *testing.T) {
	t.Parallel()
	for _, tc := range specCases {
		got := RedactSpec(tc.spec)
		if got != tc.redacted {
			t.Errorf("%s: RedactSpec(%q) = %q, want %q", tc.name, tc.spec, got, tc.redacted)
		}
		if tc.secret != "" && strings.Contains(got, "ter2") {
			t.Errorf("%s: RedactSpec(%q) = %q keeps part of the password", tc.name, tc.spec, got)
		}
	}
}

// TestSpecSecretsScrub: a driver's error quoting the password in any form
// (as written, %-decoded, %-encoded) is scrubbed.
func TestSpecSecretsScrub(t *testing.T) {
	t.Parallel()
	for _, tc := range specCases {
		if tc.secret == "" {
			if s := Scrub("open "+tc.spec, SpecSecrets(tc.spec)); s != "open "+tc.spec {
				t.Errorf("%s: Scrub changed a spec without a password: %q", tc.name, s)
			}
			continue
		}
		msg := `cannot parse "` + tc.spec + `": password ` + tc.secret + ` is wrong`
		got := Scrub(msg, SpecSecrets(tc.spec))
		if strings.Contains(got, "ter2") {
			t.Errorf("%s: Scrub(%q) = %q keeps the password", tc.name, msg, got)
		}
	}
}

func TestScrubWriter(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	secrets := []string{"ab", "s3cret", "s3cret-longer", " "}
	w := ScrubWriter(&b, func() []string { return secrets })
	n, err := w.Write([]byte("ab s3cret-longer and s3cret\n"))
	if err != nil || n != 28 {
		t.Fatalf("Write = %d, %v", n, err)
	}
	// Two-letter secrets are left (they would garble every line); longer
	// ones go, the longest first.
	if got, want := b.String(), "ab xxxxx and xxxxx\n"; got != want {
		t.Errorf("wrote %q, want %q", got, want)
	}
}

func TestCheckStoreSpec(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ spec, want string }{
		{"", ""},
		{"file:/x/tokens.json", ""},
		{"sqlite:tokens.db", ""},
		{"postgres://drs:pw@db:5432/drs?sslmode=disable", ""},
		{"postgresql://drs:p%23w@db/drs", ""},
		{"host=db password=hunter2", "keyword/value connection string"},
		{"tokens.json", "no scheme"},
		{"file:", "needs a path"},
		{"mysql://u:hunter2@db/x", `unknown scheme "mysql"`},
		{"postgres://drs:hunter2#x@db/drs", "does not parse"},
		{"postgres://drs:hu%zzter2@db/drs", "does not parse"},
		{"postgres://db/drs?password=hunter2#x", "unescaped #"},
		{"postgres:///drs", "names no host"},
	} {
		err := CheckStoreSpec(tc.spec)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckStoreSpec(%q) = %v", tc.spec, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || ExitCode(err) != ExitUsage):
			t.Errorf("CheckStoreSpec(%q) = %v, want a usage error with %q", tc.spec, err, tc.want)
		case err != nil && strings.Contains(err.Error(), "hunter2"):
			t.Errorf("CheckStoreSpec(%q) = %v: shows the password", tc.spec, err)
		}
	}
}

// TestFactorySecrets: the fleet server's secrets (DRS_DB's password,
// DRS_ADMIN_TOKEN and what a command adds, such as --db's password) are
// among those the CLI never prints.
func TestFactorySecrets(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		EnvDB:         "postgresql:drs:hunter2@db/drs",
		EnvAdminToken: " admin-token-0123456789 ",
		EnvStore:      "postgres://db/x?PASSWORD=store-pw",
	}
	f := &Factory{Getenv: func(k string) string { return env[k] }}
	f.AddSecrets(func() []string { return SpecSecrets("host=db password=flag-pw") })
	got := Scrub("hunter2 admin-token-0123456789 store-pw flag-pw", f.Secrets())
	if want := "xxxxx xxxxx xxxxx xxxxx"; got != want {
		t.Errorf("Scrub with Factory.Secrets = %q, want %q", got, want)
	}
}
