package session

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/walkme/session-agent/server"
)

var t0 = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)

// sim drives a Machine like the runner does, against a simulated server that
// follows walkme-sessiond's own rules (server.Session: deadlines from the
// reported last use, refusal at the deadline, a timeout change sparing
// clients on their cadence). Answers arrive delay after the request; the
// server handles the request half-way.
type sim struct {
	t       *testing.T
	m       *Machine
	now     time.Time
	srv     server.Session // the server's view of the session
	generic bool           // a provider that ignores the reported use and sends no timeout
	delay   time.Duration
	events  []event // requests and answers on the way, by time
	renews  []time.Duration
	checks  []time.Duration
	refused int // renewals the server refused
	ended   EndReason
	endedAt time.Duration
	fail    Failure // kind of failure to answer renewals with; 0 = succeed
	offline bool    // checks and revocations fail
	revoked bool    // the server received the sign-out's revocation
}

type event struct {
	at time.Time
	do func()
}

func newSim(t *testing.T, interval, timeout time.Duration) *sim {
	s := &sim{t: t, m: New(Policy{RenewInterval: interval}), now: t0}
	s.srv = server.Session{AuthTime: t0, LastRenewal: t0, LastUse: t0, InUse: true, Timeout: timeout,
		RenewedTimeout: timeout, Deadline: t0.Add(timeout)}
	s.do(s.m.SignIn(t0, Session{User: "ann@example.com", LastRenewal: t0, Timeout: timeout}))
	return s
}

func (s *sim) at() time.Duration { return s.now.Sub(t0) }

// later runs f delay from now, at once when there is no delay.
func (s *sim) later(delay time.Duration, f func()) {
	if delay <= 0 {
		f()
		return
	}
	s.events = append(s.events, event{s.now.Add(delay), f})
	slices.SortStableFunc(s.events, func(a, b event) int { return a.at.Compare(b.at) })
}

func (s *sim) do(a Action) {
	s.t.Helper()
	if a.End != NotEnded {
		if s.ended != NotEnded {
			s.t.Fatalf("session ended twice (%s, then %s)", s.ended, a.End)
		}
		s.ended, s.endedAt = a.End, s.at()
	}
	if a.Renew {
		s.renews = append(s.renews, s.at())
		s.renew(a.Usage)
	}
	if a.Check {
		s.checks = append(s.checks, s.at())
		s.check()
	}
	if a.Revoke {
		s.later(s.delay, func() {
			if s.offline {
				s.do(s.m.RevokeFailed(s.now))
				return
			}
			s.revoked = true
			s.srv.EndedAt = s.now
			s.do(s.m.RevokeDone(s.now))
		})
	}
}

// renew is the server's refresh grant, as walkme-sessiond decides it.
func (s *sim) renew(u Usage) {
	if s.fail != 0 {
		kind := s.fail
		s.later(s.delay, func() { s.do(s.m.RenewFailed(s.now, kind, "boom")) })
		return
	}
	var answer func()
	s.later(s.delay/2, func() {
		at := s.now
		use := at.Add(-u.Idle)
		if s.generic {
			use = at
		}
		deadline, use := s.srv.RenewedDeadline(at, use, s.srv.Timeout)
		if !s.srv.Live(at) || !at.Before(deadline) {
			s.refused++
			answer = func() { s.do(s.m.RenewFailed(s.now, Rejected, "invalid_grant")) }
		} else {
			s.srv.LastRenewal, s.srv.LastUse, s.srv.InUse = at, use, u.InUse
			s.srv.RenewedTimeout, s.srv.Deadline = s.srv.Timeout, deadline
			r := Renewal{TTL: deadline.Sub(at).Truncate(time.Second), Timeout: s.srv.Timeout}
			if s.generic {
				r.Timeout = 0
			}
			answer = func() { s.do(s.m.Renewed(s.now, r)) }
		}
		s.later(s.delay-s.delay/2, answer)
	})
}

