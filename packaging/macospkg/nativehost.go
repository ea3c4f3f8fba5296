package macospkg

import (
	"path"

	"github.com/walkme/session-agent/packaging/macpkg"
	"github.com/walkme/session-agent/packaging/nativehost"
)

// NativeHostExecutable is the native-messaging host the browsers start: a
// browser cannot pass arguments to a host, so this wrapper adds the
// subcommand.
const NativeHostExecutable = AppBundle + "/Contents/MacOS/native-host"

// Where browsers look for system-wide native-messaging host manifests on
// macOS (relative to /).
var (
	ChromiumHostDirs = []string{
		"Library/Google/Chrome/NativeMessagingHosts",
		"Library/Application Support/Chromium/NativeMessagingHosts",
		"Library/Microsoft/Edge/NativeMessagingHosts",
	}
	FirefoxHostDir = "Library/Application Support/Mozilla/NativeMessagingHosts"
)

// nativeHosts returns the wrapper and the manifests for every browser.
func nativeHosts(o Options) ([]macpkg.Entry, error) {
	chromium, firefox, err := nativehost.Manifests("/"+NativeHostExecutable, o.ChromeExtensionIDs, o.FirefoxExtensionIDs)
	if err != nil {
		return nil, err
	}
	wrapper := "#!/bin/sh\nexec \"/" + AppExecutable + "\" native-host \"$@\"\n"
	name := nativehost.Name + ".json"
	entries := []macpkg.Entry{
		{Path: NativeHostExecutable, Mode: 0o755, Data: []byte(wrapper)},
		{Path: path.Join(FirefoxHostDir, name), Mode: 0o644, Data: firefox},
	}
	for _, dir := range ChromiumHostDirs {
		entries = append(entries, macpkg.Entry{Path: path.Join(dir, name), Mode: 0o644, Data: chromium})
	}
	return entries, nil
}
