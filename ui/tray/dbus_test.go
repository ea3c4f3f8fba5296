package tray_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/walkme/session-agent/ui/trayhost/trayhosttest"
)

// panel reads a StatusNotifierItem and its dbusmenu through the bus, the
// way a desktop panel does.
type panel struct {
	t    *testing.T
	conn *dbus.Conn
	item trayhosttest.Item
}

// entry is one dbusmenu item.
type entry struct {
	ID      int32
	Label   string
	Enabled bool
	Visible bool
	Type    string
}

func (p *panel) prop(name string) dbus.Variant {
	p.t.Helper()
	v, err := p.conn.Object(p.item.Service, p.item.Path).GetProperty("org.kde.StatusNotifierItem." + name)
	if err != nil {
		p.t.Fatalf("read %s: %v", name, err)
	}
	return v
}

func (p *panel) menuPath() dbus.ObjectPath {
	p.t.Helper()
	path, ok := p.prop("Menu").Value().(dbus.ObjectPath)
	if !ok {
		p.t.Fatalf("Menu property is %v", p.prop("Menu"))
	}
	return path
}

// layout reads the whole menu (GetLayout of the root, any depth).
func (p *panel) layout() ([]entry, error) {
	var rev uint32
	var root struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	call := p.conn.Object(p.item.Service, p.menuPath()).Call("com.canonical.dbusmenu.GetLayout", 0,
		int32(0), int32(-1), []string{})
	if err := call.Store(&rev, &root); err != nil {
		return nil, err
	}
	var out []entry
	for _, c := range root.Children {
		f, ok := c.Value().([]any)
		if !ok || len(f) != 3 {
			return nil, fmt.Errorf("menu child %v is not (ia{sv}av)", c)
		}
		props, _ := f[1].(map[string]dbus.Variant)
		e := entry{ID: f[0].(int32), Enabled: true, Visible: true}
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

// waitMenu re-reads the menu until ok accepts it (the first layout a host
// gets is shallow, and every status change is asynchronous).
func (p *panel) waitMenu(what string, ok func([]entry) bool) []entry {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last []entry
	for time.Now().Before(deadline) {
		es, err := p.layout()
		if err == nil && ok(es) {
			return es
		}
		last = es
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("menu never showed %s; last layout: %s", what, dump(last))
	return nil
}

func (p *panel) waitLabel(label string) []entry {
	p.t.Helper()
	return p.waitMenu(fmt.Sprintf("%q", label), func(es []entry) bool { _, ok := find(es, label); return ok })
}

func find(es []entry, label string) (entry, bool) {
	for _, e := range es {
		if e.Label == label && e.Visible {
			return e, true
		}
	}
	return entry{}, false
}

func (p *panel) click(label string) {
	p.t.Helper()
	es := p.waitLabel(label)
	e, _ := find(es, label)
	if !e.Enabled {
		p.t.Fatalf("%q is disabled", label)
	}
	call := p.conn.Object(p.item.Service, p.menuPath()).Call("com.canonical.dbusmenu.Event", 0,
		e.ID, "clicked", dbus.MakeVariant(""), uint32(0))
	if call.Err != nil {
		p.t.Fatalf("click %q: %v", label, call.Err)
	}
}

func dump(es []entry) string {
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

type pixmap struct {
	W, H int32
	Pix  []byte
}

func (p *panel) icon() pixmap {
	p.t.Helper()
	var px []pixmap
	if err := p.prop("IconPixmap").Store(&px); err != nil || len(px) != 1 {
		p.t.Fatalf("IconPixmap: %v (%d pixmaps)", err, len(px))
	}
	return px[0]
}