// check is the server's introspection: live or not, and the time left.
func (s *sim) check() {
	if s.offline {
		s.later(s.delay, func() { s.do(s.m.CheckDone(s.now, CheckFailed, 0)) })
		return
	}
	s.later(s.delay/2, func() {
		res, left := CheckEnded, time.Duration(0)
		if s.srv.Live(s.now) {
			res, left = CheckLive, s.srv.LapsesAt().Sub(s.now).Truncate(time.Second)
		}
		s.later(s.delay-s.delay/2, func() { s.do(s.m.CheckDone(s.now, res, left)) })
	})
}

// setTimeout is an admin changing the account's timeout now.
func (s *sim) setTimeout(d time.Duration) {
	s.srv.Deadline = s.srv.DeadlineAfterChange(s.now, d)
	s.srv.Timeout = d
}

// advance moves time forward to d after t0, ticking at every NextWake and
// delivering every request and answer on the way.
func (s *sim) advance(d time.Duration) {
	s.t.Helper()
	end := t0.Add(d)
	spins := 0
	for i := 0; i < 100000; i++ {
		next := s.m.NextWake()
		if len(s.events) > 0 && !s.events[0].at.After(end) && (next.IsZero() || !s.events[0].at.After(next)) {
			ev := s.events[0]
			s.events = s.events[1:]
			s.now = maxTime(s.now, ev.at)
			ev.do()
			continue
		}
		if next.IsZero() || next.After(end) {
			break
		}
		if !next.After(s.now) {
			// A runner would spin on a NextWake that does not move.
			if spins++; spins > 10 {
				s.t.Fatalf("NextWake stays at %v (now %v) with nothing to do", next.Sub(t0), s.at())
			}
		} else {
			spins = 0
		}
		s.now = maxTime(s.now, next)
		s.do(s.m.Tick(s.now))
	}
	s.now = end
	s.do(s.m.Tick(s.now))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (s *sim) open(names ...string) { s.do(s.m.SetProcesses(s.now, names)) }
func (s *sim) state() State         { return s.m.View().State }

func mins(n float64) time.Duration { return time.Duration(n * float64(time.Minute)) }

func TestOpenProductRenewsEvery15MinutesAndNeverExpires(t *testing.T) { // R5
	s := newSim(t, mins(15), mins(60))
	s.open("WalkMe Editor")
	s.advance(8 * time.Hour)
	if s.ended != NotEnded {
		t.Fatalf("session ended (%s at %v) while a product was open", s.ended, s.endedAt)
	}
	if got, want := len(s.renews), 32; got != want {
		t.Fatalf("renewals in 8h = %d, want %d (every 15 min): %v", got, want, s.renews)
	}
	for i, at := range s.renews {
		if want := mins(15 * float64(i+1)); at != want {
			t.Fatalf("renewal %d at %v, want %v", i, at, want)
		}
	}
	if s.state() != Active {
		t.Fatalf("state %s, want active", s.state())
	}
}

func TestNothingOpenLapsesOneTimeoutAfterLastRenewal(t *testing.T) { // R6, R11
	s := newSim(t, mins(15), mins(30))
	s.advance(mins(29))
	if s.ended != NotEnded || s.state() != Idle || len(s.renews) != 0 {
		t.Fatalf("at 29m: ended=%q state=%s renewals=%v; want idle, no renewals", s.ended, s.state(), s.renews)
	}
	s.advance(mins(31))
	if s.ended != EndedByExpiry || s.endedAt != mins(30) {
		t.Fatalf("ended %v at %v, want expired at exactly 30m", s.ended, s.endedAt)
	}
	if v := s.m.View(); v.State != SignedOut || v.SignedOutReason != EndedByExpiry {
		t.Fatalf("view %+v, want signed_out/expired", v)
	}
}

func TestSeedExampleSignOutThenReopenIsSignedOut(t *testing.T) { // R8
	s := newSim(t, mins(15), mins(15))
	s.open("WalkMe Editor")
	s.advance(mins(2))
	s.do(s.m.Logout(s.now))
	if s.ended != EndedByLogout || s.endedAt != mins(2) {
		t.Fatalf("logout: ended %v at %v, want logout at 2m", s.ended, s.endedAt)
	}
	s.open()
	s.advance(mins(15))
	s.open("WalkMe Editor") // reopened 13 minutes later
	if v := s.m.View(); v.State != SignedOut || v.SignedOutReason != EndedByLogout {
		t.Fatalf("after reopening: %s/%s, want signed_out/logout", v.State, v.SignedOutReason)
	}
	if a, ok := s.m.RenewNow(s.now); ok || a.Renew {
		t.Fatal("a signed-out machine offered to renew")
	}
}

func TestCadenceIsHalfAShortTimeout(t *testing.T) { // R9
	cases := []struct {
		interval, timeout, want time.Duration
	}{
		{mins(15), mins(15), mins(7.5)},
		{mins(15), mins(30), mins(15)},
		{mins(15), 24 * time.Hour, mins(15)},
		{2 * time.Second, 6 * time.Second, 2 * time.Second},
		{2 * time.Second, 3 * time.Second, 1500 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.interval, "/", c.timeout), func(t *testing.T) {
			s := newSim(t, c.interval, c.timeout)
			s.open("WalkMe Editor")
			s.advance(c.want * 4)
			if len(s.renews) != 4 || s.renews[0] != c.want {
				t.Fatalf("renewals %v, want 4 every %v", s.renews, c.want)
			}
			if s.ended != NotEnded {
				t.Fatalf("ended %s", s.ended)
			}
		})
	}
}

