//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/ui/menu"
)

// trayDesktop is the Wine virtual desktop the tray runs in: "shell" is the
// name for which Wine's explorer draws a taskbar with a notification area.
const trayDesktop = "shell"

// Wine 8 draws popup menus with a 3-pixel frame and 9-pixel separators.
const menuFrame, menuSeparator = 3, 9

// trayView is what wintool reads: the shell's tray icons and open menus.
type trayView struct {
	Icons []struct {
		Tooltip string `json:"tooltip"`
		Rect    rect   `json:"rect"`
	} `json:"icons"`
	Menus []struct {
		Process string `json:"process"`
		Rect    rect   `json:"rect"`
	} `json:"menus"`
}

type rect struct{ Left, Top, Right, Bottom int }

// TestTrayUnderWine runs `walkme-agent.exe tray` in Wine's desktop on Xvfb,
// against the agent under Wine and walkme-sessiond. It reads the icon from
// the notification area as the shell holds it (wintool asks explorer's
// tooltip control for the Shell_NotifyIcon tip), opens the menu with a real
// click on the icon, clicks "Sign out" in it, and sees the session end and
// the icon follow. Then a lapse shows the toast through the stand-in
// powershell.exe (Wine has no PowerShell nor toast platform).
func TestTrayUnderWine(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the Windows tray under Wine on Xvfb")
	}
	begin := time.Now()
	xdotool := testenv.Command(t, "xdotool")
	display := testenv.Xvfb(t, "800x600x24")
	wineEnv := testenv.Wine(t)
	srv := startServer(t)
	w := newWineAgent(t, wineEnv, srv.URL, nil)
	// The tray, and wintool reading it, in a virtual desktop on Xvfb; the
	// tray's toasts through the stand-in powershell.exe on Wine's PATH.
	toasts := filepath.Join(t.TempDir(), "toasts.jsonl")
	ps := filepath.Join(t.TempDir(), "bin")
	copyFile(t, w.tool, filepath.Join(ps, "powershell.exe"))
	w.env = append(w.env, "DISPLAY="+display, "WINTOOL_DESKTOP="+trayDesktop,
		"WINEPATH="+winPath(ps), "WINTOOL_TOAST_LOG="+winPath(toasts))
	t.Logf("set up (Xvfb, prefix, server): %v", time.Since(begin).Round(time.Millisecond))

	w.start()
	w.awaitStatus(60*time.Second, "the agent to start", func(st localapi.Status) bool { return st.State == localapi.StateSignedOut })
	// Wine's explorer creates the desktop and starts the tray in it.
	testenv.StartProcess(t, "tray.exe", w.env[len(os.Environ()):], "wine", "explorer",
		"/desktop="+trayDesktop+",800x600", w.exe, "tray")
	t.Cleanup(func() { w.run(w.tool, "quit-tray") })
	w.awaitTray(60*time.Second, "the signed-out icon", func(v trayView) bool {
		return len(v.Icons) == 1 && v.Icons[0].Tooltip == "WalkMe: Signed out"
	})

	w.login()
	icon := w.awaitTray(20*time.Second, "the idle icon", func(v trayView) bool {
		return len(v.Icons) == 1 && strings.HasPrefix(v.Icons[0].Tooltip, "WalkMe: Idle — session ends") &&
			strings.HasSuffix(v.Icons[0].Tooltip, "\n"+admin)
	}).Icons[0]

	// Open the menu with a click on the icon, and find "Sign out" in it.
	click(t, xdotool, display, (icon.Rect.Left+icon.Rect.Right)/2, (icon.Rect.Top+icon.Rect.Bottom)/2)
	m := w.awaitTray(10*time.Second, "the menu", func(v trayView) bool { return len(v.Menus) == 1 }).Menus[0]
	if m.Process != filepath.Base(w.exe) {
		t.Fatalf("the open menu belongs to %s, want %s", m.Process, filepath.Base(w.exe))
	}
	x, y := menuRow(t, m.Rect, menu.Build(w.mustStatus(), true, time.Now(), time.Local), menu.SlotSign)
	move(t, xdotool, display, x, y)
	if dir := os.Getenv("WALKME_SCREENSHOTS"); dir != "" {
		screenshot(t, display, filepath.Join(dir, "tray-windows.png"), m.Rect.Left-40, m.Rect.Top-30)
	}
	click(t, xdotool, display, x, y)
	st := w.awaitStatus(20*time.Second, "signed out by the tray", func(st localapi.Status) bool {
		return st.State == localapi.StateSignedOut
	})
	if st.SignedOutReason != localapi.ReasonLogout || st.SignOutPending {
		t.Fatalf("after the tray's Sign out: %s/%s pending=%v; want signed_out/logout", st.State, st.SignedOutReason, st.SignOutPending)
	}
	if got := w.credential(); got != "absent" {
		t.Fatalf("after the tray's Sign out the Credential Manager entry is %s", got)
	}
	w.awaitTray(20*time.Second, "the signed-out icon", func(v trayView) bool {
		return len(v.Icons) == 1 && v.Icons[0].Tooltip == "WalkMe: Signed out" && len(v.Menus) == 0
	})

	// A lapse: the tray says so, and asks for a toast.
	srv.setTimeout(t, "6s")
	w.login()
	w.awaitTray(30*time.Second, "the expired icon", func(v trayView) bool {
		return len(v.Icons) == 1 && v.Icons[0].Tooltip == "WalkMe: Signed out — session expired"
	})
	var toast struct {
		Title, Body, AppID string
		Shows              bool `json:"script_shows_toast"`
	}
	testenv.WaitFor(t, 20*time.Second, "the expiry toast", func() bool {
		b, _ := os.ReadFile(toasts)
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if json.Unmarshal([]byte(line), &toast) == nil && strings.HasPrefix(toast.Title, "Signed out after") {
				return true
			}
		}
		return false
	})
	if !strings.Contains(toast.Title, "6 seconds") || !toast.Shows || !strings.Contains(toast.AppID, "powershell.exe") {
		t.Errorf("expiry toast %+v: want the 6-second timeout named, the toast script, and PowerShell's app ID", toast)
	}
	t.Log("the toast is checked up to its powershell.exe call: Wine 8 has neither PowerShell nor the WinRT " +
		"toast platform to show it (docs/platforms.md; the release checklist checks it on Windows)")
	t.Logf("the tray under Wine: %v", time.Since(begin).Round(time.Millisecond))
}

