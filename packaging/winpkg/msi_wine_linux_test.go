package winpkg

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/platform/browserhost"
)

// wine runs Windows commands in a private Wine prefix.
type wine struct {
	t      *testing.T
	prefix string // the WINEPREFIX directory
	env    []string
}

// newWine creates a Wine prefix in a temp dir (testenv.WinePrefix stops
// its wineserver when the test ends). (A persistent "wineserver -p" would
// save ~1.5 s a command, but then msiexec's helper processes stay up
// holding the output pipe open, and CombinedOutput never returns.)
func newWine(t *testing.T) *wine {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "prefix")
	return &wine{t: t, prefix: prefix, env: append(os.Environ(), testenv.WinePrefix(t, prefix)...)}
}

// run runs a command under wine and returns its output and error.
func (w *wine) run(args ...string) (string, error) {
	// Bounded, so that a wedged Wine fails the test instead of hanging it.
	ctx, cancel := context.WithTimeout(w.t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "wine", args...)
	cmd.Env = w.env
	cmd.WaitDelay = 5 * time.Second // helpers that keep the pipe open
	start := time.Now()
	out, err := cmd.CombinedOutput()
	w.t.Logf("wine %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	return strings.ReplaceAll(string(out), "\r\n", "\n"), err
}

// must runs a command under wine and fails the test if it fails.
func (w *wine) must(args ...string) string {
	w.t.Helper()
	out, err := w.run(args...)
	if err != nil {
		w.t.Fatalf("wine %v: %v\n%s", args, err, out)
	}
	return out
}

// msiexec runs msiexec quietly with a verbose log, shown on failure.
func (w *wine) msiexec(args ...string) {
	w.t.Helper()
	log := filepath.Join(w.t.TempDir(), "msiexec.log")
	out, err := w.run(append(append([]string{"msiexec"}, args...), "/qn", "/l*v", winPath(log))...)
	if err != nil {
		b, _ := os.ReadFile(log)
		w.t.Fatalf("msiexec %v: %v\n%s\n%s", args, err, out, b)
	}
}

// query is `reg query KEY [args]`: its output, or "" when the key or value
// does not exist.
func (w *wine) query(key string, args ...string) string {
	out, err := w.run(append([]string{"reg", "query", key}, args...)...)
	if err != nil {
		return ""
	}
	return out
}

// winPath is a Linux path as Wine's Z: drive sees it.
func winPath(p string) string { return `Z:` + strings.ReplaceAll(p, "/", `\`) }

// buildAgentMSIs builds the real walkme-agent.exe and MSIs of it at the
// given versions.
func buildAgentMSIs(t *testing.T, versions ...string) []string {
	t.Helper()
	dir := t.TempDir()
	bins, err := testenv.Build(dir, testenv.BuildOptions{Release: true, GOOS: "windows", GOARCH: "amd64"}, "walkme-agent")
	if err != nil {
		t.Fatal(err)
	}
	exe := bins["walkme-agent"]
	var msis []string
	for _, v := range versions {
		out := filepath.Join(dir, "walkme-agent-"+v+"-x64.msi")
		err := Build(context.Background(), Options{Version: v, AgentExe: exe,
			ChromiumManifest: []byte(`{"name":"com.walkme.agent"}`), FirefoxManifest: []byte(`{"name":"com.walkme.agent"}`),
			Out: out, Stage: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		msis = append(msis, out)
	}
	return msis
}

const (
	uninstallKey = `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall`
	runKey       = `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run`
	installDir   = `drive_c/Program Files/WalkMe/Agent`
)

// products lists "DisplayName DisplayVersion" of every installed WalkMe
// Agent product.
func (w *wine) products() []string {
	var found []string
	for _, line := range strings.Split(w.query(uninstallKey), "\n") {
		key := strings.TrimSpace(line)
		if !strings.HasPrefix(key, `HKEY_LOCAL_MACHINE\`) || key == `HKEY_LOCAL_MACHINE\`+uninstallKey[len(`HKLM\`):] {
			continue
		}
		if name := w.query(key, "/v", "DisplayName"); strings.Contains(name, "WalkMe Agent") {
			found = append(found, "WalkMe Agent "+lastField(w.query(key, "/v", "DisplayVersion")))
		}
	}
	return found
}

func lastField(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

// TestMSIUnderWine installs the MSI of the real agent silently with
// properties, checks the machine registry key and `config show`, upgrades,
// and uninstalls, all with Wine's msiexec in a private prefix.
func TestMSIUnderWine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two MSIs and runs msiexec under Wine")
	}
	for _, c := range []string{"wine", "wineserver", "x86_64-w64-mingw32-gcc", "wixl", "msibuild", "msiinfo"} {
		testenv.Command(t, c)
	}
	start := time.Now()
	msis := buildAgentMSIs(t, "1.2.3", "1.2.4")
	t.Logf("built walkme-agent.exe and two MSIs: %v", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	w := newWine(t)
	t.Logf("created the Wine prefix: %v", time.Since(start).Round(time.Millisecond))

	// Install with two properties; the others write nothing.
	if _, err := os.Stat(filepath.Join(w.prefix, "system.reg")); err != nil {
		t.Fatalf("no Wine prefix: %v", err)
	}
	w.msiexec("/i", winPath(msis[0]), "SERVER_URL=https://sso.example.com", "LOG_LEVEL=debug")
	key := `HKLM\` + MachineKey
	reg := w.query(key, "/reg:64")
	for _, want := range []string{"ServerURL    REG_SZ    https://sso.example.com", "LogLevel    REG_SZ    debug"} {
		if !strings.Contains(reg, want) {
			t.Errorf("reg query %s: no %q in\n%s", key, want, reg)
		}
	}
	if strings.Contains(reg, "ClientID") || strings.Contains(reg, "PresenceProcesses") {
		t.Errorf("a property not given wrote a value:\n%s", reg)
	}
	if reg32 := w.query(key, "/reg:32"); reg32 != "" {
		t.Errorf("the machine key is in the 32-bit registry view too:\n%s", reg32)
	}
	run := w.query(runKey)
	if !strings.Contains(run, `WalkMe Agent    REG_SZ    "C:\Program Files\WalkMe\Agent\walkme-agent.exe" run`) ||
		!strings.Contains(run, `WalkMe Agent Tray    REG_SZ    "C:\Program Files\WalkMe\Agent\walkme-agent.exe" tray`) {
		t.Errorf("Run key:\n%s", run)
	}
	show := w.must(`C:\Program Files\WalkMe\Agent\walkme-agent.exe`, "config", "show")
	for key, want := range map[string]string{"ServerURL": "https://sso.example.com", "LogLevel": "debug"} {
		if !hasSetting(show, key, want, `machine registry HKLM\SOFTWARE\WalkMe\Agent`) {
			t.Errorf("config show: %s is not %s from the machine registry:\n%s", key, want, show)
		}
	}
	if got := w.products(); len(got) != 1 || got[0] != "WalkMe Agent 1.2.3" {
		t.Errorf("after install, products = %q", got)
	}
	// The host registered for every browser where `walkme-agent doctor`
	// looks (browserhost.Locations), naming a manifest in the install folder.
	for _, l := range browserhost.Locations("windows") {
		if got := w.query(`HKLM\`+l.Path, "/reg:64"); !strings.Contains(got, `REG_SZ    C:\Program Files\WalkMe\Agent\com.walkme.agent`) {
			t.Errorf("%s's host registration HKLM\\%s:\n%s", l.Browser, l.Path, got)
		}
	}
	w.runInstalledAgent("https://sso.example.com")

	// A major upgrade with a new SERVER_URL: one product, the new value.
	w.msiexec("/i", winPath(msis[1]), "SERVER_URL=https://sso2.example.com")
	if got := w.products(); len(got) != 1 || got[0] != "WalkMe Agent 1.2.4" {
		t.Errorf("after upgrade, products = %q, want only WalkMe Agent 1.2.4", got)
	}
	reg = w.query(key)
	if !strings.Contains(reg, "ServerURL    REG_SZ    https://sso2.example.com") {
		t.Errorf("after upgrade, %s:\n%s", key, reg)
	}
	if strings.Contains(reg, "LogLevel") {
		t.Errorf("after an upgrade without LOG_LEVEL, the old value stayed:\n%s", reg)
	}
	show = w.must(`C:\Program Files\WalkMe\Agent\walkme-agent.exe`, "config", "show")
	if !hasSetting(show, "ServerURL", "https://sso2.example.com", `machine registry HKLM\SOFTWARE\WalkMe\Agent`) {
		t.Errorf("after upgrade, config show:\n%s", show)
	}

	// Uninstall: no product, no files, no keys.
	w.msiexec("/x", winPath(msis[1]))
	if got := w.products(); len(got) != 0 {
		t.Errorf("after uninstall, products = %q", got)
	}
	keys := []string{key}
	for _, l := range browserhost.Locations("windows") {
		keys = append(keys, `HKLM\`+l.Path)
	}
	for _, k := range keys {
		if out := w.query(k); out != "" {
			t.Errorf("after uninstall, %s is left:\n%s", k, out)
		}
	}
	if run := w.query(runKey); strings.Contains(run, "WalkMe") {
		t.Errorf("after uninstall, Run key:\n%s", run)
	}
	files := filepath.Join(w.prefix, installDir)
	if _, err := os.Stat(files); err == nil {
		t.Errorf("after uninstall, %s is left", files)
	}
}

// runInstalledAgent starts the installed walkme-agent.exe run, as the Run key
// does at logon, and checks that it answers `status --json` on its named
// pipe with the server URL of the machine configuration the MSI wrote. It
// stops the agent before returning.
func (w *wine) runInstalledAgent(serverURL string) {
	w.t.Helper()
	const exe = `C:\Program Files\WalkMe\Agent\walkme-agent.exe`
	log, err := os.Create(filepath.Join(w.t.TempDir(), "agent.log"))
	if err != nil {
		w.t.Fatal(err)
	}
	defer log.Close()
	agent := exec.Command("wine", exe, "run")
	agent.Env = w.env
	agent.Stdout, agent.Stderr = log, log // a file: Wine's services would hold a pipe open
	if err := agent.Start(); err != nil {
		w.t.Fatal(err)
	}
	defer testenv.StopProcess(agent)
	var out string
	deadline := time.Now().Add(time.Minute)
	for {
		out, err = w.run(exe, "status", "--json")
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 3 { // answering: signed out
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(log.Name())
			w.t.Fatalf("the installed agent did not answer status in a minute: %v: %s\nits log:\n%s", err, out, b)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var st struct {
		State     string `json:"state"`
		ServerURL string `json:"server_url"`
	}
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &st); err != nil {
		w.t.Fatalf("status --json: %v: %s", err, out)
	}
	if st.State != "signed_out" || st.ServerURL != serverURL {
		w.t.Errorf("the installed agent: %s with server %q; want signed_out with the machine's %q", st.State, st.ServerURL, serverURL)
	}
}

// hasSetting reports whether `config show` printed key with value from src.
func hasSetting(show, key, value, src string) bool {
	for _, line := range strings.Split(show, "\n") {
		f := strings.Fields(line)
		if len(f) > 2 && f[0] == key && f[1] == value && strings.Contains(line, src) {
			return true
		}
	}
	return false
}
