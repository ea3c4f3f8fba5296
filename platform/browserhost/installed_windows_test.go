package browserhost_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/walkme/session-agent/browser/extension"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/platform/browserhost"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// Installed finds the host where the MSI registers it: the default value
// of an HKLM key per browser naming a manifest file, whose program is
// relative to the manifest's folder. The keys are real (in a throwaway
// Wine prefix, or on a machine where no agent is installed).
func TestInstalledReadsTheRegistry(t *testing.T) {
	locs := browserhost.Locations("windows")
	for _, l := range locs {
		if k, err := registry.OpenKey(registry.LOCAL_MACHINE, l.Path, registry.QUERY_VALUE|registry.WOW64_64KEY); err == nil {
			k.Close()
			t.Skipf(`HKLM\%s exists: the host is installed here; not touching it`, l.Path)
		}
	}
	dir := testenv.TempDir(t)
	chromium, firefox := writeManifests(t, dir, "native-host.cmd")
	if err := os.WriteFile(filepath.Join(dir, "native-host.cmd"), []byte("@echo off\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	register := map[string]string{"chrome": chromium, "firefox": firefox} // edge and chromium left out
	for _, l := range locs {
		file, ok := register[l.Browser]
		if !ok {
			continue
		}
		k, _, err := registry.CreateKey(registry.LOCAL_MACHINE, l.Path, registry.ALL_ACCESS|registry.WOW64_64KEY)
		if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
			t.Skip("writing HKLM needs an elevated prompt")
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { registry.DeleteKey(registry.LOCAL_MACHINE, l.Path) })
		err = k.SetStringValue("", file)
		k.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	regs := browserhost.Installed()
	var got []string
	for _, r := range regs {
		if r.User {
			continue // this user's: TestUserRegistrationsInTheRegistry
		}
		if r.Err != nil {
			t.Errorf("%s: %v", r.Browser, r.Err)
		}
		want := extension.ID
		if r.Firefox() {
			want = extension.FirefoxID
		}
		if r.File != register[r.Browser] || !slices.Equal(r.Allowed, []string{want}) {
			t.Errorf("%s: %+v", r.Browser, r)
		}
		got = append(got, r.Browser)
	}
	if !slices.Equal(got, []string{"chrome", "firefox"}) {
		t.Errorf("Installed found %v, want chrome and firefox", got)
	}
}

// SetUser registers the host for this user under HKCU, one key per
// browser naming the manifest it wrote in %LOCALAPPDATA%, and RemoveUser
// deletes those keys. (Wine's HKCU is the throwaway prefix's.)
func TestUserRegistrationsInTheRegistry(t *testing.T) {
	chromium, firefox := userHome(t)
	for _, l := range browserhost.Locations("windows") {
		if k, err := registry.OpenKey(registry.CURRENT_USER, l.Path, registry.QUERY_VALUE); err == nil {
			k.Close()
			t.Skipf(`HKCU\%s exists: the host is registered for this user; not touching it`, l.Path)
		}
	}
	host := filepath.Join(testenv.TempDir(t), "native-host.cmd")
	os.WriteFile(host, nil, 0o644)
	if err := browserhost.SetUser(host, []string{extension.ID}, []string{extension.FirefoxID}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { browserhost.RemoveUser() })
	for _, l := range browserhost.Locations("windows") {
		k, err := registry.OpenKey(registry.CURRENT_USER, l.Path, registry.QUERY_VALUE)
		if err != nil {
			t.Fatalf(`HKCU\%s: %v`, l.Path, err)
		}
		named, _, err := k.GetStringValue("")
		k.Close()
		want := chromium
		if l.Firefox() {
			want = firefox
		}
		if err != nil || named != want {
			t.Errorf(`HKCU\%s names %q (%v), want %q`, l.Path, named, err, want)
		}
	}
	if err := browserhost.RemoveUser(); err != nil {
		t.Fatal(err)
	}
	for _, l := range browserhost.Locations("windows") {
		if k, err := registry.OpenKey(registry.CURRENT_USER, l.Path, registry.QUERY_VALUE); err == nil {
			k.Close()
			t.Errorf(`HKCU\%s is left after RemoveUser`, l.Path)
		}
	}
}