// awaitTray polls the notification area (wintool tray) until ok holds.
func (w *wineAgent) awaitTray(within time.Duration, what string, ok func(trayView) bool) trayView {
	w.t.Helper()
	var v trayView
	var last string
	deadline := time.Now().Add(within)
	for {
		out, errs, code := w.run(w.tool, "tray", "WalkMe")
		last = out + errs
		v = trayView{}
		if code == 0 && json.Unmarshal([]byte(out), &v) == nil && ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("gave up after %v waiting for %s; the tray reads: %s", within, what, last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// menuRow is the centre of item slot of model m in the menu shown at r:
// Wine draws the visible items, all of one height, and the separators in
// order inside the frame.
func menuRow(t *testing.T, r rect, m menu.Model, slot int) (x, y int) {
	t.Helper()
	var items, seps, itemsBefore, sepsBefore int
	for i, it := range m.Items {
		switch {
		case it.Hidden:
			continue
		case it.Separator:
			seps++
			if i < slot {
				sepsBefore++
			}
		default:
			items++
			if i < slot {
				itemsBefore++
			}
		}
	}
	inner := r.Bottom - r.Top - 2*menuFrame - seps*menuSeparator
	if items == 0 || inner%items != 0 {
		t.Fatalf("a menu %d pixels high does not hold %d items and %d separators as Wine 8 draws them", r.Bottom-r.Top, items, seps)
	}
	h := inner / items
	return (r.Left + r.Right) / 2, r.Top + menuFrame + itemsBefore*h + sepsBefore*menuSeparator + h/2
}

func move(t *testing.T, xdotool, display string, x, y int) {
	t.Helper()
	xdo(t, xdotool, display, "mousemove", fmt.Sprint(x), fmt.Sprint(y), "sleep", "0.5")
}

// click is a real X click (Xvfb to Wine's X11 driver) at x, y.
func click(t *testing.T, xdotool, display string, x, y int) {
	t.Helper()
	xdo(t, xdotool, display, "mousemove", fmt.Sprint(x), fmt.Sprint(y), "sleep", "0.2", "click", "1")
}

func xdo(t *testing.T, xdotool, display string, args ...string) {
	t.Helper()
	cmd := exec.Command(xdotool, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xdotool %v: %v: %s", args, err, out)
	}
}

// screenshot keeps the screen's bottom-right corner from (left, top), where
// the notification area and the open menu are, for the docs.
func screenshot(t *testing.T, display, out string, left, top int) {
	t.Helper()
	imp := testenv.Command(t, "import")
	cmd := exec.Command(imp, "-window", "root", "-crop", fmt.Sprintf("%dx%d+%d+%d", 800-left, 600-top, left, top), "+repage", out)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("import: %v: %s", err, b)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}
