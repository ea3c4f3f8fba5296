//go:build linux

package e2e

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/browser/extension"
	"github.com/walkme/session-agent/internal/firefoxtest"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/packaging/linuxpkg"
	"github.com/walkme/session-agent/packaging/nativehost"
)

// firefoxRig is headless Firefox (Debian's firefox-esr, driven over
// WebDriver BiDi) with the reference extension installed as a temporary
// add-on under its gecko ID, the Firefox native-messaging host manifest in
// the per-user location (~/.mozilla/native-messaging-hosts, allowing that
// ID), and the stand-in WalkMe page served on a configured WalkMe host.
type firefoxRig struct {
	b          *firefoxtest.Browser
	pageURL    string
	toolbarURL string           // the extension's toolbar.html
	toolbarTab *firefoxtest.Tab // open at toolbarURL once toolbar has been read
}

func startFirefox(t *testing.T, a *agentEnv, issuer string) *firefoxRig {
	t.Helper()
	pageURL, ext, host := walkMeSetup(t, a, issuer)
	return launchFirefox(t, pageURL, ext, extension.FirefoxID, firefoxHome(t, host, extension.FirefoxID))
}

// firefoxHome is a home directory with the native-messaging host manifest
// where Firefox looks for a user's hosts (~/.mozilla/native-messaging-hosts),
// allowing the add-on id.
func firefoxHome(t *testing.T, host, id string) firefoxtest.Options {
	t.Helper()
	home := t.TempDir()
	_, manifest, err := nativehost.Manifests(host, nil, []string{id})
	if err != nil {
		t.Fatal(err)
	}
	installHostManifest(t, filepath.Join(home, ".mozilla", "native-messaging-hosts"), manifest)
	return firefoxtest.Options{Home: home}
}

