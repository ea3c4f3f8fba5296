package browserhost

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/walkme/session-agent/packaging/nativehost"
	"golang.org/x/sys/windows/registry"
)

// userLocations are this user's registrations on Windows: the HKCU keys
// that mirror the machine's HKLM ones (Locations).
func userLocations() ([]Location, error) {
	return Locations("windows"), nil
}

// userManifest is the file an HKCU registration names: one per kind, in
// %LOCALAPPDATA%\WalkMe\Agent.
func userManifest(l Location) (string, error) {
	dir, err := os.UserCacheDir() // %LOCALAPPDATA%
	if err != nil {
		return "", err
	}
	name := nativehost.Name + ".json"
	if l.Firefox() {
		name = nativehost.Name + ".firefox.json"
	}
	return filepath.Join(dir, "WalkMe", "Agent", name), nil
}

func writeUser(l Location, manifest []byte) error {
	file, err := userManifest(l)
	if err != nil {
		return err
	}
	if err := writeFile(file, manifest); err != nil {
		return err
	}
	k, _, err := registry.CreateKey(registry.CURRENT_USER, l.Path, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	return k.SetStringValue("", file)
}

func removeUser(l Location) error {
	file, err := userManifest(l)
	if err != nil {
		return err
	}
	k, err := registry.OpenKey(registry.CURRENT_USER, l.Path, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return removeFile(file)
	}
	if err != nil {
		return err
	}
	named, _, _ := k.GetStringValue("")
	k.Close()
	if named != file {
		return nil // another program's registration
	}
	if err := registry.DeleteKey(registry.CURRENT_USER, l.Path); err != nil {
		return err
	}
	return removeFile(file)
}