func TestClosingLastWindowRenewsOnceSoLapseIsPrecise(t *testing.T) { // R10
	s := newSim(t, mins(15), mins(15))
	s.open("WalkMe Editor")
	s.advance(mins(7.5 + 5)) // one renewal at 7.5m, closed 5 minutes later
	s.open()
	if got := s.renews; len(got) != 2 || got[1] != mins(12.5) {
		t.Fatalf("renewals %v, want [7.5m 12.5m] (the closing one at the close)", got)
	}
	s.advance(mins(60))
	if s.ended != EndedByExpiry || s.endedAt != mins(27.5) {
		t.Fatalf("ended %v at %v, want expired at 27.5m: one timeout after the user stopped", s.ended, s.endedAt)
	}
	if len(s.renews) != 2 {
		t.Fatalf("renewed while idle: %v", s.renews)
	}
}

func TestHeartbeatsCountAsOpenUntilTheirTTL(t *testing.T) {
	s := newSim(t, mins(15), mins(15))
	s.do(s.m.Heartbeat(s.now, "chrome-extension", mins(10)))
	if s.state() != Active {
		t.Fatalf("state %s with a live heartbeat, want active", s.state())
	}
	s.advance(mins(11))
	if got := s.renews; len(got) != 2 || got[0] != mins(7.5) || got[1] != mins(10) {
		t.Fatalf("renewals %v, want [7.5m 10m]: cadence, then the closing renewal when the heartbeat lapsed", got)
	}
	if s.state() != Idle {
		t.Fatalf("state %s after the heartbeat's TTL, want idle", s.state())
	}
}

func TestSleepAndLidStopRenewals(t *testing.T) { // R7, R12
	cases := []struct {
		name          string
		asleep, lid   bool
		sleepFor      time.Duration
		wantEnd       EndReason
		wantRenewalAt time.Duration // the first renewal after waking; -1 for none
	}{
		{"short sleep renews at once on wake", true, false, mins(5), NotEnded, mins(6)},
		{"lid closed counts as sleep", false, true, mins(5), NotEnded, mins(6)},
		{"dark wake with network up", true, false, mins(3), NotEnded, mins(4)},
		{"sleep past the deadline lapses with no request", true, false, mins(30), EndedByExpiry, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSim(t, mins(15), mins(15))
			s.open("WalkMe Editor")
			s.advance(mins(1))
			s.do(s.m.SetPower(s.now, c.asleep, c.lid))
			if s.state() != Asleep {
				t.Fatalf("state %s, want asleep", s.state())
			}
			s.advance(mins(1) + c.sleepFor - time.Second)
			if len(s.renews) != 0 {
				t.Fatalf("renewed while asleep: %v", s.renews)
			}
			s.advance(mins(1) + c.sleepFor)
			s.do(s.m.SetPower(s.now, false, false))
			if s.ended != c.wantEnd {
				t.Fatalf("ended %v, want %v", s.ended, c.wantEnd)
			}
			if c.wantRenewalAt < 0 {
				if len(s.renews) != 0 {
					t.Fatalf("renewals %v after a lapse, want none", s.renews)
				}
				return
			}
			if len(s.renews) != 1 || s.renews[0] != c.wantRenewalAt {
				t.Fatalf("renewals %v, want one at %v (on wake)", s.renews, c.wantRenewalAt)
			}
		})
	}
}

