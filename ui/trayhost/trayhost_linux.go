package trayhost

import (
	"context"
	"fmt"
	"os"

	"github.com/godbus/dbus/v5"
)

// The StatusNotifierItem protocol: tray hosts (KDE Plasma, Xfce, the GNOME
// AppIndicator extension, waybar, ...) run a watcher that items register with.
const (
	WatcherName = "org.kde.StatusNotifierWatcher"
	WatcherPath = "/StatusNotifierWatcher"
)

func available(ctx context.Context) (bool, string) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" && os.Getenv("XDG_RUNTIME_DIR") == "" {
		return false, "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset): the tray needs a desktop session"
	}
	conn, err := privateSessionBus(ctx)
	if err != nil {
		return false, fmt.Sprintf("cannot reach the D-Bus session bus: %v", err)
	}
	defer conn.Close()
	var has bool
	err = conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, WatcherName).Store(&has)
	if err != nil {
		return false, fmt.Sprintf("cannot ask the session bus for a tray host: %v", err)
	}
	if !has {
		return false, "no tray host: nothing owns " + WatcherName + " on the session bus " +
			"(on GNOME, install and enable the \"AppIndicator and KStatusNotifierItem Support\" extension)"
	}
	v, err := conn.Object(WatcherName, WatcherPath).GetProperty(WatcherName + ".IsStatusNotifierHostRegistered")
	if hostUp, ok := v.Value().(bool); err == nil && ok && !hostUp {
		return false, WatcherName + " runs but reports no StatusNotifierHost: no panel shows tray icons"
	}
	return true, "tray host found: " + WatcherName + " on the session bus"
}

// privateSessionBus connects on its own, never via dbus.SessionBus(): in
// the tray process that shared connection belongs to fyne.io/systray.
func privateSessionBus(ctx context.Context) (*dbus.Conn, error) {
	conn, err := dbus.SessionBusPrivate(dbus.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	if err := conn.Auth(nil); err != nil {
		conn.Close()
		return nil, err
	}
	if err := conn.Hello(); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}
