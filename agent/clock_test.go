package agent_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent"
	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/platform/power"
)

// Deadlines do not follow the wall clock (docs/design.md §2, R11): the
// runner keeps them on the session clock, so a wall clock set 25 h forward
// does not end a live session, and one set 1 h back does not stop the
// renewals of an open product. Shown times follow the wall clock.
func TestWallClockJumpsMoveNoDeadline(t *testing.T) {
	var jump atomic.Int64 // how far the wall clock was set, in ns
	start := time.Now()
	clock := power.NewClockFrom(
		func() time.Time { return time.Now().Add(time.Duration(jump.Load())) },
		func() (time.Duration, error) { return time.Since(start), nil }, // the boot clock: no jumps
	)
	r := startRigWith(t, 300*time.Millisecond, nil, func(o *agent.Options) {
		o.Now, o.Wall, o.FromWall = clock.Now, clock.Wall, clock.FromWall
	})
	r.await(t, "the stored session to be read", func(st localapi.Status) bool { return st.State != localapi.StateStarting })
	r.signIn(t)
	r.presence <- []string{"WalkMe Editor"}
	st := r.await(t, "renewals", func(st localapi.Status) bool { return st.Renewals >= 2 })

	jump.Store(int64(25 * time.Hour)) // past the 24 h deadline on the wall clock
	n := st.Renewals
	st = r.await(t, "renewals after the forward jump", func(st localapi.Status) bool { return !st.SignedIn() || st.Renewals >= n+3 })
	if !st.SignedIn() {
		t.Fatalf("setting the wall clock 25 h forward ended the session (%s)", st.SignedOutReason)
	}
	if d := st.LapsesAt.Sub(time.Now().Add(25 * time.Hour)); d < 23*time.Hour || d > 24*time.Hour {
		t.Fatalf("lapses_at shows %v from the (jumped) wall clock, want about 24h", d)
	}

	jump.Store(int64(-time.Hour)) // an hour back
	n = st.Renewals
	st = r.await(t, "renewals after the backward jump", func(st localapi.Status) bool { return st.Renewals >= n+3 })
	if st.State != localapi.StateActive {
		t.Fatalf("after setting the clock back: %s, want active", st.State)
	}
}
