package macospkg

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/browser/extension"
	"github.com/walkme/session-agent/packaging/nativehost"
	"github.com/walkme/session-agent/platform/browserhost"
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
	// A manifest at every location where `walkme-agent doctor` looks for
	// one (browserhost.Locations).
	for _, l := range browserhost.Locations("darwin") {
		var m nativehost.Manifest
		if err := json.Unmarshal(entry(t, p, strings.TrimPrefix(l.Path, "/")).Data, &m); err != nil {
			t.Fatal(err)
		}
		admits := slices.Contains(m.AllowedOrigins, "chrome-extension://"+extension.ID+"/")
		if l.Firefox() {
			admits = slices.Contains(m.AllowedExtensions, extension.FirefoxID)
		}
		if m.Path != "/"+NativeHostExecutable || m.Type != "stdio" || !admits {
			t.Errorf("%s: %+v", l.Path, m)
		}
	}
	if _, err := Agent(Options{Version: "1", Binary: bin, ChromeExtensionIDs: []string{"bad"}}); err == nil {
		t.Error("a malformed Chrome extension ID was accepted")
	}
}
