//go:build unix && !darwin

package ipc

import (
	"os"
	"path/filepath"
	"strconv"
)

// defaultPath is where the agent's socket lives for the current user:
// $XDG_RUNTIME_DIR/walkme-agent/agent.sock, or /tmp/walkme-agent-<uid>/agent.sock
// when the session has no runtime directory.
func defaultPath() string {
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		return filepath.Join(dir, "walkme-agent", "agent.sock")
	}
	return filepath.Join(os.TempDir(), "walkme-agent-"+strconv.Itoa(os.Getuid()), "agent.sock")
}
