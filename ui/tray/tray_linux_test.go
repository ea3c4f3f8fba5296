package tray_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/platform/notify/notifytest"
	"github.com/walkme/session-agent/ui/icons"
	"github.com/walkme/session-agent/ui/menu"
	"github.com/walkme/session-agent/ui/tray"
	"github.com/walkme/session-agent/ui/trayhost/trayhosttest"
)

// The test binary doubles as the tray process: systray owns process-wide
// state and the main OS thread, so each tray runs in a process of its own,
// as `walkme-agent tray` does.
const childEnv = "WALKME_TRAY_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(runChild())
	}
	os.Exit(m.Run())
}

func runChild() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	err := tray.Run(ctx, tray.Options{Socket: os.Getenv("WALKME_AGENT_SOCKET"), Logger: log,
		AdminCenterURL: "https://admin.example/security"})
	switch {
	case errors.Is(err, tray.ErrAlreadyRunning):
		log.Error("tray", "err", err)
		return 3
	case err != nil:
		log.Error("tray", "err", err)
		return 1
	}
	return 0
}

type trayProc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	log  *bytes.Buffer
}

func startTray(t *testing.T, env []string) *trayProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// Under -race the child is raced too. Its races are judged below rather
	// than by its exit code: fyne.io/systray v1.12.2 has one of its own.
	cmd.Env = append(os.Environ(), append(env, childEnv+"=1", "GORACE=exitcode=0")...)
	var log bytes.Buffer
	cmd.Stderr, cmd.Stdout = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &trayProc{cmd: cmd, done: make(chan struct{}), log: &log}
	go func() { _ = cmd.Wait(); close(p.done) }() // the exit code is in cmd.ProcessState
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-p.done
		}
		for _, r := range racesInOurCode(t, log.String()) {
			t.Errorf("data race in the tray process:\n%s", r)
		}
		if t.Failed() {
			t.Logf("tray log:\n%s", log.String())
		}
	})
	return p
}

// racesInOurCode returns the race detector's reports in a tray process's log
// that involve this module's code. Reports entirely inside fyne.io/systray
// (v1.12.2 reads its menu version in GetLayout under one lock and writes it
// in refresh under another) are logged and left to upstream.
func racesInOurCode(t *testing.T, log string) []string {
	var ours []string
	for _, r := range strings.Split(log, "WARNING: DATA RACE")[1:] {
		r, _, _ = strings.Cut(r, "==================")
		if strings.Contains(r, "github.com/walkme/session-agent/") {
			ours = append(ours, r)
		} else {
			t.Logf("a data race inside a dependency, not in this module:%s", r)
		}
	}
	return ours
}

func (p *trayProc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(15 * time.Second):
		t.Fatalf("tray did not exit; log:\n%s", p.log)
	}
	return -1
}