func TestOfflineStopsRenewalsAndReconnectRenews(t *testing.T) { // R7
	s := newSim(t, mins(15), mins(15))
	s.open("WalkMe Editor")
	s.do(s.m.SetNetwork(s.now, false))
	if s.state() != Offline {
		t.Fatalf("state %s, want offline", s.state())
	}
	s.advance(mins(10))
	if len(s.renews) != 0 {
		t.Fatalf("renewed offline: %v", s.renews)
	}
	s.do(s.m.SetNetwork(s.now, true))
	if len(s.renews) != 1 || s.renews[0] != mins(10) {
		t.Fatalf("renewals %v, want one at reconnect (10m)", s.renews)
	}
	s.do(s.m.SetNetwork(s.now, false))
	s.advance(mins(40))
	if s.ended != EndedByExpiry || s.endedAt != mins(25) {
		t.Fatalf("ended %v at %v, want expired at 25m, offline the whole time", s.ended, s.endedAt)
	}
	s.do(s.m.SetNetwork(s.now, true))
	if len(s.renews) != 1 {
		t.Fatalf("renewed after the deadline: %v", s.renews)
	}
}

func TestRejectedRenewalEndsSessionAndIsNotRetried(t *testing.T) {
	s := newSim(t, mins(15), mins(60))
	s.fail = Rejected
	s.open("WalkMe Editor")
	s.advance(mins(16))
	if s.ended != EndedByRejected || len(s.renews) != 1 {
		t.Fatalf("ended %q after renewals %v, want rejected after exactly one", s.ended, s.renews)
	}
}

func TestTransientFailuresRetryWithBackoffBeforeTheDeadline(t *testing.T) {
	s := newSim(t, mins(15), mins(30))
	s.fail = Transient
	s.open("WalkMe Editor")
	s.advance(mins(15) + 20*time.Second)
	// 15m, then +2s, +4s, +8s (the next would be +16s at 15m30s).
	want := []time.Duration{mins(15), mins(15) + 2*time.Second, mins(15) + 6*time.Second, mins(15) + 14*time.Second}
	if fmt.Sprint(s.renews) != fmt.Sprint(want) {
		t.Fatalf("attempts %v, want %v", s.renews, want)
	}
	if s.m.View().State != Active || s.m.View().LastError == "" {
		t.Fatalf("view %+v: want active with the last error shown", s.m.View())
	}
	s.fail = 0
	s.advance(mins(16))
	if s.ended != NotEnded || s.m.View().LastError != "" {
		t.Fatalf("after recovery: ended %q, error %q", s.ended, s.m.View().LastError)
	}
}

func TestRetriesNeverWaitPastTheDeadline(t *testing.T) {
	s := newSim(t, mins(15), mins(20))
	s.fail = Unreachable
	s.open("WalkMe Editor")
	s.advance(mins(25))
	if s.ended != EndedByExpiry || s.endedAt != mins(20) {
		t.Fatalf("ended %v at %v, want expired at 20m", s.ended, s.endedAt)
	}
	last := s.renews[len(s.renews)-1]
	if last != mins(20)-2*time.Second {
		t.Fatalf("last attempt at %v, want one just before the deadline (19m58s); all: %v", last, s.renews)
	}
}

func TestUnreachableServerShowsOffline(t *testing.T) {
	s := newSim(t, mins(15), mins(60))
	s.fail = Unreachable
	s.open("WalkMe Editor")
	s.advance(mins(15))
	if v := s.m.View(); v.State != Offline || v.NetworkUp {
		t.Fatalf("view %s network=%v, want offline after a network failure", v.State, v.NetworkUp)
	}
	s.fail = 0
	s.advance(mins(16))
	if v := s.m.View(); v.State != Active || !v.NetworkUp {
		t.Fatalf("view %s network=%v, want active after the next successful contact", v.State, v.NetworkUp)
	}
}

