// Package notifytest is a desktop notification server for tests: it owns
// org.freedesktop.Notifications on a (private) bus and records every Notify
// call, standing in for the desktop shell's notification daemon.
package notifytest

import (
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// Call is one recorded Notify call.
type Call struct {
	AppName, Summary, Body string
	Urgency                byte
}

// Server records notifications.
type Server struct {
	mu    sync.Mutex
	calls []Call
	more  chan struct{}
	next  uint32
}

// Start serves org.freedesktop.Notifications on the bus at addr until the
// test ends.
func Start(t testing.TB, addr string) *Server {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("notifytest: connect: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	s := &Server{more: make(chan struct{}, 1)}
	if err := conn.Export(s, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
		t.Fatalf("notifytest: export: %v", err)
	}
	reply, err := conn.RequestName("org.freedesktop.Notifications", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("notifytest: own org.freedesktop.Notifications: %v (reply %v)", err, reply)
	}
	return s
}

// Notify is the D-Bus method (Desktop Notifications Specification).
func (s *Server) Notify(app string, replaces uint32, icon, summary, body string, actions []string,
	hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	c := Call{AppName: app, Summary: summary, Body: body}
	if u, ok := hints["urgency"].Value().(byte); ok {
		c.Urgency = u
	}
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.next++
	id := s.next
	s.mu.Unlock()
	select {
	case s.more <- struct{}{}:
	default:
	}
	return id, nil
}

// GetCapabilities is the D-Bus method.
func (s *Server) GetCapabilities() ([]string, *dbus.Error) { return []string{"body"}, nil }

// GetServerInformation is the D-Bus method.
func (s *Server) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "notifytest", "walkme", "1", "1.2", nil
}

// Calls returns the notifications received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Wait returns the first notification for which match is true, failing the
// test if none arrives within timeout.
func (s *Server) Wait(t testing.TB, timeout time.Duration, match func(Call) bool) Call {
	t.Helper()
	deadline := time.After(timeout)
	for {
		for _, c := range s.Calls() {
			if match(c) {
				return c
			}
		}
		select {
		case <-s.more:
		case <-deadline:
			t.Fatalf("no matching notification in %v; got %+v", timeout, s.Calls())
		}
	}
}
