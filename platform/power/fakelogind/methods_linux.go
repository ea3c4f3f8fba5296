package fakelogind

import (
	"os"

	"github.com/godbus/dbus/v5"
)

// intercept answers Inhibit itself. godbus sends a method's reply after
// the method returns and does not duplicate the file descriptors in it, so
// the fake could not close its copy of the inhibitor's write end after the
// reply is sent; a held inhibitor would never look released. Here the fake
// sends the reply, then closes its copy, and marks the call as needing no
// reply so that godbus does not answer it a second time.
func (l *Logind) intercept(msg *dbus.Message) {
	if msg.Type != dbus.TypeMethodCall || msg.Flags&dbus.FlagNoReplyExpected != 0 {
		return
	}
	member, _ := msg.Headers[dbus.FieldMember].Value().(string)
	iface, _ := msg.Headers[dbus.FieldInterface].Value().(string)
	if iface != managerIface || member != "Inhibit" || len(msg.Body) != 4 {
		return
	}
	msg.Flags |= dbus.FlagNoReplyExpected
	conn := l.conn.Load()
	sender, _ := msg.Headers[dbus.FieldSender].Value().(string)
	reply := &dbus.Message{Type: dbus.TypeMethodReply, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldDestination: dbus.MakeVariant(sender),
		dbus.FieldReplySerial: dbus.MakeVariant(msg.Serial()),
	}}
	r, w, err := os.Pipe()
	if err != nil {
		reply.Type = dbus.TypeError
		reply.Headers[dbus.FieldErrorName] = dbus.MakeVariant("org.freedesktop.DBus.Error.Failed")
		reply.Body = []any{err.Error()}
	} else {
		reply.Body = []any{dbus.UnixFD(w.Fd())}
		str := func(i int) string { s, _ := msg.Body[i].(string); return s }
		l.mu.Lock()
		l.inhibitors = append(l.inhibitors, &inhibitor{read: r, what: str(0), who: str(1), mode: str(3)})
		l.taken++
		l.mu.Unlock()
	}
	reply.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.SignatureOf(reply.Body...))
	conn.Send(reply, nil) // synchronous for a reply: the fd is in the kernel's hands afterwards
	if w != nil {
		w.Close()
	}
}

// manager is org.freedesktop.login1.Manager.
type manager struct{ l *Logind }

// Inhibit is answered by intercept; this only lets godbus accept the call.
func (manager) Inhibit(what, who, why, mode string) *dbus.Error { return nil }

// properties is org.freedesktop.DBus.Properties for the Manager.
type properties struct{ l *Logind }

func (p properties) all() map[string]dbus.Variant {
	p.l.mu.Lock()
	defer p.l.mu.Unlock()
	return map[string]dbus.Variant{
		"LidClosed":         dbus.MakeVariant(p.l.lid),
		"PreparingForSleep": dbus.MakeVariant(p.l.preparing),
	}
}

func (p properties) Get(iface, prop string) (dbus.Variant, *dbus.Error) {
	v, ok := p.all()[prop]
	if iface != managerIface || !ok {
		return dbus.Variant{}, dbus.NewError("org.freedesktop.DBus.Error.UnknownProperty", []any{prop})
	}
	return v, nil
}

func (p properties) GetAll(iface string) (map[string]dbus.Variant, *dbus.Error) {
	if iface != managerIface {
		return nil, dbus.NewError("org.freedesktop.DBus.Error.UnknownInterface", []any{iface})
	}
	return p.all(), nil
}

func (p properties) Set(iface, prop string, v dbus.Variant) *dbus.Error {
	return dbus.NewError("org.freedesktop.DBus.Error.PropertyReadOnly", []any{prop})
}
