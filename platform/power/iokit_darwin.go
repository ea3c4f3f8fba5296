//go:build darwin && cgo

package power

import (
	"context"
	"log/slog"
	"runtime/cgo"
	"time"
)

// iokitWatcher reports IOKit system power messages, the clamshell and
// dark wakes.
type iokitWatcher struct {
	ctx     context.Context
	log     *slog.Logger
	updates chan<- update
}

// runOS watches IOKit until ctx ends.
func runOS(ctx context.Context, opts Options, updates chan<- update) {
	w := &iokitWatcher{ctx: ctx, log: opts.Logger, updates: updates}
	h := cgo.NewHandle(w)
	defer h.Delete()
	p := powerStart(uintptr(h))
	if p == nil {
		w.log.Warn("power: IORegisterForSystemPower failed, so sleep is detected by the clock gap only")
		w.send(update{source: "iokit", initial: true})
		return
	}
	defer powerStop(p) // before h.Delete: no callback may outlive the handle

	u := w.readings()
	u.initial = true
	_, lidKnown := clamshellClosed()
	_, capsKnown := darkWakeNow()
	w.log.Info("power: watching IOKit", "clamshell", lidKnown, "capabilities", capsKnown)
	w.send(u)
	// The clamshell and the capabilities (dark wake to full wake) change
	// without a message to this API: poll them, as often as the clock gap
	// (both are cheap IPCs), so a full wake is seen within a second.
	poll := time.NewTicker(opts.GapPoll)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
			w.send(w.readings())
		}
	}
}

// readings returns the lid and dark-wake state as far as they are known.
func (w *iokitWatcher) readings() update {
	u := update{source: "iokit"}
	if closed, ok := clamshellClosed(); ok {
		u.lid = &closed
	}
	if dark, ok := darkWakeNow(); ok {
		u.dark = &dark
	}
	return u
}

// message handles one IOKit power message. For SystemWillSleep it returns
// once the consumer has taken the Asleep event (or ackTimeout has passed);
// only then does C allow the sleep.
func (w *iokitWatcher) message(msg uint32) {
	switch msg {
	case msgSystemWillSleep:
		yes := true
		ack := make(chan struct{})
		w.send(update{source: "iokit", suspending: &yes, ack: ack})
		select {
		case <-ack:
		case <-time.After(ackTimeout):
			w.log.Warn("power: the asleep event was not taken in time; letting the sleep go on", "waited", ackTimeout)
		case <-w.ctx.Done():
		}
	case msgSystemWillNotSleep, msgSystemWillPowerOn, msgSystemHasPoweredOn:
		// Awake again, but maybe only in a dark wake: ask.
		u := w.readings()
		no := false
		u.suspending = &no
		w.send(u)
	}
}

func (w *iokitWatcher) send(u update) {
	select {
	case w.updates <- u:
	case <-w.ctx.Done():
	}
}
