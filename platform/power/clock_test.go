package power

import (
	"testing"
	"time"
)

func TestSuspendedTotalIsSteadyWhileAwake(t *testing.T) {
	a, err := SuspendedTotal()
	if err != nil {
		t.Fatalf("SuspendedTotal: %v", err)
	}
	b, err := SuspendedTotal()
	if err != nil {
		t.Fatalf("SuspendedTotal: %v", err)
	}
	// Some clock pairs differ by microseconds from boot on (Wine's
	// interrupt times do): noise, but never seconds below zero.
	if a < -time.Second || b < -time.Second {
		t.Fatalf("SuspendedTotal = %v then %v, want >= 0", a, b)
	}
	// Nothing suspends a test between two reads: the detector must see
	// no sleep, or it would report phantom wakes every poll.
	d := gapDetector{threshold: gapThreshold}
	d.observe(a)
	if slept := d.observe(b); slept != 0 {
		t.Fatalf("two back-to-back readings (%v, %v) look like a %v sleep", a, b, slept)
	}
	t.Logf("suspended since boot: %v", b)
}

// BenchmarkSuspendedTotal is the cost of one clock-gap poll (once a second).
func BenchmarkSuspendedTotal(b *testing.B) {
	for b.Loop() {
		if _, err := SuspendedTotal(); err != nil {
			b.Fatal(err)
		}
	}
}
