package browserhost

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/walkme/session-agent/packaging/nativehost"
)

// userDescription marks the per-user manifests the agent writes, so that
// it removes only its own.
const userDescription = "WalkMe Session Agent (this user's, from BrowserExtensions)"

// SetUser makes the per-user host registrations admit exactly chromeIDs
// (Chrome/Edge/Chromium) and firefoxIDs, starting host (the program the
// system-wide manifest starts): the browsers read a user's registration
// before the machine's, so the extensions set by policy are the ones that
// may start the host, beyond those the package was built with. With no IDs
// at all it removes the registrations it wrote (RemoveUser). It never
// replaces a per-user manifest it did not write.
func SetUser(host string, chromeIDs, firefoxIDs []string) error {
	if len(chromeIDs) == 0 && len(firefoxIDs) == 0 {
		return RemoveUser()
	}
	chromium, firefox, err := nativehost.Manifests(host, chromeIDs, firefoxIDs)
	if err != nil {
		return err
	}
	locs, err := userLocations()
	if err != nil {
		return err
	}
	var errs []error
	for _, l := range locs {
		m := chromium
		if l.Firefox() {
			m = firefox
		}
		if (l.Firefox() && len(firefoxIDs) == 0) || (!l.Firefox() && len(chromeIDs) == 0) {
			errs = append(errs, removeUser(l))
			continue
		}
		errs = append(errs, writeUser(l, describe(m)))
	}
	return errors.Join(errs...)
}

// RemoveUser removes the per-user registrations SetUser wrote.
func RemoveUser() error {
	locs, err := userLocations()
	if err != nil {
		return err
	}
	var errs []error
	for _, l := range locs {
		errs = append(errs, removeUser(l))
	}
	return errors.Join(errs...)
}

// describe replaces a manifest's description with userDescription.
func describe(manifest []byte) []byte {
	var m nativehost.Manifest
	_ = json.Unmarshal(manifest, &m) // nativehost.Manifests wrote it
	m.Description = userDescription
	b, _ := json.MarshalIndent(m, "", "  ")
	return append(b, '\n')
}

// ours reports whether file is a manifest SetUser wrote, or absent.
func ours(file string) (bool, error) {
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	var m nativehost.Manifest
	return json.Unmarshal(b, &m) == nil && m.Description == userDescription, nil
}

// writeFile writes a manifest SetUser owns, creating its folder; it
// refuses to replace one it does not own.
func writeFile(file string, manifest []byte) error {
	if mine, err := ours(file); err != nil || !mine {
		return errors.Join(err, fmt.Errorf("%s: a host manifest not written by the agent; leaving it", file))
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, manifest, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

// removeFile removes a manifest SetUser wrote; anything else stays.
func removeFile(file string) error {
	if mine, err := ours(file); err != nil || !mine {
		return err
	}
	if err := os.Remove(file); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
