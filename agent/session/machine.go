// Package session is the agent's pure core: the session state machine and its
// renewal policy (rules R5–R12 of docs/design.md §2; the renewal details in
// §3.4). It makes no OS calls and reads no clock: every input carries the
// time it happened, so every rule is a fast, deterministic table test. The agent's runner feeds it OS facts and carries
// out the Actions it returns.
package session

import (
	"slices"
	"time"
)

// States, by precedence: asleep > offline > idle > active (docs/design.md §3.1).
const (
	SignedOut = "signed_out"
	Asleep    = "asleep"
	Offline   = "offline"
	Idle      = "idle"
	Active    = "active"
)

// Why a session ended.
const (
	EndedByLogout   = "logout"
	EndedByExpiry   = "expired"
	EndedByRejected = "rejected"
)

// Session is what the agent knows of a signed-in session, besides the token.
type Session struct {
	User        string
	ServerURL   string
	LastRenewal time.Time     // when the last successful renewal (or sign-in) was sent
	Timeout     time.Duration // the account's inactivity timeout as the server last said
}

// LapsesAt is when the session ends unless it is renewed again (R6, R11).
func (s Session) LapsesAt() time.Time { return s.LastRenewal.Add(s.Timeout) }

// Action is what the runner must do after an input.
type Action struct {
	// Renew: send one renewal now, then report RenewSucceeded or RenewFailed.
	Renew bool
	// End, when not empty, says the session just ended and why: delete the
	// token from the keychain (and revoke it on the server for a logout).
	End string
}

// Machine is the session state machine. The zero value is not usable: use New.
// It is not safe for concurrent use; the runner serialises inputs.
type Machine struct {
	policy Policy

	sess   *Session
	reason string  // why the last session ended
	ended  Session // the last session that ended, for the status

	procs      []string             // names of WalkMe processes seen running
	heartbeats map[string]time.Time // presence heartbeats: source -> expiry
	netUp      bool
	unreached  bool // the last renewal failed on the network: shown as offline
	asleep     bool
	lidClosed  bool

	inflight  bool
	closing   bool      // the renewal at the last window's close is not done yet (R10)
	soon      time.Time // a renewal brought forward by a wake or reconnect
	sentAt    time.Time
	failures  int
	retryAt   time.Time
	lastError string
	renewals  int

	// What held after the previous input, to detect transitions.
	wasOpen, wasActive bool
}

// New returns a signed-out machine that assumes the network is up and the
// machine awake until told otherwise.
func New(p Policy) *Machine {
	return &Machine{policy: p.withDefaults(), netUp: true, heartbeats: map[string]time.Time{}}
}

// SetPolicy replaces the renewal policy (a managed-policy change applies
// without a restart).
func (m *Machine) SetPolicy(now time.Time, p Policy) Action {
	m.policy = p.withDefaults()
	return m.decide(now)
}

// SignIn starts tracking a session: after a sign-in (LastRenewal = now) or
// when the agent starts with a session from the keychain, which may already
// have lapsed (R11).
func (m *Machine) SignIn(now time.Time, s Session) Action {
	if s.Timeout <= 0 {
		s.Timeout = m.policy.FallbackTimeout
	}
	m.sess = &s
	m.reason = ""
	m.resetRenewal()
	return m.decide(now)
}

// Logout ends the session at the user's request (R8).
func (m *Machine) Logout(now time.Time) Action {
	if m.sess == nil {
		return Action{}
	}
	return m.end(EndedByLogout)
}

// SetProcesses reports which WalkMe processes run now (R5, R6).
func (m *Machine) SetProcesses(now time.Time, names []string) Action {
	m.procs = slices.Clone(names)
	slices.Sort(m.procs)
	return m.decide(now)
}

// Heartbeat reports that a WalkMe product (e.g. a browser tab, through the
// native-messaging host) is open, for ttl from now.
func (m *Machine) Heartbeat(now time.Time, source string, ttl time.Duration) Action {
	m.heartbeats[source] = now.Add(ttl)
	return m.decide(now)
}