func TestRestartAfterTheDeadlineDropsTheSession(t *testing.T) { // R11
	m := New(Policy{})
	a := m.SignIn(t0.Add(mins(31)), Session{User: "ann", LastRenewal: t0, Timeout: mins(30)})
	if a.End != EndedByExpiry {
		t.Fatalf("action %+v, want the stored session to end as expired", a)
	}
	a = m.SignIn(t0.Add(mins(29)), Session{User: "ann", LastRenewal: t0, Timeout: mins(30)})
	if a.End != NotEnded || m.View().State != Idle {
		t.Fatalf("action %+v state %s, want the live stored session kept, idle", a, m.View().State)
	}
}

func TestServerTimeoutChangeTakesEffectAtNextRenewal(t *testing.T) { // R3 as the agent sees it
	s := newSim(t, mins(15), 24*time.Hour)
	s.open("WalkMe Editor")
	s.advance(mins(10))
	s.setTimeout(mins(15)) // the admin lowers the timeout at 10m, mid-cycle
	s.advance(mins(15))
	if s.refused != 0 || s.ended != NotEnded {
		t.Fatalf("the renewal after the change was refused (%d) or the session ended (%q)", s.refused, s.ended)
	}
	if got := s.m.View().LapsesAt; !got.Equal(t0.Add(mins(30))) {
		t.Fatalf("lapses at %v, want 15m after the 15m renewal", got.Sub(t0))
	}
	s.advance(mins(15) + mins(7.5))
	if len(s.renews) != 2 || s.renews[1] != mins(22.5) {
		t.Fatalf("renewals %v, want the cadence to drop to 7.5m", s.renews)
	}
}

// Issue: nobody with a product open is signed out by a timeout change,
// whatever the old and new values and wherever in the cycle it lands, with
// answers that take time.
func TestTimeoutChangeNeverSignsOutAnOpenProduct(t *testing.T) {
	for _, c := range []struct {
		interval, from, to time.Duration
	}{
		{mins(15), 24 * time.Hour, mins(15)},
		{mins(15), 24 * time.Hour, time.Second}, // dev mode: below the cadence
		{2 * time.Second, 24 * time.Hour, 2 * time.Second},
		{mins(15), mins(15), 8 * time.Hour},
		{mins(15), 8 * time.Hour, mins(30)},
	} {
		cadence := min(c.interval, c.from/2)
		for _, frac := range []float64{0, 0.01, 0.5, 0.99, 0.9999, 1} {
			t.Run(fmt.Sprintf("%v/%v->%v@%.4f", c.interval, c.from, c.to, frac), func(t *testing.T) {
				s := newSim(t, c.interval, c.from)
				s.delay = 400 * time.Millisecond
				s.open("WalkMe Editor")
				s.advance(2*cadence + time.Duration(frac*float64(cadence)))
				s.setTimeout(c.to)
				s.advance(s.at() + 3*cadence + 3*min(c.interval, c.to/2))
				if s.ended != NotEnded || s.refused != 0 {
					t.Fatalf("ended %v at %v, %d renewals refused; want the open product kept signed in", s.ended, s.endedAt, s.refused)
				}
				if got, want := s.m.View().Cadence, min(c.interval, c.to/2); got != want {
					t.Fatalf("cadence %v after the change, want %v", got, want)
				}
			})
		}
	}
}

