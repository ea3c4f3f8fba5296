//go:build linux

package e2e

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/browser/extension"
	"github.com/walkme/session-agent/internal/firefoxtest"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/packaging/linuxpkg"
	"github.com/walkme/session-agent/packaging/nativehost"
	"github.com/walkme/session-agent/platform/browserhost"
)

// chromiumManifest is where the .deb installs the host manifest for
// Debian's Chromium, which reads system-wide hosts from there.
const chromiumManifest = "/etc/chromium/native-messaging-hosts/" + nativehost.Name + ".json"

// TestDebNativeHostInChromium installs the agent's .deb (built with the
// reference extension's ID, as `make packages` builds it) with dpkg, runs
// the installed walkme-agent, and opens the stand-in WalkMe page in
// headless Chromium with the reference extension and no host manifest of
// its own: Chromium finds the host only through the manifest the package
// put in /etc/chromium/native-messaging-hosts, and the installed wrapper
// finds the agent at its default socket in the user's XDG_RUNTIME_DIR
// (the agent and Chromium run in one user's environment; nothing names the
// socket). The agent turns active with the browser's presence and the page
// shows the user; `walkme-agent doctor` lists the browsers the host is
// registered with and the extensions they admit. Purging the package
// removes every manifest it installed, and doctor then says the host is
// missing.
func TestDebNativeHostInChromium(t *testing.T) {
	testenv.Command(t, "chromium")
	dpkg, manifests := installAgentDeb(t)
	checkChromiumManifest(t)

	f := startFront(t)
	a := newAgentEnv(t, f.issuer, nil)
	a.installed(linuxpkg.AgentBinary)
	a.start()
	if fi, err := os.Stat(a.socket); err != nil || fi.Mode().Type() != fs.ModeSocket {
		t.Fatalf("the installed agent does not listen at its default socket %s (%v)", a.socket, err)
	}
	a.login()

	// The page and the extension; the host executable walkMeSetup also
	// writes for a per-profile manifest stays unused.
	pageURL, ext, _ := walkMeSetup(t, a, f.issuer)
	profile := t.TempDir()
	b := launchChromium(t, pageURL, ext, profile, a.env...)
	_, closeTab := tabSignsIn(t, a, b, "browser:chromium")
	defer closeTab()
	// The profile has no host manifest (Chromium makes the directory, empty):
	// the system one was used.
	if _, err := os.Stat(filepath.Join(profile, "NativeMessagingHosts", nativehost.Name+".json")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the profile has a host manifest of its own (%v)", err)
	}

	// doctor tells the admin the extension's way in, as installed.
	want := "ok    browser host   chrome, chromium, edge admit " + extension.ID + "; firefox admits " + extension.FirefoxID
	if got := a.doctorHostLine(); got != want {
		t.Errorf("doctor with the package installed:\n%s\nwant\n%s", got, want)
	}

	run(t, dpkg, "-P", "walkme-agent")
	for _, p := range append(manifests, linuxpkg.NativeHostExec, linuxpkg.AgentBinary) {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("after dpkg -P: %s still exists (%v)", p, err)
		}
	}
	a.bin, _ = binaries(t)
	if got := a.doctorHostLine(); !strings.HasPrefix(got, "FAIL  browser host   no native-messaging host manifest is installed") {
		t.Errorf("doctor after the package is purged: %s", got)
	}
}

// TestBrowserExtensionsAdmitsAnotherExtension: IT admits its own build of
// the extension by policy, BrowserExtensions, with the package as built
// (its manifests admit only the reference extension). The agent registers
// the installed host for the user with that build's Chrome and Firefox
// IDs; Chromium and Firefox read the user's registration before the
// machine's, start the host for the extension, and the page signs in. Once
// the setting is removed, the agent takes its registrations away at the
// next reload.
func TestBrowserExtensionsAdmitsAnotherExtension(t *testing.T) {
	testenv.Command(t, "chromium")
	testenv.Command(t, "firefox-esr")
	installAgentDeb(t)
	f := startFront(t)
	a := newAgentEnv(t, f.issuer, nil)
	a.installed(linuxpkg.AgentBinary)
	pageURL, ext, _ := walkMeSetup(t, a, f.issuer)
	id, gecko := rekey(t, ext), regecko(t, ext)
	for file, own := range map[string]string{chromiumManifest: id, firefoxManifest: gecko} {
		if _, ids, err := browserhost.Read(file, file == firefoxManifest); err != nil || slices.Contains(ids, own) {
			t.Fatalf("the package's %s admits %v (%v): the test needs an extension it does not admit", file, ids, err)
		}
	}
	a.editConfig(func(cfg map[string]any) { cfg["BrowserExtensions"] = []string{id, gecko} })
	a.start()
	a.login()

	// Chromium's default profile for the user, where it reads the user's
	// host manifests (NativeMessagingHosts in the profile's folder).
	profile := filepath.Join(a.getenv("XDG_CONFIG_HOME"), "chromium")
	mine := filepath.Join(profile, "NativeMessagingHosts", nativehost.Name+".json")
	if host, ids, err := browserhost.Read(mine, false); err != nil || host != linuxpkg.NativeHostExec || !slices.Equal(ids, []string{id}) {
		t.Fatalf("the user's registration: %s admitting %v (%v); want %s admitting %s", host, ids, err, linuxpkg.NativeHostExec, id)
	}
	want := "ok    browser host   chrome, chromium, edge admit " + extension.ID + "; firefox admits " + extension.FirefoxID +
		"; chrome (this user), chromium (this user), edge (this user) admit " + id + "; firefox (this user) admits " + gecko +
		"; the host serves only BrowserExtensions: " + id + ", " + gecko
	if got := a.doctorHostLine(); got != want {
		t.Errorf("doctor:\n%s\nwant\n%s", got, want)
	}
	b := launchChromium(t, pageURL, ext, profile, a.env...)
	_, closeTab := tabSignsIn(t, a, b, "browser:chromium")
	closeTab()
	a.awaitStatus(15*time.Second, "idle once the Chromium tab is closed", func(st localapi.Status) bool {
		return st.State == localapi.StateIdle
	})
	// Firefox in the same home, where it reads ~/.mozilla/native-messaging-hosts.
	r := launchFirefox(t, pageURL, ext, gecko, firefoxtest.Options{Home: a.getenv("HOME"), Env: a.env})
	_, closeTab = tabSignsIn(t, a, r, "browser:firefox")
	closeTab()

	a.editConfig(func(cfg map[string]any) { delete(cfg, "BrowserExtensions") })
	firefoxMine := filepath.Join(a.getenv("HOME"), ".mozilla", "native-messaging-hosts", nativehost.Name+".json")
	testenv.WaitFor(t, 15*time.Second, "the agent to remove the user's registrations", func() bool {
		_, err := os.Stat(mine)
		_, ferr := os.Stat(firefoxMine)
		return errors.Is(err, fs.ErrNotExist) && errors.Is(ferr, fs.ErrNotExist)
	})
}

