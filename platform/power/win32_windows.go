package power

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// windowTitle names the watcher's message-only window (tests find it by it).
const windowTitle = "WalkMe Session Agent power"

// suspendAckTimeout: Windows waits about two seconds for a window to
// return from PBT_APMSUSPEND; the watcher waits for the consumer to take
// the Asleep event a little less than that.
const suspendAckTimeout = 1500 * time.Millisecond

// runOS watches power broadcasts through a message-only window, on a
// thread of its own as every window needs.
func runOS(ctx context.Context, opts Options, updates chan<- update) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	w := &win32Watcher{ctx: ctx, log: opts.Logger, updates: updates, aoac: modernStandby()}
	if err := w.run(); err != nil {
		w.log.Warn("power: no Windows power notifications, so sleep is detected by the clock gap only", "err", err)
		if !w.sentInitial {
			w.send(update{source: "win32", initial: true})
		}
	}
}

// darkWakeNow: on Windows the display state, which arrives as a
// notification, tells a dark wake; there is nothing to ask synchronously.
func darkWakeNow() (dark, known bool) { return false, false }

type win32Watcher struct {
	ctx         context.Context
	log         *slog.Logger
	updates     chan<- update
	sentInitial bool
	hwnd        uintptr

	aoac       bool // Modern Standby
	displayOff bool
	unattended bool // resumed by a timer or the network, not (yet) by the user
}

func (w *win32Watcher) run() error {
	className, _ := windows.UTF16PtrFromString(fmt.Sprintf("WalkMeSessionAgentPower%p", w))
	title, _ := windows.UTF16PtrFromString(windowTitle)
	var instance windows.Handle
	if err := windows.GetModuleHandleEx(0, nil, &instance); err != nil {
		return fmt.Errorf("GetModuleHandleEx: %w", err)
	}
	// NewCallback slots are never freed; the agent makes one watcher.
	wc := wndClassEx{wndProc: windows.NewCallback(w.wndProc), instance: instance, className: className}
	wc.size = uint32(unsafe.Sizeof(wc))
	if r, _, err := procRegisterClassExW.Call(uintptr(unsafe.Pointer(&wc))); r == 0 {
		return fmt.Errorf("RegisterClassExW: %w", err)
	}
	defer procUnregisterClassW.Call(uintptr(unsafe.Pointer(className)), uintptr(instance))
	hwnd, _, err := procCreateWindowExW.Call(0, uintptr(unsafe.Pointer(className)), uintptr(unsafe.Pointer(title)),
		0, 0, 0, 0, 0, hwndMessage, 0, uintptr(instance), 0)
	if hwnd == 0 {
		return fmt.Errorf("CreateWindowExW: %w", err)
	}
	w.hwnd = hwnd
	defer w.unregister(w.register())
	w.log.Info("power: watching Windows power broadcasts", "modern_standby", w.aoac)
	w.send(update{source: "win32", initial: true})
	w.sentInitial = true
	stop := context.AfterFunc(w.ctx, func() { procPostMessageW.Call(hwnd, wmClose, 0, 0) })
	defer stop()
	return w.loop()
}

// register asks for suspend/resume (a message-only window gets no
// broadcasts, so they must be asked for) and for the lid and display
// power settings. It returns what to unregister.
func (w *win32Watcher) register() (settings []uintptr, suspend uintptr) {
	for _, g := range []*windows.GUID{&guidLidSwitch, &guidConsoleDisplay} {
		h, _, err := procRegisterPowerSettingNotification.Call(w.hwnd, uintptr(unsafe.Pointer(g)), deviceNotifyWindowHndl)
		if h == 0 {
			w.log.Warn("power: RegisterPowerSettingNotification", "setting", g.String(), "err", err)
			continue
		}
		settings = append(settings, h)
	}
	if procRegisterSuspendResumeNotification.Find() == nil {
		suspend, _, _ = procRegisterSuspendResumeNotification.Call(w.hwnd, deviceNotifyWindowHndl)
	}
	if suspend == 0 {
		w.log.Warn("power: RegisterSuspendResumeNotification failed; suspends are seen by the clock gap only")
	}
	return settings, suspend
}

func (w *win32Watcher) unregister(settings []uintptr, suspend uintptr) {
	for _, h := range settings {
		procUnregisterPowerSettingNotification.Call(h)
	}
	if suspend != 0 {
		procUnregisterSuspendResumeNotification.Call(suspend)
	}
}

// loop pumps the thread's messages until WM_QUIT.
func (w *win32Watcher) loop() error {
	var m winMsg
	for {
		r, _, err := procGetMessageW.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0)
		switch int32(r) {
		case 0: // WM_QUIT
			return nil
		case -1:
			return fmt.Errorf("GetMessageW: %w", err)
		}
		procDispatchMessageW.Call(uintptr(unsafe.Pointer(&m)))
	}
}

func (w *win32Watcher) wndProc(hwnd, msg, wParam, lParam uintptr) uintptr {
	switch msg {
	case wmPowerBroadcast:
		w.powerBroadcast(wParam, lParam)
		return 1
	case wmClose:
		procDestroyWindow.Call(hwnd)
		return 0
	case wmDestroy:
		procPostQuitMessage.Call(0)
		return 0
	}
	r, _, _ := procDefWindowProcW.Call(hwnd, msg, wParam, lParam)
	return r
}

func (w *win32Watcher) send(u update) {
	select {
	case w.updates <- u:
	case <-w.ctx.Done():
	}
}