// Issue: an idle agent learns within one cadence that the server moved or
// ended its session, without extending it (R6), and lapses one new timeout
// after the later of its last use and the change.
func TestIdleAgentFollowsTheServer(t *testing.T) {
	s := newSim(t, mins(15), 24*time.Hour)
	s.delay = 300 * time.Millisecond
	s.open("WalkMe Editor")
	s.advance(mins(20))
	s.open() // closed at 20m: closing renewal
	s.advance(mins(40))
	s.setTimeout(mins(15)) // at 40m: the server's deadline is now 55m
	s.advance(mins(54))
	if len(s.checks) == 0 || s.checks[len(s.checks)-1] > mins(55) {
		t.Fatalf("checks at %v: want one within a cadence of the change", s.checks)
	}
	if got := s.m.View().LapsesAt.Sub(t0); got < mins(55)-time.Second || got > mins(55) {
		t.Fatalf("lapses at %v, want the server's new deadline 55m (-1s)", got)
	}
	if s.srv.LastRenewal.Sub(t0) > mins(20)+time.Second {
		t.Fatalf("the server saw a renewal at %v while idle (R6)", s.srv.LastRenewal.Sub(t0))
	}
	s.advance(mins(60))
	if s.ended != EndedByExpiry || s.endedAt > mins(55) || s.endedAt < mins(55)-time.Second {
		t.Fatalf("ended %v at %v, want expired at 55m (-1s)", s.ended, s.endedAt)
	}

	// An admin ends an idle session: signed out within one cadence.
	s = newSim(t, mins(15), mins(60))
	s.advance(mins(3))
	s.srv.EndedAt = s.now
	s.advance(mins(3) + mins(15))
	if s.ended != EndedByRejected || s.endedAt > mins(15)+time.Second {
		t.Fatalf("ended %v at %v, want rejected within one 15m cadence", s.ended, s.endedAt)
	}
	if len(s.renews) != 0 {
		t.Fatalf("renewed while idle: %v", s.renews)
	}
}

func TestChecksStopWhenTheProviderCannotAnswer(t *testing.T) {
	m := New(Policy{RenewInterval: mins(15)})
	m.SignIn(t0, Session{LastRenewal: t0, Timeout: mins(60)})
	a := m.Tick(t0.Add(mins(15)))
	if !a.Check {
		t.Fatalf("no check after a cadence idle: %+v", a)
	}
	m.CheckDone(t0.Add(mins(15)), CheckUnsupported, 0)
	if a := m.Tick(t0.Add(mins(45))); a.Check {
		t.Fatal("checked again although the provider cannot answer")
	}
	if next := m.NextWake(); !next.Equal(t0.Add(mins(60))) {
		t.Fatalf("next wake %v, want only the lapse", next.Sub(t0))
	}
}

func TestUserRenewNowRenewsEvenWhenIdleButNotAsleep(t *testing.T) {
	s := newSim(t, mins(15), mins(15))
	s.advance(mins(5))
	a, ok := s.m.RenewNow(s.now)
	if !ok || !a.Renew {
		t.Fatalf("RenewNow = %+v, %v; want a renewal", a, ok)
	}
	s.do(a)
	if got := s.m.View().LapsesAt.Sub(t0); got != mins(20) {
		t.Fatalf("lapses at %v, want 20m", got)
	}
	s.do(s.m.SetPower(s.now, true, false))
	if _, ok := s.m.RenewNow(s.now); ok {
		t.Fatal("RenewNow renewed while asleep")
	}
}

func TestPresenceFlapDoesNotRenewEachTime(t *testing.T) {
	s := newSim(t, mins(15), 24*time.Hour)
	for i := 0; i < 10; i++ {
		s.open("WalkMe Editor")
		s.advance(s.at() + time.Second)
		s.open()
		s.advance(s.at() + time.Second)
	}
	// Each close renews once (R10); opens within the min gap do not.
	if len(s.renews) != 10 {
		t.Fatalf("renewals %d over 10 flaps, want 10 closing renewals and no opening ones", len(s.renews))
	}
}

func TestPolicyChangeAppliesAtOnce(t *testing.T) {
	s := newSim(t, mins(15), 24*time.Hour)
	s.open("WalkMe Editor")
	s.advance(mins(5))
	s.do(s.m.SetPolicy(s.now, Policy{RenewInterval: mins(2)}))
	if len(s.renews) != 1 || s.renews[0] != mins(5) {
		t.Fatalf("renewals %v, want one at once: the new 2m cadence was already overdue", s.renews)
	}
	s.advance(mins(9))
	if len(s.renews) != 3 || s.renews[2] != mins(9) {
		t.Fatalf("renewals %v, want every 2m after the change", s.renews)
	}
}

