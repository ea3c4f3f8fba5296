//go:build unix

package testenv

import (
	"errors"
	"os"
	"syscall"
	"testing"
)

// TestExclusive: while a test holds the lock, another holder (another open
// file, as another test binary has) cannot take it; when that test ends,
// it can.
func TestExclusive(t *testing.T) {
	name := "exclusive-test-" + t.Name()
	other, err := os.OpenFile(lockPath(name), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	defer os.Remove(lockPath(name))
	t.Run("holder", func(t *testing.T) {
		Exclusive(t, name)
		if err := flock(other, syscall.LOCK_EX|syscall.LOCK_NB); !errors.Is(err, syscall.EWOULDBLOCK) {
			t.Fatalf("a second holder took the lock while the test held it (%v)", err)
		}
	})
	if err := flock(other, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatalf("the lock was not released when the test ended: %v", err)
	}
}
