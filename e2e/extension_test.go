//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/browser/extension"
	"github.com/walkme/session-agent/browser/standin"
	"github.com/walkme/session-agent/internal/chromiumtest"
	"github.com/walkme/session-agent/packaging/nativehost"
)

// browserRig is headless Chromium with the reference extension loaded and
// the stand-in WalkMe page served on a configured WalkMe host.
type browserRig struct {
	ctx     context.Context // the first tab; every action is bounded by its deadline
	pageURL string
}

// startBrowser is a browserRig with the native-messaging host manifest
// installed where Chromium looks for a user's hosts (its user data
// directory's NativeMessagingHosts: the per-user
// ~/.config/chromium/NativeMessagingHosts of a default profile); its host
// names the agent's socket. debhost_test.go runs Chromium against the
// manifest the .deb installs instead.
func startBrowser(t *testing.T, a *agentEnv, issuer string) *browserRig {
	t.Helper()
	pageURL, ext, host := walkMeSetup(t, a, issuer)
	profile := t.TempDir()
	manifest, _, err := nativehost.Manifests(host, []string{extension.ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	installHostManifest(t, filepath.Join(profile, "NativeMessagingHosts"), manifest)
	return launchChromium(t, pageURL, ext, profile)
}

// installHostManifest puts a native-messaging host manifest in dir, a
// browser's directory of host manifests.
func installHostManifest(t *testing.T, dir string, manifest []byte) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, nativehost.Name+".json"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
}

// launchChromium starts headless Chromium with the extension in ext loaded,
// profile as its user data directory, and env added to its environment
// (which the native hosts it starts inherit).
func launchChromium(t *testing.T, pageURL, ext, profile string, env ...string) *browserRig {
	t.Helper()
	ctx := chromiumtest.New(t, 3*time.Minute,
		chromedp.UserDataDir(profile),
		chromedp.Env(env...),
		chromedp.Flag("headless", "new"),
		chromedp.Flag("disable-extensions", false),
		chromedp.Flag("load-extension", ext))
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatal(err)
	}
	return &browserRig{ctx: ctx, pageURL: pageURL}
}

// walkMeSetup serves the stand-in WalkMe page and prepares what a browser
// needs to run the extension against the test's agent: a copy of the
// extension as shipped, with the page's host as its default host pattern
// and a 1 s heartbeat (a 3 s presence TTL), as a policy would set them;
// and a native-messaging host executable for the host manifest to name.
func walkMeSetup(t *testing.T, a *agentEnv, issuer string) (pageURL, ext, host string) {
	t.Helper()
	pageURL = serveStandin(t, issuer)
	ext = filepath.Join(t.TempDir(), "extension")
	if err := os.CopyFS(ext, os.DirFS(extension.Dir())); err != nil {
		t.Fatal(err)
	}
	defaults, _ := json.Marshal(map[string]any{"hostPatterns": []string{pageURL + "*"}, "heartbeatSeconds": 1})
	if err := os.WriteFile(filepath.Join(ext, "defaults.json"), defaults, 0o644); err != nil {
		t.Fatal(err)
	}

	host = filepath.Join(t.TempDir(), "walkme-native-host")
	// The browser starts the host with the calling extension in its
	// arguments, like the packages' wrapper; this one names the test's
	// socket and the agent's configuration, so the host reads the same
	// BrowserExtensions as the agent.
	script := fmt.Sprintf("#!/bin/sh\nexec %q --config %q --socket %q native-host \"$@\"\n", a.bin, a.config, a.socket)
	if err := os.WriteFile(host, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return pageURL, ext, host
}

// pageEval evaluates a JavaScript expression in a tab's page and decodes
// its value into out; each browser's rig gives its tabs one.
type pageEval func(expr string, out any) error

// walkMeBrowser is a browser with the extension, as far as the tests use
// it: it opens the WalkMe page in a new tab and closes it again, and reads
// the extension's toolbar button (its title and badge text).
type walkMeBrowser interface {
	openTab(t *testing.T) (tab pageEval, closeTab func())
	toolbar() (title, badge string, err error)
}

// awaitToolbar polls the extension's toolbar button until it shows title
// and badge (a generous bound: the page's switch is the timed one).
func awaitToolbar(t *testing.T, b walkMeBrowser, title, badge string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		gotTitle, gotBadge, err := b.toolbar()
		if err == nil && gotTitle == title && gotBadge == badge {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the toolbar button shows %q, badge %q (%v); want %q, badge %q", gotTitle, gotBadge, err, title, badge)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// serveStandin serves the stand-in WalkMe page on a loopback port and
// returns its URL.
func serveStandin(t *testing.T, issuer string) string {
	t.Helper()
	page := listen(t)
	hs := &http.Server{Handler: standin.Handler(issuer)}
	go hs.Serve(page)
	t.Cleanup(func() { hs.Close() })
	return "http://" + page.Addr().String() + "/"
}

// openTab opens the WalkMe page in a new tab; closeTab closes it.
func (b *browserRig) openTab(t *testing.T) (tab pageEval, closeTab func()) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(b.pageURL)); err != nil {
		t.Fatal(err)
	}
	return func(expr string, out any) error {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](expr))
		if err != nil {
			return err
		}
		return json.Unmarshal(v, out)
	}, cancel
}