func TestViewKeepsTheEndedSessionsTimeout(t *testing.T) {
	s := newSim(t, mins(15), mins(30))
	if got := s.m.View().Timeout; got != mins(30) {
		t.Fatalf("live timeout %v, want 30m", got)
	}
	s.advance(mins(31))
	if v := s.m.View(); v.State != SignedOut || v.Timeout != mins(30) {
		t.Fatalf("after the lapse: %s with timeout %v, want signed_out with the ended session's 30m", v.State, v.Timeout)
	}
	if got := New(Policy{FallbackTimeout: mins(60)}).View().Timeout; got != mins(60) {
		t.Fatalf("never signed in: timeout %v, want the policy's 60m", got)
	}
}

func TestWakeOfflineWaitsForTheNetwork(t *testing.T) { // R7, R11
	s := newSim(t, mins(15), mins(15))
	s.open("WalkMe Editor")
	s.do(s.m.SetPower(s.now, true, false))
	s.advance(mins(5))
	s.do(s.m.SetNetwork(s.now, false)) // the wake finds no network
	s.do(s.m.SetPower(s.now, false, false))
	if s.state() != Offline || len(s.renews) != 0 {
		t.Fatalf("woken offline: %s with renewals %v, want offline and none", s.state(), s.renews)
	}
	s.advance(mins(8))
	s.do(s.m.SetNetwork(s.now, true))
	if len(s.renews) != 1 || s.renews[0] != mins(8) {
		t.Fatalf("renewals %v, want one when the network returned at 8m", s.renews)
	}
}

// R10 exact although the closing renewal failed: the lapse is one timeout
// after the close (±1 s), never later, with walkme-sessiond and, locally,
// with a provider that ignores the reported last use.
func TestFailedClosingRenewalIsRetried(t *testing.T) {
	for _, generic := range []bool{false, true} {
		t.Run(fmt.Sprint("generic=", generic), func(t *testing.T) {
			s := newSim(t, mins(15), mins(15))
			s.generic = generic
			s.delay = 500 * time.Millisecond
			s.open("WalkMe Editor")
			s.advance(mins(5))
			s.fail = Transient
			s.open() // closes at 5m; the closing renewal fails
			s.advance(mins(5) + 20*time.Second)
			s.fail = 0
			s.advance(mins(6))
			if len(s.renews) < 3 || s.renews[0] != mins(5) || s.renews[1] <= mins(5) {
				t.Fatalf("attempts %v, want the closing one at 5m and retries", s.renews)
			}
			close := mins(5) + mins(15)
			if got := s.m.View().LapsesAt.Sub(t0); got > close || got < close-time.Second {
				t.Fatalf("lapses at %v, want one timeout after the close (%v, -1s)", got, close)
			}
			// The server counts the reported idle time from the request's
			// arrival: its transit (here 250ms) is the "±1 s".
			if got := s.srv.LapsesAt().Sub(t0); !generic && (got > close+time.Second || got < close-time.Second) {
				t.Fatalf("the server's deadline %v, want %v ±1s", got, close)
			}
			n := len(s.renews)
			s.advance(mins(30))
			if len(s.renews) != n || s.ended != EndedByExpiry || s.endedAt > close {
				t.Fatalf("after the retry succeeded: renewals %v, ended %v at %v; want no more and a lapse by %v", s.renews, s.ended, s.endedAt, close)
			}
		})
	}
}

// R10: a close while a regular renewal is in flight keeps its closing
// renewal, so the lapse is not up to a cadence early.
func TestCloseDuringARenewalKeepsTheClosingRenewal(t *testing.T) {
	s := newSim(t, mins(15), mins(15))
	s.delay = 2 * time.Second
	s.open("WalkMe Editor")
	s.advance(mins(7.5) + time.Second) // the 7.5m renewal is out until 7.5m+2s
	s.open()
	s.advance(mins(60))
	if len(s.renews) != 2 || s.renews[1] != mins(7.5)+2*time.Second {
		t.Fatalf("renewals %v, want the closing one right after the regular one's answer", s.renews)
	}
	close := mins(7.5) + time.Second + mins(15)
	if s.ended != EndedByExpiry || s.endedAt > close || s.endedAt < close-time.Second {
		t.Fatalf("ended %v at %v, want expired one timeout after the close (%v)", s.ended, s.endedAt, close)
	}
}

