//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/browser/extension"
	"github.com/walkme/session-agent/internal/firefoxtest"
	"github.com/walkme/session-agent/packaging/nativehost"
)

// firefoxRig is headless Firefox (Debian's firefox-esr, driven over
// WebDriver BiDi) with the reference extension installed as a temporary
// add-on under its gecko ID, the Firefox native-messaging host manifest in
// the per-user location (~/.mozilla/native-messaging-hosts, allowing that
// ID), and the stand-in WalkMe page served on a configured WalkMe host.
type firefoxRig struct {
	b       *firefoxtest.Browser
	pageURL string
}

func startFirefox(t *testing.T, a *agentEnv, issuer string) *firefoxRig {
	t.Helper()
	pageURL, ext, host := walkMeSetup(t, a, issuer)
	home := t.TempDir()
	_, manifest, err := nativehost.Manifests(host, nil, []string{extension.FirefoxID})
	if err != nil {
		t.Fatal(err)
	}
	hosts := filepath.Join(home, ".mozilla", "native-messaging-hosts")
	if err := os.MkdirAll(hosts, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(hosts, nativehost.Name+".json"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	b := firefoxtest.New(t, 3*time.Minute, firefoxtest.Options{Home: home})
	id, err := b.InstallExtension(ext)
	if err != nil {
		t.Fatalf("install the extension in Firefox: %v", err)
	}
	if id != extension.FirefoxID {
		t.Fatalf("Firefox installed the extension as %q, want %q (the ID the host manifest allows)", id, extension.FirefoxID)
	}
	return &firefoxRig{b: b, pageURL: pageURL}
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
// what TestExtensionKeepsSessionAndSignsPagesOut proves in Chromium (the
// lapse aside, which is the agent's and the page's, not the browser's), with
// the heartbeat reported as browser:firefox. And, because Firefox's match
// patterns take no port (so the content script also goes into other ports
// of a WalkMe host): a page on another port of the WalkMe host is neither
// answered nor counted as a WalkMe tab.
func TestExtensionInFirefox(t *testing.T) {
	f := startFront(t)
	a := newAgentEnv(t, f.issuer, map[string]any{"RenewInterval": "20s"})
	a.start()
	a.login()
	loggedIn := time.Now()
	b := startFirefox(t, a, f.issuer)
	// The opening renewal comes only a quarter cadence after the last one.
	time.Sleep(time.Until(loggedIn.Add(6 * time.Second)))

	_, closeTab := extensionOpensClosesSignsOut(t, f, a, b, "browser:firefox")
	closeTab()

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
