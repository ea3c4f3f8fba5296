// Package tray is `walkme-agent tray`: the tray icon and menu, a client of
// the agent's local API. It follows the agent's status over server-sent
// events (never polls), draws the menu from ui/menu's pure model, and sends
// desktop notifications when the session ends by itself or is about to.
// The fyne.io/systray binding (systray.go) is thin; the logic is in
// controller.go.
package tray

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/platform/ipc"
	"github.com/walkme/session-agent/platform/notify"
	"github.com/walkme/session-agent/ui/menu"
)

// Options configure the tray.
type Options struct {
	// Client reaches the agent. Default: a client dialling Socket.
	Client *localapi.Client
	// Socket is the agent's socket (named pipe on Windows). The tray's
	// one-per-session lock lives next to it. Default: ipc.DefaultPath().
	Socket string
	// AdminCenterURL is used when the agent's status carries none.
	AdminCenterURL string
	Logger         *slog.Logger
	// NotifyLead is how long before an idle session lapses the tray warns.
	// Zero means 2 minutes; negative turns the warning off.
	NotifyLead time.Duration

	// Notify shows a desktop notification. Default: notify.Send.
	Notify func(context.Context, notify.Notification) error
	// OpenURL opens a web page in the user's browser. Default: the OS's
	// way ($BROWSER or xdg-open, open, rundll32 url.dll).
	OpenURL func(context.Context, string) error
	// Now and Location are the clock and time zone (tests inject them).
	Now      func() time.Time
	Location *time.Location
}

// ErrAlreadyRunning is returned by Run when this user session already has a tray.
var ErrAlreadyRunning = errors.New("a WalkMe tray is already running in this session")

func (o Options) withDefaults() Options {
	if o.Socket == "" {
		o.Socket = ipc.DefaultPath()
	}
	if o.Client == nil {
		socket := o.Socket
		o.Client = localapi.NewClient(func(ctx context.Context) (net.Conn, error) { return ipc.Dial(ctx, socket) })
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.NotifyLead == 0 {
		o.NotifyLead = menu.DefaultLead
	}
	if o.Notify == nil {
		o.Notify = notify.Send
	}
	if o.OpenURL == nil {
		o.OpenURL = openURL
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	return o
}
