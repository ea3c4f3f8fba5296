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

// Read returns the managed policy layers of this machine, machine before
// user. No policy is no layers and no error.
func Read() ([]config.Layer, error) { return readKeys(policyKeys()) }

// Watch signals when any policy key changed (its last-write time, polled
// every interval), until ctx ends. It also watches the machine configuration
// the MSI writes (config.WindowsMachineKey, not policy): the agent reloads on
// either, so an MSI repair or upgrade with new properties applies at once.
func Watch(ctx context.Context, every time.Duration) <-chan struct{} {
	keys := append(policyKeys(), regKey{registry.LOCAL_MACHINE, "HKLM", config.WindowsMachineKey})
	return poll(ctx, every, func() string { return keysState(keys) })
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

// access opens the 64-bit view, where Group Policy writes, whatever this
// binary's architecture.
const access = registry.QUERY_VALUE | registry.WOW64_64KEY

// readKey reads the values of one key; a missing key is (_, false, nil).
func readKey(k regKey) (config.Layer, bool, error) {
	return config.ReadRegistryKey(k.root, k.path, k.source())
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
