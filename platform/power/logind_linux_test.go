package power

import (
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/platform/power/fakelogind"
)

// fakeLogind starts a private bus with a fake logind on it and points the
// system bus address at it.
func fakeLogind(t *testing.T) *fakelogind.Logind {
	t.Helper()
	addr := testenv.SessionBus(t)
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", addr)
	return fakelogind.Start(t, addr)
}

func TestLogindSleepAndWake(t *testing.T) {
	logind := fakeLogind(t)
	first, events, _ := watch(t, Options{})
	if first.State != (State{}) || first.Source != "start" {
		t.Fatalf("first event %+v, want awake, lid open, from start", first)
	}
	if logind.InhibitorsHeld() != 1 {
		t.Fatalf("inhibitors held after start = %d, want 1", logind.InhibitorsHeld())
	}

	got := make(chan Event, 1)
	go func() { got <- next(t, events) }()
	slept := time.Now()
	if !logind.Sleep() { // returns once the inhibitor is released
		t.Fatalf("the watcher did not release its inhibitor within %v", fakelogind.MaxDelay)
	}
	t.Logf("PrepareForSleep(true) to the inhibitor's release: %v", time.Since(slept))
	if ev := <-got; !ev.State.Asleep || ev.Source != "logind" {
		t.Fatalf("after PrepareForSleep(true): %+v, want asleep from logind", ev)
	}
	if n := logind.InhibitorsHeld(); n != 0 {
		t.Fatalf("inhibitors held while asleep = %d, want 0", n)
	}

	woke := time.Now()
	logind.Wake()
	if ev := next(t, events); ev.State.Asleep || ev.Source != "logind" {
		t.Fatalf("after PrepareForSleep(false): %+v, want awake from logind", ev)
	}
	t.Logf("PrepareForSleep(false) to the awake event: %v", time.Since(woke))
	if !logind.WaitInhibitors(1, wait) {
		t.Fatalf("the watcher did not take a new inhibitor after the wake (held %d)", logind.InhibitorsHeld())
	}
	if n := logind.InhibitorsTaken(); n != 2 {
		t.Fatalf("inhibitors taken = %d, want 2 (one per wake cycle)", n)
	}
}

func TestLogindLidWithPropertiesChanged(t *testing.T) {
	logind := fakeLogind(t)
	_, events, _ := watch(t, Options{LidPoll: time.Hour, Debounce: 10 * time.Millisecond})
	logind.SetLid(true)
	if ev := next(t, events); !ev.State.LidClosed || ev.State.Asleep || ev.Source != "logind" {
		t.Fatalf("after the lid closed: %+v, want lid closed from logind's signal", ev)
	}
	logind.SetLid(false)
	if ev := next(t, events); ev.State.LidClosed {
		t.Fatalf("after the lid opened: %+v, want lid open", ev)
	}
}

func TestLogindLidWithoutSignalIsPolled(t *testing.T) {
	logind := fakeLogind(t)
	_, events, _ := watch(t, Options{LidPoll: 50 * time.Millisecond, Debounce: 10 * time.Millisecond})
	logind.SetLidSilently(true)
	if ev := next(t, events); !ev.State.LidClosed || ev.Source != "lid" {
		t.Fatalf("after a silent lid close: %+v, want lid closed found by polling", ev)
	}
}

func TestLogindInitialState(t *testing.T) {
	logind := fakeLogind(t)
	logind.SetLidSilently(true)
	first, _, _ := watch(t, Options{})
	if !first.State.LidClosed || first.State.Asleep {
		t.Fatalf("first event %+v, want the lid closed as logind says", first)
	}
}

func TestNoLogindFallsBackToClockGap(t *testing.T) {
	addr := testenv.SessionBus(t) // a bus, but nobody owns org.freedesktop.login1
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", addr)
	first, events, logs := watch(t, Options{})
	if first.State != (State{}) {
		t.Fatalf("first event %+v, want awake", first)
	}
	if !strings.Contains(logs.String(), "clock gap only") {
		t.Fatalf("the log does not say why only the clock gap runs:\n%s", logs)
	}
	select {
	case ev, ok := <-events:
		t.Fatalf("unexpected event %+v (open %v)", ev, ok)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestNoSystemBusFallsBackToClockGap(t *testing.T) {
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path="+t.TempDir()+"/no-bus")
	first, _, logs := watch(t, Options{})
	if first.State != (State{}) {
		t.Fatalf("first event %+v, want awake", first)
	}
	if !strings.Contains(logs.String(), "clock gap only") || !strings.Contains(logs.String(), "no-bus") {
		t.Fatalf("the log does not say why only the clock gap runs:\n%s", logs)
	}
}

func TestLogindWakeCarriesTheClockGap(t *testing.T) {
	logind := fakeLogind(t)
	clock := &fakeSuspended{}
	// GapPoll is long, so only the wake itself can have read the gap.
	_, events, _ := watch(t, Options{GapPoll: time.Hour, suspended: clock.read})
	go logind.Sleep()
	if ev := next(t, events); !ev.State.Asleep {
		t.Fatalf("after PrepareForSleep(true): %+v, want asleep", ev)
	}
	clock.sleep(2 * time.Hour)
	logind.Wake()
	if ev := next(t, events); ev.State.Asleep || ev.Slept != 2*time.Hour || ev.Source != "logind" {
		t.Fatalf("after PrepareForSleep(false): %+v, want awake from logind having slept 2h", ev)
	}
}

func TestNoLogindClockGapReportsTheSleep(t *testing.T) {
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path="+t.TempDir()+"/no-bus")
	clock := &fakeSuspended{}
	_, events, _ := watch(t, Options{GapPoll: 10 * time.Millisecond, suspended: clock.read})
	clock.sleep(45 * time.Minute)
	if ev := next(t, events); ev.State.Asleep || ev.Slept != 45*time.Minute || ev.Source != "clock-gap" {
		t.Fatalf("after a 45m suspend: %+v, want awake having slept 45m, from the clock gap", ev)
	}
}

func TestLogindMidSuspendAtStartTakesNoInhibitor(t *testing.T) {
	logind := fakeLogind(t)
	logind.Sleep() // nobody holds an inhibitor: returns at once, PreparingForSleep stays true
	first, events, _ := watch(t, Options{})
	if !first.State.Asleep {
		t.Fatalf("first event %+v while logind is preparing for sleep, want asleep", first)
	}
	if n := logind.InhibitorsHeld(); n != 0 {
		t.Fatalf("inhibitors held mid-suspend = %d, want 0: it would only hold the suspend up", n)
	}
	logind.Wake()
	if ev := next(t, events); ev.State.Asleep {
		t.Fatalf("after the wake: %+v, want awake", ev)
	}
	if !logind.WaitInhibitors(1, wait) {
		t.Fatal("no inhibitor taken after the wake")
	}
}
