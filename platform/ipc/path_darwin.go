package ipc

import (
	"os"
	"path/filepath"
)

// defaultPath is where the agent's socket lives for the current user:
// $TMPDIR/walkme-agent/agent.sock ($TMPDIR is per user on macOS, under
// /var/folders), or ~/Library/Application Support/WalkMe/agent.sock without it.
func defaultPath() string {
	if dir := os.Getenv("TMPDIR"); dir != "" {
		return filepath.Join(dir, "walkme-agent", "agent.sock")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, "Library", "Application Support", "WalkMe", "agent.sock")
}