// doctorHostLine is the browser-host line of `walkme-agent doctor`.
func (a *agentEnv) doctorHostLine() string {
	a.t.Helper()
	out, _ := a.cli("doctor")
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "browser host") {
			return line
		}
	}
	a.t.Fatalf("doctor says nothing of the browser host:\n%s", out)
	return ""
}

// installAgentDeb installs the agent's .deb with dpkg for the test, which
// purges it when it ends, and returns dpkg's path and the host manifests
// the package installed. It needs root and dpkg, and leaves alone a
// machine that has walkme-agent installed already.
func installAgentDeb(t *testing.T) (dpkg string, manifests []string) {
	t.Helper()
	testenv.Root(t)
	dpkg = testenv.Command(t, "dpkg")
	// packaging/linuxpkg's TestDpkgLifecycle installs the package too, from
	// a test binary go test may run at the same time.
	testenv.Exclusive(t, "dpkg")
	if exec.Command("dpkg-query", "-W", "walkme-agent").Run() == nil {
		testenv.Missing(t, "walkme-agent is already installed on this machine; not touching it")
	}
	agentBin, _ := binaries(t)
	deb := buildDeb(t, agentBin)
	t.Cleanup(func() { _ = exec.Command(dpkg, "-P", "walkme-agent").Run() })
	// Without triggers: man-db's index of the package's manual page is
	// rebuilt once, by the purge (it costs seconds on a loaded machine).
	run(t, dpkg, "--no-triggers", "-i", deb)
	return dpkg, installedManifests(t)
}

// buildDeb builds the agent's .deb around bin with the reference
// extension's IDs, as `make packages` does by default.
func buildDeb(t *testing.T, bin string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "walkme-agent.deb")
	w, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	o := linuxpkg.Options{Format: "deb", Version: "1.0.0", Arch: runtime.GOARCH, Binary: bin,
		ChromeExtensionIDs: []string{extension.ID}, FirefoxExtensionIDs: []string{extension.FirefoxID},
		MTime: time.Now(), Stage: t.TempDir()}
	if err := linuxpkg.Agent(o, w); err != nil {
		t.Fatal(err)
	}
	return out
}

// installedManifests lists the host manifests the installed package owns:
// one for each browser (Chrome, Chromium, Edge, Firefox).
func installedManifests(t *testing.T) []string {
	t.Helper()
	var manifests []string
	for _, p := range strings.Fields(run(t, "dpkg-query", "-L", "walkme-agent")) {
		if filepath.Base(p) == nativehost.Name+".json" {
			manifests = append(manifests, p)
		}
	}
	if len(manifests) < 4 || !slices.Contains(manifests, chromiumManifest) {
		t.Fatalf("the package installs the host manifests %v, want one per browser with %s", manifests, chromiumManifest)
	}
	return manifests
}

// checkChromiumManifest: the installed manifest starts the installed
// wrapper for the reference extension only.
func checkChromiumManifest(t *testing.T) {
	t.Helper()
	b, err := os.ReadFile(chromiumManifest)
	if err != nil {
		t.Fatal(err)
	}
	var m nativehost.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", chromiumManifest, err)
	}
	if m.Path != linuxpkg.NativeHostExec || !slices.Equal(m.AllowedOrigins, []string{"chrome-extension://" + extension.ID + "/"}) {
		t.Fatalf("%s = %+v, want %s for the reference extension", chromiumManifest, m, linuxpkg.NativeHostExec)
	}
}

// installed makes a the installed agent: bin, at the default socket of
// its environment's XDG_RUNTIME_DIR (the one a desktop session gives).
func (a *agentEnv) installed(bin string) {
	a.t.Helper()
	a.bin = bin
	a.env = slices.DeleteFunc(a.env, func(kv string) bool { return strings.HasPrefix(kv, "WALKME_AGENT_SOCKET=") })
	dir := a.getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		a.t.Fatal("the agent's environment has no XDG_RUNTIME_DIR")
	}
	a.socket = filepath.Join(dir, "walkme-agent", "agent.sock")
}

// run runs a command and fails the test with its output if it fails.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	b, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, b)
	}
	return string(b)
}
