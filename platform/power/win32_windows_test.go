package power

import (
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	procFindWindowExW = user32.NewProc("FindWindowExW")
	procSendMessageW  = user32.NewProc("SendMessageW")
)

func TestInterruptTimeSource(t *testing.T) {
	if procQueryInterruptTime.Find() != nil {
		t.Log("QueryInterruptTime missing (old Windows or Wine): SuspendedTotal uses GetTickCount64")
	}
	if _, err := interruptTime(); err != nil {
		t.Fatalf("interruptTime: %v", err)
	}
}

// watcherWindow finds the watcher's message-only window.
func watcherWindow(t *testing.T) uintptr {
	t.Helper()
	title, _ := windows.UTF16PtrFromString(windowTitle)
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if h, _, _ := procFindWindowExW.Call(hwndMessage, 0, 0, uintptr(unsafe.Pointer(title))); h != 0 {
			return h
		}
	}
	t.Fatalf("no message-only window %q", windowTitle)
	return 0
}

// broadcast delivers a WM_POWERBROADCAST to the watcher's window the way
// Windows does: SendMessage, which returns when the window has handled it.
// It runs on its own goroutine because handling PBT_APMSUSPEND waits for
// the test to take the event.
func broadcast(hwnd, event uintptr, setting *powerBroadcastSetting) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		procSendMessageW.Call(hwnd, wmPowerBroadcast, event, uintptr(unsafe.Pointer(setting)))
	}()
	return done
}

func TestWin32PowerBroadcasts(t *testing.T) {
	first, events, logs := watch(t, Options{Debounce: 10 * time.Millisecond})
	if first.State != (State{}) {
		t.Fatalf("first event %+v, want awake, lid open", first)
	}
	if !strings.Contains(logs.String(), "watching Windows power broadcasts") {
		t.Fatalf("the watcher did not start:\n%s", logs)
	}
	hwnd := watcherWindow(t)

	done := broadcast(hwnd, pbtAPMSuspend, nil)
	if ev := next(t, events); !ev.State.Asleep || ev.Source != "win32" {
		t.Fatalf("after PBT_APMSUSPEND: %+v, want asleep from win32", ev)
	}
	<-done // the window returned only after the event was taken

	broadcast(hwnd, pbtAPMResumeAutomatic, nil)
	if ev := next(t, events); ev.State.Asleep {
		t.Fatalf("after PBT_APMRESUMEAUTOMATIC with the display on: %+v, want awake", ev)
	}

	<-broadcast(hwnd, pbtPowerSettingChange, &powerBroadcastSetting{powerSetting: guidLidSwitch, dataLength: 4, data: 0})
	if ev := next(t, events); !ev.State.LidClosed {
		t.Fatalf("after the lid switch reported closed: %+v, want lid closed", ev)
	}
	<-broadcast(hwnd, pbtPowerSettingChange, &powerBroadcastSetting{powerSetting: guidLidSwitch, dataLength: 4, data: 1})
	if ev := next(t, events); ev.State.LidClosed {
		t.Fatalf("after the lid switch reported open: %+v, want lid open", ev)
	}
	t.Logf("watcher log:\n%s", logs)
}

func TestWin32DarkWake(t *testing.T) {
	_, events, _ := watch(t, Options{Debounce: 10 * time.Millisecond})
	hwnd := watcherWindow(t)
	display := func(v uint32) *powerBroadcastSetting {
		return &powerBroadcastSetting{powerSetting: guidConsoleDisplay, dataLength: 4, data: v}
	}
	// A resume nobody asked for (a wake timer), display still off: dark.
	<-broadcast(hwnd, pbtAPMResumeAutomatic, nil)
	<-broadcast(hwnd, pbtPowerSettingChange, display(0))
	if ev := next(t, events); !ev.State.Asleep {
		t.Fatalf("display off after an unattended resume: %+v, want asleep (dark wake)", ev)
	}
	// The user comes back: the display turns on.
	<-broadcast(hwnd, pbtPowerSettingChange, display(1))
	if ev := next(t, events); ev.State.Asleep {
		t.Fatalf("display on: %+v, want awake", ev)
	}
}