// launchFirefox starts headless Firefox with opts and installs the
// extension in ext, whose gecko ID is id, as a temporary add-on.
//
// The extension gets a page of its own, toolbar.html (empty), and a fixed
// internal UUID, so a tab can open it at a known moz-extension: URL: the
// background page is not a browsing context WebDriver BiDi lists, but an
// extension page in a tab is, and browser.action answers there. WebDriver
// BiDi navigates a tab to an extension's page only with system access
// allowed (MOZ_REMOTE_ALLOW_SYSTEM_ACCESS, as --remote-allow-system-access).
func launchFirefox(t *testing.T, pageURL, ext, id string, opts firefoxtest.Options) *firefoxRig {
	t.Helper()
	if err := os.WriteFile(filepath.Join(ext, "toolbar.html"), []byte("<!doctype html><meta charset=utf-8><title>toolbar</title>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	uuid := newUUID()
	uuids, _ := json.Marshal(map[string]string{id: uuid})
	opts.Prefs = maps.Clone(opts.Prefs)
	if opts.Prefs == nil {
		opts.Prefs = map[string]any{}
	}
	opts.Prefs["extensions.webextensions.uuids"] = string(uuids)
	opts.Env = append(slices.Clip(opts.Env), "MOZ_REMOTE_ALLOW_SYSTEM_ACCESS=1")
	b := firefoxtest.New(t, 3*time.Minute, opts)
	got, err := b.InstallExtension(ext)
	if err != nil {
		t.Fatalf("install the extension in Firefox: %v", err)
	}
	if got != id {
		t.Fatalf("Firefox installed the extension as %q, want %q (the ID the host manifest allows)", got, id)
	}
	return &firefoxRig{b: b, pageURL: pageURL, toolbarURL: "moz-extension://" + uuid + "/toolbar.html"}
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	var u [16]byte
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}

// toolbar reads the extension's toolbar button in its toolbar.html, which
// a tab of its own keeps open from the first read on.
func (r *firefoxRig) toolbar() (title, badge string, err error) {
	if r.toolbarTab == nil {
		tab, err := r.b.NewTab(r.toolbarURL)
		if err != nil {
			return "", "", err
		}
		r.toolbarTab = tab
	}
	var v [2]string
	err = r.toolbarTab.Eval(`Promise.all([browser.action.getTitle({}), browser.action.getBadgeText({})])`, &v)
	return v[0], v[1], err
}

// openTab opens the WalkMe page in a new tab; closeTab closes it.
func (r *firefoxRig) openTab(t *testing.T) (tab pageEval, closeTab func()) {
	t.Helper()
	ft, err := r.b.NewTab(r.pageURL)
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	return ft.Eval, func() {
		once.Do(func() {
			if err := ft.Close(); err != nil {
				t.Errorf("close the tab: %v", err)
			}
		})
	}
}

// TestExtensionInFirefox: the reference extension, as shipped, in headless
// Firefox, talking to the real agent through `walkme-agent native-host`:
// what TestExtensionKeepsSessionAndSignsPagesOut proves in Chromium, the
// lapse included, with the heartbeat reported as browser:firefox. And, because Firefox's match
// patterns take no port (so the content script also goes into other ports
// of a WalkMe host): a page on another port of the WalkMe host is neither
// answered nor counted as a WalkMe tab.
//
// As in Chromium, the host serves only the extensions BrowserExtensions
// names: the test proves it reads the add-on ID Firefox passes.
func TestExtensionInFirefox(t *testing.T) {
	f := startFront(t)
	a := newAgentEnv(t, f.issuer, map[string]any{"RenewInterval": "20s", "BrowserExtensions": admitted})
	a.start()
	a.login()
	loggedIn := time.Now()
	b := startFirefox(t, a, f.issuer)
	// The opening renewal comes only a quarter cadence after the last one.
	time.Sleep(time.Until(loggedIn.Add(6 * time.Second)))

	tab, closeTab := extensionOpensClosesSignsOut(t, f, a, b, "browser:firefox")
	extensionSignsOutOnLapse(t, f, a, b, tab)
	closeTab()

	f.srv.setTimeout(t, "1h")
	a.login()
	a.awaitStatus(15*time.Second, "idle, no WalkMe tab open", func(st localapi.Status) bool {
		return st.State == localapi.StateIdle
	})
	other, err := b.b.NewTab(serveStandin(t, f.issuer))
	if err != nil {
		t.Fatal(err)
	}
	// The page asks for a token every second until it hears an answer; a
	// few asks go unanswered, and no heartbeat (1 s) comes for it.
	time.Sleep(3 * time.Second)
	shown, _, err := pageState(other.Eval)
	if err != nil || shown != "Waiting for the WalkMe extension…" {
		t.Errorf("a page on another port of the WalkMe host shows %q (%v), want no answer from the extension", shown, err)
	}
	if st := a.mustStatus(); st.State != localapi.StateIdle || len(st.Presence.Sources) != 0 {
		t.Errorf("with a page on another port of the WalkMe host open: %s, presence %v; want idle, none", st.State, st.Presence.Sources)
	}
}

// firefoxManifest is where the .deb installs the host manifest for
// Firefox, which reads system-wide hosts from there.
const firefoxManifest = "/usr/lib/mozilla/native-messaging-hosts/" + nativehost.Name + ".json"

// TestDebNativeHostInFirefox installs the agent's .deb with dpkg, runs the
// installed walkme-agent, and opens the stand-in WalkMe page in headless
// Firefox with the reference extension and no host manifest of the
// user's: Firefox finds the host only through the manifest the package put
// in /usr/lib/mozilla/native-messaging-hosts, which allows the extension's
// gecko ID, and the installed wrapper finds the agent at its default
// socket. The agent turns active with the browser's presence and the page
// shows the user.
func TestDebNativeHostInFirefox(t *testing.T) {
	testenv.Command(t, "firefox-esr")
	_, manifests := installAgentDeb(t)
	if !slices.Contains(manifests, firefoxManifest) {
		t.Fatalf("the package installs the host manifests %v, want %s", manifests, firefoxManifest)
	}
	b, err := os.ReadFile(firefoxManifest)
	if err != nil {
		t.Fatal(err)
	}
	var m nativehost.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", firefoxManifest, err)
	}
	if m.Path != linuxpkg.NativeHostExec || !slices.Equal(m.AllowedExtensions, []string{extension.FirefoxID}) {
		t.Fatalf("%s = %+v, want %s for the reference extension", firefoxManifest, m, linuxpkg.NativeHostExec)
	}

	f := startFront(t)
	a := newAgentEnv(t, f.issuer, nil)
	a.installed(linuxpkg.AgentBinary)
	a.start()
	a.login()
	// The page and the extension; the host executable walkMeSetup also
	// writes for a per-user manifest stays unused.
	pageURL, ext, _ := walkMeSetup(t, a, f.issuer)
	home := t.TempDir()
	r := launchFirefox(t, pageURL, ext, extension.FirefoxID, firefoxtest.Options{Home: home, Env: a.env})
	_, closeTab := tabSignsIn(t, a, r, "browser:firefox")
	defer closeTab()
	// No per-user host manifest: the system one was used.
	if _, err := os.Stat(filepath.Join(home, ".mozilla", "native-messaging-hosts", nativehost.Name+".json")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the user has a host manifest of their own (%v)", err)
	}
}
