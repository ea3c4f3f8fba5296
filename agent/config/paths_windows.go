package config

import (
	"os"
	"path/filepath"
)

// DefaultMachineFile is the machine-wide config file the MSI writes
// (its SERVER_URL and other properties end up here).
func DefaultMachineFile() string {
	dir := os.Getenv("ProgramData")
	if dir == "" {
		dir = `C:\ProgramData`
	}
	return filepath.Join(dir, "WalkMe", "Agent", "config.json")
}
