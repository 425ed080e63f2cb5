package db

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseSpec(t *testing.T) {
	t.Setenv("HOME", "/home/u")
	t.Setenv("XDG_DATA_HOME", "")
	for _, tt := range []struct {
		spec    string
		want    Spec
		wantErr string
	}{
		{"", Spec{Driver: "sqlite", Path: "/home/u/.local/share/drs/fleet.db"}, ""},
		{"sqlite:fleet.db", Spec{Driver: "sqlite", Path: "fleet.db"}, ""},
		{"sqlite:/var/lib/drs/fleet.db", Spec{Driver: "sqlite", Path: "/var/lib/drs/fleet.db"}, ""},
		{"sqlite:///var/lib/fleet.db", Spec{Driver: "sqlite", Path: "/var/lib/fleet.db"}, ""},
		{"sqlite:~/fleet.db", Spec{Driver: "sqlite", Path: "/home/u/fleet.db"}, ""},
		{"sqlite://fleet.db", Spec{}, "names a host"},
		{"sqlite:", Spec{}, "needs a path"},
		{"postgres://drs:hunter2@db/drs", Spec{Driver: "postgres", URL: "postgres://drs:hunter2@db/drs"}, ""},
		{"file:tokens.json", Spec{}, "not a fleet"},
		{"mysql://root:hunter2@db/drs", Spec{}, `unknown --db scheme "mysql"`},
		{"hunter2", Spec{}, "no scheme"},
		{"host=db user=drs password=hunter2", Spec{}, "keyword/value"},
		{"host=db password=hun:ter2", Spec{}, "keyword/value"},
		{"postgres:host=db password=hunter2", Spec{}, "must be a URL"},
		{"postgresql:u:hunter2@db/x", Spec{}, "must be a URL"},
		{"u:hunter2@db/x", Spec{}, "unknown --db scheme;"},
		{"hunter2:x", Spec{}, "unknown --db scheme;"},
	} {
		got, err := ParseSpec(tt.spec)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseSpec(%q) error = %v, want one with %q", tt.spec, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "ter2") {
				t.Errorf("ParseSpec(%q) error repeats the password: %v", tt.spec, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseSpec(%q) = %+v, %v; want %+v", tt.spec, got, err, tt.want)
		}
	}
}

func TestSpecStringScrubsPasswords(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"postgres://drs:hunter2@db:5432/drs",
		"postgresql://drs:hunter2@db/drs?sslmode=require",
		"postgres://drs@db/drs?password=hunter2",
		"postgres://drs:hunter2@db/drs\x7f",
		"postgres://u@db/x?PASSWORD=hunter2",
		"postgres://u@db/x?sslpassword=hunter2",
		"postgresql:u:hunter2@db/x",
		"postgres:host=db password=hunter2",
		"postgres://drs:hun#ter2@db/drs",
	} {
		s := Spec{Driver: "postgres", URL: raw}.String()
		if strings.Contains(s, "ter2") {
			t.Errorf("Spec{%q}.String() = %q: holds the password", raw, s)
		}
	}
	if _, err := Open(t.Context(), Spec{Driver: "postgres", URL: "postgres://drs:hunter2@db/drs"}); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Open(postgres) error = %v; want an error without the password", err)
	}
}

func open(t *testing.T, path string) *DB {
	t.Helper()
	d, err := Open(t.Context(), Spec{Driver: "sqlite", Path: path})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return d
}

func TestMigrateAndReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "fleet.db")
	d := open(t, path)
	if err := d.Ready(t.Context()); err != nil {
		t.Fatalf("Ready after the first Open: %v", err)
	}
	now := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	if err := CreateDevice(t.Context(), d.SQL, Device{ID: "dev_a", Model: "M", Serial: "S", LinkID: "l", CreatedAt: now}, []byte("h")); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d = open(t, path)
	defer d.Close()
	got, err := GetDevice(t.Context(), d.SQL, "dev_a")
	if err != nil || got.Serial != "S" || !got.CreatedAt.Equal(now) || got.State != StateActive {
		t.Errorf("after reopening, GetDevice = %+v, %v", got, err)
	}
	if err := CreateDevice(t.Context(), d.SQL, Device{ID: "dev_b", Model: "M", Serial: "S", CreatedAt: now}, []byte("h2")); !errors.Is(err, ErrExists) {
		t.Errorf("a second device with the same model and serial: %v, want ErrExists", err)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "fleet.db")
	d := open(t, path)
	if _, err := d.SQL.ExecContext(t.Context(), `UPDATE fleet_schema SET version = ?`, SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	if err := d.Ready(t.Context()); err == nil {
		t.Error("Ready with a newer schema = nil, want an error")
	}
	d.Close()
	_, err := Open(t.Context(), Spec{Driver: "sqlite", Path: path})
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open of a newer schema = %v, want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("the error %q does not name the file", err)
	}
	// The refusal released the lock and changed nothing.
	d = open(t, filepath.Join(t.TempDir(), "other.db"))
	d.Close()
}

func TestSecondOpenRefused(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "fleet.db")
	d := open(t, path)
	_, err := Open(context.Background(), Spec{Driver: "sqlite", Path: path})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path+"-lock") {
		t.Fatalf("second Open = %v, want ErrLocked naming %s-lock", err, path)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d = open(t, path) // released by Close
	d.Close()
}
