//go:build linux

package e2e

import (
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/platform/power/fakelogind"
)

// poweredAgent is a signed-in agent whose system bus is a private one with
// a fake logind, behind a front that counts the renewal requests reaching
// the server; the account's timeout is timeout.
func poweredAgent(t *testing.T, timeout string) (*agentEnv, *fakelogind.Logind, *front) {
	t.Helper()
	f := startFront(t)
	f.srv.setTimeout(t, timeout)
	bus := testenv.SessionBus(t)
	logind := fakelogind.Start(t, bus)
	a := newAgentEnv(t, f.issuer, nil)
	a.env = append(a.env, "DBUS_SYSTEM_BUS_ADDRESS="+bus)
	a.start()
	if !logind.WaitInhibitors(1, 10*time.Second) {
		t.Fatal("the agent took no delay inhibitor from logind")
	}
	a.login()
	return a, logind, f
}

// powerEnv is a poweredAgent with a product open, active and renewing.
func powerEnv(t *testing.T, timeout string) (*agentEnv, *fakelogind.Logind, *front) {
	t.Helper()
	a, logind, f := poweredAgent(t, timeout)
	openProduct(t)
	a.awaitStatus(10*time.Second, "active", func(st localapi.Status) bool {
		return st.State == localapi.StateActive && st.Renewals >= 1
	})
	return a, logind, f
}

// TestSleepStopsRenewalsAndWakeRenews is R7 with logind's real signals: no
// request while asleep even with a product open and the network up; a
// renewal right after the wake.
func TestSleepStopsRenewalsAndWakeRenews(t *testing.T) {
	a, logind, f := powerEnv(t, "20s")
	if !logind.Sleep() {
		t.Fatal("the agent did not release its delay inhibitor when the machine went to sleep")
	}
	a.awaitStatus(3*time.Second, "asleep", func(st localapi.Status) bool { return st.State == localapi.StateAsleep })
	st := f.quietThenRenewed(t, a, "while asleep", logind.Wake, "after the wake")
	if st.LapsesAt == nil || st.LapsesAt.Before(time.Now()) {
		t.Fatalf("after the wake renewal lapses_at = %v", st.LapsesAt)
	}
}

// TestSleepPastTheDeadlineSignsOutWithoutARequest is R11: the agent lapses
// the session itself and sends nothing on the wake.
func TestSleepPastTheDeadlineSignsOutWithoutARequest(t *testing.T) {
	a, logind, f := powerEnv(t, "4s")
	logind.Sleep()
	posts := f.posts.Load()
	st := a.awaitStatus(8*time.Second, "signed_out", func(st localapi.Status) bool { return !st.SignedIn() })
	logind.Wake()
	time.Sleep(2 * time.Second)
	if got := f.posts.Load(); got != posts {
		t.Fatalf("%d requests reached the server for a lapsed session", got-posts)
	}
	st = a.mustStatus()
	if st.State != localapi.StateSignedOut || st.SignedOutReason != localapi.ReasonExpired {
		t.Fatalf("after the wake: %s/%s, want signed_out/expired", st.State, st.SignedOutReason)
	}
	if a.keychainEntry() != "" {
		t.Fatal("keychain entry kept after the lapse")
	}
}

// TestClosedLidIsSleep is R12: a closed lid renews nothing, even when logind
// announces it only through the property (polled).
func TestClosedLidIsSleep(t *testing.T) {
	a, logind, f := powerEnv(t, "20s")
	for _, silent := range []bool{false, true} {
		if silent {
			logind.SetLidSilently(true)
		} else {
			logind.SetLid(true)
		}
		// A renewal sent before the agent saw the lid close still
		// completes; none may start after.
		renewals := a.awaitStatus(10*time.Second, "asleep with the lid closed, no renewal under way", func(st localapi.Status) bool {
			return st.State == localapi.StateAsleep && st.Power.LidClosed && !st.Renewing
		}).Renewals
		posts := f.posts.Load()
		time.Sleep(5 * time.Second)
		if got := f.posts.Load(); got != posts {
			t.Fatalf("silent=%v: %d renewal requests with the lid closed", silent, got-posts)
		}
		logind.SetLid(false)
		a.awaitStatus(10*time.Second, "a renewal after opening the lid", func(st localapi.Status) bool {
			return st.State == localapi.StateActive && st.Renewals > renewals
		})
	}
}
