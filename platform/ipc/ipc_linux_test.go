package ipc

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/internal/testenv"
)

func TestDefaultPathLinux(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/1000")
	if got, want := DefaultPath(), "/run/user/1000/walkme-agent/agent.sock"; got != want {
		t.Errorf("DefaultPath() = %q, want %q", got, want)
	}
	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv("TMPDIR", "")
	want := "/tmp/walkme-agent-" + strconv.Itoa(os.Getuid()) + "/agent.sock"
	if got := DefaultPath(); got != want {
		t.Errorf("DefaultPath() without XDG_RUNTIME_DIR = %q, want %q", got, want)
	}
}

const childEnv = "WALKME_IPC_TEST_CHILD"

// A client of another uid reaches the socket (the test opens the directory
// and socket modes for it) and is cut off before it reads a byte, while the
// owner's own connection gets its answer.
func TestRefusesPeerOfAnotherUID(t *testing.T) {
	testenv.Root(t)
	top := testenv.PublicDir(t)
	path := filepath.Join(top, "a", "agent.sock")
	mustListen(t, path)
	// For this test only: let uid 65534 reach the socket, so that the
	// peer-uid check is what stops it.
	if err := os.Chmod(filepath.Dir(path), 0o711); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o666); err != nil {
		t.Fatal(err)
	}
	cmd := testenv.AsNobody(exec.Command(testenv.PublicCopy(t, os.Args[0]), "-test.run=^TestChildClient$", "-test.v", "-test.count=1"))
	cmd.Env = append(os.Environ(), childEnv+"=TestChildClient", "WALKME_IPC_TEST_PATH="+path)
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestChildClient")) {
		t.Fatalf("client as uid 65534: %v\n%s", err, out)
	}
	hello(t, path) // the owner still gets through
}

// TestChildClient runs as uid 65534: it connects, and must be disconnected
// without receiving anything.
func TestChildClient(t *testing.T) {
	if os.Getenv(childEnv) != t.Name() {
		t.Skip("run as a child process by TestRefusesPeerOfAnotherUID")
	}
	if os.Getuid() != testenv.Nobody {
		t.Fatalf("running as uid %d", os.Getuid())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, os.Getenv("WALKME_IPC_TEST_PATH"))
	if err != nil {
		t.Fatalf("connect: %v (the test should have made the socket reachable)", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(c)
	if len(got) != 0 {
		t.Fatalf("another user's client received %q", got)
	}
	if err != nil && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("read: %v, want EOF or reset (connection closed by the agent)", err)
	}
}
