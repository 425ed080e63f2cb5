package login

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestListenLocalhostBothFamilies: a localhost return URL listens on
// 127.0.0.1 and, where the host has it, [::1] on the same port; if [::1]
// is taken by another process, it refuses with advice.
func TestListenLocalhostBothFamilies(t *testing.T) {
	u, _ := url.Parse("http://localhost:0/callback")
	lns, err := listen(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll(lns)
	port := u.Port()
	if port == "0" || lns[0].Addr().String() != "127.0.0.1:"+port {
		t.Fatalf("listeners %v for %s", lns, u)
	}
	probe, perr := net.Listen("tcp6", "[::1]:0")
	if perr != nil {
		if len(lns) != 1 {
			t.Fatalf("no IPv6 loopback here, yet %d listeners", len(lns))
		}
		t.Logf("no [::1] on this host: only 127.0.0.1 is checked (%v)", perr)
		return
	}
	defer probe.Close()
	if len(lns) != 2 || lns[1].Addr().String() != "[::1]:"+port {
		t.Fatalf("listeners %v, want 127.0.0.1 and [::1] on port %s", lns, port)
	}
	// [::1] taken by another process: refused, with advice.
	taken := probe.Addr().(*net.TCPAddr).Port
	if l4, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", itoa(taken))); err == nil {
		l4.Close() // the 127.0.0.1 side of that port is free
		u, _ := url.Parse("http://localhost:" + itoa(taken) + "/callback")
		if lns, err := listen(t.Context(), u); err == nil {
			closeAll(lns)
			t.Fatal("listened although another process holds [::1] on the port")
		} else if !strings.Contains(err.Error(), "http://127.0.0.1:") {
			t.Errorf("error without advice: %v", err)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
