package agentrun

import (
	"context"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/walkme/session-agent/agent"
	"github.com/walkme/session-agent/agent/config"
	"github.com/walkme/session-agent/platform/network"
	"github.com/walkme/session-agent/platform/power"
	"github.com/walkme/session-agent/platform/presence"
)

// watchPresence scans for WalkMe processes and reports the names on change.
// It follows the live configuration's process names and poll interval.
func watchPresence(ctx context.Context, live *atomic.Pointer[config.Config], log *slog.Logger) <-chan []string {
	out := make(chan []string)
	go func() {
		defer close(out)
		var sc *presence.Scanner
		var scanning []string
		var last []string
		first := true
		for {
			cfg := live.Load()
			if sc == nil || !slices.Equal(scanning, cfg.PresenceProcesses) {
				scanning = cfg.PresenceProcesses
				sc = presence.NewScanner(scanning)
			}
			names, err := sc.Scan()
			if err != nil {
				log.Warn("presence scan", "err", err)
			} else if first || !slices.Equal(names, last) {
				first, last = false, names
				select {
				case out <- names:
				case <-ctx.Done():
					return
				}
			}
			select {
			case <-time.After(cfg.PresencePollInterval):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// watchNetwork reports whether the server is reachable, on change.
func watchNetwork(ctx context.Context, server string) <-chan bool {
	if server == "" {
		return nil // never ready: no server, nothing to reach
	}
	// The OS change feed (rtnetlink, the route socket, NotifyIpInterfaceChange)
	// reports changes at once; the poll only backs it up.
	return convert(ctx, network.Watch(ctx, server, 30*time.Second), func(st network.Status) bool { return st.Up })
}

// watchPower reports sleep, wake and lid changes from platform/power.
func watchPower(ctx context.Context, log *slog.Logger) <-chan agent.PowerState {
	// Sleep events come from the OS (logind, Win32, IOKit) and give the
	// moment; the clock-gap check only backs them up. Every wakeup of an idle
	// agent costs CPU (docs/performance.md), so it polls every 10 s: a missed
	// wake is still noticed long before any session deadline.
	in, err := power.Watch(ctx, power.Options{Logger: log, GapPoll: 10 * time.Second})
	if err != nil {
		log.Warn("power events unavailable; sleep is detected from the clocks only on the next check", "err", err)
		return nil
	}
	return convert(ctx, in, func(ev power.Event) agent.PowerState {
		return agent.PowerState{Asleep: ev.State.Asleep, LidClosed: ev.State.LidClosed, Slept: ev.Slept}
	})
}

// convert relays a platform package's events to the agent in the agent's
// types, until in closes or ctx ends.
func convert[T, U any](ctx context.Context, in <-chan T, f func(T) U) <-chan U {
	out := make(chan U)
	go func() {
		defer close(out)
		for v := range in {
			select {
			case out <- f(v):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