// toolbar reads the extension's toolbar button in its service worker,
// where chrome.action answers (the only extension loaded).
func (b *browserRig) toolbar() (title, badge string, err error) {
	targets, err := chromedp.Targets(b.ctx)
	if err != nil {
		return "", "", err
	}
	for _, ti := range targets {
		if ti.Type != "service_worker" || !strings.HasPrefix(ti.URL, "chrome-extension://") {
			continue
		}
		ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithTargetID(ti.TargetID), chromedp.WithDetachOnCancel())
		defer cancel()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[2]string](
			`Promise.all([chrome.action.getTitle({}), chrome.action.getBadgeText({})])`, chromedp.EvalAwaitPromise))
		return v[0], v[1], err
	}
	return "", "", errors.New("the extension has no service worker running")
}

// tabSignsIn opens the WalkMe page in b and waits until it shows the
// signed-in user and the agent is active from the extension's heartbeat
// alone (source).
func tabSignsIn(t *testing.T, a *agentEnv, b walkMeBrowser, source string) (tab pageEval, closeTab func()) {
	t.Helper()
	tab, closeTab = b.openTab(t)
	awaitPage(t, tab, "signed in as "+admin)
	st := a.awaitStatus(15*time.Second, "active from the tab", func(st localapi.Status) bool {
		return st.State == localapi.StateActive
	})
	if !slices.Equal(st.Presence.Sources, []string{source}) {
		closeTab()
		t.Fatalf("presence %v, want the extension's heartbeat %s", st.Presence.Sources, source)
	}
	return tab, closeTab
}

// pageState returns what the page shows and when it switched to "signed
// out" (ms since the epoch; 0 while it has not).
func pageState(tab pageEval) (text string, signedOutAt int64, err error) {
	var v struct {
		Text string `json:"text"`
		At   int64  `json:"at"`
	}
	err = tab(`({text: document.getElementById("session").textContent, at: window.walkmeSignedOutAt || 0})`, &v)
	return v.Text, v.At, err
}

