// Package browserhost finds the browsers' registrations of the agent's
// native-messaging host (docs/products.md §2): the host manifests the
// packages install where each browser looks for system-wide hosts, so that
// `walkme-agent doctor` can tell an admin whether the WalkMe extension can
// reach the agent, and for which extension IDs.
package browserhost

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/walkme/session-agent/browser/extension"
	"github.com/walkme/session-agent/packaging/nativehost"
)

// Location is where one browser looks for a system-wide host manifest.
type Location struct {
	Browser string // chrome, chromium, edge or firefox
	// Path is the manifest file; on Windows, the HKLM registry key whose
	// default value names the manifest file.
	Path string
}

// Firefox reports whether l is a Firefox location (whose manifests admit
// add-on IDs rather than origins).
func (l Location) Firefox() bool { return l.Browser == "firefox" }

// Locations returns where the browsers look for the host's system-wide
// manifest on goos ("linux", "darwin" or "windows"); the packages install
// one at each (the packaging tests check that they agree).
func Locations(goos string) []Location {
	file := nativehost.Name + ".json"
	switch goos {
	case "linux":
		return []Location{
			{"chrome", "/etc/opt/chrome/native-messaging-hosts/" + file},
			{"chromium", "/etc/chromium/native-messaging-hosts/" + file},
			{"edge", "/etc/opt/edge/native-messaging-hosts/" + file},
			{"firefox", "/usr/lib/mozilla/native-messaging-hosts/" + file},
			// Fedora's 64-bit Firefox looks in lib64 (the .rpm installs both).
			{"firefox", "/usr/lib64/mozilla/native-messaging-hosts/" + file},
		}
	case "darwin":
		return []Location{
			{"chrome", "/Library/Google/Chrome/NativeMessagingHosts/" + file},
			{"chromium", "/Library/Application Support/Chromium/NativeMessagingHosts/" + file},
			{"edge", "/Library/Microsoft/Edge/NativeMessagingHosts/" + file},
			{"firefox", "/Library/Application Support/Mozilla/NativeMessagingHosts/" + file},
		}
	case "windows":
		return []Location{
			{"chrome", `SOFTWARE\Google\Chrome\NativeMessagingHosts\` + nativehost.Name},
			{"chromium", `SOFTWARE\Chromium\NativeMessagingHosts\` + nativehost.Name},
			{"edge", `SOFTWARE\Microsoft\Edge\NativeMessagingHosts\` + nativehost.Name},
			{"firefox", `SOFTWARE\Mozilla\NativeMessagingHosts\` + nativehost.Name},
		}
	}
	return nil
}

// Registration is a host manifest found at a Location.
type Registration struct {
	Location
	User    bool     // this user's registration (SetUser), read before the machine's
	File    string   // the manifest file
	Host    string   // the program it starts (its "path")
	Allowed []string // the extensions it admits: Chrome/Edge IDs, or Firefox add-on IDs
	Err     error    // the manifest is unreadable, malformed, or names a missing program
}

// Installed returns the host's registrations on this machine, one per
// location that has a manifest: the machine's in Locations order, then
// this user's.
func Installed() []Registration {
	regs := installed(Locations(runtime.GOOS), false)
	if locs, err := userLocations(); err == nil {
		regs = append(regs, installed(locs, true)...)
	}
	return regs
}

func installed(locs []Location, user bool) []Registration {
	var regs []Registration
	for _, l := range locs {
		file, ok, err := manifestFile(l, user)
		if !ok && err == nil {
			continue
		}
		r := Registration{Location: l, User: user, File: file, Err: err}
		if err == nil {
			r.Host, r.Allowed, r.Err = Read(file, l.Firefox())
		}
		regs = append(regs, r)
	}
	return regs
}

// Read reads the host manifest in file: the program it starts, which must
// exist, and the extensions it admits (Firefox add-on IDs when firefox,
// else the IDs of its chrome-extension:// origins).
func Read(file string, firefox bool) (host string, allowed []string, err error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", nil, err
	}
	var m nativehost.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return "", nil, fmt.Errorf("%s: not a host manifest: %w", file, err)
	}
	if m.Name != nativehost.Name {
		return "", nil, fmt.Errorf("%s: names the host %q, want %q", file, m.Name, nativehost.Name)
	}
	host = m.Path
	if !filepath.IsAbs(host) {
		// Windows browsers take it relative to the manifest's folder.
		host = filepath.Join(filepath.Dir(file), host)
	}
	if _, err := os.Stat(host); err != nil {
		return host, nil, fmt.Errorf("%s: the host program: %w", file, errors.Unwrap(err))
	}
	if firefox {
		return host, m.AllowedExtensions, nil
	}
	for _, o := range m.AllowedOrigins {
		id, _ := extension.OriginID(o)
		allowed = append(allowed, id)
	}
	return host, allowed, nil
}
