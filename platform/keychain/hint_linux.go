package keychain

import (
	"errors"
	"strings"

	"github.com/godbus/dbus/v5"
)

const osKeychainName = "Secret Service"

// hint says how to fix a Secret Service failure.
func hint(err error) string {
	var de dbus.Error
	switch {
	case errors.Is(err, errTimeout):
		return "the Secret Service is not answering: it may be locked and waiting for a password prompt " +
			"that nobody sees; unlock the keyring (log in to the desktop) or restart gnome-keyring-daemon"
	case errors.As(err, &de) && de.Name == "org.freedesktop.DBus.Error.ServiceUnknown",
		errors.As(err, &de) && de.Name == "org.freedesktop.DBus.Error.NameHasNoOwner":
		return "no Secret Service on the session bus: install and start gnome-keyring " +
			"(or KeePassXC's Secret Service)"
	case strings.Contains(err.Error(), "couldn't determine address of session bus"),
		strings.Contains(err.Error(), "dial unix"):
		return "no D-Bus session bus: run the agent in the user's login session " +
			"(the systemd user service does; set DBUS_SESSION_BUS_ADDRESS otherwise)"
	case strings.Contains(err.Error(), "failed to unlock"):
		return "the keyring is locked: unlock it (log in to the desktop, or `gnome-keyring-daemon --unlock`)"
	default:
		return "check that a Secret Service (gnome-keyring or KeePassXC) runs and its default keyring is unlocked"
	}
}
