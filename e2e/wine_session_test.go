//go:build linux

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/testenv"
)

// TestSessionUnderWine is a whole session of the Windows agent: walkme-agent.exe
// run under Wine against walkme-sessiond on loopback, the Windows Credential
// Manager as its keychain, the Toolhelp32 scan finding a stand-in product,
// and every CLI call a second Wine process on the named pipe. With a 6 s
// timeout: sign-in by a browser completing the URL `login --no-browser`
// printed, renewals while the product runs, idle after one closing renewal,
// the lapse at the deadline deleting the credential, and a sign-out that
// removes it as well.
func TestSessionUnderWine(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the Windows agent under Wine")
	}
	begin := time.Now()
	wineEnv := testenv.Wine(t)
	srv := startServer(t)
	srv.setTimeout(t, "6s")
	w := newWineAgent(t, wineEnv, srv.URL, nil)
	t.Logf("set up (build, prefix, server): %v", time.Since(begin).Round(time.Millisecond))

	// A status sent while the agent starts answers, or fails saying why,
	// within the CLI's 2 s deadline.
	w.start()
	statusWhileStarting(t, w)

	st := w.awaitStatus(30*time.Second, "the agent to read the keychain", func(st localapi.Status) bool {
		return st.State != localapi.StateStarting
	})
	if st.State != localapi.StateSignedOut || st.Keychain.State != localapi.KeychainOK {
		t.Fatalf("fresh agent: state %s, keychain %+v; want signed_out with the Credential Manager ok", st.State, st.Keychain)
	}
	if !strings.Contains(w.log(), "keychain=system") {
		t.Fatalf("the agent does not use the system keychain:\n%s", w.log())
	}

	w.login()
	st = w.mustStatus()
	if st.State != localapi.StateIdle || st.User != admin || st.InactivityTimeoutSeconds != 6 {
		t.Fatalf("after login: %s as %q, timeout %d s; want idle as %s with the server's 6 s", st.State, st.User, st.InactivityTimeoutSeconds, admin)
	}
	if got := w.credential(); got != "present" {
		t.Fatalf("after login the Credential Manager entry is %s", got)
	}

	closeProduct := w.openProduct()
	st = w.awaitStatus(20*time.Second, "active with 2 renewals", func(st localapi.Status) bool {
		return st.State == localapi.StateActive && st.Renewals >= 2
	})
	if len(st.Presence.Sources) != 1 || !strings.EqualFold(strings.TrimSuffix(st.Presence.Sources[0], ".exe"), product) {
		t.Fatalf("presence %+v, want the stand-in %s.exe", st.Presence, product)
	}

	closeProduct()
	closedAt := time.Now()
	st = w.awaitStatus(5*time.Second, "idle after the product closed", func(st localapi.Status) bool {
		return st.State == localapi.StateIdle
	})
	idle := st.Renewals
	if st.LapsesAt == nil || st.LapsesAt.Before(closedAt.Add(4*time.Second)) || st.LapsesAt.After(closedAt.Add(7*time.Second)) {
		t.Fatalf("idle: lapses at %v, closed at %v; want the closing renewal's deadline, one 6 s timeout after the close", st.LapsesAt, closedAt)
	}

	// Lapse at the deadline: signed out (expired), the entry deleted, and
	// no renewal in between.
	st = w.awaitStatus(time.Until(closedAt.Add(6*time.Second+4*time.Second)), "the lapse within the timeout + 4 s",
		func(st localapi.Status) bool { return !st.SignedIn() })
	if st.SignedOutReason != localapi.ReasonExpired || st.Renewals != idle {
		t.Fatalf("at the deadline: %s/%s after %d renewals (%d when idle); want signed_out/expired, none since", st.State, st.SignedOutReason, st.Renewals, idle)
	}
	if got := w.credential(); got != "absent" {
		t.Fatalf("after the lapse the Credential Manager entry is %s", got)
	}

	// Sign in again and sign out: revoked on the server at once (not
	// pending), and the entry gone.
	w.login()
	if got := w.credential(); got != "present" {
		t.Fatalf("after the second login the Credential Manager entry is %s", got)
	}
	if out, code := w.cli("logout"); code != 0 || !strings.Contains(out, "Signed out.") {
		t.Fatalf("logout exited %d: %s", code, out)
	}
	st = w.mustStatus()
	if st.State != localapi.StateSignedOut || st.SignedOutReason != localapi.ReasonLogout || st.SignOutPending {
		t.Fatalf("after logout: %s/%s pending=%v; want signed_out/logout, told to the server", st.State, st.SignedOutReason, st.SignOutPending)
	}
	if got := w.credential(); got != "absent" {
		t.Fatalf("after logout the Credential Manager entry is %s", got)
	}
	if out, code := w.cli("status"); code != 3 {
		t.Fatalf("status when signed out exited %d, want 3: %s", code, out)
	}
	t.Logf("the whole session under Wine: %v", time.Since(begin).Round(time.Millisecond))
}

// statusWhileStarting sends status calls from the moment the agent process
// starts until one reaches it. Each is the CLI's own client call, timed
// inside Wine (wintool status), so the machine's load on Wine's process
// start stays out of the measure: it must answer, or fail as not running
// (no pipe yet) or not answering, within the 2 s deadline (and 1 s for the
// timer). Then the CLI itself, right after, must print a status or say
// clearly why not.
func statusWhileStarting(t *testing.T, w *wineAgent) {
	t.Helper()
	bound := localapi.QuickTimeout + time.Second
	deadline := time.Now().Add(60 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatal("no status reached the agent in 60 s")
		}
		out, errs, code := w.run(w.tool, "status")
		var res struct {
			MS    int64  `json:"ms"`
			State string `json:"state"`
			Error string `json:"error"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &res) != nil {
			t.Fatalf("wintool status exited %d: %s%s", code, out, errs)
		}
		took := time.Duration(res.MS) * time.Millisecond
		t.Logf("status while starting: %s%s in %v", res.State, res.Error, took)
		if took > bound {
			t.Fatalf("the status call took %v (bound %v): %+v", took, bound, res)
		}
		if res.Error == "not running" {
			continue
		}
		if res.Error != "" && res.Error != "not answering" {
			t.Fatalf("status while starting failed without a clear reason: %s", res.Error)
		}
		break
	}
	out, code := w.cli("status", "--json")
	t.Logf("the CLI right after: exit %d: %.200q", code, out)
	if !strings.Contains(out, `"state"`) && !strings.Contains(out, "did not answer within "+localapi.QuickTimeout.String()) &&
		!strings.Contains(out, "the agent is starting") {
		t.Fatalf("status right after the agent started exited %d without a status or a clear reason: %s", code, out)
	}
}
