package power

import (
	"testing"
	"time"
)

// step is one input to the tracker at a time (offset from t0).
type step struct {
	at    time.Duration
	u     *update       // apply u; nil: tick
	slept time.Duration // with u: what the clock gap saw
	want  *Event        // the event expected (State, Slept, Source); nil: none
}

func ptr[T any](v T) *T { return &v }

func ev(asleep, lid bool, slept time.Duration, source string) *Event {
	return &Event{State: State{Asleep: asleep, LidClosed: lid}, Slept: slept, Source: source}
}

func TestTracker(t *testing.T) {
	const ms = time.Millisecond
	sleep := &update{source: "logind", suspending: ptr(true)}
	wake := &update{source: "logind", suspending: ptr(false)}
	lid := func(closed bool) *update { return &update{source: "logind", lid: ptr(closed)} }
	dark := func(d bool) *update { return &update{source: "win32", dark: ptr(d)} }
	tick := func(at time.Duration, want *Event) step { return step{at: at, want: want} }
	tests := []struct {
		name    string
		initial update
		steps   []step
	}{
		{"suspend then wake with the clock gap's length", update{}, []step{
			{at: 0, u: sleep, want: ev(true, false, 0, "logind")},
			{at: time.Second, u: wake, slept: 2 * time.Hour, want: ev(false, false, 2*time.Hour, "logind")},
		}},
		{"a wake the events missed is caught by the clock gap", update{}, []step{
			{at: time.Second, u: &update{source: "clock-gap"}, slept: 10 * time.Minute, want: ev(false, false, 10*time.Minute, "clock-gap")},
		}},
		{"a missed wake after a suspend is cleared by the clock gap", update{}, []step{
			{at: 0, u: sleep, want: ev(true, false, 0, "logind")},
			{at: time.Second, u: &update{source: "clock-gap"}, slept: time.Minute, want: ev(false, false, time.Minute, "clock-gap")},
			{at: 2 * time.Second, u: wake}, // the late signal changes nothing
		}},
		{"a suspend that never happened goes stale", update{}, []step{
			{at: 0, u: sleep, want: ev(true, false, 0, "logind")},
			tick(staleSuspend-ms, nil),
			tick(staleSuspend, ev(false, false, 0, "stale")),
		}},
		{"a lid close is reported once it holds for the debounce", update{}, []step{
			{at: 0, u: lid(true)},
			tick(499*ms, nil),
			tick(500*ms, ev(false, true, 0, "logind")),
			tick(time.Second, nil),
		}},
		{"a lid that flaps back within the debounce makes no event", update{}, []step{
			{at: 0, u: lid(true)},
			{at: 200 * ms, u: lid(false)},
			tick(time.Second, nil),
		}},
		{"a flapping lid makes one event when it settles", update{}, []step{
			{at: 0, u: lid(true)},
			{at: 100 * ms, u: lid(false)},
			{at: 200 * ms, u: lid(true)},
			tick(600*ms, nil), // 400ms since the last change
			tick(700*ms, ev(false, true, 0, "logind")),
		}},
		{"a repeated reading is not a change", update{lid: ptr(true)}, []step{
			{at: 0, u: lid(true)},
			tick(time.Second, nil),
		}},
		{"a suspend flushes a pending lid close", update{}, []step{
			{at: 0, u: lid(true)},
			{at: 100 * ms, u: sleep, want: ev(true, true, 0, "logind")},
			tick(time.Second, nil),
		}},
		{"initial readings make the first state", update{lid: ptr(true), dark: ptr(true)}, nil},
		{"dark wake stays asleep across the clock gap", update{}, []step{
			{at: 0, u: sleep, want: ev(true, false, 0, "logind")},
			{at: time.Second, u: &update{source: "clock-gap", dark: ptr(true)}, slept: time.Hour, want: ev(true, false, time.Hour, "clock-gap")},
			{at: 2 * time.Second, u: dark(false)},
			tick(2500*ms, ev(false, false, 0, "win32")),
		}},
		{"display off is debounced like the lid", update{}, []step{
			{at: 0, u: dark(true)},
			tick(400*ms, nil),
			tick(600*ms, ev(true, false, 0, "win32")),
		}},
		{"a wake with no change still reports the sleep once", update{}, []step{
			{at: 0, u: &update{source: "clock-gap"}, slept: time.Second, want: ev(false, false, time.Second, "clock-gap")},
			{at: time.Second, u: wake},
		}},
	}
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := tracker{debounce: 500 * time.Millisecond, staleAfter: staleSuspend}
			init := tt.initial
			init.initial = true
			if _, ok := tr.apply(init, 0, t0); ok {
				t.Fatal("an event before start")
			}
			first := tr.start(t0)
			wantFirst := State{Asleep: init.dark != nil && *init.dark, LidClosed: init.lid != nil && *init.lid}
			if first.State != wantFirst || first.Source != "start" || first.Slept != 0 {
				t.Fatalf("first event %+v, want state %+v from start", first, wantFirst)
			}
			for i, s := range tt.steps {
				now := t0.Add(s.at)
				var got Event
				var ok bool
				if s.u != nil {
					got, ok = tr.apply(*s.u, s.slept, now)
				} else {
					got, ok = tr.tick(now)
				}
				switch {
				case s.want == nil && ok:
					t.Errorf("step %d at %v: unexpected event %+v", i, s.at, got)
				case s.want != nil && !ok:
					t.Errorf("step %d at %v: no event, want %+v", i, s.at, *s.want)
				case s.want != nil && (got.State != s.want.State || got.Slept != s.want.Slept || got.Source != s.want.Source || !got.At.Equal(now)):
					t.Errorf("step %d at %v: got %+v, want %+v at %v", i, s.at, got, *s.want, now)
				}
			}
		})
	}
}

func TestTrackerDeadline(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tr := tracker{debounce: 500 * time.Millisecond, staleAfter: staleSuspend}
	tr.start(t0)
	if _, ok := tr.deadline(); ok {
		t.Fatal("a deadline with nothing pending")
	}
	tr.apply(update{lid: ptr(true)}, 0, t0)
	if at, ok := tr.deadline(); !ok || !at.Equal(t0.Add(500*time.Millisecond)) {
		t.Fatalf("deadline = %v, %v; want %v", at, ok, t0.Add(500*time.Millisecond))
	}
}
