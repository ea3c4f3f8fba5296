package power

import (
	"context"
	"log/slog"
	"time"
)

// startWait bounds how long Watch waits for the OS source's first reading
// before it reports the state it has.
const startWait = 3 * time.Second

// hub owns the tracker and the clock-gap detector, and is the only
// goroutine that touches them.
type hub struct {
	opts Options
	log  *slog.Logger
	gap  gapDetector
	tr   tracker
}

func newHub(opts Options) *hub {
	return &hub{
		opts: opts,
		log:  opts.Logger,
		gap:  gapDetector{threshold: gapThreshold},
		tr:   tracker{debounce: opts.Debounce, staleAfter: staleSuspend},
	}
}

func (h *hub) run(ctx context.Context, updates <-chan update, out chan<- Event) {
	defer close(out)
	h.slept() // the baseline
	if !h.awaitInitial(ctx, updates) {
		return
	}
	if !h.send(ctx, out, h.tr.start(time.Now())) {
		return
	}
	poll := time.NewTicker(h.opts.GapPoll)
	defer poll.Stop()
	debounce := time.NewTimer(time.Hour)
	defer debounce.Stop()
	for {
		var ev Event
		var ok bool
		var ack chan<- struct{}
		select {
		case <-ctx.Done():
			return
		case u := <-updates:
			ev, ok = h.apply(u)
			ack = u.ack
		case <-poll.C:
			ev, ok = h.check()
		case <-debounce.C:
			ev, ok = h.check()
		}
		if ok && !h.send(ctx, out, ev) {
			return
		}
		if ack != nil {
			close(ack)
		}
		debounce.Stop()
		if at, ok := h.tr.deadline(); ok {
			debounce.Reset(time.Until(at))
		}
	}
}

// awaitInitial folds in readings until the OS source has sent its first
// one, or startWait has passed.
func (h *hub) awaitInitial(ctx context.Context, updates <-chan update) bool {
	wait := time.NewTimer(startWait)
	defer wait.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case u := <-updates:
			h.tr.apply(u, 0, time.Now())
			if u.ack != nil {
				close(u.ack)
			}
			if u.initial {
				return true
			}
		case <-wait.C:
			h.log.Warn("power: OS power source gave no initial state; starting without it", "waited", startWait)
			return true
		}
	}
}

// apply folds in an OS reading, together with any sleep the clock gap
// shows now: a wake event then carries how long the machine slept.
func (h *hub) apply(u update) (Event, bool) {
	slept := h.slept()
	if slept > 0 && u.dark == nil {
		u.dark = darkProbe()
	}
	return h.tr.apply(u, slept, time.Now())
}

// check runs the clock-gap detector, then the tracker's timers.
func (h *hub) check() (Event, bool) {
	if slept := h.slept(); slept > 0 {
		return h.tr.apply(update{source: "clock-gap", dark: darkProbe()}, slept, time.Now())
	}
	return h.tr.tick(time.Now())
}

// darkProbe asks the OS, where it can tell, whether a wake the clock gap
// found is a dark one: the gap says the machine runs again, not that its
// user is back. Nil when the OS cannot tell.
func darkProbe() *bool {
	if dark, known := darkWakeNow(); known {
		return &dark
	}
	return nil
}

// slept reads the clock gap and returns the suspension it shows, if any.
func (h *hub) slept() time.Duration {
	total, err := h.opts.suspended()
	if err != nil {
		h.log.Warn("power: reading the clock gap", "err", err)
		return 0
	}
	return h.gap.observe(total)
}

func (h *hub) send(ctx context.Context, out chan<- Event, ev Event) bool {
	h.log.Info("power: state", "asleep", ev.State.Asleep, "lid_closed", ev.State.LidClosed,
		"slept", ev.Slept, "source", ev.Source)
	select {
	case out <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}
