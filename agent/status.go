package agent

import (
	"context"
	"reflect"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/agent/session"
)

// status builds the API's view of the machine. Loop goroutine only.
func (a *Agent) status() localapi.Status {
	v := a.m.View()
	cfg := a.opts.Config
	st := localapi.Status{
		State:                    v.State,
		ServerURL:                cfg.ServerURL,
		SignedOutReason:          v.SignedOutReason,
		InactivityTimeoutSeconds: int64(v.Timeout / time.Second),
		RenewIntervalSeconds:     int64(cfg.RenewInterval / time.Second),
		Renewals:                 v.Renewals,
		Presence:                 localapi.Presence{Open: v.Open, Sources: v.Sources},
		Network:                  localapi.Network{Up: v.NetworkUp},
		Power:                    localapi.Power{Asleep: v.Asleep, LidClosed: v.LidClosed},
		LastError:                v.LastError,
		LoginPending:             a.login != nil,
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
	if s := v.Session; s != nil {
		st.User = s.User
		st.SignedOutReason = ""
		st.RenewIntervalSeconds = int64(v.Cadence / time.Second)
		st.LastRenewal = timePtr(s.LastRenewal)
		st.LapsesAt = timePtr(v.LapsesAt)
		if v.State == session.Active {
			st.NextRenewal = timePtr(v.NextRenewal)
		}
	}
	return st
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC().Truncate(time.Millisecond)
	return &u
}

// publish sends the status to subscribers when it changed.
func (a *Agent) publish() {
	st := a.status()
	if reflect.DeepEqual(st, a.last) {
		return
	}
	a.last = st
	for ch := range a.subs {
		offer(ch, st)
	}
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

// Subscribe follows status changes (the local API's /v1/events).
func (a *Agent) Subscribe() (<-chan localapi.Status, func()) {
	ch := make(chan localapi.Status, 1)
	ok := a.call(context.Background(), func() {
		a.subs[ch] = struct{}{}
		offer(ch, a.status())
	}) == nil
	if !ok {
		close(ch)
		return ch, func() {}
	}
	cancel := func() {
		_ = a.call(context.Background(), func() {
			if _, live := a.subs[ch]; live {
				delete(a.subs, ch)
				close(ch)
			}
		})
	}
	return ch, cancel
}

func (a *Agent) closeSubscribers() {
	for ch := range a.subs {
		delete(a.subs, ch)
		close(ch)
	}
}
