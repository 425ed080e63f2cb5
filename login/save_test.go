package login_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/drssim/drssimtest"
	"github.com/amazondrs/drs/login"
	"github.com/amazondrs/drs/store"
)

// flakyStore fails its first fails saves.
type flakyStore struct {
	*store.MemoryStore
	mu    sync.Mutex
	fails int
}

func (f *flakyStore) Save(ctx context.Context, k store.Key, rt string) error {
	f.mu.Lock()
	fail := f.fails > 0
	f.fails--
	f.mu.Unlock()
	if fail {
		return errors.New("disk full")
	}
	return f.MemoryStore.Save(ctx, k, rt)
}

// TestSaveFailureLosesNothing: a save that fails after Amazon linked the
// device is retried; while it recovers the customer sees "Device linked";
// when it does not, the page says Amazon linked the device and saving
// failed, Wait reports drs.ErrTokenNotSaved with the token, and the Client
// keeps it.
func TestSaveFailureLosesNothing(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fails int
		saved bool
	}{{"recovers", 2, true}, {"keeps failing", 1 << 30, false}} {
		t.Run(tc.name, func(t *testing.T) {
			s := emulator(t)
			dev := drs.Device{Model: drssim.DefaultModel, Serial: "SN-save", TestDevice: true}
			st := &flakyStore{MemoryStore: store.Memory(), fails: tc.fails}
			c := emuClient(t, s, drs.WithTokenStore(st, dev.Model, dev.Serial, drs.OnSaveError(func(error) {})))
			var logged strings.Builder
			var logMu sync.Mutex
			h, _ := agent(t, login.Config{SaveRetry: 500 * time.Millisecond,
				Logger: slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logged}, nil))})
			link := start(t, h, c, dev, nil)
			page, err := drssimtest.NewBrowser("").Link(t.Context(), link, "allow")
			if err != nil {
				t.Fatal(err)
			}
			tok, werr := h.Wait(t.Context(), c)
			saved, _ := st.Load(t.Context(), dev.Key(c.ClientID()))
			if tc.saved {
				if page.Status != http.StatusOK || werr != nil || saved != tok.RefreshToken {
					t.Fatalf("HTTP %d %q, Wait %v, saved %v", page.Status, page.Title(), werr, saved != "")
				}
				return
			}
			if page.Status != http.StatusInternalServerError || page.Title() != "Device linked, but not saved" ||
				!strings.Contains(page.Body, "Amazon linked your device") {
				t.Errorf("HTTP %d %q: %s", page.Status, page.Title(), page.Body)
			}
			if !errors.Is(werr, drs.ErrTokenNotSaved) || tok.RefreshToken == "" || c.RefreshToken() != tok.RefreshToken || saved != "" {
				t.Errorf("Wait = %v (token %v, kept %v), saved %v; want ErrTokenNotSaved with the token kept", werr,
					tok.RefreshToken != "", c.RefreshToken() != "", saved != "")
			}
			// The page says the operator has been told: the log does, with
			// the device and the error, never the token.
			logMu.Lock()
			log := logged.String()
			logMu.Unlock()
			if !strings.Contains(log, "token could not be saved") || !strings.Contains(log, dev.Key(c.ClientID()).String()) ||
				!strings.Contains(log, "disk full") || strings.Contains(log, tok.RefreshToken) {
				t.Errorf("log %q: want the failure with the device key and the error, without the token", log)
			}
			if d, ok := s.Device(drssim.DefaultClientID, dev.Model, dev.Serial); !ok || !d.Registered {
				t.Error("the device is not linked at Amazon")
			}
		})
	}
}

// lockedWriter serializes writes to w.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
