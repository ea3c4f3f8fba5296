// Package policy reads the managed policy that IT sets for the agent through
// MDM or Group Policy, as config layers whose values are locked:
//
//   - Linux: /etc/walkme-agent/policy.json (a JSON object)
//   - macOS: /Library/Managed Preferences/com.walkme.agent.plist, then
//     /Library/Managed Preferences/<user>/com.walkme.agent.plist
//   - Windows: HKLM\SOFTWARE\Policies\WalkMe\Agent, then
//     HKCU\SOFTWARE\Policies\WalkMe\Agent
//
// The keys are the PascalCase keys of agent/config everywhere. The machine's
// policy comes first and wins over the user's for the same key: it is the
// admin's. A source that does not exist contributes nothing.
package policy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/walkme/session-agent/agent/config"
	"howett.net/plist"
)

// The API is here, the same on every OS; paths_unix.go and
// registry_windows.go implement it unexported.

// Read returns the managed policy layers of this machine, machine before
// user. No policy is no layers and no error.
func Read() ([]config.Layer, error) { return read() }

// Watch signals when any policy source changed (polled every interval),
// until ctx ends. On Windows it also signals changes of the machine
// configuration key (MachineKey).
func Watch(ctx context.Context, every time.Duration) <-chan struct{} { return watch(ctx, every) }

// Machine returns the machine configuration layers that live outside files,
// for config.Options.Machine: on Windows the registry key the MSI writes
// (MachineKey under HKLM, unlocked, below the machine file); none elsewhere.
func Machine() ([]config.Layer, error) { return machine() }

// MachineKey is the registry key, under HKLM, where the MSI writes the
// machine configuration from its properties (SERVER_URL and the others): one
// value per key, REG_SZ for strings and durations, REG_MULTI_SZ for lists,
// REG_DWORD for DevMode. It is not a policy key: its values are not locked.
const MachineKey = `SOFTWARE\WalkMe\Agent`

// Where each OS keeps managed policy.
const (
	LinuxFile             = "/etc/walkme-agent/policy.json"  // a JSON object
	MacManagedPreferences = "/Library/Managed Preferences"   // forced by MDM profiles
	MacDomain             = "com.walkme.agent"               // the preference domain (<MacDomain>.plist)
	WindowsKey            = `SOFTWARE\Policies\WalkMe\Agent` // under HKLM, then HKCU
)

// ReadFrom reads policy files, most authoritative first, as policy layers.
// A file ending in .plist is a property list (XML or binary); any other is
// JSON. Missing files are skipped. Read uses it with the OS's paths; tests
// use it with their own.
func ReadFrom(paths ...string) ([]config.Layer, error) {
	var layers []config.Layer
	var errs []error
	for _, p := range paths {
		l, err := readFile(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			errs = append(errs, err)
		default:
			layers = append(layers, l)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return layers, nil
}

func readFile(path string) (config.Layer, error) {
	src := config.Source{Kind: config.KindPolicy, Path: path}
	data, err := os.ReadFile(path)
	if err != nil {
		return config.Layer{}, &config.Error{Source: src, Err: err}
	}
	var values map[string]any
	if strings.EqualFold(filepath.Ext(path), ".plist") {
		values, err = parsePlist(data)
	} else {
		values, err = config.ParseJSON(data)
	}
	if err != nil {
		return config.Layer{}, &config.Error{Source: src, Err: err}
	}
	return config.Layer{Source: src, Values: values}, nil
}

// parsePlist decodes a property list whose root is a dictionary.
func parsePlist(data []byte) (map[string]any, error) {
	var root any
	if _, err := plist.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	values, ok := root.(map[string]any)
	if !ok {
		return nil, errors.New("the property list must hold a dictionary of settings")
	}
	return values, nil
}

// WatchFrom is Watch for the given files (see ReadFrom).
func WatchFrom(ctx context.Context, every time.Duration, paths ...string) <-chan struct{} {
	return poll(ctx, every, func() string { return filesState(paths) })
}

// filesState fingerprints the files: whether each exists, its size and
// modification time. Any change means "read the policy again".
func filesState(paths []string) string {
	var b strings.Builder
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			b.WriteString("-\n")
			continue
		}
		fmt.Fprintf(&b, "%d %d %v\n", fi.ModTime().UnixNano(), fi.Size(), fi.Mode())
	}
	return b.String()
}
