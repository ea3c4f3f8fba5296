package fakelogind

import (
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"
)

const (
	name         = "org.freedesktop.login1"
	path         = dbus.ObjectPath("/org/freedesktop/login1")
	managerIface = "org.freedesktop.login1.Manager"
	propsIface   = "org.freedesktop.DBus.Properties"
)

// MaxDelay is how long Sleep waits for delay inhibitors, like logind's
// InhibitDelayMaxSec default.
const MaxDelay = 5 * time.Second

// Logind is a running fake logind.
type Logind struct {
	conn atomic.Pointer[dbus.Conn]

	mu         sync.Mutex
	lid        bool
	preparing  bool
	inhibitors []*inhibitor
	taken      int
}

// inhibitor is the fake's end of one inhibitor: the read end of a pipe
// whose write end the client holds. When every copy of the write end is
// closed, the read end reports POLLHUP: the client released it.
type inhibitor struct {
	read            *os.File
	what, who, mode string
}

// Start runs a fake logind on the bus at busAddr until the test ends.
func Start(t testing.TB, busAddr string) *Logind {
	t.Helper()
	l := &Logind{}
	conn, err := dbus.Connect(busAddr, dbus.WithIncomingInterceptor(l.intercept))
	if err != nil {
		t.Fatalf("fakelogind: connect to %s: %v", busAddr, err)
	}
	l.conn.Store(conn)
	t.Cleanup(l.Stop)
	if err := conn.Export(manager{l}, path, managerIface); err != nil {
		t.Fatalf("fakelogind: export: %v", err)
	}
	if err := conn.Export(properties{l}, path, propsIface); err != nil {
		t.Fatalf("fakelogind: export: %v", err)
	}
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("fakelogind: own %s: %v (reply %d)", name, err, reply)
	}
	return l
}

// Stop makes logind leave the bus, as if it exited: its inhibitors go too.
func (l *Logind) Stop() {
	if c := l.conn.Load(); c != nil {
		c.Close()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, in := range l.inhibitors {
		in.read.Close()
	}
	l.inhibitors = nil
}

// Sleep starts a suspend as logind does: PreparingForSleep becomes true,
// PrepareForSleep(true) goes out, and Sleep waits (up to MaxDelay) until
// every delay inhibitor is released. It reports whether they all were.
func (l *Logind) Sleep() bool {
	l.mu.Lock()
	l.preparing = true
	l.mu.Unlock()
	l.emit(managerIface+".PrepareForSleep", true)
	return l.WaitInhibitors(0, MaxDelay)
}

// Wake ends the suspend: PrepareForSleep(false).
func (l *Logind) Wake() {
	l.mu.Lock()
	l.preparing = false
	l.mu.Unlock()
	l.emit(managerIface+".PrepareForSleep", false)
}

// SetLid changes LidClosed and announces it with PropertiesChanged.
func (l *Logind) SetLid(closed bool) {
	l.SetLidSilently(closed)
	l.emit(propsIface+".PropertiesChanged", managerIface,
		map[string]dbus.Variant{"LidClosed": dbus.MakeVariant(closed)}, []string{})
}

// SetLidSilently changes LidClosed without a signal, as logind sometimes
// does: only a client that polls sees it.
func (l *Logind) SetLidSilently(closed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lid = closed
}

// InhibitorsHeld is how many inhibitors clients still hold.
func (l *Logind) InhibitorsHeld() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	held := l.inhibitors[:0]
	for _, in := range l.inhibitors {
		if released(in.read) {
			in.read.Close()
			continue
		}
		held = append(held, in)
	}
	l.inhibitors = held
	return len(held)
}

// InhibitorsTaken is how many inhibitors were ever handed out.
func (l *Logind) InhibitorsTaken() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.taken
}

// WaitInhibitors waits up to timeout until n inhibitors are held, and
// reports whether that happened.
func (l *Logind) WaitInhibitors(n int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if l.InhibitorsHeld() == n {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (l *Logind) emit(member string, body ...any) {
	if c := l.conn.Load(); c != nil {
		_ = c.Emit(path, member, body...)
	}
}

func released(r *os.File) bool {
	fds := []unix.PollFd{{Fd: int32(r.Fd()), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n > 0 && fds[0].Revents&unix.POLLHUP != 0
}
