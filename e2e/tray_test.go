//go:build linux

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/platform/notify/notifytest"
	"github.com/walkme/session-agent/ui/trayhost/trayhosttest"
)

func (a *agentEnv) getenv(key string) string {
	for _, kv := range a.env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return ""
}

// hasLabel says whether a visible menu item starts with prefix.
func hasLabel(es []trayhosttest.Entry, prefix string) bool {
	for _, e := range es {
		if e.Visible && strings.HasPrefix(e.Label, prefix) {
			return true
		}
	}
	return false
}

// TestTrayFollowsTheRealAgent drives `walkme-agent tray` through the bus as a
// desktop panel does, against the real agent, server and keychain: the menu
// follows the session, "Renew now" renews, "Sign out" ends the session on the
// server, and a lapse raises a desktop notification.
func TestTrayFollowsTheRealAgent(t *testing.T) {
	srv := startServer(t)
	srv.setTimeout(t, "6s")
	a := newAgentEnv(t, srv.URL, nil)
	bus := a.getenv("DBUS_SESSION_BUS_ADDRESS")
	watcher := trayhosttest.Start(t, bus)
	notes := notifytest.Start(t, bus)
	a.start()
	testenv.StartProcess(t, "tray", a.env, a.bin, "tray")
	panel := watcher.Panel(t, bus)
	panel.WaitMenu("signed out", func(es []trayhosttest.Entry) bool { return hasLabel(es, "Signed out") && hasLabel(es, "Sign in") })

	a.login()
	menu := panel.WaitMenu("idle as the admin", func(es []trayhosttest.Entry) bool {
		return hasLabel(es, "Idle — session ends") && hasLabel(es, "Signed in as "+admin)
	})
	if e, ok := trayhosttest.Find(menu, "Renew now"); !ok || !e.Enabled {
		t.Fatalf("Renew now missing or disabled while signed in:\n%s", trayhosttest.Dump(menu))
	}
	panel.Click("Renew now")
	a.awaitStatus(5*time.Second, "the tray's renewal", func(st localapi.Status) bool { return st.Renewals >= 1 })

	closeProduct := openProduct(t)
	panel.WaitMenu("active", func(es []trayhosttest.Entry) bool { return hasLabel(es, "Active — renews every") })
	closeProduct()

	token := a.refreshToken()
	panel.Click("Sign out")
	a.awaitStatus(5*time.Second, "signed out by the tray", func(st localapi.Status) bool {
		return st.SignedOutReason == localapi.ReasonLogout
	})
	// The agent signs out locally first and then revokes on the server, so
	// the status can say signed out a moment before the server agrees.
	testenv.WaitFor(t, 5*time.Second, "the server to end the session the tray signed out", func() bool {
		return !srv.introspect(t, token)
	})
	panel.WaitMenu("signed out", func(es []trayhosttest.Entry) bool { return hasLabel(es, "Sign in") })

	a.login()
	call := notes.Wait(t, 15*time.Second, func(c notifytest.Call) bool {
		return strings.HasPrefix(c.Summary, "Signed out after")
	})
	if !strings.Contains(call.Summary, "6 seconds") {
		t.Errorf("expiry notification %q does not name the 6-second timeout", call.Summary)
	}
	panel.WaitMenu("expired", func(es []trayhosttest.Entry) bool { return hasLabel(es, "Signed out — session expired") })
}
