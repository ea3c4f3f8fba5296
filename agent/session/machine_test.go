package session

import (
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)

// sim drives a Machine like the runner does: it carries out each Action
// (answering renewals with the server's TTL at once) and counts renewals.
type sim struct {
	t       *testing.T
	m       *Machine
	now     time.Time
	ttl     time.Duration // what the "server" answers as refresh_token_expires_in
	renews  []time.Duration
	ended   string
	endedAt time.Duration
	fail    int // kind of failure to answer renewals with; 0 = succeed
}

func newSim(t *testing.T, interval, timeout time.Duration) *sim {
	s := &sim{t: t, m: New(Policy{RenewInterval: interval}), now: t0, ttl: timeout}
	s.do(s.m.SignIn(t0, Session{User: "ann@example.com", LastRenewal: t0, Timeout: timeout}))
	return s
}

func (s *sim) at() time.Duration { return s.now.Sub(t0) }

func (s *sim) do(a Action) {
	s.t.Helper()
	if a.End != "" {
		if s.ended != "" {
			s.t.Fatalf("session ended twice (%s, then %s)", s.ended, a.End)
		}
		s.ended, s.endedAt = a.End, s.at()
	}
	if a.Renew {
		s.renews = append(s.renews, s.at())
		if s.fail != 0 {
			s.do(s.m.RenewFailed(s.now, s.fail, "boom"))
		} else {
			s.do(s.m.RenewSucceeded(s.now, "", s.ttl))
		}
	}
}

// advance moves time forward to d after t0, ticking at every NextWake on the way.
func (s *sim) advance(d time.Duration) {
	s.t.Helper()
	end := t0.Add(d)
	for i := 0; i < 100000; i++ {
		next := s.m.NextWake()
		if next.IsZero() || next.After(end) {
			break
		}
		if next.Before(s.now) {
			next = s.now
		}
		s.now = next
		s.do(s.m.Tick(s.now))
	}
	s.now = end
	s.do(s.m.Tick(s.now))
}

func (s *sim) open(names ...string) { s.do(s.m.SetProcesses(s.now, names)) }
func (s *sim) state() string        { return s.m.View().State }

func mins(n float64) time.Duration { return time.Duration(n * float64(time.Minute)) }

func TestOpenProductRenewsEvery15MinutesAndNeverExpires(t *testing.T) { // R5
	s := newSim(t, mins(15), mins(60))
	s.open("WalkMe Editor")
	s.advance(8 * time.Hour)
	if s.ended != "" {
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
	if s.ended != "" || s.state() != Idle || len(s.renews) != 0 {
		t.Fatalf("at 29m: ended=%q state=%s renewals=%v; want idle, no renewals", s.ended, s.state(), s.renews)
	}
	s.advance(mins(31))
	if s.ended != EndedByExpiry || s.endedAt != mins(30) {
		t.Fatalf("ended %q at %v, want expired at exactly 30m", s.ended, s.endedAt)
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
		t.Fatalf("logout: ended %q at %v, want logout at 2m", s.ended, s.endedAt)
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
			if s.ended != "" {
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
		t.Fatalf("ended %q at %v, want expired at 27.5m: one timeout after the user stopped", s.ended, s.endedAt)
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
		wantEnd       string
		wantRenewalAt time.Duration // the first renewal after waking; -1 for none
	}{
		{"short sleep renews at once on wake", true, false, mins(5), "", mins(6)},
		{"lid closed counts as sleep", false, true, mins(5), "", mins(6)},
		{"dark wake with network up", true, false, mins(3), "", mins(4)},
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
				t.Fatalf("ended %q, want %q", s.ended, c.wantEnd)
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
		t.Fatalf("ended %q at %v, want expired at 25m, offline the whole time", s.ended, s.endedAt)
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
	if s.ended != "" || s.m.View().LastError != "" {
		t.Fatalf("after recovery: ended %q, error %q", s.ended, s.m.View().LastError)
	}
}

func TestRetriesNeverWaitPastTheDeadline(t *testing.T) {
	s := newSim(t, mins(15), mins(20))
	s.fail = Unreachable
	s.open("WalkMe Editor")
	s.advance(mins(25))
	if s.ended != EndedByExpiry || s.endedAt != mins(20) {
		t.Fatalf("ended %q at %v, want expired at 20m", s.ended, s.endedAt)
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
	if a.End != "" || m.View().State != Idle {
		t.Fatalf("action %+v state %s, want the live stored session kept, idle", a, m.View().State)
	}
}

func TestServerTimeoutChangeTakesEffectAtNextRenewal(t *testing.T) { // R3 as the agent sees it
	s := newSim(t, mins(15), 24*time.Hour)
	s.open("WalkMe Editor")
	s.ttl = mins(15) // the admin lowered the timeout
	s.advance(mins(15))
	if got := s.m.View().LapsesAt; !got.Equal(t0.Add(mins(30))) {
		t.Fatalf("lapses at %v, want 15m after the 15m renewal", got.Sub(t0))
	}
	s.advance(mins(15) + mins(7.5))
	if len(s.renews) != 2 || s.renews[1] != mins(22.5) {
		t.Fatalf("renewals %v, want the cadence to drop to 7.5m", s.renews)
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

func TestFailedClosingRenewalIsRetried(t *testing.T) { // R10 despite a failure
	s := newSim(t, mins(15), mins(15))
	s.open("WalkMe Editor")
	s.advance(mins(5))
	s.fail = Transient
	s.open() // closes at 5m; the closing renewal fails
	s.advance(mins(5) + 3*time.Second)
	s.fail = 0
	s.advance(mins(6))
	if len(s.renews) < 3 || s.renews[0] != mins(5) || s.renews[1] != mins(5)+2*time.Second {
		t.Fatalf("attempts %v, want the closing one at 5m and a retry 2s later", s.renews)
	}
	last := s.renews[len(s.renews)-1]
	if got := s.m.View().LapsesAt.Sub(t0); got != last+mins(15) {
		t.Fatalf("lapses at %v, want one timeout after the successful retry (%v)", got, last)
	}
	n := len(s.renews)
	s.advance(mins(30))
	if len(s.renews) != n || s.ended != EndedByExpiry {
		t.Fatalf("after the retry succeeded: renewals %v, ended %q; want no more and a lapse", s.renews, s.ended)
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
