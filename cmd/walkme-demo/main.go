// Command walkme-demo shows the WalkMe Session Agent's whole session
// lifecycle in under a minute (`make demo`): the reference service and the
// agent run in this process at accelerated time, a stand-in product opens and
// closes, a WalkMe tab in headless Chromium (when there is one) keeps the
// session alive and is signed out with it, and the timeline shows each rule
// of docs/design.md §2 as it acts.
// It is a program of its own so that the agent that ships carries no server.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/walkme/session-agent/agent/config"
	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/agentrun"
	"github.com/walkme/session-agent/internal/weblogin"
	"github.com/walkme/session-agent/platform/ipc"
	"github.com/walkme/session-agent/platform/keychain"
	"github.com/walkme/session-agent/server"
	"github.com/walkme/session-agent/server/sqlitestore"
)

// The demo runs the reference service and the agent in this process at
// accelerated time (a 6 s inactivity timeout, renewals every 2 s) and prints
// the session's whole life as a timeline.
const (
	demoTimeout  = 6 * time.Second
	demoInterval = 2 * time.Second
	demoAccount  = "acme"
	demoUser     = "ann@acme.example"
	demoPassword = "correct horse battery staple"
	demoProcess  = "WalkMeEditor"
)

type demo struct {
	out     io.Writer
	start   time.Time
	dir     string
	store   *sqlitestore.Store
	issuer  string
	client  *localapi.Client
	mem     *keychain.MemoryStore
	standin *exec.Cmd
	tab     *browserTab // nil without a browser
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 1 && args[0] == standinArg:
		// The stand-in WalkMe window: this binary again, under a product's
		// name (a link), doing nothing until it is stopped.
		<-ctx.Done()
		return 0
	case len(args) > 0 && args[0] == nativeHostArg:
		if err := runNativeHost(ctx, args[1:]); err != nil {
			fmt.Fprintf(stderr, "walkme-demo native-host: %v\n", err)
			return 1
		}
		return 0
	case len(args) > 0:
		fmt.Fprintln(stderr, "usage: walkme-demo")
		return 2
	}
	dir, err := os.MkdirTemp("", "walkme-demo-")
	if err != nil {
		fmt.Fprintf(stderr, "walkme-demo: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	d := &demo{out: stdout, start: time.Now(), dir: dir, mem: keychain.NewMemoryStore()}
	err = d.run(ctx)
	d.stopBrowser()
	if err != nil {
		d.stopStandin()
		fmt.Fprintf(stderr, "walkme-demo: %v\n", err)
		return 1
	}
	d.say("demo", "done: every step of the session's life was shown")
	return 0
}

// standinArg makes this binary the stand-in product.
const standinArg = "standin"

func (d *demo) say(who, format string, args ...any) {
	fmt.Fprintf(d.out, "[%5.1fs] %-8s %s\n", time.Since(d.start).Seconds(), who, fmt.Sprintf(format, args...))
}

func (d *demo) run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := d.startServer(ctx); err != nil {
		return err
	}
	defer d.store.Close()
	socket := filepath.Join(d.dir, "run", "agent.sock")
	agentDone, err := d.startAgent(ctx, socket)
	if err != nil {
		return err
	}
	d.client = localapi.NewClient(func(ctx context.Context) (net.Conn, error) { return ipc.Dial(ctx, socket) })
	events, err := d.follow(ctx)
	if err != nil {
		return err
	}
	// The timeline shows where the agent starts from before the user acts.
	if _, err := await(ctx, events, "the agent to start", func(st localapi.Status) bool { return st.State != localapi.StateStarting }); err != nil {
		return err
	}
	steps := []func(context.Context, <-chan localapi.Status) error{
		d.signIn, d.openProduct, d.closeProduct, d.lapse, d.openTab, d.signIn, d.tabKeepsSession, d.signOut, d.tabSignedOut,
	}
	for _, step := range steps {
		if err := step(ctx, events); err != nil {
			return err
		}
	}
	cancel()
	<-agentDone
	return nil
}

func (d *demo) startServer(ctx context.Context) error {
	var err error
	if d.store, err = sqlitestore.Open(filepath.Join(d.dir, "sessiond.db")); err != nil {
		return err
	}
	if _, err := d.store.AddUser(ctx, demoAccount, demoUser, demoPassword, true); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	d.issuer = "http://" + ln.Addr().String()
	srv, err := server.New(server.Config{Issuer: d.issuer, Store: d.store, Dev: true, Logger: discard()})
	if err != nil {
		return err
	}
	go http.Serve(ln, srv) //nolint:errcheck // ends with the process
	go func() { <-ctx.Done(); ln.Close() }()
	d.say("service", "walkme-sessiond on %s (dev mode: accelerated time)", d.issuer)
	if _, err := d.store.SetInactivityTimeout(ctx, demoAccount, demoTimeout,
		server.Activity{At: time.Now(), Actor: demoUser, Action: "inactivity_timeout", New: demoTimeout.String()}); err != nil {
		return err
	}
	d.say("admin", "sets account %q's inactivity timeout to %s (the Admin Center's slider; 15m-24h in production)", demoAccount, demoTimeout)
	return nil
}

