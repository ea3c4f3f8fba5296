//go:build unix

package ipc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"

	"github.com/walkme/session-agent/internal/flock"
	"golang.org/x/sys/unix"
)

// listen listens on the unix socket path, for the current user only:
//   - the socket's directory is created 0700 and refused if it belongs to
//     someone else or is open to group or others;
//   - an exclusive flock on agent.lock in that directory, held until the
//     listener closes, is the one-agent-per-user lock (ErrAlreadyRunning);
//   - a stale socket left by a crashed agent is replaced;
//   - the socket is 0600, and every accepted connection whose peer is
//     another uid is closed at once (logged at WARN), so Accept only returns
//     the user's own.
func listen(path string) (net.Listener, error) {
	dir := filepath.Dir(path)
	if err := privateDir(dir); err != nil {
		return nil, err
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	l, err := listenSocket(path)
	if err != nil {
		lock.Close()
		return nil, err
	}
	return &listener{UnixListener: l, lock: lock, uid: os.Getuid(), log: slog.Default()}, nil
}

// privateDir makes sure dir exists, is a real directory of ours, and is
// closed to everyone else.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("ipc: create %s: %w", dir, err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return fmt.Errorf("ipc: %s: %w", dir, err)
	}
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFDIR:
		return fmt.Errorf("ipc: %s is not a directory (a symlink?): refusing to put the agent's socket there", dir)
	case int(st.Uid) != os.Getuid():
		return fmt.Errorf("ipc: %s belongs to uid %d, not to this user (uid %d): refusing to use it; remove it",
			dir, st.Uid, os.Getuid())
	case st.Mode&0o077 != 0:
		return fmt.Errorf("ipc: %s has mode %04o, open to other users: refusing to use it; run chmod 700 %s",
			dir, st.Mode&0o7777, dir)
	}
	return nil
}

// lockDir takes the single-instance lock. The lock file is never removed:
// removing it would let two agents lock two different files.
func lockDir(dir string) (*os.File, error) {
	name := filepath.Join(dir, "agent.lock")
	f, err := flock.Lock(name)
	switch {
	case errors.Is(err, flock.ErrLocked):
		return nil, fmt.Errorf("%w (it holds %s)", ErrAlreadyRunning, name)
	case err != nil:
		return nil, fmt.Errorf("ipc: lock %s: %w", name, err)
	}
	return f, nil
}

// listenSocket binds path, first removing a socket a dead agent left (we hold
// the lock, so no live agent owns it). Anything else at path is left alone.
func listenSocket(path string) (*net.UnixListener, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != fs.ModeSocket {
			return nil, fmt.Errorf("ipc: %s exists and is not a socket: refusing to replace it", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("ipc: remove stale socket: %w", err)
		}
	}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("ipc: listen: %w", err)
	}
	// Between bind and chmod the socket has the umask's mode, but its
	// directory is already 0700, so nobody else can reach it meanwhile.
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, fmt.Errorf("ipc: chmod socket: %w", err)
	}
	return l, nil
}

type listener struct {
	*net.UnixListener
	lock      *os.File
	uid       int
	log       *slog.Logger
	closeOnce sync.Once
}

// Accept returns the next connection from the listening user; connections
// from anyone else are closed before a byte is read or written.
func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.AcceptUnix()
		if err != nil {
			return nil, err
		}
		uid, err := peerUID(c)
		if err == nil && uid == l.uid {
			return c, nil
		}
		l.log.Warn("ipc: refused a local API connection from another user", "peer_uid", uid, "err", err)
		c.Close()
	}
}

// Close stops listening, removes the socket and then releases the lock, in
// that order, so a successor never has its fresh socket removed by us.
func (l *listener) Close() error {
	err := l.UnixListener.Close()
	l.closeOnce.Do(func() { l.lock.Close() })
	return err
}

// peerUID returns the uid of the process at the other end of c, as the
// kernel recorded it at connect time.
func peerUID(c *net.UnixConn) (int, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return -1, err
	}
	uid := -1
	var credErr error
	if err := raw.Control(func(fd uintptr) { uid, credErr = peerUIDOf(int(fd)) }); err != nil {
		return -1, err
	}
	return uid, credErr
}

// dial connects to the agent listening on path.
func dial(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ECONNREFUSED) {
		return nil, fmt.Errorf("%w (no agent listens on %s)", ErrNotRunning, path)
	}
	if err != nil {
		return nil, fmt.Errorf("ipc: dial: %w", err)
	}
	return c, nil
}
