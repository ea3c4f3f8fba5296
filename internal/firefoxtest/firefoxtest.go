//go:build linux

// Package firefoxtest starts headless Firefox (Debian's firefox-esr) for
// tests and drives it over WebDriver BiDi, the W3C protocol Firefox speaks
// natively on its --remote-debugging-port: no geckodriver in between. It
// knows the few commands the tests use: install a temporary add-on, open,
// navigate and close tabs, and evaluate script in a page.
package firefoxtest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/walkme/session-agent/internal/testenv"
)

// Options shape the browser that New starts.
type Options struct {
	// Home is the browser's HOME, where it looks for the per-user
	// native-messaging hosts (~/.mozilla/native-messaging-hosts); a
	// fresh temporary directory when empty.
	Home string
	// Env is added to the browser's environment, which the native hosts
	// it starts inherit; HOME and the XDG config and cache directories
	// stay the browser's own.
	Env []string
	// Prefs are preferences written to the fresh profile's user.js on top
	// of the ones a headless test needs.
	Prefs map[string]any
}

// Browser is a running headless Firefox with one WebDriver BiDi session.
type Browser struct {
	ctx  context.Context // bounds every command; cancelled when the test ends
	conn *websocket.Conn

	mu      sync.Mutex
	nextID  int
	pending map[int]chan reply
	closed  error // why the connection ended, once it has
	logs    []string
}

// testPrefs keep a test's Firefox quiet and to itself: no first-run or
// what's-new pages, no default-browser question, no network calls of its
// own (updates, telemetry, remote settings, captive-portal probes).
func testPrefs() map[string]any {
	return map[string]any{
		"browser.shell.checkDefaultBrowser":                        false,
		"browser.startup.homepage_override.mstone":                 "ignore",
		"browser.startup.page":                                     0,
		"startup.homepage_welcome_url":                             "about:blank",
		"browser.aboutwelcome.enabled":                             false,
		"datareporting.policy.dataSubmissionEnabled":               false,
		"datareporting.healthreport.uploadEnabled":                 false,
		"toolkit.telemetry.reportingpolicy.firstRun":               false,
		"app.update.disabledForTesting":                            true,
		"app.normandy.enabled":                                     false,
		"messaging-system.rsexperimentloader.enabled":              false,
		"services.settings.server":                                 "data:,",
		"network.captive-portal-service.enabled":                   false,
		"network.connectivity-service.enabled":                     false,
		"extensions.update.enabled":                                false,
		"extensions.getAddons.cache.enabled":                       false,
		"browser.safebrowsing.update.enabled":                      false,
		"browser.tabs.warnOnClose":                                 false,
		"browser.sessionstore.resume_from_crash":                   false,
		"remote.prefs.recommended":                                 true,
		"browser.download.panel.shown":                             true,
		"browser.newtabpage.enabled":                               false,
		"browser.startup.homepage":                                 "about:blank",
		"browser.newtabpage.activity-stream.feeds.system.topsites": false,
		"devtools.console.stdout.chrome":                           true,
		"devtools.console.stdout.content":                          true,
	}
}

// New starts headless Firefox with a fresh profile and opens a WebDriver
// BiDi session to it. The browser stops when the test ends; every command
// fails once limit has passed since New. Without the Debian firefox-esr
// package the test skips, or fails under CI=true.
func New(t testing.TB, limit time.Duration, opts Options) *Browser {
	t.Helper()
	firefox := testenv.Command(t, "firefox-esr")
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	profile := t.TempDir()
	if err := writePrefs(filepath.Join(profile, "user.js"), opts.Prefs); err != nil {
		t.Fatal(err)
	}
	home := opts.Home
	if home == "" {
		home = t.TempDir()
	}

	cmd := exec.Command(firefox, "--headless", "--no-remote", "-profile", profile,
		"--remote-debugging-port=0", "about:blank")
	cmd.Env = append(append(os.Environ(), opts.Env...), "HOME="+home, "MOZ_CRASHREPORTER_DISABLE=1",
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_CACHE_HOME="+filepath.Join(home, ".cache"))
	// Its own process group: the content processes and the native host
	// it starts go with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// The browser's output, with every console message (the extension's
	// background and content scripts included, which WebDriver BiDi's log
	// events do not report), goes to one pipe; it names the BiDi endpoint.
	out, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	err = cmd.Start()
	w.Close()
	if err != nil {
		out.Close()
		t.Fatalf("start firefox: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	})

	b := &Browser{ctx: ctx, pending: map[int]chan reply{}}
	endpoint := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			line := s.Text()
			if u, ok := strings.CutPrefix(line, "WebDriver BiDi listening on "); ok {
				endpoint <- strings.TrimSpace(u)
			}
			b.log(line)
		}
	}()
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if t.Failed() && len(b.logs) > 0 {
			t.Logf("firefox output:\n%s", strings.Join(b.logs, "\n"))
		}
	})
	var url string
	select {
	case url = <-endpoint:
	case <-done:
		t.Fatalf("firefox exited before it listened for WebDriver BiDi (%v)", cmd.ProcessState)
	case <-ctx.Done():
		t.Fatal("firefox did not listen for WebDriver BiDi in time")
	}

	conn, _, err := websocket.Dial(ctx, url+"/session", nil)
	if err != nil {
		t.Fatalf("connect to firefox's WebDriver BiDi at %s: %v", url, err)
	}
	conn.SetReadLimit(64 << 20)
	b.conn = conn
	go b.read()
	t.Cleanup(func() { conn.CloseNow() })
	if err := b.Call("session.new", map[string]any{"capabilities": map[string]any{}}, nil); err != nil {
		t.Fatal(err)
	}
	// The pages' console, which explains most failures, shows when the
	// test fails.
	if err := b.Call("session.subscribe", map[string]any{"events": []string{"log.entryAdded"}}, nil); err != nil {
		t.Fatal(err)
	}
	return b
}

