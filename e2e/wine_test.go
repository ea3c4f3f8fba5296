//go:build linux

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/internal/weblogin"
)

// The agent under Wine: walkme-agent.exe (the Windows build, with the
// Windows named pipe, Credential Manager, Toolhelp32 scan and power window)
// against walkme-sessiond on Linux loopback. e2e/wintool is the test's hands
// inside the prefix: it reads the Credential Manager and the notification
// area, and, copied to another name, is the stand-in WalkMe product.

var winBins struct {
	once        sync.Once
	agent, tool string
	err         error
}

// windowsBinaries builds walkme-agent.exe and wintool.exe once per test run
// (into the directory TestMain removes).
func windowsBinaries(t *testing.T) (agentExe, toolExe string) {
	t.Helper()
	binaries(t) // creates bins.dir, and builds walkme-sessiond
	winBins.once.Do(func() {
		dir := filepath.Join(bins.dir, "windows")
		var paths map[string]string
		paths, winBins.err = testenv.Build(dir, testenv.BuildOptions{Release: true, GOOS: "windows", GOARCH: "amd64"},
			"walkme-agent", "e2e/wintool")
		winBins.agent, winBins.tool = paths["walkme-agent"], paths["e2e/wintool"]
	})
	if winBins.err != nil {
		t.Fatal(winBins.err)
	}
	return winBins.agent, winBins.tool
}

