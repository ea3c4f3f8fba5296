// Package trayhost tells whether the desktop can show a tray icon at all, for
// `walkme-agent doctor` and for the tray's own log. fyne.io/systray carries on
// silently when nothing hosts its icon (vanilla GNOME has no tray host without
// the AppIndicator extension); this is how the user finds out.
package trayhost

import "context"

// Available reports whether a tray host runs in this session, and says
// what was found or what is missing, in a sentence for the user.
func Available(ctx context.Context) (bool, string) {
	return available(ctx)
}
