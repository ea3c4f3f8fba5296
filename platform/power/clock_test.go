package power

import "testing"

func TestSuspendedTotalIsSteadyWhileAwake(t *testing.T) {
	a, err := SuspendedTotal()
	if err != nil {
		t.Fatalf("SuspendedTotal: %v", err)
	}
	b, err := SuspendedTotal()
	if err != nil {
		t.Fatalf("SuspendedTotal: %v", err)
	}
	if a < 0 || b < 0 {
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
