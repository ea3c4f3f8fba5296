//go:build linux

package e2e

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
)

// fault is one way the server fails the agent, with how to undo it.
type fault struct {
	name string
	hold time.Duration // how long the server stays broken
	// timesOut: the agent's requests time out rather than fail, so the
	// hold sees one attempt given up after the 5 s request timeout rather
	// than several failed ones.
	timesOut bool
	start    func(*front)
	finish   func(*front)
}

func frontMode(mode string) (start, finish func(*front)) {
	return func(f *front) { f.mode.Store(mode) }, func(f *front) { f.mode.Store("pass") }
}

// serverFaults is the fault matrix: a server answering 5xx, one dropping
// the connection half-way through the answer, one slower than the
// agent's request timeout (5 s at this cadence) after it has rotated the
// token, one down (SIGKILL, then a restart on the same database), and one
// stopped (SIGSTOP: connections are accepted and never answered).
func serverFaults() []fault {
	var f []fault
	add := func(name string, hold time.Duration, start, finish func(*front)) {
		f = append(f, fault{name: name, hold: hold, timesOut: hold > 5*time.Second, start: start, finish: finish})
	}
	s, e := frontMode("500")
	add("5xx", 4*time.Second, s, e)
	s, e = frontMode("cut")
	add("dropped mid-answer", 4*time.Second, s, e)
	s, e = frontMode("stall")
	add("slower than the request timeout", 8*time.Second, s, e)
	add("down (killed)", 4*time.Second, func(f *front) { f.srv.kill() }, func(f *front) { f.srv.start() })
	add("stopped (SIGSTOP)", 8*time.Second,
		func(f *front) { signalServer(f, syscall.SIGSTOP) },
		func(f *front) { signalServer(f, syscall.SIGCONT) })
	return f
}

func signalServer(f *front, sig syscall.Signal) {
	f.srv.t.Helper()
	if err := f.srv.proc.Process.Signal(sig); err != nil {
		f.srv.t.Fatal(err)
	}
}

// TestServerFaultMatrix: an active agent (2 s cadence, 60 s timeout) meets
// each server fault in turn. Throughout every fault, `walkme-agent status`
// answers within 1 s and the session stays signed in with its token in the
// keychain; the agent retries with backoff (at least twice, and no more
// often than the 1.5 s the jittered backoff allows), gives up on a request
// that gets no answer after its 5 s timeout, and shows the failure; and once
// the server is back it renews within a few cadences, onto a token the
// server accepts.
func TestServerFaultMatrix(t *testing.T) {
	f := startFront(t)
	t.Cleanup(func() { _ = f.srv.proc.Process.Signal(syscall.SIGCONT) })
	f.srv.setTimeout(t, "60s")
	a := newAgentEnv(t, f.issuer, nil)
	a.start()
	a.login()
	openProduct(t)
	a.awaitStatus(10*time.Second, "active and renewing", func(st localapi.Status) bool {
		return st.State == localapi.StateActive && st.Renewals >= 1
	})
	var slowest time.Duration
	calls := 0
	for _, fl := range serverFaults() {
		before := a.refreshToken()
		posts := f.posts.Load()
		fl.start(f)
		until := time.Now().Add(fl.hold)
		for time.Now().Before(until) {
			start := time.Now()
			st, err := a.status()
			took := time.Since(start)
			calls++
			slowest = max(slowest, took)
			if err != nil || took > time.Second {
				t.Fatalf("%s: status took %v: %v", fl.name, took, err)
			}
			if !st.SignedIn() {
				t.Fatalf("%s: the session ended: %s (%s), %s", fl.name, st.State, st.SignedOutReason, st.LastError)
			}
			time.Sleep(200 * time.Millisecond)
		}
		if a.keychainEntry() == "" {
			t.Fatalf("%s: the keychain lost the session", fl.name)
		}
		tries := f.posts.Load() - posts
		least := int64(2)
		if fl.timesOut {
			least = 1
		}
		if limit := int64(fl.hold/(1500*time.Millisecond)) + 2; tries < least || tries > limit {
			t.Fatalf("%s: %d renewal attempts in %v; want retries (%d or more) with backoff (at most %d)", fl.name, tries, fl.hold, least, limit)
		}
		broken := a.mustStatus()
		if broken.LastError == "" || fl.timesOut && !strings.Contains(broken.LastError, "deadline exceeded") {
			t.Fatalf("%s: status shows last_error %q; want the failure (a timeout: %v)", fl.name, broken.LastError, fl.timesOut)
		}
		fl.finish(f)
		st := a.awaitStatus(15*time.Second, fl.name+": a renewal once the server is back", func(st localapi.Status) bool {
			return st.Renewals > broken.Renewals && st.LastError == ""
		})
		cur := a.refreshToken()
		if st.State != localapi.StateActive || cur == before || !f.srv.introspect(t, cur) {
			t.Fatalf("%s: after recovery %s, token rotated %v; want active on a new token the server accepts", fl.name, st.State, cur != before)
		}
		t.Logf("%s for %v: %d attempts, renewed after it (renewals %d -> %d)", fl.name, fl.hold, tries, broken.Renewals, st.Renewals)
	}
	t.Logf("slowest of %d status calls under faults: %v", calls, slowest)
}
