package session

import (
	"testing"
	"time"
)

// The jitter spreads retries but never pushes one past the cap: with the
// largest jitter, after any number of failures, the wait stays within
// RetryMax and the cadence, and no shorter than three quarters of the
// unjittered wait. (The spread used to be ±25%, so a retry could come 25%
// later than RetryMax.)
func TestBackoffJitterStaysUnderTheCap(t *testing.T) {
	for _, j := range []float64{0, 0.5, 0.999999} {
		p := Policy{Jitter: func() float64 { return j }}.withDefaults()
		for _, cadence := range []time.Duration{2 * time.Second, mins(1), mins(15)} {
			limit := min(p.RetryMax, max(cadence, p.RetryMin))
			for n := 1; n <= 20; n++ {
				plain := Policy{RetryMin: p.RetryMin, RetryMax: p.RetryMax}.backoff(n, cadence)
				got := p.backoff(n, cadence)
				if got > limit || got > plain || got < plain*3/4 {
					t.Fatalf("jitter %v, cadence %v, retry %d: waits %v; want within [%v, %v] and under the cap %v",
						j, cadence, n, got, plain*3/4, plain, limit)
				}
			}
		}
	}
}

// Under a failing server, with the largest jitter, every retry is sent
// before the session's deadline and no two attempts are further apart than
// the cadence; the last one comes just before the deadline.
func TestJitteredRetriesNeverPassTheDeadline(t *testing.T) {
	s := newSim(t, mins(15), mins(40))
	s.m.SetPolicy(s.now, Policy{RenewInterval: mins(15), Jitter: func() float64 { return 0.999999 }})
	s.fail = Transient
	s.open("WalkMe Editor")
	s.advance(mins(45))
	if s.ended != EndedByExpiry || s.endedAt != mins(40) {
		t.Fatalf("ended %q at %v, want expired at 40m", s.ended, s.endedAt)
	}
	for i := 1; i < len(s.renews); i++ {
		if gap := s.renews[i] - s.renews[i-1]; gap > mins(5) {
			t.Fatalf("attempts %v and %v are %v apart, over RetryMax", s.renews[i-1], s.renews[i], gap)
		}
	}
	if last := s.renews[len(s.renews)-1]; last >= mins(40) || last < mins(40)-mins(5) {
		t.Fatalf("last attempt at %v, want within RetryMax before the deadline; all %v", last, s.renews)
	}
}

// A renewal request gives up after a cadence (within 5 s … 30 s), and never
// later than the session's lapse, so that a stalled server costs a retry
// rather than the session, and no answer outlives the session.
func TestRenewByBoundsTheRequest(t *testing.T) {
	for _, c := range []struct {
		interval, timeout, want time.Duration
	}{
		{mins(15), mins(60), 30 * time.Second}, // cadence 15m: capped at 30 s
		{2 * time.Second, mins(60), 5 * time.Second},
		{20 * time.Second, mins(60), 20 * time.Second},
	} {
		m := New(Policy{RenewInterval: c.interval})
		m.SignIn(t0, Session{User: "ann", LastRenewal: t0, Timeout: c.timeout})
		if !m.RenewBy().IsZero() {
			t.Fatalf("RenewBy %v with no renewal out", m.RenewBy())
		}
		if a, _ := m.RenewNow(t0.Add(time.Second)); !a.Renew {
			t.Fatalf("RenewNow did not renew")
		}
		if got := m.RenewBy().Sub(t0.Add(time.Second)); got != c.want {
			t.Errorf("interval %v: request timeout %v, want %v", c.interval, got, c.want)
		}
	}
	// Three seconds before the lapse, the request may wait three seconds.
	m := New(Policy{RenewInterval: mins(15)})
	m.SignIn(t0, Session{User: "ann", LastRenewal: t0, Timeout: mins(20)})
	m.RenewNow(t0.Add(mins(20) - 3*time.Second))
	if got, want := m.RenewBy(), t0.Add(mins(20)); !got.Equal(want) {
		t.Fatalf("RenewBy %v, want the lapse %v", got, want)
	}
}
