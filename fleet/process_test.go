package fleet_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/amazondrs/drs/fleet"
	"github.com/amazondrs/drs/fleet/api"
	"github.com/amazondrs/drs/fleet/db"
)

// childEnv names the SQLite file a re-executed test binary serves: the
// child process of the kill -9 and SIGTERM tests.
const childEnv = "DRS_FLEET_TEST_CHILD_DB"

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		os.Exit(runChild(path))
	}
	os.Exit(m.Run())
}

// runChild serves path until SIGTERM, printing its addresses as one JSON
// line on stdout; logs go to stderr.
func runChild(path string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	srv, err := fleet.New(ctx, fleet.Config{DB: db.Spec{Driver: "sqlite", Path: path}, Listen: "127.0.0.1:0",
		AdminListen: "127.0.0.1:0", AdminToken: adminToken, Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf(`{"public":"http://%s","admin":"http://%s"}`+"\n", srv.Addr(), srv.AdminAddr())
	if err := srv.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

type child struct {
	cmd           *exec.Cmd
	public, admin string
	stderr        *logBuffer
}

// startChild re-executes the test binary as a server on path.
func startChild(t *testing.T, path string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, stderr: &logBuffer{}}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Wait()
		t.Fatalf("the child did not start: %v; stderr:\n%s", err, c.stderr)
	}
	var addrs struct{ Public, Admin string }
	if err := json.Unmarshal([]byte(line), &addrs); err != nil {
		t.Fatalf("child said %q: %v", line, err)
	}
	c.public, c.admin = addrs.Public, addrs.Admin
	return c
}

// TestKill9LosesNothingAcknowledged provisions devices from several
// goroutines, kills the server with SIGKILL while requests are in flight,
// and checks that every device whose 201 arrived is there after a restart.
func TestKill9LosesNothingAcknowledged(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "fleet.db")
	c := startChild(t, path)
	// The file lock holds across processes too.
	if _, err := fleet.New(t.Context(), fleet.Config{DB: db.Spec{Driver: "sqlite", Path: path}, Listen: "127.0.0.1:0",
		AdminListen: "127.0.0.1:0", AdminToken: adminToken}); !errors.Is(err, db.ErrLocked) {
		t.Fatalf("a server beside the child: %v, want db.ErrLocked", err)
	}
	var (
		mu    sync.Mutex
		acked []api.AdminDevice
		wg    sync.WaitGroup
	)
	enough := make(chan struct{})
	var once sync.Once
	client := &http.Client{Timeout: 10 * time.Second}
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				body := fmt.Sprintf(`{"model":"M","serial":"G%d-%d"}`, g, i)
				req, _ := http.NewRequest("POST", c.admin+"/admin/v1/devices", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+adminToken)
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				var d api.AdminDevice
				err = json.NewDecoder(resp.Body).Decode(&d)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusCreated {
					return // killed mid-answer: not acknowledged
				}
				mu.Lock()
				acked = append(acked, d)
				if len(acked) >= 40 {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}()
	}
	gaveUp := make(chan struct{})
	go func() { wg.Wait(); close(gaveUp) }()
	select {
	case <-enough:
	case <-gaveUp:
		t.Fatalf("the clients stopped before 40 acknowledgements (%d); child stderr:\n%s", len(acked), c.stderr)
	}
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	c.cmd.Wait()
	wg.Wait()
	s := start(t, path)
	if code, b := do(t, "GET", s.public+"/readyz", "", ""); code != http.StatusOK {
		t.Fatalf("/readyz after kill -9: %d %s", code, b)
	}
	for _, d := range acked {
		code, b := do(t, "GET", s.public+"/v1/device", d.DeviceToken, "")
		if code != http.StatusOK || decode[api.DeviceView](t, b).ID != d.ID {
			t.Errorf("acknowledged device %s (%s) after kill -9: %d %s", d.ID, d.Serial, code, b)
		}
	}
	t.Logf("%d devices acknowledged before kill -9, all present", len(acked))
}

// TestSIGTERMDrains stops a server process with SIGTERM: it exits 0 after
// draining, keeps what it acknowledged and releases the file lock.
func TestSIGTERMDrains(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "fleet.db")
	c := startChild(t, path)
	code, b := do(t, "POST", c.admin+"/admin/v1/devices", adminToken, `{"model":"M","serial":"S1"}`)
	if code != http.StatusCreated {
		t.Fatalf("provision: %d %s", code, b)
	}
	dev := decode[api.AdminDevice](t, b)
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("after SIGTERM: %v; stderr:\n%s", err, c.stderr)
	}
	for _, w := range []string{`"msg":"draining","deadline":"20s"`, `"msg":"stopped"`} {
		if !strings.Contains(c.stderr.String(), w) {
			t.Errorf("the log lacks %s:\n%s", w, c.stderr)
		}
	}
	s := start(t, path)
	if code, _ := do(t, "GET", s.public+"/v1/device", dev.DeviceToken, ""); code != http.StatusOK {
		t.Errorf("the device after SIGTERM and restart: %d", code)
	}
}

// TestDrainFinishesInFlight starts a request, stops the server while its
// body is still arriving, and checks that the request is answered in full
// and kept: Run waits for it before returning.
func TestDrainFinishesInFlight(t *testing.T) {
	t.Parallel()
	s := start(t, "")
	addr := strings.TrimPrefix(s.admin, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"model":"M","serial":"inflight"}`
	head := "POST /admin/v1/devices HTTP/1.1\r\nHost: " + addr + "\r\nAuthorization: Bearer " + adminToken +
		"\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	// 100 Continue comes when the handler starts reading the body: the
	// request is in flight.
	br := bufio.NewReader(conn)
	if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != http.StatusContinue {
		t.Fatalf("want 100 Continue, got %v, %v", resp, err)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- s.stop() }()
	// Wait until the server has closed its listener: it is draining.
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		select {
		case <-t.Context().Done():
			t.Fatal("the server never stopped listening")
		default:
		}
	}
	if _, err := io.WriteString(conn, body); err != nil {
		t.Fatalf("%v; server log:\n%s", err, s.logs)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("the in-flight request got no answer: %v", err)
	}
	dev := decode[api.AdminDevice](t, mustRead(t, resp.Body))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("the in-flight request: %d", resp.StatusCode)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("Run after draining: %v", err)
	}
	s = start(t, s.path)
	if code, _ := do(t, "GET", s.public+"/v1/device", dev.DeviceToken, ""); code != http.StatusOK {
		t.Errorf("the device created while draining: %d after a restart", code)
	}
}

func mustRead(t *testing.T, r io.ReadCloser) []byte {
	t.Helper()
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
