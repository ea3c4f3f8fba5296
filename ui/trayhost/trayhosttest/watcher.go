// Package trayhosttest is a minimal StatusNotifierWatcher for tests: the part
// of a desktop panel (KDE, Xfce, the GNOME AppIndicator extension) that tray
// items register with. It stands in for the desktop shell on a private bus;
// tests read the registered item's properties and menu through the bus like
// a panel would.
package trayhosttest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

const (
	name  = "org.kde.StatusNotifierWatcher"
	path  = "/StatusNotifierWatcher"
	iface = "org.kde.StatusNotifierWatcher"
)

// Item is a registered StatusNotifierItem: where to find it on the bus.
type Item struct {
	Service string // the bus name that serves it
	Path    dbus.ObjectPath
}

// Watcher is a running stand-in watcher.
type Watcher struct {
	conn  *dbus.Conn
	props *prop.Properties
	mu    sync.Mutex
	items []Item
	more  chan struct{}
}

// Start owns org.kde.StatusNotifierWatcher on the bus at addr until Stop
// or the end of the test.
func Start(t testing.TB, addr string) *Watcher {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("trayhosttest: connect: %v", err)
	}
	w := &Watcher{conn: conn, more: make(chan struct{}, 1)}
	t.Cleanup(w.Stop)
	if err := conn.Export(w, path, iface); err != nil {
		t.Fatalf("trayhosttest: export: %v", err)
	}
	w.props, err = prop.Export(conn, path, map[string]map[string]*prop.Prop{iface: {
		"RegisteredStatusNotifierItems":  {Value: []string{}, Emit: prop.EmitTrue},
		"IsStatusNotifierHostRegistered": {Value: true, Emit: prop.EmitTrue},
		"ProtocolVersion":                {Value: int32(0), Emit: prop.EmitTrue},
	}})
	if err != nil {
		t.Fatalf("trayhosttest: properties: %v", err)
	}
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("trayhosttest: own %s: %v (reply %v)", name, err, reply)
	}
	return w
}

// Stop releases the name and disconnects, as a panel that exits does.
func (w *Watcher) Stop() { w.conn.Close() }

// RegisterStatusNotifierItem is the D-Bus method: service is an object
// path on the caller's connection or a bus name (serving /StatusNotifierItem).
func (w *Watcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	it := Item{Service: string(sender), Path: dbus.ObjectPath(service)}
	if !strings.HasPrefix(service, "/") {
		it = Item{Service: service, Path: "/StatusNotifierItem"}
	}
	w.mu.Lock()
	w.items = append(w.items, it)
	var ids []string
	for _, i := range w.items {
		ids = append(ids, i.Service+string(i.Path))
	}
	w.mu.Unlock()
	w.props.SetMust(iface, "RegisteredStatusNotifierItems", ids)
	_ = w.conn.Emit(path, iface+".StatusNotifierItemRegistered", it.Service+string(it.Path))
	select {
	case w.more <- struct{}{}:
	default:
	}
	return nil
}

// RegisterStatusNotifierHost is the D-Bus method; the stand-in is its own host.
func (w *Watcher) RegisterStatusNotifierHost(service string) *dbus.Error { return nil }

// Items returns the registrations so far, oldest first.
func (w *Watcher) Items() []Item {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Item(nil), w.items...)
}

// WaitItem waits for the first registration.
func (w *Watcher) WaitItem(t testing.TB, timeout time.Duration) Item {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if items := w.Items(); len(items) > 0 {
			return items[0]
		}
		select {
		case <-w.more:
		case <-deadline:
			t.Fatalf("no StatusNotifierItem registered within %v", timeout)
		}
	}
}