// winPath is a Linux path as Wine's Z: drive sees it.
func winPath(p string) string { return `Z:` + strings.ReplaceAll(p, "/", `\`) }

// wineAgent is one user's agent under Wine.
type wineAgent struct {
	t         *testing.T
	exe, tool string
	env       []string // os.Environ, the prefix, the agent's pipe and config
	dir       string
	service   string // the Credential Manager entry's service (KeychainService)
	proc      *exec.Cmd
}

// newWineAgent configures an agent in the Wine prefix wineEnv describes:
// its own pipe, its own Credential Manager entry, the system keychain.
func newWineAgent(t *testing.T, wineEnv []string, serverURL string, extra map[string]any) *wineAgent {
	t.Helper()
	exe, tool := windowsBinaries(t)
	dir := t.TempDir()
	id := fmt.Sprintf("e2e-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	cfg := map[string]any{
		"ServerURL":            serverURL,
		"RenewInterval":        "2s",
		"PresencePollInterval": "200ms",
		"PresenceProcesses":    []string{product},
		"KeychainBackend":      "system",
		"KeychainService":      "com.walkme.agent." + id,
		"DevMode":              true,
	}
	for k, v := range extra {
		cfg[k] = v
	}
	b, _ := json.Marshal(cfg)
	cfgFile := filepath.Join(dir, "config.json")
	if err := os.WriteFile(cfgFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(append(os.Environ(), wineEnv...),
		`WALKME_AGENT_SOCKET=\\.\pipe\walkme-`+id, "WALKME_AGENT_CONFIG="+winPath(cfgFile))
	return &wineAgent{t: t, exe: exe, tool: tool, env: env, dir: dir, service: cfg["KeychainService"].(string)}
}

// command is a wine command in the agent's prefix and environment, bounded
// so that a wedged Wine fails the test instead of hanging it.
func (w *wineAgent) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "wine", args...)
	cmd.Env = w.env
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// run runs a Windows program under Wine and returns its stdout, stderr
// and exit code. The output goes to files, not pipes: the first Wine
// process of a prefix starts Wine's services, which inherit its handles and
// would hold a pipe open long after the program exited.
func (w *wineAgent) run(args ...string) (stdout, stderr string, code int) {
	w.t.Helper()
	// Not the test's context: cleanups run programs too.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := w.t.TempDir()
	files := make([]*os.File, 2)
	for i, name := range []string{"stdout", "stderr"} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			w.t.Fatal(err)
		}
		defer f.Close()
		files[i] = f
	}
	cmd := w.command(ctx, args...)
	cmd.Stdout, cmd.Stderr = files[0], files[1]
	code = testenv.ExitCode(w.t, cmd, cmd.Run())
	out := make([]string, 2)
	for i, f := range files {
		b, err := os.ReadFile(f.Name())
		if err != nil {
			w.t.Fatal(err)
		}
		out[i] = strings.ReplaceAll(string(b), "\r\n", "\n")
	}
	return out[0], out[1], code
}

// cli runs `walkme-agent.exe ARGS` under Wine and returns its output
// (stdout then stderr) and exit code.
func (w *wineAgent) cli(args ...string) (string, int) {
	w.t.Helper()
	stdout, stderr, code := w.run(append([]string{w.exe}, args...)...)
	return stdout + stderr, code
}

// status is `status --json` from a second Wine process, over the named pipe.
func (w *wineAgent) status() (localapi.Status, error) {
	w.t.Helper()
	return statusJSON(w.run(w.exe, "status", "--json"))
}

func (w *wineAgent) mustStatus() localapi.Status {
	w.t.Helper()
	return mustStatus(w.t, w.status)
}

func (w *wineAgent) awaitStatus(within time.Duration, what string, ok func(localapi.Status) bool) localapi.Status {
	w.t.Helper()
	return pollStatus(w.t, within, what, w.status, ok)
}

// start runs `walkme-agent.exe run` under Wine.
func (w *wineAgent) start() {
	w.t.Helper()
	w.proc = testenv.StartProcess(w.t, "agent.exe", w.env[len(os.Environ()):], "wine", w.exe, "run")
}

// log returns what the agent has logged so far.
func (w *wineAgent) log() string {
	w.t.Helper()
	b, err := os.ReadFile(w.proc.Stdout.(*os.File).Name())
	if err != nil {
		w.t.Fatal(err)
	}
	return string(b)
}

// login runs `login --no-browser` under Wine and completes the URL it
// prints the way a browser does (weblogin: load the page, post the form,
// follow the redirect to the agent's loopback listener inside Wine).
func (w *wineAgent) login() {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.t.Context(), time.Minute)
	defer cancel()
	cmd := w.command(ctx, w.exe, "login", "--no-browser")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		w.t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	var printed strings.Builder
	s := bufio.NewScanner(stdout)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		printed.WriteString(line + "\n")
		if strings.HasPrefix(line, "http://") {
			if err := weblogin.SignIn(ctx, line, admin, password); err != nil {
				w.t.Fatalf("completing the printed sign-in URL: %v", err)
			}
			break
		}
	}
	rest, _ := io.ReadAll(stdout)
	printed.Write(rest)
	if err := cmd.Wait(); err != nil {
		w.t.Fatalf("login --no-browser: %v\n%s%s", err, printed.String(), errb.String())
	}
	if !strings.Contains(printed.String(), "Signed in as "+admin) {
		w.t.Fatalf("login --no-browser did not say it signed in:\n%s", printed.String())
	}
}

// credential is "present" or "absent": whether the Credential Manager
// holds the agent's entry, as wintool (another process, the same user)
// finds it through the same keychain code.
func (w *wineAgent) credential() string {
	w.t.Helper()
	out, errs, code := w.run(w.tool, "cred", w.service)
	if code != 0 {
		w.t.Fatalf("wintool cred exited %d: %s%s", code, out, errs)
	}
	return strings.TrimSpace(out)
}

// openProduct starts the stand-in WalkMe product: wintool copied to the
// exe name PresenceProcesses lists, waiting on its stdin. The returned func
// closes it (EOF on stdin) and waits for it to exit.
func (w *wineAgent) openProduct() (closeIt func()) {
	w.t.Helper()
	exe := filepath.Join(w.t.TempDir(), product+".exe")
	b, err := os.ReadFile(w.tool)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(exe, b, 0o755); err != nil {
		w.t.Fatal(err)
	}
	cmd := w.command(w.t.Context(), exe, "wait")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		w.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	var once sync.Once
	closeIt = func() {
		once.Do(func() {
			stdin.Close()
			_ = cmd.Wait()
		})
	}
	w.t.Cleanup(closeIt)
	return closeIt
}
