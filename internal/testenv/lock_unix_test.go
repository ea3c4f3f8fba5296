//go:build unix

package testenv

import (
	"errors"
	"os"
	"testing"

	"github.com/walkme/session-agent/internal/flock"
)

// TestExclusive: while a test holds the lock, another holder (another open
// file, as another test binary has) cannot take it; when that test ends,
// it can.
func TestExclusive(t *testing.T) {
	name := "exclusive-test-" + t.Name()
	defer os.Remove(lockPath(name))
	t.Run("holder", func(t *testing.T) {
		Exclusive(t, name)
		if f, err := flock.Lock(lockPath(name)); !errors.Is(err, flock.ErrLocked) {
			if f != nil {
				f.Close()
			}
			t.Fatalf("a second holder took the lock while the test held it (%v)", err)
		}
	})
	f, err := flock.Lock(lockPath(name))
	if err != nil {
		t.Fatalf("the lock was not released when the test ended: %v", err)
	}
	f.Close()
}
