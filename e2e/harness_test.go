//go:build linux

// Package e2e runs the real binaries end to end: walkme-sessiond on loopback
// with SQLite, walkme-agent run with the real Secret Service (gnome-keyring on
// a private D-Bus bus), sign-in through a $BROWSER script, and a stand-in
// WalkMe process found by the real presence scan. The rules the tests cite
// (R7, R8, R11, R12) are docs/design.md §2.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/auth"
	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/internal/weblogin"
)

const (
	account  = "acme"
	admin    = "admin@acme.test"
	password = "e2e password 123"
)

// product is the stand-in WalkMe process name: unique to this test run (and
// under /proc/PID/comm's 15 bytes), so that runs on one machine never see
// each other's windows.
var product = fmt.Sprintf("wme2e-%d", os.Getpid()%1000000)

var bins struct {
	once          sync.Once
	dir           string
	agent, server string
	err           error
}

// binaries builds walkme-agent and walkme-sessiond once per test run.
func binaries(t *testing.T) (agentBin, serverBin string) {
	t.Helper()
	bins.once.Do(func() {
		bins.dir, bins.err = os.MkdirTemp("", "walkme-e2e-bin")
		if bins.err != nil {
			return
		}
		race := os.Getenv("WALKME_E2E_RACE") != "" // the binaries under the race detector
		var paths map[string]string
		if paths, bins.err = testenv.Build(bins.dir, testenv.BuildOptions{Race: race}, "walkme-agent", "walkme-sessiond"); bins.err != nil {
			return
		}
		bins.agent, bins.server = paths["walkme-agent"], paths["walkme-sessiond"]
	})
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	return bins.agent, bins.server
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bins.dir != "" {
		os.RemoveAll(bins.dir)
	}
	os.Exit(code)
}

// sessiond is a running walkme-sessiond.
type sessiond struct {
	URL    string // the issuer
	listen string // where it listens (the issuer, unless a front stands there)
	db     string
	t      *testing.T
	args   []string  // how it was started, for restart
	proc   *exec.Cmd // the running process
}

func startServer(t *testing.T) *sessiond { return startServerAt(t, "") }

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// startServerAt starts walkme-sessiond; issuer, when set, is the URL it
// advertises (a front in the test stands there).
func startServerAt(t *testing.T, issuer string) *sessiond {
	t.Helper()
	return startServerIn(t, issuer, t.TempDir())
}

