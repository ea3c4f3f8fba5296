package session

import "time"

// A sign-out that cannot reach the server (offline at the click) still ends
// the session locally at once (R8), and its revocation stays pending — the
// runner keeps it in the keychain — until the server confirms it. The
// machine asks for it whenever the network is up, with backoff.

// RevokeFailed reports that the sign-out's revocation did not reach the
// server: it is pending, and asked for again later.
func (m *Machine) RevokeFailed(now time.Time) Action {
	m.revokePending, m.revoking = true, false
	m.revokeTries++
	m.revokeAt = now.Add(m.policy.backoff(m.revokeTries, m.policy.RetryMax))
	return m.decide(now)
}

// RevokeDone reports that the server confirmed the revocation (or that the
// provider offers none): nothing is pending any more.
func (m *Machine) RevokeDone(now time.Time) Action {
	m.revokePending, m.revoking, m.revokeTries = false, false, 0
	return m.decide(now)
}

// SetRevokePending restores a pending revocation found at start.
func (m *Machine) SetRevokePending(now time.Time) Action {
	m.revokePending, m.revokeAt = true, now
	return m.decide(now)
}

// revocation asks for the pending revocation when it is due.
func (m *Machine) revocation(now time.Time) bool {
	if !m.revokePending || m.revoking || !m.netUp || now.Before(m.revokeAt) {
		return false
	}
	m.revoking = true
	return true
}

func (m *Machine) revokeWake() time.Time {
	if !m.revokePending || m.revoking || !m.netUp {
		return time.Time{}
	}
	return m.revokeAt
}
