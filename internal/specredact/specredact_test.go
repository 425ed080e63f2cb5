package specredact

import (
	"slices"
	"strings"
	"testing"
)

// TestSecretsEncodedForms: the secrets of a spec include the password as a
// JSON string and a query escapes it, so a scrubber finds it there too.
// (The table of spec forms is cmd/drs/internal/cmdutil's redact_test.go.)
func TestSecretsEncodedForms(t *testing.T) {
	t.Parallel()
	got := Secrets(`postgresql:drs:hun"t\er 2@db/drs`)
	for _, want := range []string{`hun"t\er 2`, `hun\"t\\er 2`, `hun%22t%5Cer+2`, `hun%22t%5Cer%202`} {
		if !slices.Contains(got, want) {
			t.Errorf("Secrets lacks %q: %q", want, got)
		}
	}
	if r := Redact(`postgresql:drs:hun"t\er 2@db/drs`); strings.Contains(r, "hun") {
		t.Errorf("Redact = %q", r)
	}
}