func writePrefs(path string, extra map[string]any) error {
	var sb strings.Builder
	for _, prefs := range []map[string]any{testPrefs(), extra} {
		for k, v := range prefs {
			val, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("pref %s: %w", k, err)
			}
			fmt.Fprintf(&sb, "user_pref(%q, %s);\n", k, val)
		}
	}
	return os.WriteFile(path, []byte(sb.String()), 0o644)
}

// log keeps the browser's output and the pages' console for a failure
// report, bounded.
func (b *Browser) log(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.logs) >= 400 {
		b.logs = b.logs[1:]
	}
	b.logs = append(b.logs, line)
}

// reply is a command's answer, or an error the remote end returned.
type reply struct {
	result json.RawMessage
	err    error
}

// message is any message the browser sends: a command's success or error,
// or an event.
type message struct {
	Type    string          `json:"type"`
	ID      *int            `json:"id"`
	Result  json.RawMessage `json:"result"`
	Error   string          `json:"error"`
	Message string          `json:"message"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

func (b *Browser) read() {
	for {
		_, data, err := b.conn.Read(b.ctx)
		if err != nil {
			b.mu.Lock()
			b.closed = fmt.Errorf("firefox's WebDriver BiDi connection ended: %w", err)
			for id, ch := range b.pending {
				ch <- reply{err: b.closed}
				delete(b.pending, id)
			}
			b.mu.Unlock()
			return
		}
		var m message
		if err := json.Unmarshal(data, &m); err != nil {
			b.log("unreadable WebDriver BiDi message: " + string(data))
			continue
		}
		switch {
		case m.Type == "event" && m.Method == "log.entryAdded":
			var e struct {
				Level string `json:"level"`
				Text  string `json:"text"`
			}
			_ = json.Unmarshal(m.Params, &e)
			b.log("console " + e.Level + ": " + e.Text)
		case m.ID != nil:
			r := reply{result: m.Result}
			if m.Type == "error" {
				r.err = fmt.Errorf("%s: %s", m.Error, m.Message)
			}
			b.mu.Lock()
			ch := b.pending[*m.ID]
			delete(b.pending, *m.ID)
			b.mu.Unlock()
			if ch != nil {
				ch <- r
			}
		}
	}
}

// Call sends a WebDriver BiDi command and decodes its result into result
// (unless nil).
func (b *Browser) Call(method string, params, result any) error {
	b.mu.Lock()
	if b.closed != nil {
		b.mu.Unlock()
		return fmt.Errorf("%s: %w", method, b.closed)
	}
	b.nextID++
	id := b.nextID
	ch := make(chan reply, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	msg, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	if err := b.conn.Write(b.ctx, websocket.MessageText, msg); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case r := <-ch:
		if r.err != nil {
			return fmt.Errorf("%s: %w", method, r.err)
		}
		if result != nil {
			if err := json.Unmarshal(r.result, result); err != nil {
				return fmt.Errorf("%s: result %s: %w", method, r.result, err)
			}
		}
		return nil
	case <-b.ctx.Done():
		return fmt.Errorf("%s: %w", method, b.ctx.Err())
	}
}

// InstallExtension installs the unpacked extension in dir as a temporary
// add-on (which need not be signed) and returns its ID.
func (b *Browser) InstallExtension(dir string) (string, error) {
	var r struct {
		Extension string `json:"extension"`
	}
	err := b.Call("webExtension.install", map[string]any{
		"extensionData": map[string]any{"type": "path", "path": dir},
	}, &r)
	return r.Extension, err
}

// Tab is a browsing context: a tab of the browser.
type Tab struct {
	b  *Browser
	ID string
}

// NewTab opens a new tab at url and waits until its page has loaded.
func (b *Browser) NewTab(url string) (*Tab, error) {
	var r struct {
		Context string `json:"context"`
	}
	if err := b.Call("browsingContext.create", map[string]any{"type": "tab"}, &r); err != nil {
		return nil, err
	}
	tab := &Tab{b: b, ID: r.Context}
	return tab, tab.Navigate(url)
}

// Navigate loads url in the tab and waits until it has loaded.
func (tab *Tab) Navigate(url string) error {
	return tab.b.Call("browsingContext.navigate",
		map[string]any{"context": tab.ID, "url": url, "wait": "complete"}, nil)
}

// Close closes the tab.
func (tab *Tab) Close() error {
	return tab.b.Call("browsingContext.close", map[string]any{"context": tab.ID}, nil)
}

// Eval evaluates a JavaScript expression in the tab's page (awaiting it if
// it is a promise) and decodes its value, passed through JSON, into out.
func (tab *Tab) Eval(expr string, out any) error {
	var r struct {
		Type   string `json:"type"`
		Result struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"result"`
		ExceptionDetails struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	err := tab.b.Call("script.evaluate", map[string]any{
		"expression":   "(async () => JSON.stringify(await (" + expr + ")))()",
		"target":       map[string]any{"context": tab.ID},
		"awaitPromise": true,
	}, &r)
	switch {
	case err != nil:
		return err
	case r.Type == "exception":
		return fmt.Errorf("evaluate %s: %s", expr, r.ExceptionDetails.Text)
	case r.Result.Type != "string":
		return fmt.Errorf("evaluate %s: the value is not JSON (%s)", expr, r.Result.Type)
	}
	if err := json.Unmarshal([]byte(r.Result.Value), out); err != nil {
		return fmt.Errorf("evaluate %s: %w", expr, err)
	}
	return nil
}
