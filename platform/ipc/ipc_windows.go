package ipc

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// DefaultPath is the agent's pipe for the current user:
// \\.\pipe\walkme-agent-<user SID>. Pipe names are machine-wide, hence the SID.
func DefaultPath() string {
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

// Listen creates the named pipe path with a DACL that admits only the current
// user (protected, so nothing is inherited). go-winio creates the first
// instance with FILE_CREATE (first-instance semantics): if the pipe already
// exists, another agent of this user runs, and Listen fails with
// ErrAlreadyRunning.
func Listen(path string) (net.Listener, error) {
	sid, err := userSID()
	if err != nil {
		return nil, err
	}
	l, err := winio.ListenPipe(path, &winio.PipeConfig{
		SecurityDescriptor: "O:" + sid + "D:P(A;;GA;;;" + sid + ")",
	})
	if isTaken(err) {
		return nil, fmt.Errorf("%w (it holds %s)", ErrAlreadyRunning, path)
	}
	if err != nil {
		return nil, fmt.Errorf("ipc: listen: %w", err)
	}
	return l, nil
}

func isTaken(err error) bool {
	return errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_PIPE_BUSY) ||
		errors.Is(err, windows.ERROR_ALREADY_EXISTS) || errors.Is(err, windows.ERROR_FILE_EXISTS)
}

// Dial connects to the agent's pipe.
func Dial(ctx context.Context, path string) (net.Conn, error) {
	c, err := winio.DialPipeContext(ctx, path)
	if errors.Is(err, windows.ERROR_FILE_NOT_FOUND) {
		return nil, fmt.Errorf("%w (no agent listens on %s)", ErrNotRunning, path)
	}
	if err != nil {
		return nil, fmt.Errorf("ipc: dial: %w", err)
	}
	return c, nil
}
