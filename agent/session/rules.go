package session

import (
	"maps"
	"slices"
	"time"
)

// decide applies the rules after any input and returns what to do now.
func (m *Machine) decide(now time.Time) Action {
	a := m.rules(now)
	a.Revoke = m.revocation(now)
	return a
}

func (m *Machine) rules(now time.Time) Action {
	m.expireHeartbeats(now)
	open, active := m.open(), m.canRenew()
	wasOpen, wasActive := m.wasOpen, m.wasActive
	m.wasOpen, m.wasActive = open, active
	if open || wasOpen {
		m.lastUse = now // open, or closed just now
	}
	if !active {
		m.soon = time.Time{} // a wake renewal is moot once asleep or idle again
	}
	if m.sess == nil {
		return Action{}
	}
	// R11: past the deadline the session is over, whatever else holds, and
	// without asking the server.
	if !now.Before(m.sess.LapsesAt()) {
		return m.end(EndedByExpiry)
	}
	switch {
	case open:
		m.closing = false
	case wasOpen:
		// R10: the last window just closed: renew once more, reporting the
		// close, so the session lapses one timeout after the user stopped —
		// also when this renewal is sent late (a renewal already in flight,
		// asleep, offline, failures): it reports how long ago the close was.
		m.closing = true
	}
	if m.inflight {
		return Action{}
	}
	awake := !m.asleep && !m.lidClosed
	switch {
	case m.closing && awake && m.netUp && (m.failures == 0 || !now.Before(m.retryAt)):
		return m.startRenewal(now)
	case active && !wasActive && now.Sub(m.sess.LastRenewal) >= m.minGap():
		// A product opened, or the machine woke or came back online with a
		// product open: renew now rather than at the next slot — spread by
		// a little jitter, because a whole office's network comes back at
		// once.
		m.soon = now.Add(m.policy.wakeDelay(m.cadence()))
		if !m.soon.After(now) {
			return m.startRenewal(now)
		}
	case active && !now.Before(m.due()):
		return m.startRenewal(now) // R5, R9
	}
	if at := m.checkAt(); !at.IsZero() && !now.Before(at) {
		return m.startCheck(now)
	}
	return Action{}
}

// canRenew says whether the rules let the agent renew: signed in, a product
// open (R5/R6), awake with the lid open (R7/R12), and online (R7).
func (m *Machine) canRenew() bool {
	return m.sess != nil && m.open() && !m.asleep && !m.lidClosed && m.netUp
}

func (m *Machine) open() bool { return len(m.procs) > 0 || len(m.heartbeats) > 0 }

func (m *Machine) expireHeartbeats(now time.Time) {
	maps.DeleteFunc(m.heartbeats, func(_ string, until time.Time) bool { return !now.Before(until) })
}

// cadence is R9: renew every min(renew interval, timeout/2).
func (m *Machine) cadence() time.Duration {
	c := m.policy.RenewInterval
	if m.sess != nil && m.sess.Timeout/2 < c {
		c = m.sess.Timeout / 2
	}
	return c
}

// minGap keeps presence flaps from turning into a renewal each.
func (m *Machine) minGap() time.Duration { return min(time.Minute, m.cadence()/4) }

// due is when the next renewal is due, were the rules to allow it.
func (m *Machine) due() time.Time {
	if m.failures > 0 {
		return m.retryAt
	}
	if !m.soon.IsZero() {
		// The jittered renewal after a wake stands in for any slot the
		// machine missed while it slept.
		return m.soon
	}
	return m.sess.LastRenewal.Add(m.cadence())
}

// NextWake is the latest time at which the runner must call Tick, or the zero
// time when no deadline is pending. The runner also calls Tick on every input
// and after every wake from sleep.
func (m *Machine) NextWake() time.Time {
	var next time.Time
	earliest := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, until := range m.heartbeats {
		earliest(until)
	}
	earliest(m.revokeWake())
	if m.sess == nil {
		return next
	}
	earliest(m.sess.LapsesAt())
	if m.canRenew() && !m.inflight {
		earliest(m.due())
	}
	if m.closing && m.failures > 0 && !m.inflight && !m.asleep && !m.lidClosed && m.netUp {
		earliest(m.retryAt) // asleep or offline, the wake or reconnect says when
	}
	earliest(m.checkAt())
	return next
}

// View is the machine's state for the status API.
type View struct {
	State           State
	SignedOutReason EndReason
	Session         *Session // nil when signed out
	// Timeout is the live session's inactivity timeout, else the one of the
	// session that ended last (so "signed out after 15 minutes" can be
	// said), else the policy's fallback.
	Timeout     time.Duration
	LapsesAt    time.Time
	NextRenewal time.Time // zero when nothing will renew
	Cadence     time.Duration
	Renewals    int
	Renewing    bool // a renewal is out, its answer not in yet
	// SignOutPending: a sign-out's revocation has not reached the server yet.
	SignOutPending bool
	Open           bool
	Sources        []string
	NetworkUp      bool
	Asleep         bool
	LidClosed      bool
	LastError      string
}

// View describes the machine now.
func (m *Machine) View() View {
	v := View{
		State:           m.state(),
		SignedOutReason: m.reason,
		Renewals:        m.renewals,
		Renewing:        m.inflight,
		SignOutPending:  m.revokePending,
		Open:            m.open(),
		Sources:         m.sources(),
		NetworkUp:       m.netUp && !m.unreached,
		Asleep:          m.asleep,
		LidClosed:       m.lidClosed,
		LastError:       m.lastError,
		Cadence:         m.cadence(),
		Timeout:         m.policy.FallbackTimeout,
	}
	if m.ended.Timeout > 0 {
		v.Timeout = m.ended.Timeout
	}
	if m.sess != nil {
		v.Timeout = m.sess.Timeout
		s := *m.sess
		v.Session = &s
		v.LapsesAt = s.LapsesAt()
		if m.canRenew() {
			v.NextRenewal = m.due()
		}
	}
	return v
}

func (m *Machine) state() State {
	switch {
	case m.sess == nil:
		return SignedOut
	case m.asleep || m.lidClosed:
		return Asleep
	case (!m.netUp || m.unreached) && m.open():
		return Offline // a product open and no network (docs/design.md §3.1)
	case !m.open():
		return Idle
	}
	return Active
}

func (m *Machine) sources() []string {
	s := slices.Clone(m.procs)
	for src := range m.heartbeats {
		s = append(s, src)
	}
	slices.Sort(s)
	return slices.Compact(s)
}
