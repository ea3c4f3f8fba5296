//go:build darwin && cgo

package power

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestIOKitStarts(t *testing.T) {
	first, _, logs := watch(t, Options{})
	if !strings.Contains(logs.String(), "watching IOKit") {
		t.Fatalf("IOKit registration failed:\n%s", logs)
	}
	if first.State.Asleep {
		t.Fatalf("first event %+v: a Mac running this test is not asleep", first)
	}
	closed, lidKnown := clamshellClosed()
	dark, capsKnown := darkWakeNow()
	if !capsKnown {
		t.Error("IOPMConnectionGetSystemCapabilities is unavailable: dark wakes go unseen")
	}
	if dark {
		t.Error("darkWakeNow says dark wake while a test runs with the display on")
	}
	t.Logf("clamshell known=%v closed=%v; capabilities known=%v; log:\n%s", lidKnown, closed, capsKnown, logs)
}

// TestIOKitRealSleep really sleeps the Mac for about 30 seconds. It runs
// only when asked (WALKME_POWER_SLEEP_TEST=1, as root): see MAC_CHECKLIST.md.
func TestIOKitRealSleep(t *testing.T) {
	if os.Getenv("WALKME_POWER_SLEEP_TEST") != "1" || os.Geteuid() != 0 {
		t.Skip("set WALKME_POWER_SLEEP_TEST=1 and run as root to sleep this Mac for real")
	}
	_, events, logs := watch(t, Options{})
	if out, err := exec.Command("pmset", "relative", "wake", "30").CombinedOutput(); err != nil {
		t.Fatalf("pmset relative wake 30: %v: %s", err, out)
	}
	if out, err := exec.Command("pmset", "sleepnow").CombinedOutput(); err != nil {
		t.Fatalf("pmset sleepnow: %v: %s", err, out)
	}
	if ev := nextWithin(t, events, time.Minute); !ev.State.Asleep || ev.Source != "iokit" {
		t.Fatalf("first event after sleepnow: %+v, want asleep from iokit", ev)
	}
	var woke Event
	for woke.Slept == 0 {
		woke = nextWithin(t, events, 2*time.Minute)
	}
	if woke.Slept < 10*time.Second {
		t.Fatalf("wake event %+v: slept %v, want about 30s", woke, woke.Slept)
	}
	// A scheduled wake with the lid open may be a dark wake or a full one;
	// report which, for the checklist.
	t.Logf("wake event %+v; log:\n%s", woke, logs)
}

func nextWithin(t *testing.T, events <-chan Event, d time.Duration) Event {
	t.Helper()
	select {
	case ev := <-events:
		return ev
	case <-time.After(d):
		t.Fatalf("no event in %v", d)
	}
	return Event{}
}
