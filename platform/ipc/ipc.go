// Package ipc is the transport of the agent's local API (docs/design.md §4): a unix
// socket in a private directory on Linux and macOS, a named pipe on Windows.
// Only the user who runs the agent may connect. Listening also takes the
// one-agent-per-user lock, so that a single process rotates the token.
package ipc

import "errors"

// ErrAlreadyRunning is returned by Listen when another agent of the same user
// holds the lock.
var ErrAlreadyRunning = errors.New("another walkme-agent is already running for this user")

// ErrNotRunning is returned by Dial when no agent listens on the path.
var ErrNotRunning = errors.New("walkme-agent is not running")
