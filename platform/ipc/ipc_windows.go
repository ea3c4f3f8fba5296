package ipc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// defaultPath is the agent's pipe for the current user:
// \\.\pipe\walkme-agent-<user SID>. Pipe names are machine-wide, hence the SID.
func defaultPath() string {
	sid, err := userSID()
	if err != nil {
		return `\\.\pipe\walkme-agent`
	}
	return `\\.\pipe\walkme-agent-` + sid
}

func userSID() (string, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", fmt.Errorf("ipc: current user: %w", err)
	}
	return u.User.Sid.String(), nil
}

// listen creates the named pipe path with a DACL that admits only the current
// user (protected, so nothing is inherited).
//
// Two things make it the single-instance lock: an exclusively opened lock
// file in the user's %LOCALAPPDATA%\WalkMe, held for the listener's life, and
// go-winio's first-instance semantics (it creates the pipe with FILE_CREATE,
// which fails if the pipe exists; Wine does not enforce that, the file lock
// works everywhere). Either way listen fails with ErrAlreadyRunning.
func listen(path string) (net.Listener, error) {
	sid, err := userSID()
	if err != nil {
		return nil, err
	}
	lock, err := lockFile(path)
	if err != nil {
		return nil, err
	}
	l, err := winio.ListenPipe(path, &winio.PipeConfig{
		SecurityDescriptor: pipeSDDL(sid),
	})
	if err != nil {
		windows.CloseHandle(lock)
		if isTaken(err) {
			return nil, fmt.Errorf("%w (it holds %s)", ErrAlreadyRunning, path)
		}
		return nil, fmt.Errorf("ipc: listen: %w", err)
	}
	return &pipeListener{Listener: l, lock: lock}, nil
}

// pipeSDDL is the pipe's security descriptor: owned by the user, and a
// protected DACL with one entry, full access for the user's SID.
func pipeSDDL(sid string) string { return "O:" + sid + "D:P(A;;GA;;;" + sid + ")" }

// lockFile opens, with no sharing, a lock file named after the pipe in the
// user's own local app data: a second open fails while the first is held.
func lockFile(path string) (windows.Handle, error) {
	base, err := os.UserCacheDir() // %LOCALAPPDATA%
	if err != nil {
		return 0, fmt.Errorf("ipc: no local app data directory: %w", err)
	}
	dir := filepath.Join(base, "WalkMe")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, fmt.Errorf("ipc: %w", err)
	}
	name := filepath.Join(dir, lockName(path))
	name16, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return 0, fmt.Errorf("ipc: %w", err)
	}
	h, err := windows.CreateFile(name16, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil,
		windows.OPEN_ALWAYS, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if errors.Is(err, windows.ERROR_SHARING_VIOLATION) {
		return 0, fmt.Errorf("%w (it holds %s)", ErrAlreadyRunning, name)
	}
	if err != nil {
		return 0, fmt.Errorf("ipc: lock %s: %w", name, err)
	}
	return h, nil
}

// lockName turns a pipe path into a file name: \\.\pipe\walkme-agent-S-1-5-21-...
// becomes walkme-agent-S-1-5-21-....lock.
func lockName(path string) string {
	name := path[strings.LastIndexByte(path, '\\')+1:]
	return strings.Map(func(r rune) rune {
		if r < ' ' || strings.ContainsRune(`<>:"/\|?*`, r) {
			return '_'
		}
		return r
	}, name) + ".lock"
}

type pipeListener struct {
	net.Listener
	lock      windows.Handle
	closeOnce sync.Once
}

// Close stops listening, then releases the lock.
func (l *pipeListener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { windows.CloseHandle(l.lock) })
	return err
}

func isTaken(err error) bool {
	return errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_PIPE_BUSY) ||
		errors.Is(err, windows.ERROR_ALREADY_EXISTS) || errors.Is(err, windows.ERROR_FILE_EXISTS)
}

// dial connects to the agent's pipe.
func dial(ctx context.Context, path string) (net.Conn, error) {
	c, err := winio.DialPipeContext(ctx, path)
	if errors.Is(err, windows.ERROR_FILE_NOT_FOUND) {
		return nil, fmt.Errorf("%w (no agent listens on %s)", ErrNotRunning, path)
	}
	if err != nil {
		return nil, fmt.Errorf("ipc: dial: %w", err)
	}
	return c, nil
}
