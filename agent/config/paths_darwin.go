package config

// DefaultMachineFile is the machine-wide config file the packages install.
func DefaultMachineFile() string { return "/Library/Application Support/WalkMe/config.json" }
