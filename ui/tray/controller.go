package tray

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/platform/ipc"
	"github.com/walkme/session-agent/platform/notify"
	"github.com/walkme/session-agent/ui/menu"
)

// view is the native tray: systray in production.
type view interface {
	// show puts m on screen. It is called from one goroutine at a time,
	// with models in the order they were built.
	show(m menu.Model)
	// quit ends the tray.
	quit()
}

// controller follows the agent and drives the view. It owns no OS handles,
// so it runs in tests against a real local API server and a recording view.
type controller struct {
	o    Options
	view view

	mu      sync.Mutex
	st      localapi.Status
	up      bool
	model   menu.Model
	built   uint64 // models built so far; each update's model has its number
	notices menu.Notices
	warn    *time.Timer // fires when the idle warning is due

	// showMu serialises drawing. update runs on the event stream's goroutine
	// and on the idle-warning timer's; drawing outside c.mu keeps D-Bus calls
	// from holding up readers, and shown keeps an older model from
	// replacing a newer one that was drawn first.
	showMu sync.Mutex
	shown  uint64 // the number of the model on screen
}

func newController(o Options, v view) *controller {
	c := &controller{o: o, view: v}
	c.notices.Lead = o.NotifyLead
	c.model = c.build()
	return c
}

// Reconnect backoff: quick at first (the agent restarts in well under a
// second), capped so a stopped agent costs next to nothing.
const (
	backoffMin = 250 * time.Millisecond
	backoffMax = 10 * time.Second
)

// follow keeps an event stream open to the agent until ctx ends, showing
// "Agent not running" whenever there is none.
func (c *controller) follow(ctx context.Context) {
	backoff := backoffMin
	for ctx.Err() == nil {
		events, err := c.o.Client.Events(ctx)
		if err == nil {
			got := false
			for st := range events {
				got = true
				c.update(st, true)
			}
			if got {
				backoff = backoffMin
			}
			if ctx.Err() != nil {
				return
			}
			c.o.Logger.Info("tray: lost the agent's event stream; reconnecting")
		} else if !errors.Is(err, ipc.ErrNotRunning) {
			c.o.Logger.Warn("tray: follow agent", "err", err)
		}
		c.update(localapi.Status{}, false)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, backoffMax)
	}
}

// update records a status (or the agent's absence), redraws, and sends the
// notifications that are due.
func (c *controller) update(st localapi.Status, up bool) {
	c.mu.Lock()
	if !up {
		st = c.st // keep what we knew, for notices after a reconnect
	}
	c.st, c.up = st, up
	m := c.build()
	var due []menu.Notice
	if up {
		var next time.Time
		due, next = c.notices.Check(st, c.o.Now(), c.o.Location)
		c.schedule(next)
	}
	c.model = m
	c.built++
	seq := c.built
	c.mu.Unlock()
	c.draw(seq, m)
	c.send(due)
}

// draw shows model number seq unless a newer one is on screen already.
func (c *controller) draw(seq uint64, m menu.Model) {
	c.showMu.Lock()
	defer c.showMu.Unlock()
	if seq <= c.shown {
		return
	}
	c.shown = seq
	c.view.show(m)
}

func (c *controller) build() menu.Model {
	st := c.st
	if st.AdminCenterURL == "" {
		st.AdminCenterURL = c.o.AdminCenterURL
	}
	return menu.Build(st, c.up, c.o.Now(), c.o.Location)
}

// schedule arms the idle-warning timer (c.mu held). Go timers stop counting
// while the machine sleeps; after a wake the agent sends a new status, which
// re-arms it from the wall clock.
func (c *controller) schedule(at time.Time) {
	if c.warn != nil {
		c.warn.Stop()
		c.warn = nil
	}
	if at.IsZero() {
		return
	}
	c.warn = time.AfterFunc(max(time.Until(at), 0), func() {
		c.mu.Lock()
		st, up := c.st, c.up
		c.mu.Unlock()
		if up {
			c.update(st, true)
		}
	})
}

func (c *controller) send(due []menu.Notice) {
	for _, n := range due {
		c.notify(n.Title, n.Body)
	}
}

func (c *controller) notify(title, body string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.o.Notify(ctx, notify.Notification{Title: title, Body: body, Urgency: notify.Normal}); err != nil {
		c.o.Logger.Warn("tray: notification not shown", "title", title, "err", err)
	}
}

// current returns the model on screen.
func (c *controller) current() menu.Model {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.model
}

// stop disarms the timer.
func (c *controller) stop() {
	c.mu.Lock()
	c.schedule(time.Time{})
	c.mu.Unlock()
}
