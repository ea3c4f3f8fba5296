package testenv

import (
	"testing"

	"github.com/godbus/dbus/v5"
)

// SilentSecretService starts a private session bus on which a process (this
// one) owns org.freedesktop.secrets and never answers a method call: a
// Secret Service that hangs. It returns the bus address; the calls blocked
// in it are released when the test ends.
func SilentSecretService(t testing.TB) string {
	t.Helper()
	addr := SessionBus(t)
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	never := make(chan struct{})
	t.Cleanup(func() { close(never); conn.Close() })
	for _, iface := range []string{"org.freedesktop.DBus.Properties", "org.freedesktop.Secret.Service"} {
		if err := conn.Export(silent{never}, "/org/freedesktop/secrets", iface); err != nil {
			t.Fatal(err)
		}
	}
	reply, err := conn.RequestName("org.freedesktop.secrets", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("RequestName: %v, %v", reply, err)
	}
	return addr
}

// silent answers no call until the test ends.
type silent struct{ never chan struct{} }

func (s silent) Get(iface, prop string) (dbus.Variant, *dbus.Error) {
	<-s.never
	return dbus.Variant{}, dbus.NewError("org.freedesktop.DBus.Error.Failed", nil)
}

func (s silent) Unlock(paths []dbus.ObjectPath) ([]dbus.ObjectPath, dbus.ObjectPath, *dbus.Error) {
	<-s.never
	return nil, "/", nil
}