// awaitPage polls the page until it shows text (a generous bound: the
// transition's time is asserted from the page's own record of it).
func awaitPage(t *testing.T, tab pageEval, text string) int64 {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		shown, at, err := pageState(tab)
		if err == nil && strings.HasPrefix(shown, text) {
			return at
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page never showed %q: it shows %q (%v)", text, shown, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func heldToken(t *testing.T, tab pageEval) string {
	t.Helper()
	var tok string
	if err := tab(`window.walkmeAccessToken || ""`, &tok); err != nil || tok == "" {
		t.Fatalf("the page holds no access token (%v)", err)
	}
	return tok
}

// TestExtensionKeepsSessionAndSignsPagesOut: the reference extension in
// headless Chromium, talking to the real agent through `walkme-agent
// native-host`, with the stand-in WalkMe page:
//   - opening the WalkMe tab makes the agent active, and it renews; the
//     page shows the user from the extension's token (checked by its
//     backend at the server's userinfo);
//   - closing the tab gives idle, with the closing renewal;
//   - `walkme-agent logout`, and separately a lapse, turn the page to
//     "signed out" within 1 s; the server refuses the token the page held.
//
// The host serves only the extensions BrowserExtensions names (here the
// shipped ones), so the test also proves the host reads the caller from
// the arguments Chromium really passes.
func TestExtensionKeepsSessionAndSignsPagesOut(t *testing.T) {
	f := startFront(t)
	// A 20 s cadence: the opening renewal and the closing one stand apart
	// from the regular ones.
	a := newAgentEnv(t, f.issuer, map[string]any{"RenewInterval": "20s", "BrowserExtensions": admitted})
	a.start()
	a.login()
	b := startBrowser(t, a, f.issuer)
	// The opening renewal comes only a quarter cadence after the last one.
	time.Sleep(6 * time.Second)

	tab, closeTab := extensionOpensClosesSignsOut(t, f, a, b, "browser:chromium")
	defer closeTab()

	extensionSignsOutOnLapse(t, f, a, b, tab)
}

// admitted is BrowserExtensions as the browser tests set it: the shipped
// extension's IDs, for Chromium and for Firefox.
var admitted = []string{extension.ID, extension.FirefoxID}

// extensionSignsOutOnLapse: with the agent signed out and tab, the WalkMe
// page, open, sign in again with an 8 s timeout (the page follows), then
// the server becomes unreachable and the session lapses at its deadline:
// the page turns to "signed out" within 1 s of it, the toolbar button
// too, and the server refuses the token the page held. It leaves the
// account's timeout at 8 s.
func extensionSignsOutOnLapse(t *testing.T, f *front, a *agentEnv, b walkMeBrowser, tab pageEval) {
	t.Helper()
	f.srv.setTimeout(t, "8s")
	a.login()
	awaitPage(t, tab, "signed in as "+admin)
	held := heldToken(t, tab)
	f.mode.Store("down")
	var lapsesAt time.Time
	for {
		st, err := a.status()
		if err != nil {
			t.Fatal(err)
		}
		if !st.SignedIn() {
			if st.SignedOutReason != localapi.ReasonExpired {
				t.Fatalf("signed out for %q, want expired", st.SignedOutReason)
			}
			break
		}
		if st.LapsesAt != nil {
			lapsesAt = *st.LapsesAt
		}
		if time.Since(lapsesAt) > 10*time.Second && !lapsesAt.IsZero() {
			t.Fatalf("still signed in 10 s after the deadline %v", lapsesAt)
		}
		time.Sleep(100 * time.Millisecond)
	}
	at := time.UnixMilli(awaitPage(t, tab, "signed out"))
	if at.Before(lapsesAt.Add(-time.Millisecond)) || at.Sub(lapsesAt) > time.Second {
		t.Fatalf("the page signed out %v after the deadline, want within 1 s", at.Sub(lapsesAt))
	}
	t.Logf("the page showed \"signed out\" %v after the session's deadline", at.Sub(lapsesAt))
	awaitToolbar(t, b, "WalkMe session: signed out", "OUT")
	f.mode.Store("pass")
	if f.srv.introspect(t, held) {
		t.Fatal("introspection of the token the page held says active after the lapse")
	}
}

// extensionOpensClosesSignsOut is what the extension must do in every
// browser, with the agent signed in at a 20 s cadence and its last renewal
// more than a quarter cadence ago:
//   - opening the WalkMe tab makes the agent active from the extension's
//     heartbeat (presence source), and it renews; the page shows the user,
//     the toolbar button "active as" the user (badge ON);
//   - closing the tab gives idle, with the closing renewal;
//   - `walkme-agent logout` turns the page of a tab opened again to "signed
//     out" within 1 s, and the toolbar button too (badge OUT); the server
//     refuses the token the page held.
//
// It returns that signed-out tab, still open.
func extensionOpensClosesSignsOut(t *testing.T, f *front, a *agentEnv, b walkMeBrowser, source string) (tab pageEval, closeTab func()) {
	t.Helper()
	tab, closeTab = b.openTab(t)
	awaitPage(t, tab, "signed in as "+admin)
	st := a.awaitStatus(15*time.Second, "active from the tab, renewed", func(st localapi.Status) bool {
		return st.State == localapi.StateActive && st.Renewals >= 1
	})
	if len(st.Presence.Sources) != 1 || st.Presence.Sources[0] != source {
		t.Fatalf("presence %v, want the extension's heartbeat (%s)", st.Presence.Sources, source)
	}
	awaitToolbar(t, b, "WalkMe session: active as "+admin, "ON")
	opened := st.Renewals

	closeTab()
	closedAt := time.Now()
	st = a.awaitStatus(15*time.Second, "idle with the closing renewal", func(st localapi.Status) bool {
		return st.State == localapi.StateIdle && st.Renewals > opened
	})
	if st.Renewals != opened+1 || st.LastRenewal == nil || st.LastRenewal.Before(closedAt) {
		t.Fatalf("after closing: %d renewals (opened with %d), last %v; want one closing renewal after %v",
			st.Renewals, opened, st.LastRenewal, closedAt)
	}

	// Sign-out: the page turns within 1 s.
	tab, closeTab = b.openTab(t)
	awaitPage(t, tab, "signed in as "+admin)
	held := heldToken(t, tab)
	if !f.srv.introspect(t, held) {
		t.Fatal("the server does not accept the token the page holds")
	}
	before := time.Now()
	if out, code := a.cli("logout"); code != 0 {
		t.Fatalf("logout: exit %d: %s", code, out)
	}
	at := time.UnixMilli(awaitPage(t, tab, "signed out"))
	if at.Before(before.Truncate(time.Millisecond)) || at.Sub(before) > time.Second {
		t.Fatalf("the page signed out %v after the logout began, want within 1 s", at.Sub(before))
	}
	t.Logf("the page showed \"signed out\" %v after `walkme-agent logout` began", at.Sub(before))
	awaitToolbar(t, b, "WalkMe session: signed out", "OUT")
	if f.srv.introspect(t, held) {
		t.Fatal("introspection of the token the page held says active after sign-out")
	}
	return tab, closeTab
}
