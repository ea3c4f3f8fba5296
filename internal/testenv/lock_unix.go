//go:build unix

package testenv

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/walkme/session-agent/internal/flock"
)

// Exclusive holds the machine-wide lock called name until the test ends.
// go test runs the test binaries of different packages at once, so tests
// in different packages that change the same machine-wide state (install
// the agent's package with dpkg) take the same lock and so take turns.
// Call it first: cleanups run last-registered first, so the lock is
// released after the cleanups that undo the state (a purge).
//
// It is an flock(2) on a file in the temporary directory (internal/flock):
// the kernel releases it when the process dies, so a killed test leaves no
// stale lock.
func Exclusive(t testing.TB, name string) {
	t.Helper()
	path := lockPath(name)
	f, err := flock.Lock(path)
	if errors.Is(err, flock.ErrLocked) {
		t.Logf("waiting for another test binary to release the %s lock (%s)", name, path)
		f, err = flock.Wait(path)
	}
	if err != nil {
		t.Fatalf("lock %s: %v", name, err)
	}
	t.Cleanup(func() { f.Close() }) // closing the file releases the lock
}

func lockPath(name string) string {
	return filepath.Join(os.TempDir(), "walkme-test-"+name+".lock")
}
