package linuxpkg

import (
	"encoding/json"
	"fmt"
	"github.com/goreleaser/nfpm/v2/files"
	"path"
	"regexp"
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

var chromeExtensionID = regexp.MustCompile(`^[a-p]{32}$`)

// NativeHostManifest is a browser native-messaging host manifest. Chromium
// browsers use AllowedOrigins, Firefox AllowedExtensions.
type NativeHostManifest struct {
	Name              string   `json:"name"`
	Description       string   `json:"description"`
	Path              string   `json:"path"`
	Type              string   `json:"type"`
	AllowedOrigins    []string `json:"allowed_origins,omitempty"`
	AllowedExtensions []string `json:"allowed_extensions,omitempty"`
}

// NativeHostManifests returns the Chromium-family and Firefox manifests for
// a host executable at hostPath.
func NativeHostManifests(hostPath string, chromeIDs, firefoxIDs []string) (chromium, firefox []byte, err error) {
	m := NativeHostManifest{Name: NativeHostName, Description: "WalkMe Session Agent", Path: hostPath, Type: "stdio"}
	c := m
	for _, id := range chromeIDs {
		if !chromeExtensionID.MatchString(id) {
			return nil, nil, fmt.Errorf("chrome extension ID %q: want 32 letters a-p", id)
		}
		c.AllowedOrigins = append(c.AllowedOrigins, "chrome-extension://"+id+"/")
	}
	f := m
	f.AllowedExtensions = firefoxIDs
	if chromium, err = json.MarshalIndent(c, "", "  "); err != nil {
		return nil, nil, err
	}
	if firefox, err = json.MarshalIndent(f, "", "  "); err != nil {
		return nil, nil, err
	}
	return append(chromium, '\n'), append(firefox, '\n'), nil
}

func (c *contents) nativeHosts(o Options) error {
	chromium, firefox, err := NativeHostManifests(NativeHostExec, o.ChromeExtensionIDs, o.FirefoxExtensionIDs)
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
