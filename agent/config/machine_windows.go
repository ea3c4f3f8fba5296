package config

import "golang.org/x/sys/windows/registry"

// defaultMachineLayers reads the machine registry key the MSI writes
// (WindowsMachineKey under HKLM), then the machine file, which wins key by
// key: the registry holds what was chosen when the MSI was installed, while
// the file is what IT writes on this machine afterwards, so it is the later
// and more deliberate choice (and it keeps the meaning it had before the MSI
// wrote the registry).
func defaultMachineLayers() ([]Layer, []error) {
	var layers []Layer
	var errs []error
	src := Source{Kind: KindRegistry, Path: `HKLM\` + WindowsMachineKey}
	switch l, ok, err := ReadRegistryKey(registry.LOCAL_MACHINE, WindowsMachineKey, src); {
	case err != nil:
		errs = append(errs, err)
	case ok:
		layers = append(layers, l)
	}
	return readOptional(layers, errs, Source{Kind: KindMachine, Path: DefaultMachineFile()})
}
