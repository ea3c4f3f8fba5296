package power

import "time"

// gapDetector turns successive readings of SuspendedTotal into wakes. The
// counter only grows while the machine is suspended: two polls apart it
// stands still, apart from reading noise, unless the machine slept in
// between, and then it has grown by exactly the time asleep.
type gapDetector struct {
	threshold time.Duration
	last      time.Duration
	primed    bool
}

// observe takes a new reading and returns how long the machine was
// suspended since the previous one, or 0 when it was not.
func (d *gapDetector) observe(total time.Duration) time.Duration {
	prev, primed := d.last, d.primed
	// Re-base on every reading: the counter does not drift, so any growth
	// too small to be a suspension is noise and must not add up.
	d.last, d.primed = total, true
	if !primed {
		return 0
	}
	if growth := total - prev; growth > d.threshold {
		return growth
	}
	return 0
}
