package browserhost_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/walkme/session-agent/browser/extension"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/packaging/nativehost"
	"github.com/walkme/session-agent/platform/browserhost"
)

// writeManifests writes the Chromium and Firefox manifests the packages
// write (packaging/nativehost), for the host program host, into dir.
func writeManifests(t *testing.T, dir, host string) (chromium, firefox string) {
	t.Helper()
	c, f, err := nativehost.Manifests(host, []string{extension.ID}, []string{extension.FirefoxID})
	if err != nil {
		t.Fatal(err)
	}
	chromium, firefox = filepath.Join(dir, "chromium.json"), filepath.Join(dir, "firefox.json")
	for file, b := range map[string][]byte{chromium: c, firefox: f} {
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return chromium, firefox
}

// Read takes what a browser takes from a manifest the packages write: the
// program (absolute, or on Windows relative to the manifest's folder) and
// the extensions it admits; it refuses what would keep the browser from
// starting the host, saying why.
func TestRead(t *testing.T) {
	dir := testenv.TempDir(t)
	host := filepath.Join(dir, "native-host")
	if err := os.WriteFile(host, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	chromium, firefox := writeManifests(t, dir, host)
	if got, ids, err := browserhost.Read(chromium, false); err != nil || got != host || !slices.Equal(ids, []string{extension.ID}) {
		t.Errorf("chromium manifest: %q %q %v", got, ids, err)
	}
	if got, ids, err := browserhost.Read(firefox, true); err != nil || got != host || !slices.Equal(ids, []string{extension.FirefoxID}) {
		t.Errorf("firefox manifest: %q %q %v", got, ids, err)
	}
	relative, _ := writeManifests(t, testenv.TempDir(t), "native-host.cmd") // as the MSI writes it
	os.WriteFile(filepath.Join(filepath.Dir(relative), "native-host.cmd"), nil, 0o644)
	if got, _, err := browserhost.Read(relative, false); err != nil || got != filepath.Join(filepath.Dir(relative), "native-host.cmd") {
		t.Errorf("a relative host: %q %v", got, err)
	}

	missing, _ := writeManifests(t, testenv.TempDir(t), filepath.Join(dir, "gone"))
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"name": "com.walkme.agent", `), 0o644)
	other := filepath.Join(dir, "other.json")
	os.WriteFile(other, []byte(`{"name": "com.example.other", "path": "/bin/sh"}`), 0o644)
	for file, want := range map[string]string{
		missing:                         "the host program: ",
		bad:                             "not a host manifest",
		other:                           `names the host "com.example.other"`,
		filepath.Join(dir, "none.json"): "none.json",
	} {
		_, _, err := browserhost.Read(file, false)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Read(%s) = %v, want an error saying %q", filepath.Base(file), err, want)
		}
		if (file == missing || strings.HasSuffix(file, "none.json")) && !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Read(%s) = %v, want a not-found error", filepath.Base(file), err)
		}
	}
}

// Every OS the packages are built for has a location for each browser.
func TestLocations(t *testing.T) {
	for _, goos := range []string{"linux", "darwin", "windows"} {
		var browsers []string
		for _, l := range browserhost.Locations(goos) {
			if !strings.Contains(l.Path, nativehost.Name) {
				t.Errorf("%s %s: %s does not name the host", goos, l.Browser, l.Path)
			}
			browsers = append(browsers, l.Browser)
		}
		slices.Sort(browsers)
		if got := slices.Compact(browsers); !slices.Equal(got, []string{"chrome", "chromium", "edge", "firefox"}) {
			t.Errorf("%s: locations for %v", goos, got)
		}
	}
}
