package linuxpkg

import (
	"strings"

	"github.com/goreleaser/nfpm/v2/files"

	"github.com/walkme/session-agent/packaging/nativehost"
	"github.com/walkme/session-agent/platform/browserhost"
)

func (c *contents) nativeHosts(o Options) error {
	chromium, firefox, err := nativehost.Manifests(NativeHostExec, o.ChromeExtensionIDs, o.FirefoxExtensionIDs)
	if err != nil {
		return err
	}
	// Where each browser looks for system-wide manifests, as doctor reads
	// them. Debian's Firefox has no /usr/lib64 (Fedora's 64-bit one looks
	// there), so only the .rpm installs that one.
	for _, l := range browserhost.Locations("linux") {
		switch {
		case !l.Firefox():
			// Files in /etc are conffiles (lintian): an admin may edit them.
			c.gen("nm-chromium.json", chromium, l.Path, files.TypeConfig, 0o644)
		case o.Format == "rpm" || !strings.HasPrefix(l.Path, "/usr/lib64/"):
			c.gen("nm-firefox.json", firefox, l.Path, "", 0o644)
		}
	}
	return nil
}
