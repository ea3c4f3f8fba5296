//go:build linux

package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/testenv"
)

// The session rules when things change (docs/design.md §2): a timeout
// change, a failed closing renewal, a sign-out while the server cannot be
// reached — each against the real walkme-sessiond and walkme-agent run.

// TestTimeoutLoweredWithAProductOpen: an admin lowers the timeout (24h to
// 2s) while the product is open, at several points of the 2 s renewal
// cycle; the agent is never signed out and moves to the new cadence.
func TestTimeoutLoweredWithAProductOpen(t *testing.T) {
	srv, a := signedInAgent(t, "")
	openProduct(t)
	for i, offset := range []time.Duration{0, 700 * time.Millisecond, 1400 * time.Millisecond, 1900 * time.Millisecond} {
		srv.setTimeout(t, "24h")
		st := a.awaitStatus(15*time.Second, "renewing on the 24h timeout", func(st localapi.Status) bool {
			return st.State == localapi.StateActive && st.InactivityTimeoutSeconds == 24*3600
		})
		// Land the change offset after a renewal.
		n := st.Renewals
		a.awaitStatus(5*time.Second, "the next renewal", func(st localapi.Status) bool { return st.Renewals > n })
		time.Sleep(offset)
		srv.setTimeout(t, "2s")
		st = a.awaitStatus(10*time.Second, "the new 2 s timeout", func(st localapi.Status) bool {
			return !st.SignedIn() || st.InactivityTimeoutSeconds == 2
		})
		if !st.SignedIn() {
			t.Fatalf("change %d (%v after a renewal): signed out (%s) with a product open", i, offset, st.SignedOutReason)
		}
		n = st.Renewals
		time.Sleep(4 * time.Second) // four of the new 1 s cycles
		st = a.mustStatus()
		if st.State != localapi.StateActive || st.RenewIntervalSeconds != 1 || st.Renewals < n+2 {
			t.Fatalf("change %d: %s, cadence %d s, renewals %d (were %d); want active, renewing every 1 s", i, st.State, st.RenewIntervalSeconds, st.Renewals, n)
		}
	}
}

