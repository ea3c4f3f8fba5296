package macospkg

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/walkme/session-agent/browser/extension"
	"github.com/walkme/session-agent/packaging/nativehost"
)

// The package installs the native-messaging host for Chrome, Chromium, Edge
// and Firefox where each looks on macOS, admitting the given extensions.
func TestPackageInstallsNativeHosts(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "walkme-agent")
	if err := os.WriteFile(bin, []byte("\xcf\xfa\xed\xfe fake mach-o"), 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := Agent(Options{Version: "1.2.3", Binary: bin, MTime: time.Unix(1700000000, 0),
		ChromeExtensionIDs: []string{extension.ID}, FirefoxExtensionIDs: []string{extension.FirefoxID}})
	if err != nil {
		t.Fatal(err)
	}
	if e := entry(t, p, NativeHostExecutable); e.Mode != 0o755 || string(e.Data) != "#!/bin/sh\nexec \"/"+AppExecutable+"\" native-host \"$@\"\n" {
		t.Errorf("wrapper %v %q", e.Mode, e.Data)
	}
	for _, dir := range append(slices.Clone(ChromiumHostDirs), FirefoxHostDir) {
		var m nativehost.Manifest
		if err := json.Unmarshal(entry(t, p, path.Join(dir, nativehost.Name+".json")).Data, &m); err != nil {
			t.Fatal(err)
		}
		admits := slices.Contains(m.AllowedOrigins, "chrome-extension://"+extension.ID+"/")
		if dir == FirefoxHostDir {
			admits = slices.Contains(m.AllowedExtensions, extension.FirefoxID)
		}
		if m.Path != "/"+NativeHostExecutable || m.Type != "stdio" || !admits {
			t.Errorf("%s: %+v", dir, m)
		}
	}
	if _, err := Agent(Options{Version: "1", Binary: bin, ChromeExtensionIDs: []string{"bad"}}); err == nil {
		t.Error("a malformed Chrome extension ID was accepted")
	}
}
