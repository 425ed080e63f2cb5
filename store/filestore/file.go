package filestore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/amazondrs/drs/store"
)

// formatVersion is the version of the file layout this package writes; it
// refuses to touch a file with a higher one.
const formatVersion = 1

// fileData is the whole file:
//
//	{"version": 1,
//	 "tokens": {"CLIENT/MODEL/SERIAL": {"client_id": ..., "device_model": ...,
//	            "serial": ..., "refresh_token": ..., "updated_at": ...}},
//	 "states": {"STATE": {"client_id": ..., ..., "expires": ...}}}
type fileData struct {
	Version int                   `json:"version"`
	Tokens  map[string]tokenEntry `json:"tokens"`
	States  map[string]stateEntry `json:"states,omitempty"`
}

type tokenEntry struct {
	ClientID     string    `json:"client_id"`
	DeviceModel  string    `json:"device_model"`
	Serial       string    `json:"serial"`
	RefreshToken string    `json:"refresh_token"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func newTokenEntry(k store.Key, rt string, now time.Time) tokenEntry {
	return tokenEntry{ClientID: k.ClientID, DeviceModel: k.DeviceModel, Serial: k.Serial, RefreshToken: rt, UpdatedAt: now.UTC()}
}

func (e tokenEntry) key() store.Key {
	return store.Key{ClientID: e.ClientID, DeviceModel: e.DeviceModel, Serial: e.Serial}
}

// check reports an error wrapping ErrCorruptEntry if e, the entry stored under
// k's name, cannot be read: it names another device or holds no token.
func (e tokenEntry) check(k store.Key) error {
	const advice = "; delete the key or fix the entry, a save never overwrites it"
	switch {
	case e.key() != k:
		return fmt.Errorf("%w: the entry's client_id, device_model and serial do not match its name%s", ErrCorruptEntry, advice)
	case e.RefreshToken == "":
		return fmt.Errorf("%w: the entry has no refresh token%s", ErrCorruptEntry, advice)
	}
	return nil
}

// keyEscaper escapes the separator, so that keys whose fields contain "/"
// get distinct map keys; ordinary keys read exactly as Key.String().
var keyEscaper = strings.NewReplacer("%", "%25", "/", "%2F")

func mapKey(k store.Key) string {
	return keyEscaper.Replace(k.ClientID) + "/" + keyEscaper.Replace(k.DeviceModel) + "/" + keyEscaper.Replace(k.Serial)
}

// readFile decodes the file at path; a missing or empty file is an empty
// store. Errors about the content wrap ErrCorrupt and never quote it.
func readFile(path string) (fileData, error) {
	d := fileData{Version: formatVersion}
	b, err := readRegular(path)
	if errors.Is(err, fs.ErrNotExist) {
		b, err = nil, nil
	}
	if err != nil {
		return d, err
	}
	if len(bytes.TrimSpace(b)) > 0 {
		d = fileData{}
		if err := json.Unmarshal(b, &d); err != nil {
			return d, fmt.Errorf("%w (%s); fix or remove the file, it is never overwritten", ErrCorrupt, describeJSONError(err))
		}
		switch {
		case d.Version == 0:
			return d, fmt.Errorf("%w (no format version); fix or remove the file, it is never overwritten", ErrCorrupt)
		case d.Version < 0:
			return d, fmt.Errorf("%w (negative format version); fix or remove the file, it is never overwritten", ErrCorrupt)
		case d.Version > formatVersion:
			return d, fmt.Errorf("%w: format version %d is newer than this program's (%d); upgrade it", ErrCorrupt, d.Version, formatVersion)
		}
	}
	if d.Tokens == nil {
		d.Tokens = make(map[string]tokenEntry)
	}
	if d.States == nil {
		d.States = make(map[string]stateEntry)
	}
	return d, nil
}

// readRegular reads the regular file at path, refusing a symbolic link (the
// open does not follow it) and anything else that is not a regular file.
func readRegular(path string) ([]byte, error) {
	f, err := openNoFollow(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (mode %s)", path, fi.Mode())
	}
	return io.ReadAll(f)
}

// linkError returns an error wrapping ErrSymlink if path is a symbolic link,
// naming where it points, and nil otherwise.
func linkError(path string) error {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return nil
	}
	target, _ := os.Readlink(path)
	return fmt.Errorf("%s (to %q) %w", path, target, ErrSymlink)
}

// openNoFollow opens path like os.OpenFile without following a symbolic
// link at path itself: one there is an error wrapping ErrSymlink.
func openNoFollow(path string, flag int, perm fs.FileMode) (*os.File, error) {
	if err := linkError(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, flag|oNoFollow, perm)
	if err != nil {
		if lerr := linkError(path); lerr != nil { // planted since the check
			return nil, lerr
		}
		return nil, err
	}
	return f, nil
}

// describeJSONError says where the JSON is wrong without quoting any of it.
func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		// Value is "number 1e400" for a number out of range: keep the kind only.
		kind, _, _ := strings.Cut(typ.Value, " ")
		return fmt.Sprintf("field %q holds a JSON %s, want %s", typ.Field, kind, typ.Type)
	default:
		return "invalid JSON"
	}
}

// testHookWrite, set only by tests (see export_test.go), is called at these
// points of writeFile, so that a test can kill the process exactly there:
// "partial" (half the bytes in the temporary file), "synced" (the temporary
// file complete and fsynced, not yet renamed) and "renamed" (renamed, the
// directory not yet fsynced).
var testHookWrite func(stage string)

// writeFile writes d to path atomically: a temporary file in the same
// directory is written, fsynced and renamed over path, then the directory is
// fsynced so the rename itself is durable.
func writeFile(path string, d fileData) (err error) {
	d.Version = formatVersion
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return err
	}
	if err = writeAll(f, b); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	hook("synced")
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	hook("renamed")
	return syncDir(dir)
}

// writeAll writes b to f, in two halves around the "partial" hook when a test
// set one.
func writeAll(f *os.File, b []byte) error {
	if testHookWrite != nil {
		if _, err := f.Write(b[:len(b)/2]); err != nil {
			return err
		}
		hook("partial")
		b = b[len(b)/2:]
	}
	_, err := f.Write(b)
	return err
}

func hook(stage string) {
	if testHookWrite != nil {
		testHookWrite(stage)
	}
}

// sweepTemps removes temporary files left by a writer that died between
// creating and renaming one. The caller holds the cross-process lock, so no
// live writer owns any of them.
func sweepTemps(path string) {
	dir, prefix := filepath.Dir(path), filepath.Base(path)+".tmp-"
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) && e.Type().IsRegular() {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
