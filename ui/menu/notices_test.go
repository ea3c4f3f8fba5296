package menu

import (
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
)

func TestNoticesExpiry(t *testing.T) {
	var n Notices
	active := with(func(s *localapi.Status) { s.State = localapi.StateActive })
	if due, _ := n.Check(active, now, utc); len(due) != 0 {
		t.Fatalf("active: %v", due)
	}
	out := localapi.Status{State: localapi.StateSignedOut, SignedOutReason: localapi.ReasonExpired, InactivityTimeoutSeconds: 900}
	due, _ := n.Check(out, now, utc)
	if len(due) != 1 || due[0].Title != "Signed out after 15 minutes of inactivity" {
		t.Fatalf("expiry notices = %+v", due)
	}
	if due, _ := n.Check(out, now.Add(time.Minute), utc); len(due) != 0 {
		t.Errorf("the same status again notified again: %+v", due)
	}
}

func TestNoticesExpiryUsesPreviousTimeout(t *testing.T) {
	var n Notices
	n.Check(with(func(s *localapi.Status) { s.State = localapi.StateIdle; s.InactivityTimeoutSeconds = 7200 }), now, utc)
	due, _ := n.Check(localapi.Status{State: localapi.StateSignedOut, SignedOutReason: localapi.ReasonExpired}, now, utc)
	if len(due) != 1 || due[0].Title != "Signed out after 2 hours of inactivity" {
		t.Fatalf("notices = %+v", due)
	}
}

func TestNoticesNoExpiryNotice(t *testing.T) {
	tests := []struct {
		name        string
		first, then localapi.Status
	}{
		{"user signed out", with(func(s *localapi.Status) { s.State = localapi.StateActive }),
			localapi.Status{State: localapi.StateSignedOut, SignedOutReason: localapi.ReasonLogout}},
		{"already expired when the tray started", localapi.Status{},
			localapi.Status{State: localapi.StateSignedOut, SignedOutReason: localapi.ReasonExpired}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var n Notices
			if tc.first.State != "" {
				n.Check(tc.first, now, utc)
			}
			if due, _ := n.Check(tc.then, now, utc); len(due) != 0 {
				t.Errorf("notices = %+v, want none", due)
			}
		})
	}
}

func TestNoticesIdleWarning(t *testing.T) {
	n := Notices{Lead: 2 * time.Minute}
	lapse := time.Date(2025, 3, 4, 14, 32, 0, 0, utc)
	idle := with(func(s *localapi.Status) { s.State = localapi.StateIdle; s.LapsesAt = &lapse })

	due, next := n.Check(idle, now, utc) // 14:20
	if len(due) != 0 || !next.Equal(lapse.Add(-2*time.Minute)) {
		t.Fatalf("at 14:20: due %v, next %v; want none, next 14:30", due, next)
	}
	due, next = n.Check(idle, next, utc)
	if len(due) != 1 || due[0].Title != "Your WalkMe session ends at 14:32" || !next.IsZero() {
		t.Fatalf("at 14:30: due %+v next %v", due, next)
	}
	if due, _ := n.Check(idle, next.Add(30*time.Second), utc); len(due) != 0 {
		t.Errorf("warned twice for one deadline: %+v", due)
	}

	// A renewal while idle moves the deadline: a new warning is due later.
	later := lapse.Add(15 * time.Minute)
	renewed := idle
	renewed.LapsesAt = &later
	if due, next := n.Check(renewed, lapse.Add(-time.Minute), utc); len(due) != 0 || !next.Equal(later.Add(-2*time.Minute)) {
		t.Errorf("after renewal: due %v next %v", due, next)
	}

	// Leaving idle and coming back is a new idle period.
	n.Check(with(func(s *localapi.Status) { s.State = localapi.StateActive }), later.Add(-time.Minute), utc)
	if due, _ := n.Check(renewed, later.Add(-time.Minute), utc); len(due) != 1 {
		t.Errorf("new idle period inside the lead: due %v, want the warning at once", due)
	}
}

func TestNoticesIdlePastDeadline(t *testing.T) {
	var n Notices
	lapse := now.Add(-time.Second)
	idle := with(func(s *localapi.Status) { s.State = localapi.StateIdle; s.LapsesAt = &lapse })
	if due, next := n.Check(idle, now, utc); len(due) != 0 || !next.IsZero() {
		t.Errorf("past the deadline: due %v next %v, want nothing", due, next)
	}
}

func TestNoticesDefaultLead(t *testing.T) {
	var n Notices
	lapse := now.Add(10 * time.Minute)
	idle := with(func(s *localapi.Status) { s.State = localapi.StateIdle; s.LapsesAt = &lapse })
	if _, next := n.Check(idle, now, utc); !next.Equal(lapse.Add(-DefaultLead)) {
		t.Errorf("next = %v, want %v", next, lapse.Add(-DefaultLead))
	}
}

func TestNoticesIdleWarningOff(t *testing.T) {
	n := Notices{Lead: -1}
	lapse := now.Add(time.Minute)
	idle := with(func(s *localapi.Status) { s.State = localapi.StateIdle; s.LapsesAt = &lapse })
	if due, next := n.Check(idle, now, utc); len(due) != 0 || !next.IsZero() {
		t.Errorf("warnings off: due %v next %v, want nothing", due, next)
	}
}
