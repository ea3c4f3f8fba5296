//go:build unix

package flock

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// ErrLocked is returned by Lock when another process holds the lock.
var ErrLocked = errors.New("locked by another process")

// Lock opens name (creating it 0600; a symbolic link is refused) and takes
// an exclusive lock on it without waiting. The lock lasts until the
// returned file is closed or the process ends.
func Lock(name string) (*os.File, error) {
	return lock(name, unix.LOCK_NB)
}

// Wait is Lock that waits for another process to release the lock
// instead of returning ErrLocked.
func Wait(name string) (*os.File, error) {
	return lock(name, 0)
}

func lock(name string, flags int) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|flags)
		if !errors.Is(err, unix.EINTR) { // a signal interrupted the wait
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, ErrLocked
		}
		return nil, err
	}
	return f, nil
}
