package browserhost_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/walkme/session-agent/browser/extension"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/platform/browserhost"
)

// userHome points the user's folders at a fresh home for the test, and
// returns where the browsers look for its Chromium and Firefox manifests.
func userHome(t *testing.T) (chromium, firefox string) {
	t.Helper()
	home := testenv.TempDir(t)
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("LOCALAPPDATA", filepath.Join(home, "AppData", "Local"))
	switch runtime.GOOS {
	case "linux":
		return filepath.Join(home, ".config", "chromium", "NativeMessagingHosts", "com.walkme.agent.json"),
			filepath.Join(home, ".mozilla", "native-messaging-hosts", "com.walkme.agent.json")
	case "darwin":
		support := filepath.Join(home, "Library", "Application Support")
		return filepath.Join(support, "Chromium", "NativeMessagingHosts", "com.walkme.agent.json"),
			filepath.Join(support, "Mozilla", "NativeMessagingHosts", "com.walkme.agent.json")
	}
	dir := filepath.Join(home, "AppData", "Local", "WalkMe", "Agent")
	return filepath.Join(dir, "com.walkme.agent.json"), filepath.Join(dir, "com.walkme.agent.firefox.json")
}

// SetUser registers the host for this user with the extensions given, and
// follows a change of them; RemoveUser takes away what it wrote and
// nothing else. (On Windows the HKCU keys are checked in
// TestUserRegistrationsInTheRegistry.)
func TestSetUser(t *testing.T) {
	chromium, firefox := userHome(t)
	host := filepath.Join(testenv.TempDir(t), "native-host")
	os.WriteFile(host, nil, 0o755)
	const other = "abcdefghijklmnopabcdefghijklmnop"

	if err := browserhost.SetUser(host, []string{other}, []string{extension.FirefoxID}); err != nil {
		t.Fatal(err)
	}
	if got, ids, err := browserhost.Read(chromium, false); err != nil || got != host || !slices.Equal(ids, []string{other}) {
		t.Fatalf("this user's Chromium manifest: %q %q %v", got, ids, err)
	}
	if _, ids, err := browserhost.Read(firefox, true); err != nil || !slices.Equal(ids, []string{extension.FirefoxID}) {
		t.Fatalf("this user's Firefox manifest: %q %v", ids, err)
	}
	// Installed lists them as this user's, for doctor.
	var users []string
	for _, r := range browserhost.Installed() {
		if r.User && r.Err == nil && r.Host == host {
			users = append(users, r.Browser)
		}
	}
	if !slices.Equal(users, []string{"chrome", "chromium", "edge", "firefox"}) {
		t.Errorf("Installed lists this user's registrations for %v, want every browser", users)
	}

	// Only Chrome IDs now: the Firefox registration goes.
	if err := browserhost.SetUser(host, []string{extension.ID}, nil); err != nil {
		t.Fatal(err)
	}
	if _, ids, err := browserhost.Read(chromium, false); err != nil || !slices.Equal(ids, []string{extension.ID}) {
		t.Fatalf("after the change: %q %v", ids, err)
	}
	if _, err := os.Stat(firefox); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the Firefox registration stayed with no Firefox ID set (%v)", err)
	}

	if err := browserhost.RemoveUser(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(chromium); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("RemoveUser left %s (%v)", chromium, err)
	}
}

// A per-user manifest the agent did not write (another installer's, or
// the user's own) is neither replaced nor removed, and SetUser says so.
func TestSetUserLeavesOthersManifests(t *testing.T) {
	chromium, _ := userHome(t)
	if runtime.GOOS == "windows" {
		t.Skip("on Windows the agent's manifests live in its own folder")
	}
	os.MkdirAll(filepath.Dir(chromium), 0o755)
	theirs := []byte(`{"name": "com.walkme.agent", "description": "hand-made", "path": "/bin/true", "type": "stdio"}`)
	os.WriteFile(chromium, theirs, 0o644)
	err := browserhost.SetUser("/bin/true", []string{extension.ID}, nil)
	if err == nil || !strings.Contains(err.Error(), "not written by the agent") {
		t.Fatalf("SetUser over a manifest it did not write: %v", err)
	}
	if err := browserhost.RemoveUser(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(chromium); string(b) != string(theirs) {
		t.Fatalf("the user's own manifest changed: %s", b)
	}
}