// SetNetwork reports whether the server is reachable in principle (R7).
func (m *Machine) SetNetwork(now time.Time, up bool) Action {
	m.netUp = up
	if up {
		// A new route deserves a new try at once rather than the backoff.
		m.retryAt = now
	}
	return m.decide(now)
}

// SetPower reports sleep, dark wake and the lid (R7, R12).
func (m *Machine) SetPower(now time.Time, asleep, lidClosed bool) Action {
	m.asleep, m.lidClosed = asleep, lidClosed
	return m.decide(now)
}

// Tick re-evaluates the rules at now: the runner calls it at NextWake and
// after a wake from sleep, deciding from the wall clock, never from timers
// that stopped counting while the machine slept.
func (m *Machine) Tick(now time.Time) Action { return m.decide(now) }

// RenewNow is a user's explicit request to renew ("Renew now", `renew`).
// It returns ok=false when there is nothing to renew or the machine sleeps.
func (m *Machine) RenewNow(now time.Time) (Action, bool) {
	if a := m.decide(now); a.End != "" || a.Renew {
		return a, a.End == ""
	}
	if m.sess == nil || m.asleep || m.lidClosed || !m.netUp {
		return Action{}, false // R7: nothing renews asleep or without a network
	}
	if m.inflight {
		return Action{}, true
	}
	return m.startRenewal(now), true
}

// RenewSucceeded reports a successful renewal. ttl is the server's
// refresh_token_expires_in (0 when it sent none: the policy's fallback).
func (m *Machine) RenewSucceeded(now time.Time, user string, ttl time.Duration) Action {
	if m.sess == nil || !m.inflight {
		m.inflight = false
		return m.decide(now)
	}
	if ttl <= 0 {
		ttl = m.policy.FallbackTimeout
	}
	// The lapse counts from when the request was sent: never later than the
	// server's own deadline.
	m.sess.LastRenewal = m.sentAt
	m.sess.Timeout = ttl
	if user != "" {
		m.sess.User = user
	}
	m.renewals++
	m.resetRenewal()
	return m.decide(now)
}

// Failure kinds for RenewFailed.
const (
	// Rejected: the server says the session is over (invalid_grant). Never retried.
	Rejected = iota + 1
	// Unreachable: a network error. Retried, and shown as offline meanwhile.
	Unreachable
	// Transient: a 5xx or a malformed answer. Retried with backoff.
	Transient
)

// RenewFailed reports a failed renewal of the given kind with a message for
// the status (never a token).
func (m *Machine) RenewFailed(now time.Time, kind int, msg string) Action {
	m.inflight = false
	if m.sess == nil {
		return Action{}
	}
	m.lastError = msg
	if kind == Rejected {
		return m.end(EndedByRejected)
	}
	m.unreached = kind == Unreachable
	m.failures++
	m.retryAt = now.Add(m.policy.backoff(m.failures, m.cadence()))
	// Never wait past the lapse deadline for a retry that could save it.
	if last := m.sess.LapsesAt().Add(-m.policy.RetryMin); m.retryAt.After(last) && last.After(now) {
		m.retryAt = last
	}
	return m.decide(now)
}

// SetError records a problem to show in the status (e.g. the keychain).
func (m *Machine) SetError(msg string) { m.lastError = msg }

func (m *Machine) resetRenewal() {
	m.inflight = false
	m.closing = false
	m.soon = time.Time{}
	m.failures = 0
	m.retryAt = time.Time{}
	m.unreached = false
	m.lastError = ""
}

func (m *Machine) end(reason string) Action {
	m.ended = *m.sess
	m.sess = nil
	m.reason = reason
	m.inflight = false
	m.closing = false
	m.failures = 0
	m.unreached = false
	m.wasActive = false
	return Action{End: reason}
}

func (m *Machine) startRenewal(now time.Time) Action {
	m.inflight = true
	m.soon = time.Time{}
	m.sentAt = now
	return Action{Renew: true}
}
