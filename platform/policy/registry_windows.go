package policy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/walkme/session-agent/agent/config"
	"golang.org/x/sys/windows/registry"
)

// regKey is one registry key that may hold policy.
type regKey struct {
	root registry.Key
	name string // HKLM or HKCU, for messages
	path string
}

func (k regKey) source() config.Source {
	return config.Source{Kind: config.KindPolicy, Path: k.name + `\` + k.path}
}

// policyKeys are where Group Policy and Intune write the agent's policy,
// most authoritative first.
func policyKeys() []regKey {
	return []regKey{
		{registry.LOCAL_MACHINE, "HKLM", WindowsKey},
		{registry.CURRENT_USER, "HKCU", WindowsKey},
	}
}

func read() ([]config.Layer, error) { return readKeys(policyKeys()) }

// machineKey is the machine configuration the MSI writes (not policy).
func machineKey() regKey { return regKey{registry.LOCAL_MACHINE, "HKLM", MachineKey} }

// watch polls the keys' last-write times. It also watches the machine
// configuration key: the agent reloads on either, so an MSI repair or
// upgrade with new properties applies at once.
func watch(ctx context.Context, every time.Duration) <-chan struct{} {
	keys := append(policyKeys(), machineKey())
	return poll(ctx, every, func() string { return keysState(keys) })
}

func machine() ([]config.Layer, error) {
	k := machineKey()
	l, ok, err := readRegistryKey(k.root, k.path, config.Source{Kind: config.KindRegistry, Path: k.name + `\` + k.path})
	if err != nil || !ok {
		return nil, err
	}
	return []config.Layer{l}, nil
}

func readKeys(keys []regKey) ([]config.Layer, error) {
	var layers []config.Layer
	var errs []error
	for _, k := range keys {
		l, ok, err := readKey(k)
		switch {
		case err != nil:
			errs = append(errs, err)
		case ok:
			layers = append(layers, l)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return layers, nil
}

// access opens the 64-bit view, where the MSI (64-bit components) and Group
// Policy write, whatever this binary's architecture.
const access = registry.QUERY_VALUE | registry.WOW64_64KEY

// readKey reads the values of one key; a missing key is (_, false, nil).
func readKey(k regKey) (config.Layer, bool, error) {
	return readRegistryKey(k.root, k.path, k.source())
}

// keysState fingerprints the keys by existence and last-write time, which
// changes whenever a value is set or deleted.
func keysState(keys []regKey) string {
	var b strings.Builder
	for _, k := range keys {
		key, err := registry.OpenKey(k.root, k.path, access)
		if err != nil {
			b.WriteString("-\n")
			continue
		}
		if info, err := key.Stat(); err == nil {
			fmt.Fprintf(&b, "%d %d\n", info.ModTime().UnixNano(), info.ValueCount)
		}
		key.Close()
	}
	return b.String()
}

// readRegistryKey reads the values of the registry key root\path (in the
// 64-bit view) as a layer from src: one value per key, named like the keys
// of config.Config. A missing key is (Layer{}, false, nil). Values are typed
// as config.Load accepts them: REG_SZ a string (durations too),
// REG_EXPAND_SZ a string with its %VARIABLES% expanded, REG_DWORD and
// REG_QWORD an integer (DevMode takes 0 or 1), REG_MULTI_SZ a list. The
// key's (Default) value is ignored.
func readRegistryKey(root registry.Key, path string, src config.Source) (config.Layer, bool, error) {
	key, err := registry.OpenKey(root, path, access)
	if errors.Is(err, registry.ErrNotExist) {
		return config.Layer{}, false, nil
	}
	if err != nil {
		return config.Layer{}, false, &config.Error{Source: src, Err: err}
	}
	defer key.Close()
	names, err := key.ReadValueNames(0)
	if err != nil {
		return config.Layer{}, false, &config.Error{Source: src, Err: err}
	}
	values := make(map[string]any, len(names))
	for _, name := range names {
		if name == "" {
			continue // the key's (Default) value is not a setting
		}
		v, err := registryValue(key, name)
		if err != nil {
			return config.Layer{}, false, &config.Error{Source: src, Key: name, Err: err}
		}
		values[name] = v
	}
	return config.Layer{Source: src, Values: values}, true, nil
}

// registryValue reads one value as readRegistryKey describes.
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