// R10 across sleep: the lid closes right after the last window, so the
// closing renewal fails; sent at the wake, it reports the close, and the
// session still lapses one timeout after it.
func TestCloseJustBeforeSleepCountsFromTheClose(t *testing.T) {
	for _, c := range []struct {
		name    string
		sleep   time.Duration
		wantEnd time.Duration // -1: the wake's renewal keeps the session
	}{
		{"woken before the deadline", mins(10), -1},
		{"woken after close + timeout", mins(20), mins(10) + mins(15)},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSim(t, mins(15), mins(15))
			s.delay = 300 * time.Millisecond
			s.open("WalkMe Editor")
			s.advance(mins(7.5) + time.Second) // renewed at 7.5m
			s.advance(mins(10))
			s.fail = Unreachable
			s.open() // closed at 10m
			s.do(s.m.SetPower(s.now, true, true))
			s.advance(mins(10) + c.sleep)
			s.fail = 0
			s.do(s.m.SetPower(s.now, false, false))
			s.advance(s.at() + time.Minute)
			if c.wantEnd < 0 {
				if s.ended != NotEnded {
					t.Fatalf("ended %v at %v", s.ended, s.endedAt)
				}
				if got := s.srv.LapsesAt().Sub(t0); got > mins(25)+time.Second || got < mins(25)-time.Second {
					t.Fatalf("the server's deadline %v after the wake's renewal, want the close + 15m = 25m ±1s", got)
				}
				return
			}
			if s.ended != EndedByExpiry || s.endedAt > c.wantEnd {
				t.Fatalf("ended %v at %v, want expired by %v", s.ended, s.endedAt, c.wantEnd)
			}
		})
	}
}

// Sign-out with the server unreachable ends the session here at once and
// keeps the revocation pending until the network is back.
func TestSignOutOfflineIsSentWhenTheNetworkReturns(t *testing.T) { // R8
	s := newSim(t, mins(15), mins(60))
	s.offline = true
	s.do(s.m.SetNetwork(s.now, false))
	s.do(s.m.Logout(s.now))
	s.do(s.m.RevokeFailed(s.now)) // what the runner reports when its try fails
	if v := s.m.View(); v.State != SignedOut || !v.SignOutPending {
		t.Fatalf("view %s pending=%v, want signed_out with the sign-out pending", v.State, v.SignOutPending)
	}
	s.advance(mins(10))
	if s.revoked {
		t.Fatal("revoked with no network")
	}
	s.offline = false
	s.do(s.m.SetNetwork(s.now, true))
	s.advance(s.at() + time.Second)
	if !s.revoked || s.m.View().SignOutPending {
		t.Fatalf("revoked=%v pending=%v after the network returned; want sent and done", s.revoked, s.m.View().SignOutPending)
	}
}

func TestRenewNowRefusesWhenOffline(t *testing.T) { // R7
	s := newSim(t, mins(15), mins(15))
	s.do(s.m.SetNetwork(s.now, false))
	if _, ok := s.m.RenewNow(s.now); ok {
		t.Fatal("RenewNow renewed with no network")
	}
	if s.state() != Idle {
		t.Fatalf("no product and no network: %s, want idle (offline is a product open without network)", s.state())
	}
}

// The renewal that collects a token after a crash is no use by the user:
// with nothing open it reports the stored last use and extends nothing.
func TestRecoveryRenewalExtendsNothing(t *testing.T) {
	m := New(Policy{RenewInterval: mins(15)})
	m.SignIn(t0.Add(mins(10)), Session{LastRenewal: t0, Timeout: mins(60)})
	a, ok := m.Recover(t0.Add(mins(10)))
	if !ok || !a.Renew || a.Usage.InUse || a.Usage.Idle != mins(10) {
		t.Fatalf("Recover = %+v, %v; want a renewal reporting 10 min idle", a, ok)
	}
	s, _ := m.RenewedSession(Renewal{TTL: mins(60), Timeout: mins(60)})
	if !s.LapsesAt().Equal(t0.Add(mins(60))) {
		t.Fatalf("after the recovery renewal the session lapses at %v, want unchanged 60m", s.LapsesAt().Sub(t0))
	}
	if a, _ := New(Policy{}).RenewNow(t0); a.Renew {
		t.Fatal("RenewNow renewed without a session")
	}
}
