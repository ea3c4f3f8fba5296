package session

import "time"

// An idle agent asks the server once per cadence whether its session is
// still live, so that a session the server ended — a lowered timeout, an
// admin, a revocation elsewhere — shows as signed out within one cadence
// even with nothing open. The question never renews (R6).

// CheckDone reports the answer to a Check. remaining, when positive, is
// how long the server said the session has left from when the Check was
// sent: the deadline moves there if that is earlier (a lowered timeout).
func (m *Machine) CheckDone(now time.Time, res CheckResult, remaining time.Duration) Action {
	if !m.checking {
		return m.decide(now)
	}
	m.checking = false
	switch {
	case m.sess == nil:
	case res == CheckUnsupported:
		m.noCheck = true
	case m.inflight || m.sentAt.After(m.checkSentAt):
		// A renewal went out since: its answer is the newer word.
	case res == CheckEnded:
		return m.end(EndedByRejected)
	case res == CheckLive && remaining > 0:
		if d := m.checkSentAt.Add(remaining); d.Before(m.sess.LapsesAt()) {
			m.sess.Deadline = d
		}
	}
	return m.decide(now)
}

// checkAt is when the next Check is due, or zero when none may be sent:
// one cadence after the last word from the server (a renewal or a Check),
// only while nothing renews (idle) and the machine is awake and online.
func (m *Machine) checkAt() time.Time {
	if m.sess == nil || m.noCheck || m.checking || m.inflight || m.closing || m.open() ||
		m.asleep || m.lidClosed || !m.netUp {
		return time.Time{}
	}
	last := m.sess.LastRenewal
	if m.checkSentAt.After(last) {
		last = m.checkSentAt
	}
	at := last.Add(m.cadence())
	if m.checkAfter.After(at) {
		at = m.checkAfter
	}
	return at
}

func (m *Machine) startCheck(now time.Time) Action {
	m.checking = true
	m.checkSentAt = now
	return Action{Check: true}
}
