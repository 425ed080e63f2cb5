package drs_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amazondrs/drs"
)

// TestEchoedSecretsAreRedacted: a server that echoes what it was sent (the
// bearer token, the refresh token, the client secret) in its error message,
// headers or body must not get them into an error string, an error field or
// a debug log line, and the error must stay inspectable.
func TestEchoedSecretsAreRedacted(t *testing.T) {
	f := newFake(t)
	f.handle("/replenish/", func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		w.Header().Set("X-Amzn-Errortype", "ValidationException for "+auth+":x")
		w.Header().Set("X-Amzn-Requestid", "id-"+auth)
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"message":"slot refused for %s","echo":%q}`, auth, auth)
	})
	f.handle("/subscriptionInfo", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"unexpected":%q}`, r.Header.Get("Authorization")) // a 2xx that is not the JSON expected
	})
	var logs bytes.Buffer
	c := f.client(drs.WithDebug(true), drs.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))

	_, err := c.Replenish(t.Context(), "slot-1")
	var e *drs.Error
	if !errors.As(err, &e) || e.Code != 400 || !errors.Is(err, drs.ErrHTTP) {
		t.Fatalf("err = %v, want an HTTP 400 *drs.Error", err)
	}
	access := c.Token().AccessToken
	if access == "" {
		t.Fatal("the client holds no access token")
	}
	for what, s := range map[string]string{"Error()": err.Error(), "%#v": fmt.Sprintf("%#v", err), "Message": e.Message,
		"ErrorType": e.ErrorType, "RequestID": e.RequestID, "Body": string(e.Body)} {
		assertNoSecrets(t, what, s, access)
		if !strings.Contains(s, "[redacted]") && what != "%#v" {
			t.Errorf("%s = %q, want the token replaced by [redacted]", what, s)
		}
	}
	if !strings.Contains(e.Message, "slot refused for Bearer") {
		t.Errorf("Message = %q, want the rest of the text kept", e.Message)
	}

	_, err = c.SubscriptionInfo(t.Context())
	e = wantCode(t, err, drs.CodeGeneral)
	assertNoSecrets(t, "decode error body", string(e.Body), access)

	// LWA echoing the refresh token and the client secret.
	g := newFake(t)
	g.mux.HandleFunc("POST /auth/o2/token/echo", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"error":"invalid_grant","error_description":"refresh token %s is not valid for secret %s"}`,
			r.PostForm.Get("refresh_token"), r.PostForm.Get("client_secret"))
	})
	ep := g.endpoints()
	ep.TokenURL += "/echo"
	logs.Reset()
	c = g.client(drs.WithEndpoints(ep), drs.WithDebug(true), drs.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	_, err = c.Replenish(t.Context(), "slot-1")
	e = wantCode(t, err, drs.CodeNotAuthenticated)
	if !errors.Is(err, drs.ErrNotAuthenticated) || e.OAuthError != "invalid_grant" {
		t.Errorf("err = %v, want invalid_grant matching ErrNotAuthenticated", err)
	}
	for what, s := range map[string]string{"Error()": err.Error(), "%#v": fmt.Sprintf("%#v", err), "OAuthErrorDescription": e.OAuthErrorDescription} {
		assertNoSecrets(t, what, s)
	}
	if want := "refresh token [redacted] is not valid for secret [redacted]"; e.OAuthErrorDescription != want {
		t.Errorf("OAuthErrorDescription = %q, want %q", e.OAuthErrorDescription, want)
	}
	assertNoSecrets(t, "debug output", logs.String(), access)
}

// TestRefreshKeepsTokenSetMeanwhile: a refresh that completes after
// SetRefreshToken must not put the old device's tokens back.
func TestRefreshKeepsTokenSetMeanwhile(t *testing.T) {
	f := newFake(t)
	f.handle("/", jsonReply(200, orderJSON))
	hold := make(chan struct{})
	f.mu.Lock()
	f.tokenHold = hold
	f.rotateTo = "Atzr|rotated-by-lwa"
	f.mu.Unlock()
	var mu sync.Mutex
	var hooked []string
	c := f.client(drs.WithTokenChange(func(tk drs.Token) { mu.Lock(); hooked = append(hooked, tk.RefreshToken); mu.Unlock() }))
	done := make(chan error, 1)
	go func() { _, err := c.Replenish(t.Context(), "s"); done <- err }()
	for f.tokens.Load() == 0 { // the refresh is in flight
		time.Sleep(time.Millisecond)
	}
	c.SetRefreshToken("Atzr|set-by-caller")
	close(hold)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if tok := c.Token(); tok.RefreshToken != "Atzr|set-by-caller" || tok.AccessToken != "" {
		t.Errorf("after the refresh the client holds %v, want the caller's refresh token and no access token", tok)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(hooked) != 0 {
		t.Errorf("token-change hook called with %q for a token the caller replaced", hooked)
	}
}

// TestSubscriptionInfoVersionFromHeader: the result version is the one DRS
// names, not merely the one asked for.
func TestSubscriptionInfoVersionFromHeader(t *testing.T) {
	f := newFake(t)
	f.handle("/subscriptionInfo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amzn-Type-Version", "com.amazon.dash.replenishment.DrsSubscriptionInfoResult@1.0")
		jsonReply(200, `{"slotsSubscriptionStatus":{"a":true}}`)(w, r)
	})
	res, err := f.client().SubscriptionInfo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.Version != "1.0" || !res.Slots["a"].Subscribed {
		t.Errorf("Version = %q, slots %v; want 1.0 as the header says", res.Version, res.Slots)
	}
}

func TestEmulatorHostEnvMustBeHostPort(t *testing.T) {
	for _, bad := range []string{"http://127.0.0.1:8181", "127.0.0.1", "127.0.0.1:8181/drs", "user@127.0.0.1:1"} {
		t.Setenv(drs.EmulatorHostEnv, bad)
		_, err := drs.New("id", "secret")
		if drs.Code(err) != drs.CodeGeneral || !strings.Contains(err.Error(), drs.EmulatorHostEnv) {
			t.Errorf("%s=%q: New error = %v, want code 1010 naming the variable", drs.EmulatorHostEnv, bad, err)
		}
		if _, err := drs.New("id", "secret", drs.WithEndpoints(drs.NAEndpoints)); err != nil {
			t.Errorf("an explicit endpoint option must win over a bad %s: %v", drs.EmulatorHostEnv, err)
		}
	}
	t.Setenv(drs.EmulatorHostEnv, "[::1]:8181")
	c, err := drs.New("id", "secret")
	if err != nil || c.Endpoints().DRS != "http://[::1]:8181" {
		t.Errorf("IPv6 host:port: %v, %+v", err, c)
	}
}
