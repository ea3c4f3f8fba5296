package power

import "time"

// update is one reading from an OS source. Nil fields are unchanged.
type update struct {
	source string
	// initial marks the source's first reading. Every source sends one,
	// even an empty one when it has no OS events, so Watch knows when it
	// can report the current state.
	initial bool
	// suspending: the system is about to suspend (true) or has resumed.
	suspending *bool
	// dark: a dark wake (Power Nap; Modern Standby with the display off).
	dark *bool
	lid  *bool
	// ack, if set, is closed once any event this update caused has been
	// taken by the consumer (or at once when it caused none).
	ack chan<- struct{}
}

// readings are the latest facts from every source.
type readings struct{ suspending, dark, lid bool }

func (r readings) state() State {
	return State{Asleep: r.suspending || r.dark, LidClosed: r.lid}
}

// tracker decides which events to emit. It is pure: time comes in as
// arguments, so every transition is a deterministic test.
//
// Suspend and wake are edges and go out at once: "asleep" must be recorded
// before the machine goes down, and a wake must be acted on now. Lid and
// display readings are levels: a change must hold for debounce before it
// is reported, so a flapping lid makes one event or none.
type tracker struct {
	debounce   time.Duration
	staleAfter time.Duration

	cur          readings
	sent         State
	started      bool
	suspendSince time.Time
	// pendingSince is when a lid or display change that awaits the
	// debounce began; zero when none does.
	pendingSince  time.Time
	pendingSource string
}

// start returns the first event: the current state.
func (t *tracker) start(now time.Time) Event {
	t.started = true
	t.sent = t.cur.state()
	t.pendingSince = time.Time{}
	return Event{State: t.sent, At: now, Source: "start"}
}

// apply folds u into the readings. slept is a suspension the clock gap saw
// just now (0 if none): it means the machine is awake again, whatever the
// events said. It returns the event to emit now, if any.
func (t *tracker) apply(u update, slept time.Duration, now time.Time) (Event, bool) {
	if u.suspending != nil {
		t.cur.suspending = *u.suspending
		if *u.suspending {
			t.suspendSince = now
		}
	}
	if slept > 0 {
		t.cur.suspending = false
	}
	level := false
	if u.dark != nil && *u.dark != t.cur.dark {
		t.cur.dark, level = *u.dark, true
	}
	if u.lid != nil && *u.lid != t.cur.lid {
		t.cur.lid, level = *u.lid, true
	}
	switch {
	case !t.started:
		return Event{}, false
	case slept > 0 && u.suspending == nil:
		return t.emit(slept, now, "clock-gap")
	case u.suspending != nil || slept > 0 || u.initial:
		return t.emit(slept, now, u.source)
	case !level:
		return Event{}, false
	case t.cur.state() == t.sent:
		t.pendingSince = time.Time{} // flapped back: nothing to report
	default:
		t.pendingSince, t.pendingSource = now, u.source
	}
	return Event{}, false
}

// tick reports a debounced change that has held long enough, and clears a
// "suspending" that never became a suspension.
func (t *tracker) tick(now time.Time) (Event, bool) {
	if !t.started {
		return Event{}, false
	}
	if t.cur.suspending && now.Sub(t.suspendSince) >= t.staleAfter {
		t.cur.suspending = false
		return t.emit(0, now, "stale")
	}
	if !t.pendingSince.IsZero() && now.Sub(t.pendingSince) >= t.debounce {
		return t.emit(0, now, t.pendingSource)
	}
	return Event{}, false
}

// deadline is when tick next has a debounced change to report.
func (t *tracker) deadline() (time.Time, bool) {
	if t.pendingSince.IsZero() {
		return time.Time{}, false
	}
	return t.pendingSince.Add(t.debounce), true
}

// emit reports the current readings if they differ from what was last
// reported, or if there was a suspension to report.
func (t *tracker) emit(slept time.Duration, now time.Time, source string) (Event, bool) {
	t.pendingSince = time.Time{}
	s := t.cur.state()
	if s == t.sent && slept <= 0 {
		return Event{}, false
	}
	t.sent = s
	return Event{State: s, Slept: slept, At: now, Source: source}, true
}
