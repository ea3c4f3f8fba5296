package session

import "strconv"

// State is what the session is doing, by precedence: asleep > offline >
// idle > active (docs/design.md §3.1). The local API names them in its JSON;
// the agent maps one to the other in a single place.
type State uint8

const (
	SignedOut State = iota // no live session
	Asleep                 // the machine sleeps or its lid is closed: no renewals
	Offline                // a product is open and the server cannot be reached
	Idle                   // no product is open: no renewals, the session lapses
	Active                 // a product is open: renewed on the cadence
)

func (s State) String() string {
	switch s {
	case SignedOut:
		return "signed_out"
	case Asleep:
		return "asleep"
	case Offline:
		return "offline"
	case Idle:
		return "idle"
	case Active:
		return "active"
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// EndReason says why a session ended.
type EndReason uint8

const (
	NotEnded        EndReason = iota // the session is live, or none ended yet
	EndedByLogout                    // the user signed out
	EndedByExpiry                    // the inactivity timeout passed (R6)
	EndedByRejected                  // the server refused the session (ended there)
)

func (r EndReason) String() string {
	switch r {
	case NotEnded:
		return "none"
	case EndedByLogout:
		return "logout"
	case EndedByExpiry:
		return "expired"
	case EndedByRejected:
		return "rejected"
	}
	return "reason(" + strconv.Itoa(int(r)) + ")"
}

// Failure is the kind of a failed renewal, which decides what follows it.
type Failure uint8

const (
	// Rejected: the server says the session is over (invalid_grant). Never retried.
	Rejected Failure = iota + 1
	// Unreachable: a network error. Retried, and shown as offline meanwhile.
	Unreachable
	// Transient: a 5xx or a malformed answer. Retried with backoff.
	Transient
)

func (f Failure) String() string {
	switch f {
	case Rejected:
		return "rejected"
	case Unreachable:
		return "unreachable"
	case Transient:
		return "transient"
	}
	return "failure(" + strconv.Itoa(int(f)) + ")"
}
