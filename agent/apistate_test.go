package agent

import (
	"testing"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/agent/session"
)

// The local API's names are a contract; the core's types are not. Every
// state and reason must map to its own documented JSON name, and no core
// value may fall through to a default that hides it.
func TestEveryStateAndReasonHasItsOwnAPIName(t *testing.T) {
	states := map[session.State]string{
		session.SignedOut: localapi.StateSignedOut,
		session.Asleep:    localapi.StateAsleep,
		session.Offline:   localapi.StateOffline,
		session.Idle:      localapi.StateIdle,
		session.Active:    localapi.StateActive,
	}
	seen := map[string]bool{}
	for s, want := range states {
		got := apiState(s)
		if got != want || seen[got] {
			t.Errorf("apiState(%v) = %q, want %q, used once", s, got, want)
		}
		seen[got] = true
		if s.String() != want {
			t.Errorf("%v.String() = %q; the log name should match the API's %q", s, s.String(), want)
		}
	}
	reasons := map[session.EndReason]string{
		session.NotEnded:        localapi.ReasonNone,
		session.EndedByLogout:   localapi.ReasonLogout,
		session.EndedByExpiry:   localapi.ReasonExpired,
		session.EndedByRejected: localapi.ReasonRejected,
	}
	seen = map[string]bool{}
	for r, want := range reasons {
		if got := apiReason(r); got != want || seen[got] {
			t.Errorf("apiReason(%v) = %q, want %q, used once", r, got, want)
		}
		seen[want] = true
	}
	for _, f := range []session.Failure{session.Rejected, session.Unreachable, session.Transient} {
		if f.String() == "" || f.String()[0] == 'f' {
			t.Errorf("failure %d has no name: %q", f, f.String())
		}
	}
}
