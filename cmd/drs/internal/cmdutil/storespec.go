package cmdutil

import (
	"errors"
	"net/url"
	"strings"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/internal/specredact"
	"github.com/amazondrs/drs/store/storeopen"
)

// CheckStoreSpec returns a usage error if spec (from --store or DRS_STORE)
// is not one of the accepted forms (storeopen.Forms). The error never
// quotes the spec but in its redacted form, and says how to write a
// password that a URL cannot hold as it is.
func CheckStoreSpec(spec string) error {
	scheme, rest, hasColon := strings.Cut(spec, ":")
	switch {
	case spec == "":
		return nil
	case specredact.IsKeywordDSN(spec):
		return FlagErrorf("invalid --store (or %s): a keyword/value connection string (host=... password=...) is not accepted; give a URL: postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=... (%%-escape the password)", EnvStore)
	case !hasColon:
		return FlagErrorf("invalid --store (or %s) %q: no scheme; want %s", EnvStore, RedactSpec(spec), storeopen.Forms)
	case scheme == "file" || scheme == "sqlite":
		if rest == "" {
			return FlagErrorf("invalid --store (or %s): %s: needs a path, as in %s:/var/lib/drs/tokens", EnvStore, scheme, scheme)
		}
		return nil
	case scheme == "postgres" || scheme == "postgresql":
		return checkPostgresURL(spec)
	}
	return FlagErrorf("invalid --store (or %s): unknown scheme %q; want %s", EnvStore, scheme, storeopen.Forms)
}

// checkPostgresURL refuses a PostgreSQL URL that does not parse, or whose
// password is cut by an unescaped character, before a driver quotes it.
func checkPostgresURL(spec string) error {
	const advice = "; %%-escape these characters of the user name and password: # as %%23, / as %%2F, ? as %%3F, @ as %%40, %% as %%25, space as %%20"
	u, err := url.Parse(spec)
	switch {
	case err != nil:
		// Never quote err: url.Error holds the whole URL, password included.
		return FlagErrorf("invalid --store (or %s): the PostgreSQL URL %q does not parse"+advice, EnvStore, RedactSpec(spec))
	case u.Fragment != "" || strings.Contains(spec, "#"):
		return FlagErrorf("invalid --store (or %s): the PostgreSQL URL %q holds an unescaped #"+advice, EnvStore, RedactSpec(spec))
	case u.Host == "" && !strings.Contains(u.RawQuery, "host="):
		return FlagErrorf("invalid --store (or %s): the PostgreSQL URL %q names no host; want postgres://USER:PASSWORD@HOST:PORT/DATABASE", EnvStore, RedactSpec(spec))
	}
	return nil
}

// OpenStoreError is the error of a store that did not open: it names the
// store (redacted) and carries the driver's message with every password
// form removed. It does not wrap the driver's error, whose text may quote
// the spec.
func OpenStoreError(spec string, err error) error {
	msg := Scrub(err.Error(), SpecSecrets(spec))
	return &drs.Error{Code: drs.CodeGeneral, Message: "opening the token store " + RedactSpec(spec), Err: errors.New(msg)}
}
