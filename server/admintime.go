package server

import (
	"fmt"
	"strings"
	"time"
)

// ago says how long before now t was, for people: "just now", "5 min
// ago", "3 h ago", "2 days ago".
func ago(now, t time.Time) string {
	d := now.Sub(t)
	if d < time.Minute {
		return "just now"
	}
	return roughly(d) + " ago"
}

// roughly writes a duration to the minute, hour or day.
func roughly(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "less than a minute"
	case d < time.Hour:
		return fmt.Sprintf("%d min", d/time.Minute)
	case d < 48*time.Hour:
		h, m := d/time.Hour, (d%time.Hour)/time.Minute
		if m == 0 {
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	}
	return fmt.Sprintf("%d days", d/(24*time.Hour))
}

// stamp writes a time as the pages show it, in UTC.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// cadenceText writes a renewal cadence: "15 min", "7.5 min", "10 s".
func cadenceText(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d s", d/time.Second)
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", d.Minutes()), ".0") + " min"
}
