package sqlitefile

import (
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

var errOther = errors.New("not ours")

func TestOwnerCheck(t *testing.T) {
	o := Owner{Tables: map[string]bool{"meta": true, "items": true}, Prefix: "river_", Marker: "meta",
		Columns: []string{"version"}, Advice: "use a file of its own", Allow: "or allow it"}
	for _, tc := range []struct {
		name, schema string
		allowOther   bool
		want         string // "" for no error, else a part of the message
	}{
		{"empty", ``, false, ""},
		{"ours", `CREATE TABLE meta (version INTEGER); CREATE TABLE items (x)`, false, ""},
		{"ours and River's", `CREATE TABLE meta (version INTEGER); CREATE TABLE river_job (x)`, false, ""},
		{"another table", `CREATE TABLE customers (x)`, false, `"customers"; use a file of its own, or allow it`},
		{"another view", `CREATE VIEW v AS SELECT 1`, false, `"v"`},
		{"another table, allowed", `CREATE TABLE customers (x)`, true, ""},
		{"our name without the marker", `CREATE TABLE items (x)`, true, `table "items" was not made by it (no meta table); use a file of its own`},
		{"a marker of another shape", `CREATE TABLE meta (version INTEGER, dirty INTEGER)`, true, `columns (version, dirty), not (version)`},
		{"many others", `CREATE TABLE a(x); CREATE TABLE b(x); CREATE TABLE c(x); CREATE TABLE d(x); CREATE TABLE e(x); CREATE TABLE f(x); CREATE TABLE g(x)`, false, `and 2 more`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "x.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if tc.schema != "" {
				if _, err := db.Exec(tc.schema); err != nil {
					t.Fatal(err)
				}
			}
			tx, err := db.BeginTx(t.Context(), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			err = o.Check(t.Context(), tx, tc.allowOther, errOther)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Check = %v, want nil", err)
			case tc.want != "" && (!errors.Is(err, errOther) || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Check = %v, want errOther with %q", err, tc.want)
			}
		})
	}
}
