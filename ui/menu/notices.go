package menu

import (
	"time"

	"github.com/walkme/session-agent/agent/localapi"
)

// Notice is a desktop notification the tray should send.
type Notice struct {
	Title, Body string
}

// Notices decides which desktop notifications the tray sends as the status
// changes: one when the session ends by itself, and one Lead before an idle
// session lapses. The zero value warns 2 minutes ahead.
type Notices struct {
	Lead time.Duration // negative: no warning before a lapse

	last     localapi.Status
	seen     bool
	warnedAt time.Time // the LapsesAt already warned about, zero when none
}

// DefaultLead is how long before an idle session lapses the tray warns.
const DefaultLead = 2 * time.Minute

// Check takes the latest status (on every event, and again when the timer it
// asked for fires) and returns the notices due now and when to check again
// (zero: only on the next event). The idle warning comes once per deadline:
// a renewal that moves the deadline earns a new one.
func (n *Notices) Check(st localapi.Status, now time.Time, loc *time.Location) (due []Notice, next time.Time) {
	if loc == nil {
		loc = time.Local
	}
	if n.seen && n.last.SignedIn() && st.State == localapi.StateSignedOut &&
		st.SignedOutReason == localapi.ReasonExpired {
		due = append(due, expired(st, n.last))
	}
	n.last, n.seen = st, true
	if st.State != localapi.StateIdle || st.LapsesAt == nil {
		n.warnedAt = time.Time{}
		return due, time.Time{}
	}
	lapse := *st.LapsesAt
	if n.warnedAt.Equal(lapse) || !now.Before(lapse) {
		return due, time.Time{}
	}
	lead := n.Lead
	switch {
	case lead < 0:
		return due, time.Time{} // warnings turned off (IdleWarning 0)
	case lead == 0:
		lead = DefaultLead
	}
	if warn := lapse.Add(-lead); now.Before(warn) {
		return due, warn
	}
	n.warnedAt = lapse
	return append(due, Notice{
		Title: "Your WalkMe session ends " + At(lapse, now, loc),
		Body:  "No WalkMe product is open. Open one, or choose Renew now in the WalkMe menu, to stay signed in.",
	}), time.Time{}
}

func expired(st, before localapi.Status) Notice {
	timeout := st.InactivityTimeoutSeconds
	if timeout <= 0 {
		timeout = before.InactivityTimeoutSeconds
	}
	title := "Signed out of WalkMe"
	if timeout > 0 {
		title = "Signed out after " + Duration(seconds(timeout), true) + " of inactivity"
	}
	return Notice{Title: title, Body: "Your WalkMe session ended. Choose Sign in… in the WalkMe menu to sign in again."}
}
