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

// Session is what the agent knows of a signed-in session, besides the token.
type Session struct {
	User        string
	ServerURL   string
	LastRenewal time.Time     // when the last successful renewal (or sign-in) was sent
	Timeout     time.Duration // the account's inactivity timeout as the server last said
	// Deadline is when the session lapses; zero means LastRenewal + Timeout.
	// It is earlier than that after a renewal that reported an earlier last
	// use, or when the server said the deadline moved (a lowered timeout).
	Deadline time.Time
}

// LapsesAt is when the session ends unless it is renewed again (R6, R11).
func (s Session) LapsesAt() time.Time {
	if s.Deadline.IsZero() {
		return s.LastRenewal.Add(s.Timeout)
	}
	return s.Deadline
}

// Action is what the runner must do after an input.
type Action struct {
	// Renew: send one renewal now, reporting Usage, then report Renewed or
	// RenewFailed.
	Renew bool
	// Usage is what the renewal reports to the server: whether a product
	// is open and how long ago one last was (R10).
	Usage Usage
	// Check: ask the server, without renewing, whether the session is still
	// live (R6: it must not extend it), then report CheckDone.
	Check bool
	// Revoke: send the pending sign-out's revocation now, then report
	// RevokeDone or RevokeFailed.
	Revoke bool
	// End, when not NotEnded, says the session just ended and why: delete
	// the token from the keychain (and revoke it on the server for a logout).
	End EndReason
}

// Usage is what a renewal reports about the user.
type Usage struct {
	InUse bool          // a product is open
	Idle  time.Duration // how long ago a product was last open (0 while open)
}

// Renewal is a successful renewal's answer.
type Renewal struct {
	User string
	// TTL is how long the session lasts from the request (the server's
	// refresh_token_expires_in); 0 when it did not say.
	TTL time.Duration
	// Timeout is the account's inactivity timeout when the server says it
	// apart from TTL (walkme-sessiond's inactivity_timeout); else 0.
	Timeout time.Duration
}

// CheckResult is the answer to a Check.
type CheckResult int

// Answers to a Check.
const (
	CheckLive        CheckResult = iota + 1 // the session is live
	CheckEnded                              // the server ended it (lapse, admin, revocation elsewhere)
	CheckFailed                             // no answer (network, 5xx): ask again later
	CheckUnsupported                        // the provider cannot be asked: never ask again
)

// Machine is the session state machine. The zero value is not usable: use New.
// It is not safe for concurrent use; the runner serialises inputs.
type Machine struct {
	policy Policy

	sess   *Session
	reason EndReason // why the last session ended
	ended  Session   // the last session that ended, for the status

	procs      []string             // names of WalkMe processes seen running
	heartbeats map[string]time.Time // presence heartbeats: source -> expiry
	netUp      bool
	unreached  bool // the last renewal failed on the network: shown as offline
	asleep     bool
	lidClosed  bool

	inflight  bool
	closing   bool      // the renewal at the last window's close is owed (R10)
	soon      time.Time // a renewal brought forward by a wake or reconnect
	sentAt    time.Time
	sent      Usage // what the renewal in flight reported
	failures  int
	retryAt   time.Time
	lastError string
	renewals  int
	lastUse   time.Time // when a product was last seen open (or the user renewed by hand)

	checking    bool      // a Check is out
	checkSentAt time.Time // when the last Check was sent
	checkAfter  time.Time // no Check before (a wake or reconnect spreads them)
	noCheck     bool      // the provider cannot be asked

	revokePending bool // a sign-out's revocation has not reached the server
	revoking      bool
	revokeTries   int
	revokeAt      time.Time

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
	m.reason = NotEnded
	m.resetRenewal()
	m.closing = false
	m.checking, m.checkSentAt = false, time.Time{}
	// A stored session's last use is no later than its last renewal.
	m.lastUse = s.LastRenewal
	m.revokeAt = now // a pending sign-out need not wait for its backoff
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
	if up && !m.netUp {
		m.spreadChecks(now)
	}
	m.netUp = up
	if up {
		// A new route deserves a new try at once rather than the backoff.
		m.retryAt = now
		m.revokeAt = now
	}
	return m.decide(now)
}

// SetPower reports sleep, dark wake and the lid (R7, R12).
func (m *Machine) SetPower(now time.Time, asleep, lidClosed bool) Action {
	if (m.asleep || m.lidClosed) && !asleep && !lidClosed {
		m.spreadChecks(now)
	}
	m.asleep, m.lidClosed = asleep, lidClosed
	return m.decide(now)
}

// spreadChecks keeps a fleet whose network returns at once from asking in
// one burst.
func (m *Machine) spreadChecks(now time.Time) {
	m.checkAfter = now.Add(m.policy.wakeDelay(m.cadence()))
}

// Tick re-evaluates the rules at now: the runner calls it at NextWake and
// after a wake from sleep, deciding from the wall clock, never from timers
// that stopped counting while the machine slept.
func (m *Machine) Tick(now time.Time) Action { return m.decide(now) }