// TestIdleAgentLearnsTheServerEndedIt: with nothing open, the agent learns
// within a cadence (2 s) that the server lowered the timeout or ended the
// session — without renewing it (R6) — shows signed_out and deletes the
// token.
func TestIdleAgentLearnsTheServerEndedIt(t *testing.T) {
	srv, a := signedInAgent(t, "")
	closeProduct := openProduct(t)
	a.awaitStatus(10*time.Second, "active", func(st localapi.Status) bool { return st.State == localapi.StateActive })
	closeProduct()
	st := a.awaitStatus(5*time.Second, "idle after the closing renewal", func(st localapi.Status) bool {
		return st.State == localapi.StateIdle && !st.Presence.Open
	})
	time.Sleep(time.Second) // the closing renewal's answer
	renewals := a.mustStatus().Renewals
	changed := time.Now()
	srv.setTimeout(t, "4s") // idle: lapses 4 s after the change
	st = a.awaitStatus(3*time.Second, "the server's new deadline", func(st localapi.Status) bool {
		return st.LapsesAt != nil && st.LapsesAt.Before(changed.Add(5*time.Second))
	})
	st = a.awaitStatus(8*time.Second, "signed out", func(st localapi.Status) bool { return !st.SignedIn() })
	if late := time.Since(changed); late > 6*time.Second {
		t.Errorf("signed out %v after the change, want about 4 s", late)
	}
	if st.Renewals != renewals {
		t.Errorf("renewals %d while idle, were %d (R6)", st.Renewals, renewals)
	}
	if a.keychainEntry() != "" {
		t.Fatal("token kept after the server's lapse")
	}

	// Revoked elsewhere (another device, an admin): signed out within a cadence.
	srv.setTimeout(t, "24h")
	a.login()
	token := a.refreshToken()
	resp, err := http.PostForm(srv.URL+"/revoke", url.Values{"token": {token}, "client_id": {"walkme-agent"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	revoked := time.Now()
	st = a.awaitStatus(6*time.Second, "signed out after the revocation", func(st localapi.Status) bool { return !st.SignedIn() })
	if st.SignedOutReason != localapi.ReasonRejected {
		t.Errorf("signed out for %q, want rejected (the server ended it)", st.SignedOutReason)
	}
	if d := time.Since(revoked); d > 4*time.Second {
		t.Errorf("learned of the revocation after %v, want within the 2 s cadence", d)
	}
	if a.keychainEntry() != "" {
		t.Fatal("token kept after the server ended the session")
	}
}

// TestFailedClosingRenewalLapsesFromTheClose is R10 when the closing
// renewal fails: the server answers 500 at the close, the retry gets
// through later, and the session still lapses one timeout (6 s) after the
// close, ±1 s — on the server and in the agent.
func TestFailedClosingRenewalLapsesFromTheClose(t *testing.T) {
	f := startFront(t)
	f.srv.setTimeout(t, "6s")
	a := newAgentEnv(t, f.issuer, nil)
	a.start()
	a.login()
	closeProduct := openProduct(t)
	a.awaitStatus(10*time.Second, "active with renewals", func(st localapi.Status) bool {
		return st.State == localapi.StateActive && st.Renewals >= 2
	})
	f.mode.Store("500")
	posts := f.posts.Load()
	closeProduct()
	closed := time.Now()
	testenv.WaitFor(t, 3*time.Second, "the closing renewal to fail", func() bool { return f.posts.Load() > posts })
	time.Sleep(time.Second)
	f.mode.Store("pass")
	retried := f.posts.Load()
	testenv.WaitFor(t, 4*time.Second, "the retry to get through", func() bool { return f.posts.Load() > retried })
	time.Sleep(500 * time.Millisecond)
	token := a.refreshToken()
	assertLapsesAt(t, f.srv, token, closed.Add(6*time.Second), "the retry, not the close")
	if st := a.mustStatus(); st.SignedIn() {
		t.Fatalf("the agent shows %s 1 s after close + timeout", st.State)
	}
}

// TestSignOutWhileServerUnreachable: sign-out with the server down ends the
// session here at once, keeps the revocation pending (status, keychain,
// across a restart) and sends it when the server is reachable again.
func TestSignOutWhileServerUnreachable(t *testing.T) {
	f := startFront(t)
	a := newAgentEnv(t, f.issuer, nil)
	a.start()
	a.login()
	token := a.refreshToken()
	direct := *f.srv // past the front, which is about to drop everything
	direct.URL = f.srv.listen
	f.mode.Store("down")
	out, code := a.cli("logout")
	if code != 0 || !strings.Contains(out, "pending") {
		t.Fatalf("logout offline exited %d: %s; want success saying the sign-out is pending", code, out)
	}
	st := a.mustStatus()
	if st.State != localapi.StateSignedOut || !st.SignOutPending {
		t.Fatalf("after logout offline: %s, signout_pending=%v", st.State, st.SignOutPending)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(a.keychainEntry()), &rec); err != nil || rec["refresh_token"] != "" && rec["refresh_token"] != nil || rec["pending_revocation"] != token {
		t.Fatalf("keychain entry while pending: %v (%v); want the pending revocation only, no session", rec["pending_revocation"] != nil, err)
	}
	if !direct.introspect(t, token) {
		t.Fatal("the session ended on the server although it was unreachable")
	}
	a.stop()
	a.start()
	st = a.awaitStatus(5*time.Second, "the pending sign-out restored", func(st localapi.Status) bool { return st.State != localapi.StateStarting })
	if st.SignedIn() || !st.SignOutPending {
		t.Fatalf("after a restart: %s, signout_pending=%v; want still signed out and pending", st.State, st.SignOutPending)
	}
	f.mode.Store("pass")
	a.awaitStatus(20*time.Second, "the sign-out sent", func(st localapi.Status) bool { return !st.SignOutPending })
	if f.srv.introspect(t, token) {
		t.Fatal("the server still accepts the session after the pending sign-out was sent")
	}
	if a.keychainEntry() != "" {
		t.Fatal("keychain entry kept after the pending sign-out was sent")
	}
}

// TestCloseJustBeforeTheLidShuts is R10 across sleep: the last window closes
// as the lid shuts and the network drops, so the closing renewal cannot get
// through; sent at the wake, it reports the close, and the session lapses
// one timeout (20 s) after the close, not after the wake.
func TestCloseJustBeforeTheLidShuts(t *testing.T) {
	a, logind, f := poweredAgent(t, "20s")
	closeProduct := openProduct(t)
	a.awaitStatus(10*time.Second, "active", func(st localapi.Status) bool {
		return st.State == localapi.StateActive && st.Renewals >= 2
	})
	f.mode.Store("down")
	closeProduct()
	closed := time.Now()
	logind.SetLid(true)
	a.awaitStatus(5*time.Second, "asleep with the lid closed", func(st localapi.Status) bool { return st.State == localapi.StateAsleep })
	time.Sleep(time.Until(closed.Add(6 * time.Second)))
	f.mode.Store("pass")
	posts := f.posts.Load()
	logind.SetLid(false)
	testenv.WaitFor(t, 6*time.Second, "the closing renewal at the wake", func() bool { return f.posts.Load() > posts })
	time.Sleep(500 * time.Millisecond)
	token := a.refreshToken()
	assertLapsesAt(t, f.srv, token, closed.Add(20*time.Second), "the wake")
}

// assertLapsesAt checks that the server accepts token until shortly before
// lapse and refuses it a second after: the session lapses one timeout after
// the close, not after the late closing renewal (counted from what).
func assertLapsesAt(t *testing.T, srv *sessiond, token string, lapse time.Time, what string) {
	t.Helper()
	time.Sleep(time.Until(lapse.Add(-1500 * time.Millisecond)))
	if !srv.introspect(t, token) {
		t.Fatal("the session lapsed on the server before one timeout after the close")
	}
	time.Sleep(time.Until(lapse.Add(time.Second)))
	if srv.introspect(t, token) {
		t.Fatalf("the server still accepts the session 1 s after close + timeout: the lapse counted from %s", what)
	}
}
