//go:build linux

package e2e

import (
	"os"
	"os/exec"
	"os/user"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/testenv"
)

func currentUser(t *testing.T) string {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u.Username
}

// TestSessionLifecycle is issue 2's "done when": a 6 s timeout, renewals every
// 2 s while the product runs, idle with one closing renewal after it exits,
// a local lapse within the timeout plus 2 s, and the server agreeing.
func TestSessionLifecycle(t *testing.T) {
	srv, a := startAgent(t, "6s")

	if st := a.mustStatus(); st.State != localapi.StateSignedOut {
		t.Fatalf("fresh agent: state %s, want signed_out", st.State)
	}
	a.login()
	st := a.mustStatus()
	if st.State != localapi.StateIdle || st.User != admin || st.InactivityTimeoutSeconds != 6 {
		t.Fatalf("after login: %+v; want idle as %s with a 6 s timeout from the server", st, admin)
	}
	if a.keychainEntry() == "" {
		t.Fatal("no keychain entry after login")
	}
	// The server knows the session as the agent's, with its version.
	if d := srv.devices(t); !slices.ContainsFunc(d, func(d string) bool { return strings.HasPrefix(d, "walkme-agent/") }) {
		t.Fatalf("sessions signed in from %q; none from walkme-agent", d)
	}

	closeProduct := openProduct(t)
	st = a.awaitStatus(10*time.Second, "active with 3 renewals", func(st localapi.Status) bool {
		return st.State == localapi.StateActive && st.Renewals >= 3
	})
	if !st.Presence.Open || len(st.Presence.Sources) != 1 || st.Presence.Sources[0] != product {
		t.Fatalf("presence %+v, want the stand-in %q", st.Presence, product)
	}
	if st.NextRenewal == nil || st.LapsesAt == nil {
		t.Fatalf("active status without next_renewal/lapses_at: %+v", st)
	}

	closeProduct()
	closedAt := time.Now()
	before := a.mustStatus().Renewals
	st = a.awaitStatus(3*time.Second, "idle", func(st localapi.Status) bool { return st.State == localapi.StateIdle })
	token := a.refreshToken() // the last token the agent holds
	time.Sleep(3 * time.Second)
	st = a.mustStatus()
	if st.State != localapi.StateIdle || st.Renewals < before || st.Renewals > before+1 {
		t.Fatalf("3 s after closing: state %s, renewals %d (was %d); want idle and at most the closing renewal", st.State, st.Renewals, before)
	}
	if !srv.introspect(t, token) {
		t.Fatal("the server rejects the session before its timeout")
	}

	st = a.awaitStatus(time.Until(closedAt.Add(6*time.Second+2*time.Second)), "signed_out within timeout + 2 s",
		func(st localapi.Status) bool { return !st.SignedIn() })
	if st.SignedOutReason != localapi.ReasonExpired {
		t.Fatalf("signed out for %q, want expired", st.SignedOutReason)
	}
	if e := a.keychainEntry(); e != "" {
		t.Fatal("keychain entry still present after the lapse")
	}
	// The agent lapses from the whole seconds of refresh_token_expires_in, so
	// up to a second before the server does: give the server until its own
	// deadline (close + timeout) and a second more.
	for srv.introspect(t, token) {
		if time.Now().After(closedAt.Add(6*time.Second + time.Second)) {
			t.Fatal("the server still accepts the lapsed session's token a second after its timeout")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if strings.Contains(a.log(), token) {
		t.Fatal("the agent's log contains a refresh token")
	}
}

// TestLogoutEndsTheSessionAtOnce is R8 end to end.
func TestLogoutEndsTheSessionAtOnce(t *testing.T) {
	srv, a := signedInAgent(t, "")
	token := a.refreshToken()
	if out, code := a.cli("logout"); code != 0 {
		t.Fatalf("logout exited %d: %s", code, out)
	}
	st := a.mustStatus()
	if st.State != localapi.StateSignedOut || st.SignedOutReason != localapi.ReasonLogout {
		t.Fatalf("after logout: %s/%s, want signed_out/logout", st.State, st.SignedOutReason)
	}
	if srv.introspect(t, token) {
		t.Fatal("the server still accepts the token after logout")
	}
	if a.keychainEntry() != "" {
		t.Fatal("keychain entry still present after logout")
	}
	if _, code := a.cli("status"); code != 3 {
		t.Fatalf("status exit code %d when signed out, want 3", code)
	}
}

// TestRestartKeepsTheSessionUntilItsDeadline is R11 across agent restarts.
func TestRestartKeepsTheSessionUntilItsDeadline(t *testing.T) {
	srv, a := signedInAgent(t, "4s")
	a.stop()
	a.start()
	if st := a.mustStatus(); st.State != localapi.StateIdle || st.User != admin {
		t.Fatalf("after a restart: %s as %q, want the session kept (idle as %s)", st.State, st.User, admin)
	}
	token := a.refreshToken()
	a.stop()
	time.Sleep(5 * time.Second) // past the deadline while no agent runs
	a.start()
	st := a.mustStatus()
	if st.State != localapi.StateSignedOut || st.SignedOutReason != localapi.ReasonExpired {
		t.Fatalf("restart after the deadline: %s/%s, want signed_out/expired", st.State, st.SignedOutReason)
	}
	if a.keychainEntry() != "" {
		t.Fatal("keychain entry kept past the deadline")
	}
	if srv.introspect(t, token) {
		t.Fatal("the server accepts a token past the deadline")
	}
}

// TestStatusWithoutAgent: exit code 1 and a clear message.
func TestStatusWithoutAgent(t *testing.T) {
	a := newAgentEnv(t, "http://127.0.0.1:9", nil)
	out, code := a.cli("status")
	if code != 1 {
		t.Fatalf("status with no agent exited %d, want 1: %s", code, out)
	}
	if !contains(out, "not running") {
		t.Fatalf("status with no agent said %q, want it to say the agent is not running", out)
	}
}

// TestCrashDuringRenewalLosesNothing: the agent dies after the server rotated
// the token but before the rotated token reached the keychain. The next
// agent renews at once with the old token, inside the server's grace, and
// keeps the session.
func TestCrashDuringRenewalLosesNothing(t *testing.T) {
	f := startFront(t)
	a := newAgentEnv(t, f.issuer, nil)
	a.start()
	a.login()
	old := a.refreshToken()
	f.mode.Store("slow")
	posts := f.posts.Load()
	renew := exec.Command(a.bin, "renew")
	renew.Env = append(os.Environ(), a.env...)
	if err := renew.Start(); err != nil {
		t.Fatal(err)
	}
	defer renew.Wait()
	testenv.WaitFor(t, 5*time.Second, "the renewal to reach the server", func() bool { return f.posts.Load() > posts })
	time.Sleep(500 * time.Millisecond) // the server rotates; the answer is held back
	if err := a.proc.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	a.proc.Wait()
	if a.refreshToken() != old {
		t.Fatal("the keychain changed although the answer never arrived")
	}
	f.mode.Store("pass")
	a.start()
	st := a.awaitStatus(10*time.Second, "the interrupted renewal completed", func(st localapi.Status) bool {
		return st.Renewals >= 1
	})
	cur := a.refreshToken()
	if !st.SignedIn() || cur == old || !f.srv.introspect(t, cur) {
		t.Fatalf("after the restart: %s, token rotated %v; want signed in on the rotated token the server accepts", st.State, cur != old)
	}
	if !strings.Contains(a.log(), "renewal was interrupted") {
		t.Fatal("the agent did not say it renewed because a renewal was interrupted")
	}
}