func TestTrayFollowsAgentOverDBus(t *testing.T) {
	addr := testenv.SessionBus(t)
	watcher := trayhosttest.Start(t, addr)
	notes := notifytest.Start(t, addr)
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	socket := filepath.Join(run, "walkme-agent", "agent.sock")
	opened := filepath.Join(dir, "opened")
	browser := filepath.Join(dir, "browser")
	if err := os.WriteFile(browser, []byte("#!/bin/sh\nprintf %s \"$1\" > "+opened+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"DBUS_SESSION_BUS_ADDRESS=" + addr, "XDG_RUNTIME_DIR=" + run,
		"WALKME_AGENT_SOCKET=" + socket, "BROWSER=" + browser, "TZ=UTC"}
	if err := os.MkdirAll(run, 0o700); err != nil {
		t.Fatal(err)
	}

	// The tray starts before the agent: it shows the agent is down.
	startTray(t, env)
	p := watcher.Panel(t, addr)
	p.WaitLabel("Agent not running")
	checkIcon(t, p, menu.IconError)
	if st := p.Prop("Status").Value(); st != "Active" {
		t.Errorf("item Status = %v", st)
	}

	agent := newFakeAgent(localapi.Status{State: localapi.StateActive, User: "ana@example.com",
		RenewIntervalSeconds: 900, InactivityTimeoutSeconds: 900, Locked: []string{"ServerURL"}})
	agent.serve(t, socket)
	es := p.WaitLabels("Active — renews every 15 min", "Signed in as ana@example.com", menu.ManagedLabel, "Renew now",
		"Sign out", "Open Admin Center", "About", "Quit tray")
	if e, _ := trayhosttest.Find(es, "Active — renews every 15 min"); e.Enabled {
		t.Error("the state line is clickable")
	}
	checkIcon(t, p, menu.IconActive)
	if title := p.Prop("Title").Value(); title != "WalkMe — Active — renews every 15 min" {
		t.Errorf("Title = %q", title)
	}
	var tip struct {
		Name  string
		Icons []trayhosttest.Pixmap
		Title string
		Desc  string
	}
	if err := p.Prop("ToolTip").Store(&tip); err != nil || !strings.HasPrefix(tip.Title, "WalkMe: Active") {
		t.Errorf("ToolTip = %+v (%v)", tip, err)
	}

	// Renew now reaches the agent.
	p.Click("Renew now")
	waitFor(t, agent.renews, "Renew")

	// The session lapses by itself: the user is told why.
	st := agent.Status()
	st.State, st.SignedOutReason = localapi.StateSignedOut, localapi.ReasonExpired
	agent.set(st)
	p.WaitLabel("Signed out — session expired")
	checkIcon(t, p, menu.IconSignedOut)
	notes.Wait(t, 10*time.Second, func(c notifytest.Call) bool {
		return c.Summary == "Signed out after 15 minutes of inactivity"
	})
	p.WaitMenu("Sign in… with Renew now disabled, as while signed out", func(es []trayhosttest.Entry) bool {
		_, signIn := trayhosttest.Find(es, "Sign in…")
		renew, _ := trayhosttest.Find(es, "Renew now")
		return signIn && !renew.Enabled
	})

	// Sign in… opens the browser at the agent's URL, and the agent signs in.
	p.Click("Sign in…")
	waitFor(t, agent.logins, "Login")
	p.WaitLabel("Signed in as ana@example.com")
	if b, err := os.ReadFile(opened); err != nil || !strings.HasPrefix(string(b), "http://127.0.0.1:9/authorize?") {
		t.Errorf("browser opened %q (%v)", b, err)
	}

	// Idle, with less than the lead time left: warned at once.
	lapse := time.Now().UTC().Add(time.Minute).Truncate(time.Minute).Add(time.Minute) // under 2 min away
	st = agent.Status()
	st.State, st.LapsesAt = localapi.StateIdle, &lapse
	agent.set(st)
	p.WaitLabel("Idle — session ends at " + lapse.Format("15:04"))
	checkIcon(t, p, menu.IconIdle)
	notes.Wait(t, 10*time.Second, func(c notifytest.Call) bool {
		return c.Summary == "Your WalkMe session ends at "+lapse.Format("15:04")
	})

	// Sign out from the menu.
	p.Click("Sign out")
	waitFor(t, agent.logouts, "Logout")
	p.WaitLabel("Signed out")

	// The agent goes away and comes back: the tray follows.
	agent.stop()
	p.WaitLabel("Agent not running")
	checkIcon(t, p, menu.IconError)
	agent.serve(t, socket)
	p.WaitLabel("Signed out")

	// One tray per session.
	if code := startTray(t, env).wait(t); code != 3 {
		t.Errorf("second tray exited %d, want 3 (already running)", code)
	}

	// The panel restarts: the item registers with the new watcher.
	watcher.Stop()
	watcher = trayhosttest.Start(t, addr)
	if it := watcher.WaitItem(t, 15*time.Second); it.Service != p.Item.Service {
		t.Errorf("re-registered as %+v, want %+v", it, p.Item)
	}
}

func TestTrayQuit(t *testing.T) {
	addr := testenv.SessionBus(t)
	watcher := trayhosttest.Start(t, addr)
	run := t.TempDir()
	tr := startTray(t, []string{"DBUS_SESSION_BUS_ADDRESS=" + addr, "XDG_RUNTIME_DIR=" + run,
		"WALKME_AGENT_SOCKET=" + filepath.Join(run, "walkme-agent", "agent.sock")})
	p := watcher.Panel(t, addr)
	p.ClickAndForget("Quit tray") // the tray may exit before it answers the click
	if code := tr.wait(t); code != 0 {
		t.Errorf("tray exited %d after Quit tray, want 0", code)
	}
}

// checkIcon compares the item's pixmap with the icon file, in the ARGB
// order the StatusNotifierItem spec uses.
func checkIcon(t *testing.T, p *trayhosttest.Panel, id menu.Icon) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(icons.PNG(id)))
	if err != nil {
		t.Fatal(err)
	}
	want := argb(img)
	deadline := time.Now().Add(10 * time.Second)
	for {
		px := p.Icon()
		if int(px.W) == img.Bounds().Dx() && bytes.Equal(px.Pix, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("icon is not %s (got %dx%d)", id, px.W, px.H)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func argb(img image.Image) []byte {
	b := img.Bounds()
	out := make([]byte, 0, b.Dx()*b.Dy()*4)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			out = append(out, byte(a), byte(r), byte(g), byte(bl))
		}
	}
	return out
}
