package macospkg

import (
	"strings"

	"github.com/walkme/session-agent/packaging/macpkg"
	"github.com/walkme/session-agent/packaging/nativehost"
	"github.com/walkme/session-agent/platform/browserhost"
)

// NativeHostExecutable is the native-messaging host the browsers start: a
// browser cannot pass arguments to a host, so this wrapper adds the
// subcommand.
const NativeHostExecutable = AppBundle + "/Contents/MacOS/native-host"

// nativeHosts returns the wrapper and the manifests for every browser.
func nativeHosts(o Options) ([]macpkg.Entry, error) {
	chromium, firefox, err := nativehost.Manifests("/"+NativeHostExecutable, o.ChromeExtensionIDs, o.FirefoxExtensionIDs)
	if err != nil {
		return nil, err
	}
	wrapper := "#!/bin/sh\nexec \"/" + AppExecutable + "\" native-host \"$@\"\n"
	entries := []macpkg.Entry{{Path: NativeHostExecutable, Mode: 0o755, Data: []byte(wrapper)}}
	// Where each browser looks for system-wide manifests, as doctor reads
	// them (relative to /).
	for _, l := range browserhost.Locations("darwin") {
		m := chromium
		if l.Firefox() {
			m = firefox
		}
		entries = append(entries, macpkg.Entry{Path: strings.TrimPrefix(l.Path, "/"), Mode: 0o644, Data: m})
	}
	return entries, nil
}
