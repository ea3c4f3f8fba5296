//go:build unix

package testenv

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Exclusive holds the machine-wide lock called name until the test ends.
// go test runs the test binaries of different packages at once, so tests
// in different packages that change the same machine-wide state (install
// the agent's package with dpkg) take the same lock and so take turns.
// Call it first: cleanups run last-registered first, so the lock is
// released after the cleanups that undo the state (a purge).
//
// It is an flock(2) on a file in the temporary directory: the kernel
// releases it when the process dies, so a killed test leaves no stale lock.
func Exclusive(t testing.TB, name string) {
	t.Helper()
	path := lockPath(name)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatalf("lock %s: %v", name, err)
	}
	err = flock(f, syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		t.Logf("waiting for another test binary to release the %s lock (%s)", name, path)
		err = flock(f, syscall.LOCK_EX)
	}
	if err != nil {
		f.Close()
		t.Fatalf("lock %s: %v", name, err)
	}
	t.Cleanup(func() { f.Close() }) // closing the file releases the lock
}

func lockPath(name string) string {
	return filepath.Join(os.TempDir(), "walkme-test-"+name+".lock")
}

// flock is flock(2), retried when a signal interrupts it.
func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