// startServerIn is startServerAt with the database in dir.
func startServerIn(t *testing.T, issuer, dir string) *sessiond {
	t.Helper()
	_, serverBin := binaries(t)
	db := filepath.Join(dir, "sessiond.db")
	add := exec.Command(serverBin, "user", "add", "--db", db, "--account", account, "--email", admin, "--admin", "--password-stdin")
	add.Stdin = strings.NewReader(password + "\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	s := &sessiond{URL: "http://" + addr, listen: "http://" + addr, db: db}
	args := []string{"serve", "--listen", addr, "--db", db, "--dev"}
	if issuer != "" {
		s.URL = issuer
		args = append(args, "--issuer", issuer)
	}
	s.t, s.args = t, args
	s.start()
	return s
}

// start runs walkme-sessiond with the arguments it was first started with
// (the same address and database) and waits until it answers.
func (s *sessiond) start() {
	s.t.Helper()
	_, serverBin := binaries(s.t)
	s.proc = testenv.StartProcess(s.t, "sessiond", nil, serverBin, s.args...)
	testenv.WaitFor(s.t, 10*time.Second, "sessiond to answer", func() bool {
		resp, err := http.Get(s.listen + "/.well-known/openid-configuration")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
}

// kill ends walkme-sessiond with SIGKILL, as a crash or power loss would.
func (s *sessiond) kill() {
	s.t.Helper()
	if err := s.proc.Process.Kill(); err != nil {
		s.t.Fatal(err)
	}
	_ = s.proc.Wait()
}

// adminToken signs the admin in through the real authorization-code flow.
func (s *sessiond) adminToken(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := auth.New(auth.Options{Issuer: s.URL, ClientID: "walkme-agent"})
	login, err := c.StartLogin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer login.Close()
	errc := make(chan error, 1)
	go func() { errc <- weblogin.SignIn(ctx, login.AuthURL(), admin, password) }()
	tok, err := login.Wait(ctx)
	if err != nil {
		t.Fatalf("admin sign-in: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("admin sign-in page: %v", err)
	}
	return tok.AccessToken
}

// setTimeout sets the account's inactivity timeout through the admin API.
func (s *sessiond) setTimeout(t *testing.T, d string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"inactivity_timeout": d})
	req, _ := http.NewRequest(http.MethodPut, s.URL+"/api/admin/security", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.adminToken(t))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("PUT security: HTTP %d", resp.StatusCode)
	}
}

// devices lists where the account's live sessions were signed in, as the
// Admin Center's Sessions page shows it.
func (s *sessiond) devices(t *testing.T) []string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/api/admin/sessions", nil)
	req.Header.Set("Authorization", "Bearer "+s.adminToken(t))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Sessions []struct {
			Device string `json:"device"`
		} `json:"sessions"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET sessions: HTTP %d (%v)", resp.StatusCode, err)
	}
	var d []string
	for _, s := range list.Sessions {
		d = append(d, s.Device)
	}
	return d
}

// introspect reports whether the server still accepts token.
func (s *sessiond) introspect(t *testing.T, token string) bool {
	t.Helper()
	return testenv.Active(t, s.URL, token)
}

// agentEnv is everything one user's agent runs with.
type agentEnv struct {
	t      *testing.T
	bin    string
	env    []string // keyring bus, HOME, $BROWSER, socket
	config string
	socket string
	proc   *exec.Cmd
}

func newAgentEnv(t *testing.T, serverURL string, extra map[string]any) *agentEnv {
	t.Helper()
	agentBin, _ := binaries(t)
	testenv.Command(t, "curl")
	env := testenv.Keyring(t)
	dir := t.TempDir()
	browser := filepath.Join(dir, "browser.sh")
	// The user's browser: load the page, post the form, follow the redirect.
	script := fmt.Sprintf(`#!/bin/sh
jar=$(mktemp)
curl -sf -c "$jar" -b "$jar" "$1" >/dev/null &&
curl -sf -L -c "$jar" -b "$jar" --data-urlencode email=%s --data-urlencode 'password=%s' "$1" >/dev/null
rc=$?; rm -f "$jar"; exit $rc
`, admin, password)
	if err := os.WriteFile(browser, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := map[string]any{
		"ServerURL":            serverURL,
		"RenewInterval":        "2s",
		"PresencePollInterval": "200ms",
		"PresenceProcesses":    []string{product},
		"DevMode":              true,
	}
	for k, v := range extra {
		cfg[k] = v
	}
	cfgFile := filepath.Join(dir, "config.json")
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(cfgFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	socket := filepath.Join(dir, "run", "agent.sock")
	env = append(env, "BROWSER="+browser, "WALKME_AGENT_SOCKET="+socket, "WALKME_AGENT_CONFIG="+cfgFile)
	return &agentEnv{t: t, bin: agentBin, env: env, config: cfgFile, socket: socket}
}

// editConfig rewrites the agent's configuration file with edit applied;
// a running agent in DevMode picks the change up within 2 s.
func (a *agentEnv) editConfig(edit func(cfg map[string]any)) {
	a.t.Helper()
	b, err := os.ReadFile(a.config)
	if err != nil {
		a.t.Fatal(err)
	}
	cfg := map[string]any{}
	if err := json.Unmarshal(b, &cfg); err != nil {
		a.t.Fatal(err)
	}
	edit(cfg)
	if b, err = json.Marshal(cfg); err == nil {
		err = os.WriteFile(a.config, b, 0o600)
	}
	if err != nil {
		a.t.Fatal(err)
	}
}

// startAgent starts a walkme-sessiond, with the account's timeout set to
// timeout unless that is "", and a walkme-agent run against it.
func startAgent(t *testing.T, timeout string) (*sessiond, *agentEnv) {
	t.Helper()
	srv := startServer(t)
	if timeout != "" {
		srv.setTimeout(t, timeout)
	}
	a := newAgentEnv(t, srv.URL, nil)
	a.start()
	return srv, a
}

// signedInAgent is startAgent with the agent signed in.
func signedInAgent(t *testing.T, timeout string) (*sessiond, *agentEnv) {
	t.Helper()
	srv, a := startAgent(t, timeout)
	a.login()
	return srv, a
}

// start runs `walkme-agent run` and waits until it answers.
func (a *agentEnv) start() {
	a.t.Helper()
	a.proc = testenv.StartProcess(a.t, "agent", a.env, a.bin, "run")
	testenv.WaitFor(a.t, 10*time.Second, "the agent to answer", func() bool {
		_, err := a.status()
		return err == nil
	})
}

// log returns what the running agent has logged so far.
func (a *agentEnv) log() string {
	a.t.Helper()
	f, ok := a.proc.Stdout.(*os.File)
	if !ok {
		a.t.Fatal("the agent's output is not a file")
	}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		a.t.Fatal(err)
	}
	return string(b)
}

// stop ends the agent gracefully.
func (a *agentEnv) stop() {
	a.t.Helper()
	testenv.StopProcess(a.proc)
	a.proc = nil
}

// run runs walkme-agent with args and returns its stdout, stderr and exit
// code.
func (a *agentEnv) run(args ...string) (stdout, stderr string, code int) {
	a.t.Helper()
	cmd := exec.Command(a.bin, args...)
	cmd.Env = append(os.Environ(), a.env...)
	return testenv.Run(a.t, cmd)
}

// cli runs a walkme-agent command and returns its output (stdout then
// stderr) and exit code.
func (a *agentEnv) cli(args ...string) (string, int) {
	a.t.Helper()
	stdout, stderr, code := a.run(args...)
	if code != 0 && code != 3 {
		a.t.Logf("walkme-agent %v exited %d: %s", args, code, stderr)
	}
	return stdout + stderr, code
}

func (a *agentEnv) status() (localapi.Status, error) {
	a.t.Helper()
	return statusJSON(a.run("status", "--json"))
}

// statusJSON reads what `status --json` wrote and its exit code: it prints
// the status both when a session is live (0) and when none is (3).
func statusJSON(stdout, stderr string, code int) (localapi.Status, error) {
	var st localapi.Status
	if code != 0 && code != 3 {
		return st, fmt.Errorf("status exited %d: %s", code, stdout+stderr)
	}
	if err := json.Unmarshal([]byte(stdout), &st); err != nil {
		return st, fmt.Errorf("status --json: %v: %s", err, stdout+stderr)
	}
	return st, nil
}

func (a *agentEnv) mustStatus() localapi.Status {
	a.t.Helper()
	return mustStatus(a.t, a.status)
}

// mustStatus is status's answer; an error fails the test.
func mustStatus(t *testing.T, status func() (localapi.Status, error)) localapi.Status {
	t.Helper()
	st, err := status()
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	return st
}

// awaitStatus polls status --json until ok holds or the time runs out.
func (a *agentEnv) awaitStatus(within time.Duration, what string, ok func(localapi.Status) bool) localapi.Status {
	a.t.Helper()
	return pollStatus(a.t, within, what, a.status, ok)
}

// pollStatus asks status until ok holds or the time runs out; the agents
// of every harness (Linux, wine) share it.
func pollStatus(t *testing.T, within time.Duration, what string, status func() (localapi.Status, error), ok func(localapi.Status) bool) localapi.Status {
	t.Helper()
	var st localapi.Status
	testenv.WaitFor(t, within, what, func() bool {
		var err error
		st, err = status()
		return err == nil && ok(st)
	})
	return st
}

func (a *agentEnv) login() {
	a.t.Helper()
	if out, code := a.cli("login"); code != 0 {
		a.t.Fatalf("login exited %d: %s", code, out)
	}
}

// keychainEntry returns the agent's keychain entry as secret-tool sees it,
// or "" when there is none.
func (a *agentEnv) keychainEntry() string {
	a.t.Helper()
	tool := testenv.Command(a.t, "secret-tool")
	cmd := exec.Command(tool, "lookup", "service", "com.walkme.agent", "username", currentUser(a.t))
	cmd.Env = append(os.Environ(), a.env...)
	out, _ := cmd.Output()
	return string(out)
}

// refreshToken returns the refresh token stored in the keychain.
func (a *agentEnv) refreshToken() string {
	a.t.Helper()
	var rec struct {
		RefreshToken string `json:"refresh_token"`
	}
	entry := a.keychainEntry()
	if err := json.Unmarshal([]byte(entry), &rec); err != nil || rec.RefreshToken == "" {
		a.t.Fatalf("keychain entry is not a session record (%d bytes)", len(entry))
	}
	return rec.RefreshToken
}

// openProduct starts a stand-in WalkMe window: a process whose name matches
// PresenceProcesses. It returns a func that closes it.
func openProduct(t *testing.T) (closeIt func()) {
	t.Helper()
	link := filepath.Join(t.TempDir(), product)
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(sleep, link); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(link, "600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	closeIt = func() { testenv.StopProcess(cmd) }
	t.Cleanup(closeIt)
	return closeIt
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln := listen(t)
	defer ln.Close()
	return ln.Addr().String()
}
