package sqlitefile

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Owner says which tables of an SQLite database a program makes, so that it
// never adds its own to another application's database by mistake.
type Owner struct {
	// Tables are the tables (and views) the program's migrations create,
	// Marker included.
	Tables map[string]bool
	// Prefix, when not "", starts other names the program accepts (River's
	// "river_").
	Prefix string
	// Marker is the program's version table, whose presence and Columns
	// prove that tables with its names are its own.
	Marker  string
	Columns []string
	// Advice ends every refusal: what to do instead.
	Advice string
	// Allow, when not "", follows Advice when the refusal is only about
	// other tables: how to share the database anyway.
	Allow string
}

// Check refuses, with an error wrapping errOther, a database that holds
// tables or views that are not o's (unless allowOther), or a table with one
// of o's names that o did not make: one without o's Marker table, or a
// Marker with other columns.
func (o Owner) Check(ctx context.Context, tx *sql.Tx, allowOther bool, errOther error) error {
	names, err := queryStrings(ctx, tx, `SELECT name FROM sqlite_schema
		WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return fmt.Errorf("reading the schema: %w", err)
	}
	var own, other []string
	for _, n := range names {
		switch {
		case o.Tables[n]:
			own = append(own, n)
		case o.Prefix == "" || !strings.HasPrefix(n, o.Prefix):
			other = append(other, n)
		}
	}
	if len(other) > 0 && !allowOther {
		advice := o.Advice
		if o.Allow != "" {
			advice += ", " + o.Allow
		}
		return fmt.Errorf("%w: %s; %s", errOther, listNames(other), advice)
	}
	if len(own) == 0 {
		return nil
	}
	if !slices.Contains(own, o.Marker) {
		return fmt.Errorf("%w: table %s was not made by it (no %s table); %s", errOther, listNames(own), o.Marker, o.Advice)
	}
	cols, err := queryStrings(ctx, tx, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, o.Marker)
	if err != nil {
		return fmt.Errorf("reading the schema: %w", err)
	}
	if !slices.Equal(cols, o.Columns) {
		return fmt.Errorf("%w: its %s table has columns (%s), not (%s); %s", errOther, o.Marker,
			strings.Join(cols, ", "), strings.Join(o.Columns, ", "), o.Advice)
	}
	return nil
}

// queryStrings returns the single text column of query's rows.
func queryStrings(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, s)
	}
	return out, errors.Join(rows.Err(), rows.Close())
}

// listNames quotes up to five names, and says how many more there are.
func listNames(names []string) string {
	const most = 5
	q := make([]string, 0, most)
	for _, n := range names[:min(len(names), most)] {
		q = append(q, strconv.Quote(n))
	}
	s := strings.Join(q, ", ")
	if len(names) > most {
		s += fmt.Sprintf(" and %d more", len(names)-most)
	}
	return s
}
