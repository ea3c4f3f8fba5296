package agent

import (
	"reflect"
	"sync"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/agent/session"
)

// status builds the API's view of the machine. Loop goroutine only.
func (a *Agent) status() localapi.Status {
	v := a.m.View()
	cfg := a.opts.Config
	st := localapi.Status{
		State:                    apiState(v.State),
		ServerURL:                cfg.ServerURL,
		SignedOutReason:          apiReason(v.SignedOutReason),
		InactivityTimeoutSeconds: int64(v.Timeout / time.Second),
		RenewIntervalSeconds:     int64(cfg.RenewInterval / time.Second),
		Renewals:                 v.Renewals,
		Renewing:                 v.Renewing,
		Presence:                 localapi.Presence{Open: v.Open, Sources: v.Sources},
		Network:                  localapi.Network{Up: v.NetworkUp},
		Power:                    localapi.Power{Asleep: v.Asleep, LidClosed: v.LidClosed},
		LastError:                v.LastError,
		Keychain:                 localapi.Keychain{State: localapi.KeychainOK},
		LoginPending:             a.login != nil,
		SignOutPending:           v.SignOutPending,
		AdminCenterURL:           cfg.AdminCenterURL,
		Locked:                   a.locked(),
		Version:                  a.opts.Version,
	}
	if st.Presence.Sources == nil {
		st.Presence.Sources = []string{}
	}
	if st.Locked == nil {
		st.Locked = []string{}
	}
	a.keychainStatus(&st)
	if s := v.Session; s != nil {
		st.User = s.User
		st.SignedOutReason = localapi.ReasonNone
		st.RenewIntervalSeconds = int64(v.Cadence / time.Second)
		wall := a.opts.Wall // shown on the wall clock as it reads now
		st.LastRenewal = timePtr(wall(s.LastRenewal))
		st.LapsesAt = timePtr(wall(v.LapsesAt))
		if v.State == session.Active {
			st.NextRenewal = timePtr(wall(v.NextRenewal))
		}
	}
	return st
}

// keychainStatus says what the keychain is doing: still being read at start,
// failing (the session is then held in memory and the write retried), or
// fine. A keychain problem is the status's last error: it is the one the
// user can fix.
func (a *Agent) keychainStatus(st *localapi.Status) {
	failing, pending := a.keeper.health()
	switch {
	case a.starting:
		st.State = localapi.StateStarting
		st.Keychain.State = localapi.KeychainReading
		st.LastError = "keychain: reading the stored session"
		if a.readErr != nil {
			st.Keychain.State = localapi.KeychainFailing
			st.LastError = keychainMessage(a.readErr)
		}
	case failing != nil:
		st.Keychain.State = localapi.KeychainFailing
		st.LastError = keychainMessage(failing)
		if pending {
			st.LastError += " (retrying; the session is kept in memory meanwhile)"
		}
	}
	st.Keychain.Error = ""
	if st.Keychain.State == localapi.KeychainFailing {
		st.Keychain.Error = st.LastError
	}
}

// apiState names a session state in the local API's JSON, a contract with
// IT scripts and products (docs/design.md §4): the core's names may change,
// these may not.
func apiState(s session.State) string {
	switch s {
	case session.Asleep:
		return localapi.StateAsleep
	case session.Offline:
		return localapi.StateOffline
	case session.Idle:
		return localapi.StateIdle
	case session.Active:
		return localapi.StateActive
	}
	return localapi.StateSignedOut
}

// apiReason names why a session ended in the local API's JSON.
func apiReason(r session.EndReason) string {
	switch r {
	case session.EndedByLogout:
		return localapi.ReasonLogout
	case session.EndedByExpiry:
		return localapi.ReasonExpired
	case session.EndedByRejected:
		return localapi.ReasonRejected
	}
	return localapi.ReasonNone
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC().Truncate(time.Millisecond)
	return &u
}

// publish builds the status and hands it to the snapshot. Loop goroutine
// only: it runs after every step of the loop.
func (a *Agent) publish() { a.snap.publish(a.status()) }

// snapshot is the last status the loop published. Status, Subscribe and the
// SSE stream read it without waiting for the loop, which may be busy.
type snapshot struct {
	mu   sync.Mutex
	cur  localapi.Status
	subs map[chan localapi.Status]struct{}
	done bool // the agent stopped: no more subscribers
}

func (s *snapshot) init() { s.subs = map[chan localapi.Status]struct{}{} }

// publish stores st and sends it to subscribers when it changed.
func (s *snapshot) publish(st localapi.Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if reflect.DeepEqual(st, s.cur) {
		return
	}
	s.cur = st
	for ch := range s.subs {
		offer(ch, st)
	}
}

func (s *snapshot) get() localapi.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// offer replaces whatever a slow subscriber has not read yet with st.
func offer(ch chan localapi.Status, st localapi.Status) {
	select {
	case <-ch:
	default:
	}
	select {
	case ch <- st:
	default:
	}
}

func (s *snapshot) subscribe() (<-chan localapi.Status, func()) {
	ch := make(chan localapi.Status, 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		close(ch)
		return ch, func() {}
	}
	s.subs[ch] = struct{}{}
	offer(ch, s.cur)
	cancel := func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if _, live := s.subs[ch]; live {
			delete(s.subs, ch)
			close(ch)
		}
	}
	return ch, cancel
}

func (s *snapshot) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = true
	for ch := range s.subs {
		delete(s.subs, ch)
		close(ch)
	}
}

// Status returns the status the loop published last: it never waits for the
// loop, nor for the keychain.
func (a *Agent) Status() localapi.Status { return a.snap.get() }

// Subscribe follows status changes (the local API's /v1/events), from the
// snapshot: it never waits for the loop.
func (a *Agent) Subscribe() (<-chan localapi.Status, func()) { return a.snap.subscribe() }
