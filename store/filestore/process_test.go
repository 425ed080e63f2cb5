package filestore_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/amazondrs/drs/store"
	"github.com/amazondrs/drs/store/filestore"
)

// The tests in this file re-run the test binary as child processes that
// TestHelperProcess turns into writers, selected by these variables.
const (
	envMode  = "DRS_FILESTORE_CHILD"
	envPath  = "DRS_FILESTORE_PATH"
	envID    = "DRS_FILESTORE_ID"
	envCount = "DRS_FILESTORE_COUNT"
	envGo    = "DRS_FILESTORE_GO"
	envStage = "DRS_FILESTORE_STAGE"
)

func childKey(child, i int) store.Key {
	return store.Key{ClientID: "child", DeviceModel: strconv.Itoa(child), Serial: strconv.Itoa(i)}
}

// bigToken is a 32 KiB token, so that a write takes long enough for a kill to
// land in the middle of it; its end marker shows it is complete.
func bigToken(i int) string {
	return fmt.Sprintf("Atzr|%d|%s|end", i, strings.Repeat("x", 32<<10))
}

// TestHelperProcess is not a test: it is the body of the child processes.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(envMode)
	if mode == "" {
		return
	}
	if err := runChild(mode); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	os.Exit(0)
}

func runChild(mode string) error {
	s, err := filestore.Open(os.Getenv(envPath))
	if err != nil {
		return err
	}
	id, _ := strconv.Atoi(os.Getenv(envID))
	n, _ := strconv.Atoi(os.Getenv(envCount))
	ctx := context.Background()
	switch mode {
	case "save":
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
			if _, err := os.Stat(os.Getenv(envGo)); err == nil {
				break
			} else if time.Now().After(deadline) {
				return fmt.Errorf("no go signal")
			}
		}
		for i := range n {
			if err := s.Save(ctx, childKey(id, i), fmt.Sprintf("Atzr|child-%d-%d", id, i)); err != nil {
				return err
			}
		}
	case "loop":
		k := childKey(0, 0)
		for i := 1; ; i++ {
			if err := s.Save(ctx, k, bigToken(i)); err != nil {
				return err
			}
			fmt.Println("saved", i)
		}
	case "stop":
		// Save 1, 2, ... and, in the middle of save n, at the write stage
		// named by envStage, say so and wait to be killed.
		stage, current := os.Getenv(envStage), 0
		filestore.SetWriteHook(func(at string) {
			if current == n && at == stage {
				fmt.Println("at", at, current)
				select {}
			}
		})
		k := childKey(0, 0)
		for current = 1; current <= n; current++ {
			if err := s.Save(ctx, k, bigToken(current)); err != nil {
				return err
			}
			fmt.Println("saved", current)
		}
		return fmt.Errorf("save %d finished without stopping at stage %q", n, stage)
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	return nil
}

func child(t *testing.T, mode, path string, id, count int, goFile string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		envMode+"="+mode, envPath+"="+path, envID+"="+strconv.Itoa(id),
		envCount+"="+strconv.Itoa(count), envGo+"="+goFile)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	return cmd
}

