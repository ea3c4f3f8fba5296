// Package notify shows desktop notifications: org.freedesktop.Notifications
// on Linux (over a private session-bus connection), a toast on Windows and a
// user notification on macOS. It sends and forgets: no actions, no replies.
package notify

import "context"

// Urgency is how insistent a notification is. Desktops may keep Critical
// ones on screen until dismissed.
type Urgency int

// Urgencies, with the values of the freedesktop specification.
const (
	Low      Urgency = 0
	Normal   Urgency = 1
	Critical Urgency = 2
)

// Notification is one desktop notification.
type Notification struct {
	Title   string
	Body    string
	Urgency Urgency
}

// AppName is the application the notifications come from.
const AppName = "WalkMe"

// Send shows n. It returns when the desktop has accepted it (or ctx ends).
func Send(ctx context.Context, n Notification) error {
	return send(ctx, n)
}
