package config

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

// registryAccess opens the 64-bit view, where the MSI (64-bit components)
// and Group Policy write, whatever this binary's architecture.
const registryAccess = registry.QUERY_VALUE | registry.WOW64_64KEY

// ReadRegistryKey reads the values of the registry key root\path (in the
// 64-bit view) as a layer from src: one value per key, named like the keys
// of Config. A missing key is (Layer{}, false, nil). Values are typed as
// Load accepts them: REG_SZ a string (durations too), REG_EXPAND_SZ a
// string with its %VARIABLES% expanded, REG_DWORD and REG_QWORD an integer
// (DevMode takes 0 or 1), REG_MULTI_SZ a list. The key's (Default) value is
// ignored. Windows only: the machine layer and platform/policy use it.
func ReadRegistryKey(root registry.Key, path string, src Source) (Layer, bool, error) {
	key, err := registry.OpenKey(root, path, registryAccess)
	if errors.Is(err, registry.ErrNotExist) {
		return Layer{}, false, nil
	}
	if err != nil {
		return Layer{}, false, &Error{Source: src, Err: err}
	}
	defer key.Close()
	names, err := key.ReadValueNames(0)
	if err != nil {
		return Layer{}, false, &Error{Source: src, Err: err}
	}
	values := make(map[string]any, len(names))
	for _, name := range names {
		if name == "" {
			continue // the key's (Default) value is not a setting
		}
		v, err := registryValue(key, name)
		if err != nil {
			return Layer{}, false, &Error{Source: src, Key: name, Err: err}
		}
		values[name] = v
	}
	return Layer{Source: src, Values: values}, true, nil
}

// registryValue reads one value as ReadRegistryKey describes.
func registryValue(key registry.Key, name string) (any, error) {
	_, typ, err := key.GetValue(name, nil)
	if err != nil {
		return nil, err
	}
	switch typ {
	case registry.SZ:
		s, _, err := key.GetStringValue(name)
		return s, err
	case registry.EXPAND_SZ:
		s, _, err := key.GetStringValue(name)
		if err != nil {
			return nil, err
		}
		return registry.ExpandString(s)
	case registry.DWORD:
		n, _, err := key.GetIntegerValue(name)
		return uint32(n), err
	case registry.QWORD:
		n, _, err := key.GetIntegerValue(name)
		return n, err
	case registry.MULTI_SZ:
		list, _, err := key.GetStringsValue(name)
		return list, err
	}
	return nil, fmt.Errorf("registry type %d is not supported (use REG_SZ, REG_DWORD or REG_MULTI_SZ)", typ)
}
