package power

import (
	"testing"
	"time"
)

func TestGapDetector(t *testing.T) {
	const ms = time.Millisecond
	tests := []struct {
		name     string
		readings []time.Duration
		want     []time.Duration // Slept reported for each reading
	}{
		{"first reading is a baseline, not a wake", []time.Duration{90 * time.Minute}, []time.Duration{0}},
		{"no sleep", []time.Duration{5 * ms, 5 * ms, 5 * ms}, []time.Duration{0, 0, 0}},
		{"one sleep of 2h", []time.Duration{0, 2 * time.Hour, 2 * time.Hour}, []time.Duration{0, 2 * time.Hour, 0}},
		{"growth under the threshold is noise", []time.Duration{0, 400 * ms}, []time.Duration{0, 0}},
		{"growth just over the threshold is a sleep", []time.Duration{0, 501 * ms}, []time.Duration{0, 501 * ms}},
		{"noise does not add up to a sleep", []time.Duration{0, 300 * ms, 600 * ms, 900 * ms}, []time.Duration{0, 0, 0, 0}},
		{"a reading that goes back re-bases", []time.Duration{time.Second, 0, 3 * time.Second}, []time.Duration{0, 0, 3 * time.Second}},
		{"two sleeps are measured apart", []time.Duration{0, time.Minute, time.Minute, 3 * time.Minute}, []time.Duration{0, time.Minute, 0, 2 * time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := gapDetector{threshold: gapThreshold}
			for i, r := range tt.readings {
				if got := d.observe(r); got != tt.want[i] {
					t.Errorf("reading %d (%v): slept %v, want %v", i, r, got, tt.want[i])
				}
			}
		})
	}
}
