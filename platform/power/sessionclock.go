package power

import "time"

// Clock is the agent's session clock: the wall time read once at start,
// advanced by a clock that counts suspend but never follows wall-clock
// changes (BootTime). Session deadlines kept on it neither jump with an NTP
// correction or a user setting the clock, nor stop across sleep. Times are
// converted to the wall clock only to show or store them (Wall), and back
// when read (FromWall).
type Clock struct {
	wall   func() time.Time
	boot   func() (time.Duration, error)
	anchor time.Time     // the wall time at start
	at     time.Duration // BootTime at start
	ok     bool          // BootTime works; else the clock is the wall clock
}

// NewClock returns the clock on this machine's BootTime. Where BootTime is
// unavailable it is the wall clock (which counts suspend, unlike Go's
// monotonic clock on Linux and macOS).
func NewClock() *Clock { return NewClockFrom(time.Now, BootTime) }

// NewClockFrom returns a clock on the given sources (tests inject wall-clock
// jumps this way).
func NewClockFrom(wall func() time.Time, boot func() (time.Duration, error)) *Clock {
	c := &Clock{wall: wall, boot: boot, anchor: wall().Round(0)}
	var err error
	c.at, err = boot()
	c.ok = err == nil
	return c
}

// Now is the session clock's time.
func (c *Clock) Now() time.Time {
	if c.ok {
		if b, err := c.boot(); err == nil {
			return c.anchor.Add(b - c.at)
		}
	}
	return c.wall().Round(0)
}

// Wall converts a session-clock time to the wall clock as it reads now.
func (c *Clock) Wall(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Add(c.wall().Round(0).Sub(c.Now()))
}

// FromWall converts a wall-clock time (one stored by an earlier run) to the
// session clock.
func (c *Clock) FromWall(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Add(c.Now().Sub(c.wall().Round(0)))
}
