package power

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/godbus/dbus/v5"
)

const (
	login1Name   = "org.freedesktop.login1"
	login1Path   = dbus.ObjectPath("/org/freedesktop/login1")
	managerIface = "org.freedesktop.login1.Manager"
	propsIface   = "org.freedesktop.DBus.Properties"
	// defaultSystemBus is where the system bus listens when
	// DBUS_SYSTEM_BUS_ADDRESS does not say otherwise.
	defaultSystemBus = "unix:path=/run/dbus/system_bus_socket"
	// callTimeout bounds every D-Bus call: a bus that never answers must
	// not stall the watcher.
	callTimeout = 5 * time.Second
	// retryEvery is how often a missing or lost logind is looked for again.
	retryEvery = time.Minute
)

// runOS watches logind until ctx ends. Without a system bus or logind it
// says so once and leaves sleep detection to the clock gap, looking for
// logind again now and then.
func runOS(ctx context.Context, opts Options, updates chan<- update) {
	w := &logindWatcher{opts: opts, log: opts.Logger, updates: updates}
	defer w.release()
	for {
		err := w.session(ctx)
		if ctx.Err() != nil {
			return
		}
		if !w.sentInitial {
			w.log.Warn("power: no logind, so sleep is detected by the clock gap only and the lid is not watched", "err", err)
			w.send(ctx, update{source: "logind", initial: true})
			w.sentInitial = true
		} else if !w.warned {
			w.log.Warn("power: lost logind; retrying", "err", err, "every", retryEvery)
		} else {
			w.log.Debug("power: logind still unavailable", "err", err)
		}
		w.warned = true
		select {
		case <-ctx.Done():
			return
		case <-time.After(retryEvery):
		}
	}
}

// darkWakeNow: Linux has no dark wake of its own; a closed lid, which the
// agent treats like sleep, is what runs with the network up.
func darkWakeNow() (dark, known bool) { return false, false }

// systemBusAddress honours DBUS_SYSTEM_BUS_ADDRESS, as the D-Bus spec says.
func systemBusAddress() string {
	if a := os.Getenv("DBUS_SYSTEM_BUS_ADDRESS"); a != "" {
		return a
	}
	return defaultSystemBus
}

type logindWatcher struct {
	opts        Options
	log         *slog.Logger
	updates     chan<- update
	sentInitial bool
	warned      bool
	inhibitor   *os.File // our end of logind's delay inhibitor, nil when not held
}

// session runs one connection to logind, on a private connection so that
// nothing else in the process shares (or closes) it.
func (w *logindWatcher) session(ctx context.Context) error {
	conn, err := dbus.Connect(systemBusAddress(), dbus.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("system bus %s: %w", systemBusAddress(), err)
	}
	defer conn.Close()
	defer w.release() // an inhibitor from a dead connection is worthless
	if err := addMatches(conn); err != nil {
		return err
	}
	sigs := make(chan *dbus.Signal, 16)
	conn.Signal(sigs)
	obj := conn.Object(login1Name, login1Path)
	lid, err := w.getBool(ctx, obj, "LidClosed")
	if err != nil {
		return fmt.Errorf("logind: %w", err)
	}
	preparing, _ := w.getBool(ctx, obj, "PreparingForSleep")
	if !preparing {
		// Mid-suspend, an inhibitor taken now would only hold the suspend
		// up: the PrepareForSleep(true) that releases it was before our time.
		w.inhibit(ctx, obj)
	}
	w.send(ctx, update{source: "logind", initial: !w.sentInitial, lid: &lid, suspending: &preparing})
	w.sentInitial, w.warned = true, false
	w.log.Info("power: watching logind", "bus", systemBusAddress(), "lid_closed", lid, "inhibitor", w.inhibitor != nil)

	poll := time.NewTicker(w.opts.LidPoll)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-conn.Context().Done():
			return errors.New("system bus connection closed")
		case sig, ok := <-sigs:
			if !ok {
				return errors.New("system bus connection closed")
			}
			w.handle(ctx, obj, sig)
		case <-poll.C:
			w.poll(ctx, obj)
		}
	}
}

func addMatches(conn *dbus.Conn) error {
	if err := conn.AddMatchSignal(dbus.WithMatchSender(login1Name), dbus.WithMatchObjectPath(login1Path),
		dbus.WithMatchInterface(managerIface), dbus.WithMatchMember("PrepareForSleep")); err != nil {
		return fmt.Errorf("subscribe to PrepareForSleep: %w", err)
	}
	if err := conn.AddMatchSignal(dbus.WithMatchSender(login1Name), dbus.WithMatchObjectPath(login1Path),
		dbus.WithMatchInterface(propsIface), dbus.WithMatchMember("PropertiesChanged"),
		dbus.WithMatchArg(0, managerIface)); err != nil {
		return fmt.Errorf("subscribe to PropertiesChanged: %w", err)
	}
	return nil
}

func (w *logindWatcher) send(ctx context.Context, u update) {
	select {
	case w.updates <- u:
	case <-ctx.Done():
	}
}
