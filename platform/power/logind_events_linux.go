package power

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"
)

// handle acts on one signal from logind.
func (w *logindWatcher) handle(ctx context.Context, obj dbus.BusObject, sig *dbus.Signal) {
	if sig.Path != login1Path {
		return
	}
	switch sig.Name {
	case managerIface + ".PrepareForSleep":
		if len(sig.Body) == 1 {
			if start, ok := sig.Body[0].(bool); ok {
				w.prepareForSleep(ctx, obj, start)
			}
		}
	case propsIface + ".PropertiesChanged":
		w.propertiesChanged(ctx, obj, sig.Body)
	}
}

// prepareForSleep reports the suspend (or the resume). Going down, it
// holds logind's delay inhibitor until the consumer has taken the Asleep
// event, so "asleep" is recorded before the machine stops.
func (w *logindWatcher) prepareForSleep(ctx context.Context, obj dbus.BusObject, start bool) {
	if !start {
		w.inhibit(ctx, obj) // ready for the next suspend
		u := update{source: "logind", suspending: &start}
		if lid, err := w.getBool(ctx, obj, "LidClosed"); err == nil {
			u.lid = &lid
		}
		w.send(ctx, u)
		return
	}
	ack := make(chan struct{})
	w.send(ctx, update{source: "logind", suspending: &start, ack: ack})
	select {
	case <-ack:
	case <-time.After(ackTimeout):
		w.log.Warn("power: the asleep event was not taken in time; letting the suspend go on", "waited", ackTimeout)
	case <-ctx.Done():
	}
	w.release()
}

// propertiesChanged handles org.freedesktop.DBus.Properties.PropertiesChanged
// (interface, changed, invalidated) for the Manager.
func (w *logindWatcher) propertiesChanged(ctx context.Context, obj dbus.BusObject, body []any) {
	if len(body) != 3 {
		return
	}
	changed, _ := body[1].(map[string]dbus.Variant)
	invalidated, _ := body[2].([]string)
	if v, ok := changed["LidClosed"]; ok {
		if lid, ok := v.Value().(bool); ok {
			w.send(ctx, update{source: "logind", lid: &lid})
		}
	} else if slices.Contains(invalidated, "LidClosed") {
		w.poll(ctx, obj)
	}
}

// poll reads the lid, which logind does not always announce, and checks
// that the inhibitor still works (logind may have restarted).
func (w *logindWatcher) poll(ctx context.Context, obj dbus.BusObject) {
	if lid, err := w.getBool(ctx, obj, "LidClosed"); err == nil {
		w.send(ctx, update{source: "lid", lid: &lid})
	} else {
		w.log.Debug("power: reading LidClosed", "err", err)
	}
	if w.inhibitor != nil && readerGone(w.inhibitor) {
		w.log.Info("power: logind dropped our sleep inhibitor; taking a new one")
		w.release()
		w.inhibit(ctx, obj)
	}
}

func (w *logindWatcher) getBool(ctx context.Context, obj dbus.BusObject, prop string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	var v dbus.Variant
	if err := obj.CallWithContext(ctx, propsIface+".Get", 0, managerIface, prop).Store(&v); err != nil {
		return false, fmt.Errorf("get %s: %w", prop, err)
	}
	b, ok := v.Value().(bool)
	if !ok {
		return false, fmt.Errorf("get %s: not a boolean but %s", prop, v.Signature())
	}
	return b, nil
}

// inhibit takes a delay inhibitor for sleep unless one is held. Without
// one the agent still learns of the suspend, but maybe too late to record
// it before the machine stops.
func (w *logindWatcher) inhibit(ctx context.Context, obj dbus.BusObject) {
	if w.inhibitor != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	var fd dbus.UnixFD
	err := obj.CallWithContext(ctx, managerIface+".Inhibit", 0,
		"sleep", "WalkMe Session Agent", "record sleep before suspend", "delay").Store(&fd)
	if err != nil {
		w.log.Warn("power: no sleep inhibitor; asleep may be recorded only after the wake", "err", err)
		return
	}
	// A child process must not inherit it and hold up every suspend.
	unix.CloseOnExec(int(fd))
	w.inhibitor = os.NewFile(uintptr(fd), "logind-inhibitor")
}

// release lets logind go on with the suspend.
func (w *logindWatcher) release() {
	if w.inhibitor != nil {
		w.inhibitor.Close()
		w.inhibitor = nil
	}
}

// readerGone reports whether the far end of the inhibitor's pipe has
// closed: logind exited and took the inhibitor with it.
func readerGone(f *os.File) bool {
	fds := []unix.PollFd{{Fd: int32(f.Fd()), Events: 0}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n > 0 && fds[0].Revents&(unix.POLLERR|unix.POLLHUP) != 0
}