func (d *demo) startAgent(ctx context.Context, socket string) (<-chan error, error) {
	cfg := config.Default()
	cfg.ServerURL = d.issuer
	cfg.RenewInterval = demoInterval
	cfg.PresencePollInterval = 200 * time.Millisecond
	cfg.PresenceProcesses = []string{demoProcess}
	cfg.InactivityTimeout = demoTimeout
	cfg.KeychainBackend = keychain.BackendMemory.String()
	cfg.DevMode = true
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() {
		done <- agentrun.Run(ctx, agentrun.Options{Loaded: &config.Loaded{Config: cfg}, Socket: socket, Logger: discard(), Memory: d.mem})
	}()
	d.say("agent", "walkme-agent run: renews every %s while WalkMe is open (the product's 15m, accelerated)", demoInterval)
	return done, nil
}

// follow prints every status change the agent publishes.
func (d *demo) follow(ctx context.Context) (<-chan localapi.Status, error) {
	var in <-chan localapi.Status
	var err error
	for i := 0; i < 50; i++ { // the agent needs a moment to listen
		if in, err = d.client.Events(ctx); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		return nil, err
	}
	out := make(chan localapi.Status, 64)
	go func() {
		defer close(out)
		var last localapi.Status
		for st := range in {
			if st.State != last.State || st.Renewals != last.Renewals || st.SignedOutReason != last.SignedOutReason ||
				!slices.Equal(st.Presence.Sources, last.Presence.Sources) {
				d.say("agent", "%s", describe(st, d.start))
			}
			last = st
			out <- st
		}
	}()
	return out, nil
}

func describe(st localapi.Status, start time.Time) string {
	rel := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return fmt.Sprintf("%.1fs", t.Sub(start).Seconds())
	}
	open := "none"
	if len(st.Presence.Sources) > 0 {
		open = strings.Join(st.Presence.Sources, ",")
	}
	if !st.SignedIn() {
		line := "state=" + st.State
		if st.SignedOutReason != "" {
			line += " reason=" + st.SignedOutReason
		}
		if open != "none" { // open, with no session to keep
			line += " open=" + open
		}
		return line
	}
	return fmt.Sprintf("state=%-6s renewals=%d lapses_at=%s open=%s", st.State, st.Renewals, rel(st.LapsesAt), open)
}

// await reads status updates until ok says the wanted state holds.
func await(ctx context.Context, events <-chan localapi.Status, what string, ok func(localapi.Status) bool) (localapi.Status, error) {
	for {
		select {
		case st, live := <-events:
			if !live {
				return st, fmt.Errorf("the agent stopped while waiting for %s", what)
			}
			if ok(st) {
				return st, nil
			}
		case <-ctx.Done():
			return localapi.Status{}, fmt.Errorf("timed out waiting for %s", what)
		}
	}
}

func (d *demo) signIn(ctx context.Context, events <-chan localapi.Status) error {
	start, err := d.client.Login(ctx)
	if err != nil {
		return err
	}
	u, _ := url.Parse(start.AuthURL)
	d.say("user", "signs in as %s on %s%s (PKCE, loopback redirect)", demoUser, u.Host, u.Path)
	if err := weblogin.SignIn(ctx, start.AuthURL, demoUser, demoPassword); err != nil {
		return err
	}
	_, err = await(ctx, events, "sign-in", localapi.Status.SignedIn)
	return err
}

func (d *demo) openProduct(ctx context.Context, events <-chan localapi.Status) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	link := filepath.Join(d.dir, demoProcess)
	if err := os.Symlink(exe, link); err != nil {
		return err
	}
	d.say("user", "opens WalkMe Editor (a stand-in process named %q)", demoProcess)
	d.standin = exec.Command(link, standinArg)
	if err := d.standin.Start(); err != nil {
		return err
	}
	_, err = await(ctx, events, "three renewals", func(st localapi.Status) bool { return st.Renewals >= 3 })
	return err
}

