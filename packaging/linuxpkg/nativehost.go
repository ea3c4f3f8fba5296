package linuxpkg

import (
	"github.com/goreleaser/nfpm/v2/files"
	"path"

	"github.com/walkme/session-agent/packaging/nativehost"
)

// Where browsers look for system-wide native-messaging host manifests on Linux.
var (
	chromiumHostDirs = map[string]string{
		"chrome":   "/etc/opt/chrome/native-messaging-hosts",
		"chromium": "/etc/chromium/native-messaging-hosts",
		"edge":     "/etc/opt/edge/native-messaging-hosts",
	}
	firefoxHostDirs = map[string][]string{
		"deb": {"/usr/lib/mozilla/native-messaging-hosts"},
		// Fedora's 64-bit Firefox looks in lib64.
		"rpm": {"/usr/lib/mozilla/native-messaging-hosts", "/usr/lib64/mozilla/native-messaging-hosts"},
	}
)

func (c *contents) nativeHosts(o Options) error {
	chromium, firefox, err := nativehost.Manifests(NativeHostExec, o.ChromeExtensionIDs, o.FirefoxExtensionIDs)
	if err != nil {
		return err
	}
	name := NativeHostName + ".json"
	for _, browser := range []string{"chrome", "chromium", "edge"} {
		// Files in /etc are conffiles (lintian): an admin may edit them.
		c.gen("nm-chromium.json", chromium, path.Join(chromiumHostDirs[browser], name), files.TypeConfig, 0o644)
	}
	for _, dir := range firefoxHostDirs[o.Format] {
		c.gen("nm-firefox.json", firefox, path.Join(dir, name), "", 0o644)
	}
	return nil
}
