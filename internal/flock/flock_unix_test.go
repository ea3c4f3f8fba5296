//go:build unix

package flock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestLockIsExclusiveUntilClosed(t *testing.T) {
	name := filepath.Join(t.TempDir(), "x.lock")
	f, err := Lock(name)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(name); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("lock file: %v, %v; want mode 0600", fi, err)
	}
	if _, err := Lock(name); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Lock = %v, want ErrLocked", err)
	}
	f.Close()
	g, err := Lock(name)
	if err != nil {
		t.Fatalf("Lock after Close: %v", err)
	}
	g.Close()
}

func TestLockRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "link.lock")
	if err := os.Symlink(filepath.Join(dir, "target"), link); err != nil {
		t.Fatal(err)
	}
	if f, err := Lock(link); err == nil {
		f.Close()
		t.Fatal("Lock followed a symbolic link")
	}
}

// Wait takes the lock once its holder lets it go, not before.
func TestWaitTakesTheLockWhenReleased(t *testing.T) {
	name := filepath.Join(t.TempDir(), "x.lock")
	held, err := Lock(name)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		f, err := Wait(name)
		if err == nil {
			f.Close()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("Wait returned (%v) while another holder had the lock", err)
	case <-time.After(200 * time.Millisecond):
	}
	held.Close()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("Wait after the release: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not take the released lock within 10 s")
	}
}
