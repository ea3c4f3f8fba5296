//go:build !linux && !darwin && !windows

package config

// DefaultMachineFile is the machine-wide config file (as on Linux).
func DefaultMachineFile() string { return "/etc/walkme-agent/config.json" }
