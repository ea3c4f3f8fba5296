package trayhosttest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// Panel reads a StatusNotifierItem and its dbusmenu through the bus, the
// way a desktop panel does, and clicks its items.
type Panel struct {
	t    testing.TB
	conn *dbus.Conn
	Item Item
}

// Panel waits for the first item to register and returns a Panel on it,
// with its own bus connection (closed when the test ends).
func (w *Watcher) Panel(t testing.TB, addr string) *Panel {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("trayhosttest: connect: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return &Panel{t: t, conn: conn, Item: w.WaitItem(t, 15*time.Second)}
}

// Entry is one dbusmenu item.
type Entry struct {
	ID      int32
	Label   string
	Enabled bool
	Visible bool
	Type    string
}

// Prop reads a StatusNotifierItem property.
func (p *Panel) Prop(name string) dbus.Variant {
	p.t.Helper()
	v, err := p.conn.Object(p.Item.Service, p.Item.Path).GetProperty("org.kde.StatusNotifierItem." + name)
	if err != nil {
		p.t.Fatalf("read %s: %v", name, err)
	}
	return v
}

func (p *Panel) menuPath() dbus.ObjectPath {
	p.t.Helper()
	path, ok := p.Prop("Menu").Value().(dbus.ObjectPath)
	if !ok {
		p.t.Fatalf("Menu property is %v", p.Prop("Menu"))
	}
	return path
}

// Layout reads the whole menu (GetLayout of the root, any depth).
func (p *Panel) Layout() ([]Entry, error) {
	var rev uint32
	var root struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	call := p.conn.Object(p.Item.Service, p.menuPath()).Call("com.canonical.dbusmenu.GetLayout", 0,
		int32(0), int32(-1), []string{})
	if err := call.Store(&rev, &root); err != nil {
		return nil, err
	}
	var out []Entry
	for _, c := range root.Children {
		f, ok := c.Value().([]any)
		if !ok || len(f) != 3 {
			return nil, fmt.Errorf("menu child %v is not (ia{sv}av)", c)
		}
		props, _ := f[1].(map[string]dbus.Variant)
		e := Entry{ID: f[0].(int32), Enabled: true, Visible: true}
		for k, v := range props {
			switch k {
			case "label":
				e.Label, _ = v.Value().(string)
			case "enabled":
				e.Enabled, _ = v.Value().(bool)
			case "visible":
				e.Visible, _ = v.Value().(bool)
			case "type":
				e.Type, _ = v.Value().(string)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// WaitMenu re-reads the menu until ok accepts it (the first layout a host
// gets is shallow, and every status change is asynchronous).
func (p *Panel) WaitMenu(what string, ok func([]Entry) bool) []Entry {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last []Entry
	for time.Now().Before(deadline) {
		es, err := p.Layout()
		if err == nil && ok(es) {
			return es
		}
		last = es
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("menu never showed %s; last layout: %s", what, Dump(last))
	return nil
}

// WaitLabel waits until a visible item has label.
func (p *Panel) WaitLabel(label string) []Entry {
	p.t.Helper()
	return p.WaitMenu(fmt.Sprintf("%q", label), func(es []Entry) bool { _, ok := Find(es, label); return ok })
}

// WaitLabels waits until a visible item has each of labels. A status
// change reaches the host item by item, so one new label does not mean
// the rest of the menu has followed.
func (p *Panel) WaitLabels(labels ...string) []Entry {
	p.t.Helper()
	return p.WaitMenu(fmt.Sprintf("%q", labels), func(es []Entry) bool {
		for _, l := range labels {
			if _, ok := Find(es, l); !ok {
				return false
			}
		}
		return true
	})
}

// Find returns the visible item with label.
func Find(es []Entry, label string) (Entry, bool) {
	for _, e := range es {
		if e.Label == label && e.Visible {
			return e, true
		}
	}
	return Entry{}, false
}

// enabledItem waits for the item labelled label and fails the test if it
// is disabled.
func (p *Panel) enabledItem(label string) Entry {
	p.t.Helper()
	e, _ := Find(p.WaitLabel(label), label)
	if !e.Enabled {
		p.t.Fatalf("%q is disabled", label)
	}
	return e
}

// Click sends a "clicked" event to the item with label, as a panel does.
func (p *Panel) Click(label string) {
	p.t.Helper()
	e := p.enabledItem(label)
	call := p.conn.Object(p.Item.Service, p.menuPath()).Call("com.canonical.dbusmenu.Event", 0,
		e.ID, "clicked", dbus.MakeVariant(""), uint32(0))
	if call.Err != nil {
		p.t.Fatalf("click %q: %v", label, call.Err)
	}
}

// ClickAndForget clicks the item labelled label without waiting for the
// tray's answer: for an item that ends the tray ("Quit tray"), which may
// exit before it replies.
func (p *Panel) ClickAndForget(label string) {
	p.t.Helper()
	e := p.enabledItem(label)
	call := p.conn.Object(p.Item.Service, p.menuPath()).Go("com.canonical.dbusmenu.Event", dbus.FlagNoReplyExpected, nil,
		e.ID, "clicked", dbus.MakeVariant(""), uint32(0))
	if call.Err != nil {
		p.t.Fatalf("click %q: %v", label, call.Err)
	}
}

// Dump formats a menu for failure messages.
func Dump(es []Entry) string {
	var b strings.Builder
	for _, e := range es {
		if e.Type == "separator" {
			b.WriteString("\n  ----")
			continue
		}
		fmt.Fprintf(&b, "\n  %q enabled=%v visible=%v", e.Label, e.Enabled, e.Visible)
	}
	return b.String()
}

// Pixmap is one IconPixmap entry (ARGB, network byte order).
type Pixmap struct {
	W, H int32
	Pix  []byte
}

// Icon reads the item's IconPixmap.
func (p *Panel) Icon() Pixmap {
	p.t.Helper()
	var px []Pixmap
	if err := p.Prop("IconPixmap").Store(&px); err != nil || len(px) != 1 {
		p.t.Fatalf("IconPixmap: %v (%d pixmaps)", err, len(px))
	}
	return px[0]
}
