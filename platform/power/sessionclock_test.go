package power_test

import (
	"testing"
	"time"

	"github.com/walkme/session-agent/platform/power"
)

// The session clock follows the boot clock (suspend included), not wall
// jumps; conversions to and from the wall clock track the jumps.
func TestClockIgnoresWallJumps(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	wall, boot := t0, 100*time.Second
	c := power.NewClockFrom(func() time.Time { return wall }, func() (time.Duration, error) { return boot, nil })
	boot += 10 * time.Second                    // 10 s pass (asleep or not)...
	wall = wall.Add(10*time.Second + time.Hour) // ...and the wall clock jumps 1 h forward
	if got := c.Now().Sub(t0); got != 10*time.Second {
		t.Fatalf("session clock advanced %v, want 10s", got)
	}
	deadline := t0.Add(time.Minute)
	if got := c.Wall(deadline); !got.Equal(wall.Add(50 * time.Second)) {
		t.Fatalf("shown deadline %v, want 50 s after the wall clock's now", got)
	}
	if got := c.FromWall(c.Wall(deadline)); !got.Equal(deadline) {
		t.Fatalf("round trip %v, want %v", got, deadline)
	}
	wall = wall.Add(-3 * time.Hour) // backwards
	boot += time.Second
	if got := c.Now().Sub(t0); got != 11*time.Second {
		t.Fatalf("after a backward jump the session clock advanced %v, want 11s", got)
	}
}

func TestClockWithoutBootTimeIsTheWallClock(t *testing.T) {
	wall := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	c := power.NewClockFrom(func() time.Time { return wall }, func() (time.Duration, error) { return 0, errUnsupported{} })
	wall = wall.Add(time.Hour)
	if !c.Now().Equal(wall) {
		t.Fatalf("Now %v, want the wall clock %v", c.Now(), wall)
	}
}

type errUnsupported struct{}

func (errUnsupported) Error() string { return "unsupported" }

// On this machine BootTime works and moves forward.
func TestBootTime(t *testing.T) {
	a, err := power.BootTime()
	if err != nil {
		t.Fatalf("BootTime: %v", err)
	}
	time.Sleep(10 * time.Millisecond)
	b, _ := power.BootTime()
	if b-a < 10*time.Millisecond {
		t.Fatalf("BootTime advanced %v over 10 ms", b-a)
	}
}
