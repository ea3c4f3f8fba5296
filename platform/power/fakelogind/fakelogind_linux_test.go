package fakelogind

import (
	"os"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/walkme/session-agent/internal/testenv"
)

// startConnected starts a fake logind on a private bus and connects a
// client to that bus; both end with the test.
func startConnected(t *testing.T) (*Logind, *dbus.Conn) {
	t.Helper()
	addr := testenv.SessionBus(t)
	l := Start(t, addr)
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return l, conn
}

func TestInhibitorIsHeldUntilClosed(t *testing.T) {
	l, conn := startConnected(t)
	var fd dbus.UnixFD
	err := conn.Object(name, path).Call(managerIface+".Inhibit", 0, "sleep", "test", "why", "delay").Store(&fd)
	if err != nil {
		t.Fatalf("Inhibit: %v", err)
	}
	if n := l.InhibitorsHeld(); n != 1 {
		t.Fatalf("held = %d after Inhibit, want 1", n)
	}
	os.NewFile(uintptr(fd), "inhibitor").Close()
	if !l.WaitInhibitors(0, 5*time.Second) {
		t.Fatalf("held = %d after the client closed its fd, want 0", l.InhibitorsHeld())
	}
	if n := l.InhibitorsTaken(); n != 1 {
		t.Fatalf("taken = %d, want 1", n)
	}
}

func TestPropertiesAndSignals(t *testing.T) {
	l, conn := startConnected(t)
	if err := conn.AddMatchSignal(dbus.WithMatchSender(name)); err != nil {
		t.Fatal(err)
	}
	sigs := make(chan *dbus.Signal, 8)
	conn.Signal(sigs)
	obj := conn.Object(name, path)

	l.SetLidSilently(true)
	v, err := obj.GetProperty(managerIface + ".LidClosed")
	if err != nil || v.Value() != true {
		t.Fatalf("LidClosed = %v, %v; want true", v, err)
	}
	l.SetLid(false)
	l.Wake()
	want := []string{propsIface + ".PropertiesChanged", managerIface + ".PrepareForSleep"}
	for _, w := range want {
		if s := nextFromLogind(t, sigs); s.Name != w {
			t.Fatalf("signal %s, want %s", s.Name, w)
		}
	}
}

// nextFromLogind skips the bus's own signals (NameAcquired for our
// connection) and returns the next one from the fake.
func nextFromLogind(t *testing.T, sigs <-chan *dbus.Signal) *dbus.Signal {
	t.Helper()
	for {
		select {
		case s := <-sigs:
			if s.Path == path {
				return s
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no signal from logind in 5s")
		}
	}
}
