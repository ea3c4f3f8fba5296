//go:build unix

package ipc

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestRoundTripAndModes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "walkme-agent", "agent.sock")
	mustListen(t, path)
	hello(t, path)
	hello(t, path)
	for name, want := range map[string]os.FileMode{filepath.Dir(path): 0o700, path: 0o600} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", name, got, want)
		}
	}
	if fi, _ := os.Stat(path); fi.Mode().Type() != os.ModeSocket {
		t.Errorf("%s is not a socket", path)
	}
}

func TestSecondListenIsAlreadyRunning(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "agent.sock")
	first := mustListen(t, path)
	if _, err := Listen(path); !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second Listen = %v, want ErrAlreadyRunning", err)
	}
	hello(t, path) // the first agent is unharmed
	// Once the first agent stops, the lock is free again.
	first.Close()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("socket still there after Close: %v", err)
	}
	mustListen(t, path)
	hello(t, path)
}

func TestStaleSocketReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "agent.sock")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	// A crashed agent: its socket file stays, nobody listens, no lock held.
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	stale.SetUnlinkOnClose(false)
	stale.Close()
	if _, err := Dial(context.Background(), path); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Dial on a stale socket = %v, want ErrNotRunning", err)
	}
	mustListen(t, path)
	hello(t, path)
}

func TestDialNobody(t *testing.T) {
	_, err := Dial(context.Background(), filepath.Join(t.TempDir(), "agent.sock"))
	if !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Dial = %v, want ErrNotRunning", err)
	}
}

func TestRefusesUnsafeDirectory(t *testing.T) {
	open := filepath.Join(t.TempDir(), "open")
	if err := os.Mkdir(open, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(open, 0o755) // whatever the umask
	if _, err := Listen(filepath.Join(open, "agent.sock")); err == nil || !strings.Contains(err.Error(), "chmod 700") {
		t.Errorf("Listen in a 0755 dir = %v, want a refusal", err)
	}
	target := filepath.Join(t.TempDir(), "target")
	os.Mkdir(target, 0o700)
	link := filepath.Join(t.TempDir(), "link")
	os.Symlink(target, link)
	if _, err := Listen(filepath.Join(link, "agent.sock")); err == nil {
		t.Error("Listen through a symlinked dir succeeded")
	}
	notSock := filepath.Join(t.TempDir(), "d", "agent.sock")
	os.MkdirAll(filepath.Dir(notSock), 0o700)
	os.WriteFile(notSock, []byte("keep me"), 0o600)
	if _, err := Listen(notSock); err == nil {
		t.Error("Listen replaced a regular file")
	}
	if b, _ := os.ReadFile(notSock); string(b) != "keep me" {
		t.Error("the regular file was changed")
	}
}

func TestRefusesDirectoryOfAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown")
	}
	dir := filepath.Join(t.TempDir(), "theirs")
	os.Mkdir(dir, 0o700)
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	_, err := Listen(filepath.Join(dir, "agent.sock"))
	if err == nil || !strings.Contains(err.Error(), "uid "+strconv.Itoa(65534)) {
		t.Fatalf("Listen in another user's dir = %v, want a refusal", err)
	}
}

func TestDefaultPath(t *testing.T) {
	p := DefaultPath()
	if filepath.Base(p) != "agent.sock" || !strings.Contains(p, "walkme-agent") {
		t.Fatalf("DefaultPath() = %q", p)
	}
}