func TestCrossProcessWriters(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("this system has no file locks: the file store is single-process here")
	}
	const children, perChild = 4, 25
	path := tempPath(t)
	goFile := filepath.Join(t.TempDir(), "go")
	var cmds []*exec.Cmd
	for c := 1; c <= children; c++ {
		cmd := child(t, "save", path, c, perChild, goFile)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	os.WriteFile(goFile, nil, 0o600)
	// The parent writes too, through its own Store.
	s := open(t, path)
	var wg sync.WaitGroup
	for i := range perChild {
		wg.Go(func() {
			if err := s.Save(context.Background(), childKey(0, i), fmt.Sprintf("Atzr|child-0-%d", i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("child: %v", err)
		}
	}
	for c := 0; c <= children; c++ {
		for i := range perChild {
			got, err := s.Load(context.Background(), childKey(c, i))
			if want := fmt.Sprintf("Atzr|child-%d-%d", c, i); err != nil || got != want {
				t.Fatalf("Load(%v) = %q, %v; want %q (a write was lost)", childKey(c, i), got, err, want)
			}
		}
	}
}

// TestKilledWriterLeavesWholeFile SIGKILLs a child that saves a 32 KiB token
// in a loop, eight times, each time in the middle of a save at a different
// moment, and checks that the file still decodes to a complete token, with
// the other entries intact.
func TestKilledWriterLeavesWholeFile(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	s := open(t, path)
	ctx := context.Background()
	const others = 5
	for i := range others {
		if err := s.Save(ctx, childKey(1, i), bigToken(-i)); err != nil {
			t.Fatal(err)
		}
	}
	for round := range 8 {
		cmd := child(t, "loop", path, 0, 0, "")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Let the child finish a few saves, timing the last one, then kill it
		// a random time into the next save, late enough to often land while
		// the temporary file is being written, synced or renamed.
		lines := bufio.NewReader(out)
		var last, took time.Time
		acked := 0 // the last save the child reported done
		for range 2 + round%3 {
			line, err := lines.ReadString('\n')
			if _, serr := fmt.Sscanf(line, "saved %d\n", &acked); err != nil || serr != nil {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("child said %q, %v", line, err)
			}
			last, took = time.Now(), last
		}
		half := int64(last.Sub(took)) / 2
		time.Sleep(time.Duration(half + rand.Int64N(half+1)))
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		// Saves reported before the kill must not be lost: read the rest.
		for {
			line, err := lines.ReadString('\n')
			if err != nil {
				break
			}
			fmt.Sscanf(line, "saved %d\n", &acked)
		}
		cmd.Wait()

		raw, err := os.ReadFile(path)
		if err != nil || !json.Valid(raw) {
			t.Fatalf("round %d: file is not valid JSON after a kill (%d bytes, %v)", round, len(raw), err)
		}
		got, err := open(t, path).Load(ctx, childKey(0, 0))
		if err != nil {
			t.Fatalf("round %d: Load after kill: %v", round, err)
		}
		var n int
		if _, err := fmt.Sscanf(got, "Atzr|%d|", &n); err != nil || got != bigToken(n) {
			t.Fatalf("round %d: token after kill is not a complete written value (%d bytes)", round, len(got))
		}
		if n != acked && n != acked+1 {
			t.Fatalf("round %d: file holds save %d, but save %d was reported done: want it or the next", round, n, acked)
		}
		temps, _ := filepath.Glob(path + ".tmp-*")
		t.Logf("round %d: file holds save %d after the kill; %d half-written temp files left", round, n, len(temps))
		for i := range others {
			if got, err := s.Load(ctx, childKey(1, i)); err != nil || got != bigToken(-i) {
				t.Fatalf("round %d: other entry %d lost: %v", round, i, err)
			}
		}
	}
}

// TestKilledAtEachWriteStage stops a child in the middle of its third save
// at each stage of the write (half the temporary file written; the temporary
// file complete and synced; renamed) and SIGKILLs it there: the token file
// must hold the second save or, once renamed, the third, never a mix, and
// the next Save must clear the half-written temporary file.
func TestKilledAtEachWriteStage(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("needs SIGKILL")
	}
	for stage, want := range map[string]int{"partial": 2, "synced": 2, "renamed": 3} {
		t.Run(stage, func(t *testing.T) {
			t.Parallel()
			path := tempPath(t)
			ctx := context.Background()
			other := childKey(1, 0)
			if err := open(t, path).Save(ctx, other, bigToken(-1)); err != nil {
				t.Fatal(err)
			}
			cmd := child(t, "stop", path, 0, 3, "", envStage+"="+stage)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := bufio.NewReader(out)
			for {
				line, err := lines.ReadString('\n')
				if err != nil {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("child exited before stopping at %s: %v", stage, err)
				}
				if strings.HasPrefix(line, "at ") {
					break
				}
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()

			temps, _ := filepath.Glob(path + ".tmp-*")
			if stage != "renamed" {
				if len(temps) != 1 {
					t.Fatalf("%d temporary files after a kill at %s, want the one being written", len(temps), stage)
				}
				tmp, _ := os.ReadFile(temps[0])
				if json.Valid(tmp) != (stage == "synced") {
					t.Fatalf("temporary file after a kill at %s: valid JSON = %v (%d bytes)", stage, json.Valid(tmp), len(tmp))
				}
			}
			s := open(t, path)
			if got, err := s.Load(ctx, childKey(0, 0)); err != nil || got != bigToken(want) {
				t.Fatalf("after a kill at %s: Load = %d bytes, %v; want save %d", stage, len(got), err, want)
			}
			if got, err := s.Load(ctx, other); err != nil || got != bigToken(-1) {
				t.Fatalf("after a kill at %s: other entry lost: %v", stage, err)
			}
			if err := s.Save(ctx, childKey(0, 0), bigToken(4)); err != nil {
				t.Fatal(err)
			}
			if temps, _ := filepath.Glob(path + ".tmp-*"); len(temps) != 0 {
				t.Errorf("temporary files %v still there after the next Save", temps)
			}
		})
	}
}
