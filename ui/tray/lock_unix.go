//go:build unix

package tray

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/walkme/session-agent/internal/flock"
)

// lock takes the one-tray-per-session lock: an flock on tray.lock next to
// the agent's socket. That directory is per user and private (0700, the
// agent's single-instance lock lives there too), the kernel drops the lock
// when the tray dies however it dies, and it needs no D-Bus: the tray's
// shared session-bus connection belongs to systray, and a bus name would
// only scope the lock to whichever bus the tray happened to find.
func lock(socket string) (io.Closer, error) {
	dir := filepath.Dir(socket)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("tray lock: %w", err)
	}
	name := filepath.Join(dir, "tray.lock")
	f, err := flock.Lock(name)
	switch {
	case errors.Is(err, flock.ErrLocked):
		return nil, fmt.Errorf("%w (it holds %s)", ErrAlreadyRunning, name)
	case err != nil:
		return nil, fmt.Errorf("tray lock %s: %w", name, err)
	}
	return f, nil
}
