//go:build linux

package bench

import (
	"os/exec"
	"testing"
	"time"

	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/ui/trayhost/trayhosttest"
)

const trayWindow = 10 * time.Second

// BenchmarkTray is `walkme-agent tray` at rest next to a signed-in, idle
// agent: registered with a StatusNotifierWatcher on a private D-Bus session
// bus and following the agent's events. Target: under 30 MB RSS.
func BenchmarkTray(b *testing.B) {
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		b.Skip("dbus-daemon not installed: the tray needs a D-Bus session bus")
	}
	bus := testenv.SessionBus(b)
	watcher := trayhosttest.Start(b, bus)
	svc := startService(b, sqliteStore(b, email))
	a := startAgent(b, svc)
	a.signIn(b)
	env := append(a.env, "DBUS_SESSION_BUS_ADDRESS="+bus)
	tray := testenv.StartProcess(b, "tray", env, a.bin, append(a.args, "tray")...)
	watcher.WaitItem(b, 20*time.Second)
	r := measure(b, trayWindow, tray.Process.Pid)[0]
	reportRest(b, r, targetTrayMB)
}
