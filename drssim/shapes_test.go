package drssim_test

import (
	"bufio"
	"encoding/base64"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/amazondrs/drs/drssim"
)

// rawResponse sends req over a plain TCP connection and returns the status
// line, the header lines exactly as sent, and the body.
func rawResponse(t *testing.T, addr, req string) (string, []string, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatalf("write: %v", err)
	}
	br := bufio.NewReader(conn)
	status, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("read status: %v", err)
	}
	var lines []string
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("read header: %v", err)
		}
		if l = strings.TrimRight(l, "\r\n"); l == "" {
			break
		}
		lines = append(lines, l)
	}
	var body strings.Builder
	_, _ = br.WriteTo(&body)
	return strings.TrimSpace(status), lines, body.String()
}

// headerNames returns the names of raw header lines, as spelled.
func headerNames(lines []string) map[string]bool {
	out := map[string]bool{}
	for _, l := range lines {
		name, _, _ := strings.Cut(l, ":")
		out[name] = true
	}
	return out
}

// TestWireHeaderSpelling checks that raw-socket clients find Amazon's header
// spellings: x-amzn-RequestId and x-amzn-type-version on success,
// x-amzn-ErrorType on errors (docs/wire.md, "Response headers"), from DRS and LWA alike,
// and that a fault's header replaces, not duplicates, one of them.
func TestWireHeaderSpelling(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	tok := e.link(drssim.LinkRequest{Serial: "SN-wire", TestDevice: true}).AccessToken
	drsReq := func(token string) string {
		return "POST /replenish/coffee-beans HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n" +
			"Authorization: Bearer " + token + "\r\n" +
			"x-amzn-type-version: " + typePrefix + "DrsReplenishInput@1.0\r\n" +
			"x-amzn-accept-type: " + typePrefix + "DrsReplenishResult@1.0\r\n\r\n"
	}
	tokenReq := "POST /auth/o2/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" +
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 24\r\n\r\ngrant_type=refresh_token"
	tests := []struct {
		name, req, status string
		want, notWant     []string
	}{
		{"replenish", drsReq(tok), "HTTP/1.1 200 OK", []string{"x-amzn-RequestId", "x-amzn-type-version"}, []string{"X-Amzn-Requestid", "X-Amzn-Type-Version", "x-amzn-ErrorType"}},
		{"bad token", drsReq("nope"), "HTTP/1.1 400 Bad Request", []string{"x-amzn-RequestId", "x-amzn-ErrorType"}, []string{"X-Amzn-Errortype", "X-Amzn-Requestid"}},
		{"token endpoint error", tokenReq, "HTTP/1.1 400 Bad Request", []string{"x-amzn-RequestId", "x-amzn-ErrorType"}, []string{"X-Amzn-Requestid", "X-Amzn-Errortype"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, lines, _ := rawResponse(t, e.s.Addr(), tt.req)
			if status != tt.status {
				t.Fatalf("status line %q, want %q; headers %q", status, tt.status, lines)
			}
			names := headerNames(lines)
			for _, n := range tt.want {
				if !names[n] {
					t.Errorf("no %s header as spelled; got %q", n, lines)
				}
			}
			for _, n := range tt.notWant {
				if names[n] {
					t.Errorf("header %s sent; got %q", n, lines)
				}
			}
		})
	}

	// A fault's headers take Amazon's spelling and replace the stamped value.
	wantStatus(t, e.postJSON("/_emulator/faults", `{"endpoint":"replenish","status":500,"headers":{"X-AMZN-REQUESTID":"fault-id","x-amzn-errortype":"InternalFailure:x"}}`), http.StatusCreated)
	_, lines, _ := rawResponse(t, e.s.Addr(), drsReq(tok))
	var ids, types []string
	for _, l := range lines {
		name, v, _ := strings.Cut(l, ":")
		switch strings.ToLower(name) {
		case "x-amzn-requestid":
			ids = append(ids, name+":"+strings.TrimSpace(v))
		case "x-amzn-errortype":
			types = append(types, name+":"+strings.TrimSpace(v))
		}
	}
	if len(ids) != 1 || ids[0] != "x-amzn-RequestId:fault-id" || len(types) != 1 || types[0] != "x-amzn-ErrorType:InternalFailure:x" {
		t.Errorf("faulted headers: request IDs %q, error types %q", ids, types)
	}
}

// TestReplenishBodyShape checks the replenish answer byte for byte:
// detailCode first, then an eventInstanceId of 116 characters,
// "amzn1.dash.v2.o." and base64 of "r.<uuid>.<uuid>" (docs/wire.md, "Replenish").
func TestReplenishBodyShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	tok := e.link(drssim.LinkRequest{Serial: "SN-shape", TestDevice: true}).AccessToken
	bodyRe := regexp.MustCompile(`^\{"detailCode":"(TEST_ORDER_PLACED|ORDER_INPROGRESS)","eventInstanceId":"(amzn1\.dash\.v2\.o\.([A-Za-z0-9]+))"\}$`)
	uuidPair := regexp.MustCompile(`^r\.[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	var first string
	for i, want := range []string{"TEST_ORDER_PLACED", "ORDER_INPROGRESS"} {
		r := e.drs(http.MethodPost, "/replenish/coffee-beans", tok, "replenish", "")
		wantStatus(t, r, http.StatusOK)
		m := bodyRe.FindStringSubmatch(string(r.body))
		if m == nil || m[1] != want {
			t.Fatalf("call %d: body %s, want detailCode %s first and an eventInstanceId", i, r.body, want)
		}
		if len(m[2]) != 116 {
			t.Errorf("eventInstanceId %q is %d characters, want 116", m[2], len(m[2]))
		}
		raw, err := base64.StdEncoding.DecodeString(m[3])
		if err != nil || !uuidPair.Match(raw) {
			t.Errorf("eventInstanceId payload %q decodes to %q (%v), want r.<uuid>.<uuid>", m[3], raw, err)
		}
		if i == 0 {
			first = m[2]
		} else if m[2] != first {
			t.Errorf("ORDER_INPROGRESS names %s, want the open order %s", m[2], first)
		}
	}
	// The ID works in GetOrderInfo's path.
	wantStatus(t, e.drs(http.MethodGet, "/getOrderInfo/"+first, tok, "orderInfo", ""), http.StatusOK)
}

// TestTokenShape checks that access and refresh tokens are about as long as
// LWA's (460 characters, docs/wire.md, "The answer") and use LWA's alphabet.
func TestTokenShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	link := e.link(drssim.LinkRequest{Serial: "SN-len"})
	tokRe := regexp.MustCompile(`^Atz[ar]\|IwEBI[A-Za-z0-9_-]+$`)
	refreshed := tokenOK(t, e.postForm("/auth/o2/token", refreshForm(link.RefreshToken))).AccessToken
	for _, tok := range []string{link.AccessToken, link.RefreshToken, refreshed} {
		if len(tok) != 460 || !tokRe.MatchString(tok) {
			t.Errorf("token %q: %d characters, want 460 of Atza|/Atzr|IwEBI and URL-safe base64", tok, len(tok))
		}
	}
}