// RenewNow is a user's explicit request to renew ("Renew now", `renew`).
// It returns ok=false when there is nothing to renew or the machine sleeps.
func (m *Machine) RenewNow(now time.Time) (Action, bool) {
	return m.renewNow(now, true)
}

// Recover renews at once to collect the token a renewal interrupted by a
// crash may have rotated. Unlike RenewNow it is no use by the user: with
// nothing open it reports the last use the stored session knew, so it
// extends nothing (R6).
func (m *Machine) Recover(now time.Time) (Action, bool) {
	return m.renewNow(now, false)
}

func (m *Machine) renewNow(now time.Time, byUser bool) (Action, bool) {
	if a := m.decide(now); a.End != NotEnded || a.Renew {
		return a, a.End == NotEnded
	}
	if m.sess == nil || m.asleep || m.lidClosed || !m.netUp {
		return Action{}, false // R7: nothing renews asleep or without a network
	}
	if m.inflight {
		return Action{}, true
	}
	if byUser {
		m.lastUse = now // the user is at the machine, asking for it
	}
	return m.startRenewal(now), true
}

// RenewSucceeded reports a successful renewal. ttl is the server's
// refresh_token_expires_in (0 when it sent none: the policy's fallback).
func (m *Machine) RenewSucceeded(now time.Time, user string, ttl time.Duration) Action {
	return m.Renewed(now, Renewal{User: user, TTL: ttl})
}

// Renewed reports a successful renewal and its answer.
func (m *Machine) Renewed(now time.Time, r Renewal) Action {
	s, ok := m.RenewedSession(r)
	if !ok {
		m.inflight = false
		return m.decide(now)
	}
	m.sess = &s
	m.renewals++
	m.revokeAt = now // the server answers: a pending sign-out goes now
	if !m.sent.InUse {
		m.closing = false // the closing renewal got through (R10)
	}
	m.resetRenewal()
	return m.decide(now)
}

// RenewedSession is the session a successful renewal with answer r makes:
// what Renewed will hold, for the runner to store first. ok is false when
// no renewal is out.
//
// The deadline counts from when the request was sent, never later than the
// server's own, and from the last use the renewal reported: min(sent + TTL,
// last use + timeout). With walkme-sessiond both are the same moment; with
// a provider that ignores the reported last use, the agent still lapses
// locally one timeout after the user stopped (R10).
func (m *Machine) RenewedSession(r Renewal) (Session, bool) {
	if m.sess == nil || !m.inflight {
		return Session{}, false
	}
	s := *m.sess
	timeout, ttl := r.Timeout, r.TTL
	if timeout <= 0 {
		timeout = ttl
	}
	if timeout <= 0 {
		timeout = m.policy.FallbackTimeout
	}
	if ttl <= 0 {
		ttl = timeout
	}
	s.LastRenewal, s.Timeout = m.sentAt, timeout
	s.Deadline = m.sentAt.Add(ttl)
	if byUse := m.sentAt.Add(-m.sent.Idle).Add(timeout); byUse.Before(s.Deadline) {
		s.Deadline = byUse
	}
	if r.User != "" {
		s.User = r.User
	}
	return s, true
}

// RenewFailed reports a failed renewal of the given kind with a message for
// the status (never a token).
func (m *Machine) RenewFailed(now time.Time, kind Failure, msg string) Action {
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

// RenewBy is when the renewal in flight must give up waiting for its answer:
// one request timeout after it was sent, and never past the session's lapse
// (R11), so that no answer can arrive for a session the agent has already
// ended locally. Zero when no renewal is out.
func (m *Machine) RenewBy() time.Time {
	if m.sess == nil || !m.inflight {
		return time.Time{}
	}
	by := m.sentAt.Add(m.policy.requestTimeout(m.cadence()))
	if lapse := m.sess.LapsesAt(); lapse.Before(by) {
		by = lapse
	}
	return by
}

// SetError records a problem to show in the status (e.g. the keychain).
func (m *Machine) SetError(msg string) { m.lastError = msg }

func (m *Machine) resetRenewal() {
	m.inflight = false
	m.soon = time.Time{}
	m.failures = 0
	m.retryAt = time.Time{}
	m.unreached = false
	m.lastError = ""
}

func (m *Machine) end(reason EndReason) Action {
	m.ended = *m.sess
	m.sess = nil
	m.reason = reason
	m.inflight = false
	m.closing = false
	m.checking = false
	m.failures = 0
	m.unreached = false
	m.wasActive = false
	return Action{End: reason}
}

func (m *Machine) startRenewal(now time.Time) Action {
	m.inflight = true
	m.soon = time.Time{}
	m.sentAt = now
	m.sent = Usage{InUse: m.open()}
	if !m.sent.InUse && m.lastUse.Before(now) {
		m.sent.Idle = now.Sub(m.lastUse)
	}
	return Action{Renew: true, Usage: m.sent}
}