func (d *demo) closeProduct(ctx context.Context, events <-chan localapi.Status) error {
	st, err := d.client.Status(ctx)
	if err != nil {
		return err
	}
	before := st.Renewals
	d.say("user", "closes WalkMe Editor and walks away")
	d.stopStandin()
	st, err = await(ctx, events, "idle", func(st localapi.Status) bool { return st.State == localapi.StateIdle })
	if err != nil {
		return err
	}
	if st.Renewals <= before {
		st, err = await(ctx, events, "the closing renewal", func(st localapi.Status) bool { return st.Renewals > before })
		if err != nil {
			return err
		}
	}
	d.say("agent", "renewed once more as the window closed (R10): the session ends %s after the user stopped", demoTimeout)
	return nil
}

func (d *demo) lapse(ctx context.Context, events <-chan localapi.Status) error {
	rec, err := keychainEntry(ctx, d.mem)
	if err != nil {
		return errors.New("no keychain entry while signed in")
	}
	st, err := await(ctx, events, "the lapse", func(st localapi.Status) bool { return !st.SignedIn() })
	if err != nil {
		return err
	}
	if st.SignedOutReason != localapi.ReasonExpired {
		return fmt.Errorf("signed out for %q, want expired", st.SignedOutReason)
	}
	// The agent writes the keychain off its loop (a slow keychain never
	// holds up a lapse): the entry goes a moment after the status changes.
	present := true
	for range 50 {
		if _, err := keychainEntry(ctx, d.mem); err != nil {
			present = false
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	d.say("agent", "lapsed locally at the deadline (R11); keychain entry present: %v", present)
	if present {
		return errors.New("the lapsed session's token is still in the keychain a second after the lapse")
	}
	// The server's deadline counts from when it received the last renewal
	// (or the use it reported), a few milliseconds after the agent sent it:
	// it may agree a moment after the agent lapsed locally.
	var active bool
	for range 30 {
		if active, err = introspect(ctx, d.issuer, rec.RefreshToken); err != nil || !active {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	d.say("service", "introspection of the lapsed session's last token: active=%v (R6: nothing renewed it)", active)
	if active {
		return errors.New("the server still accepts the lapsed session")
	}
	return nil
}

func (d *demo) signOut(ctx context.Context, events <-chan localapi.Status) error {
	rec, err := keychainEntry(ctx, d.mem)
	if err != nil {
		return errors.New("no keychain entry after sign-in")
	}
	d.say("user", "signs out (what the tray's Sign out does: POST /v1/logout)")
	if _, err := d.client.Logout(ctx); err != nil {
		return err
	}
	if _, err := await(ctx, events, "sign-out", func(st localapi.Status) bool { return st.SignedOutReason == localapi.ReasonLogout }); err != nil {
		return err
	}
	active, err := introspect(ctx, d.issuer, rec.RefreshToken)
	if err != nil {
		return err
	}
	d.say("service", "introspection of the signed-out session's token: active=%v (R8: ended at once)", active)
	if active {
		return errors.New("the server still accepts the signed-out session")
	}
	return nil
}

func (d *demo) stopStandin() {
	if d.standin != nil && d.standin.Process != nil {
		_ = d.standin.Process.Kill()
		_ = d.standin.Wait()
		d.standin = nil
	}
}

// keychainEntry reads the demo's memory keychain, as the server's own
// introspection client would need the token; it is never printed.
func keychainEntry(ctx context.Context, mem *keychain.MemoryStore) (demoRecord, error) {
	kc, err := keychain.Open(keychain.Options{Backend: keychain.BackendMemory, Service: config.Default().KeychainService, Memory: mem, Logger: discard()})
	if err != nil {
		return demoRecord{}, err
	}
	b, err := kc.Get(ctx)
	if err != nil {
		return demoRecord{}, err
	}
	return parseDemoRecord(b)
}

func introspect(ctx context.Context, issuer, token string) (bool, error) {
	form := url.Values{"token": {token}, "client_id": {"walkme-agent"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, issuer+"/introspect", strings.NewReader(form.Encode()))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	var v struct {
		Active bool `json:"active"`
	}
	if err := decodeJSON(resp, &v); err != nil {
		return false, fmt.Errorf("introspect: %w", err)
	}
	return v.Active, nil
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// demoRecord is the part of the agent's keychain entry the demo needs.
type demoRecord struct {
	RefreshToken string `json:"refresh_token"`
}

func parseDemoRecord(b []byte) (demoRecord, error) {
	var r demoRecord
	if err := json.Unmarshal(b, &r); err != nil || r.RefreshToken == "" {
		return r, errors.New("keychain entry unreadable")
	}
	return r, nil
}

func decodeJSON(resp *http.Response, v any) error {
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v)
}
