// Package ipc is the transport of the agent's local API (docs/design.md §4): a unix
// socket in a private directory on Linux and macOS, a named pipe on Windows.
// Only the user who runs the agent may connect. Listening also takes the
// one-agent-per-user lock, so that a single process rotates the token.
package ipc

import (
	"context"
	"errors"
	"net"
)

// The API is here, the same on every OS; the OS files (listen_unix.go,
// path_*.go, ipc_windows.go) implement it unexported.

// DefaultPath is where the agent listens for the current user: on Linux
// $XDG_RUNTIME_DIR/walkme-agent/agent.sock (or /tmp/walkme-agent-<uid>/ without
// a runtime directory), on macOS $TMPDIR/walkme-agent/agent.sock, on Windows
// the pipe \\.\pipe\walkme-agent-<user SID>.
func DefaultPath() string { return defaultPath() }

// Listen listens on path for the current user only, and takes the
// one-agent-per-user lock until the listener closes (ErrAlreadyRunning when
// another agent holds it). Connections from other users never reach Accept.
func Listen(path string) (net.Listener, error) { return listen(path) }

// Dial connects to the agent listening on path; ErrNotRunning when none does.
func Dial(ctx context.Context, path string) (net.Conn, error) { return dial(ctx, path) }

// ErrAlreadyRunning is returned by Listen when another agent of the same user
// holds the lock.
var ErrAlreadyRunning = errors.New("another walkme-agent is already running for this user")

// ErrNotRunning is returned by Dial when no agent listens on the path.
var ErrNotRunning = errors.New("walkme-agent is not running")
