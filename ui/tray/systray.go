//go:build !darwin || cgo

package tray

import (
	"context"
	"reflect"
	"sync"

	"fyne.io/systray"

	"github.com/walkme/session-agent/ui/menu"
	"github.com/walkme/session-agent/ui/trayhost"
)

// Run shows the tray until ctx ends or the user chooses "Quit tray". It must
// be called on the main goroutine (systray.Run needs the main OS thread on
// macOS and Windows) and returns ErrAlreadyRunning when this session
// already has a tray.
func Run(ctx context.Context, o Options) error {
	o = o.withDefaults()
	l, err := lock(o.Socket)
	if err != nil {
		return err
	}
	defer l.Close()
	if ok, why := trayhost.Available(ctx); !ok {
		o.Logger.Warn("tray: the icon will not show until a tray host starts", "why", why)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	v := &trayView{}
	c := newController(o, v)
	// onReady must return quickly: systray answers the host's first
	// GetLayout only after it has.
	onReady := func() {
		v.create(c.current())
		go v.drain(ctx, c)
		go c.follow(ctx)
		go func() { <-ctx.Done(); systray.Quit() }()
	}
	systray.Run(onReady, func() { cancel(); c.stop() })
	return nil
}

// trayView copies menu Models onto systray's items, touching only what
// changed: every systray call is a D-Bus signal on Linux.
type trayView struct {
	mu      sync.Mutex
	items   []*systray.MenuItem // nil for separators
	shown   []menu.Item
	icon    menu.Icon
	title   string
	tooltip string
}

func (v *trayView) create(m menu.Model) {
	v.mu.Lock()
	for _, it := range m.Items {
		if it.Separator {
			systray.AddSeparator()
			v.items = append(v.items, nil)
			v.shown = append(v.shown, it)
			continue
		}
		v.items = append(v.items, systray.AddMenuItem(it.Text(), it.Tooltip))
		v.shown = append(v.shown, menu.Item{Label: it.Label, Locked: it.Locked, Tooltip: it.Tooltip, Enabled: true})
	}
	v.mu.Unlock()
	v.show(m)
}

func (v *trayView) show(m menu.Model) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.items) != len(m.Items) {
		return // not created yet
	}
	if m.Icon != v.icon {
		setIcon(m.Icon)
		v.icon = m.Icon
	}
	if m.Title != v.title {
		setTitle(m.Title)
		v.title = m.Title
	}
	if m.Tooltip != v.tooltip {
		systray.SetTooltip(m.Tooltip)
		v.tooltip = m.Tooltip
	}
	for i, it := range m.Items {
		if mi := v.items[i]; mi != nil {
			update(mi, v.shown[i], it)
			v.shown[i] = it
		}
	}
}

func update(mi *systray.MenuItem, was, it menu.Item) {
	if it.Text() != was.Text() {
		mi.SetTitle(it.Text())
	}
	if it.Tooltip != was.Tooltip {
		mi.SetTooltip(it.Tooltip)
	}
	switch {
	case it.Enabled && !was.Enabled:
		mi.Enable()
	case !it.Enabled && was.Enabled:
		mi.Disable()
	}
	switch {
	case it.Hidden && !was.Hidden:
		mi.Hide()
	case !it.Hidden && was.Hidden:
		mi.Show()
	}
}

func (v *trayView) quit() { systray.Quit() }

// drain is the one goroutine that receives every item's clicks: systray
// drops a click when nobody waits on its channel, so each action runs on
// its own goroutine and drain goes straight back to waiting.
func (v *trayView) drain(ctx context.Context, c *controller) {
	cases := []reflect.SelectCase{{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())}}
	slots := []int{-1}
	v.mu.Lock()
	for i, mi := range v.items {
		if mi != nil {
			cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(mi.ClickedCh)})
			slots = append(slots, i)
		}
	}
	v.mu.Unlock()
	for {
		chosen, _, ok := reflect.Select(cases)
		if chosen == 0 || !ok {
			return
		}
		go c.click(ctx, slots[chosen])
	}
}
