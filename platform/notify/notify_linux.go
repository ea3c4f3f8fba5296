package notify

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"
)

// The freedesktop notification service (Desktop Notifications Specification 1.2).
const (
	busName = "org.freedesktop.Notifications"
	objPath = "/org/freedesktop/Notifications"
	method  = busName + ".Notify"
)

// send uses its own private bus connection, closed afterwards: the shared
// dbus.SessionBus() connection belongs to fyne.io/systray in the tray process,
// and any foreign traffic on it stops the tray from re-registering
// (docs/design.md §3.2). A notification every few hours does not need a
// cached connection.
func send(ctx context.Context, n Notification) error {
	conn, err := dbus.SessionBusPrivate(dbus.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("notify: session bus: %w", err)
	}
	defer conn.Close()
	if err := conn.Auth(nil); err != nil {
		return fmt.Errorf("notify: session bus auth: %w", err)
	}
	if err := conn.Hello(); err != nil {
		return fmt.Errorf("notify: session bus hello: %w", err)
	}
	hints := map[string]dbus.Variant{"urgency": dbus.MakeVariant(byte(n.Urgency))}
	call := conn.Object(busName, objPath).CallWithContext(ctx, method, 0,
		AppName, uint32(0), "", n.Title, n.Body, []string{}, hints, int32(-1))
	if call.Err != nil {
		return fmt.Errorf("notify: %w", call.Err)
	}
	return nil
}
