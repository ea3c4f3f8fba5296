package power

import "time"

// powerBroadcast handles WM_POWERBROADCAST.
func (w *win32Watcher) powerBroadcast(event, lParam uintptr) {
	switch event {
	case pbtAPMSuspend:
		w.suspend()
	case pbtAPMResumeAutomatic:
		// Every resume starts here; PBT_APMRESUMESUSPEND follows only
		// when the user woke the machine. Until then, with the display
		// off, it is a dark wake.
		w.unattended = true
		w.resumed()
	case pbtAPMResumeSuspend:
		w.unattended = false
		w.resumed()
	case pbtPowerSettingChange:
		if lParam != 0 {
			w.setting(settingAt(lParam))
		}
	}
}

// suspend reports the suspend and, while Windows waits for this message
// to be handled, waits for the consumer to take the Asleep event, so that
// "asleep" is recorded before the machine stops.
func (w *win32Watcher) suspend() {
	yes := true
	ack := make(chan struct{})
	w.send(update{source: "win32", suspending: &yes, ack: ack})
	select {
	case <-ack:
	case <-time.After(suspendAckTimeout):
		w.log.Warn("power: the asleep event was not taken in time; letting the suspend go on", "waited", suspendAckTimeout)
	case <-w.ctx.Done():
	}
}

func (w *win32Watcher) resumed() {
	no, dark := false, w.dark()
	w.send(update{source: "win32", suspending: &no, dark: &dark})
}

func (w *win32Watcher) setting(s *powerBroadcastSetting) {
	if s.dataLength < 4 {
		return
	}
	switch s.powerSetting {
	case guidLidSwitch:
		closed := s.data == 0
		w.send(update{source: "win32", lid: &closed})
	case guidConsoleDisplay:
		w.displayOff = s.data == 0 // 2 (dimmed) is still on
		if !w.displayOff {
			w.unattended = false // someone is looking at the screen
		}
		dark := w.dark()
		w.send(update{source: "win32", dark: &dark})
	}
}

// dark: with the display off, a Modern Standby machine is in standby, and
// any machine resumed without its user is in a dark wake (R12). A classic
// machine whose display merely timed out is awake: its user may be away
// with a WalkMe product open, which still counts (R5).
func (w *win32Watcher) dark() bool {
	return w.displayOff && (w.aoac || w.unattended)
}
