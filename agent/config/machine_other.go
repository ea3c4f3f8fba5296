//go:build !windows

package config

// defaultMachineLayers reads the machine file (DefaultMachineFile).
func defaultMachineLayers() ([]Layer, []error) {
	return readOptional(nil, nil, Source{Kind: KindMachine, Path: DefaultMachineFile()})
}
