// Package power tells the agent when the computer sleeps, wakes, closes its
// lid or runs in a dark wake, with the same API on every OS.
//
// Two sources feed it. OS events give the moment: logind on Linux, power
// broadcasts and power-setting notifications on Windows, IOKit on macOS.
// A clock-gap detector compares a sleep-inclusive clock with a
// sleep-exclusive one: it catches every sleep the events miss (a lost
// signal, a missing logind) and measures exactly how long the machine was
// suspended.
//
// Sleep, a closed lid and a dark wake all stop renewals (rules R7 and R12 of
// docs/design.md §2; the sources are its §3.3).
package power

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// State is what the agent needs to know about power.
type State struct {
	// Asleep: the system is suspending or suspended, or in a dark wake
	// (Power Nap, Modern Standby with the display off).
	Asleep bool
	// LidClosed: the lid is shut. The agent treats it like Asleep (R12).
	LidClosed bool
}

// Event is one change of State.
type Event struct {
	State State
	// Slept is > 0 on the first event after a wake: how long the machine
	// was suspended, measured by the clock gap.
	Slept time.Duration
	// At is the wall-clock time of the event.
	At time.Time
	// Source names what caused the event, for logs: "start", "logind",
	// "clock-gap", "lid", "stale", "win32", "iokit".
	Source string
}

// Options tune Watch. The zero value is ready to use.
type Options struct {
	Logger *slog.Logger
	// GapPoll is how often the clock gap is checked. Default 1s.
	GapPoll time.Duration
	// LidPoll is how often the lid is polled where the OS does not always
	// announce it (logind). Default 5s: one D-Bus round trip costs the
	// agent about 0.2ms of CPU, so 5s keeps it near 0.1 CPU-s an hour.
	LidPoll time.Duration
	// Debounce: a lid or display reading must hold this long before it is
	// reported, so flaps make one event or none. Default 500ms.
	Debounce time.Duration

	// suspended replaces SuspendedTotal in tests, which cannot suspend
	// the machine they run on.
	suspended func() (time.Duration, error)
}

// Defaults.
const (
	defaultGapPoll  = time.Second
	defaultLidPoll  = 5 * time.Second
	defaultDebounce = 500 * time.Millisecond
	// gapThreshold: clock-gap growth above this between two polls is a
	// suspension; below it is reading noise.
	gapThreshold = 500 * time.Millisecond
	// staleSuspend: a "suspending" that has seen this much running time
	// (the monotonic clock stops while suspended) without a wake never
	// became a suspension; it is cleared.
	staleSuspend = time.Minute
	// ackTimeout bounds how long an OS source holds up a suspend waiting
	// for the consumer to take the Asleep event (logind's own limit,
	// InhibitDelayMaxSec, is 5s by default).
	ackTimeout = 3 * time.Second
)

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.GapPoll <= 0 {
		o.GapPoll = defaultGapPoll
	}
	if o.LidPoll <= 0 {
		o.LidPoll = defaultLidPoll
	}
	if o.Debounce <= 0 {
		o.Debounce = defaultDebounce
	}
	if o.suspended == nil {
		o.suspended = SuspendedTotal
	}
	return o
}

// Watch reports power changes until ctx ends, then closes the channel.
//
// The first event is the current state. It is never a stale "asleep": a
// process that runs is awake unless the OS says it is in a dark wake or its
// lid is closed. Where OS events are unavailable, Watch logs why and still
// runs the clock-gap detector. The channel is unbuffered: an OS source that
// must record "asleep" before the machine goes down (the logind delay
// inhibitor) waits until the consumer has taken the event.
func Watch(ctx context.Context, opts Options) (<-chan Event, error) {
	opts = opts.withDefaults()
	if _, err := opts.suspended(); err != nil {
		return nil, fmt.Errorf("power: clock gap: %w", err)
	}
	h := newHub(opts)
	updates := make(chan update, 16)
	go runOS(ctx, opts, updates)
	out := make(chan Event)
	go h.run(ctx, updates, out)
	return out, nil
}
