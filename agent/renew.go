package agent

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"time"

	"github.com/walkme/session-agent/agent/auth"
	"github.com/walkme/session-agent/agent/session"
)

type renewResult struct {
	sentAt    time.Time
	presented string // the refresh token the request carried
	token     *auth.Token
	err       error
}

// startRenewal refreshes the token in the background; the loop goes on
// answering the local API meanwhile and receives the result on a.results.
func (a *Agent) startRenewal() {
	ctx := a.ctx
	sentAt := a.now()
	// Re-read the keychain first: the token there is the truth. Then mark
	// the renewal as under way there (see record.RenewingSince).
	if b, err := a.opts.Keychain.Get(ctx); err == nil {
		if rec, err := parseRecord(b); err == nil {
			a.refresh = rec.RefreshToken
			rec.RenewingSince = &sentAt
			if b, err := rec.marshal(); err == nil {
				if err := a.opts.Keychain.Set(ctx, b); err != nil {
					a.log.Warn("mark the renewal in the keychain", "err", err)
				}
			}
		}
	}
	refresh := a.refresh
	go func() {
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		tok, err := a.opts.Auth.Refresh(rctx, refresh)
		// Every answer reaches the loop while it runs, so the machine never
		// waits for one that was dropped.
		select {
		case a.results <- renewResult{sentAt: sentAt, presented: refresh, token: tok, err: err}:
		case <-a.stopped:
		}
	}()
}

// finishRenewal stores a rotated token before anything uses it, then tells
// the machine how the renewal went.
func (a *Agent) finishRenewal(r renewResult) session.Action {
	now := a.now()
	if r.presented != a.refresh || a.refresh == "" {
		// The session this renewal was for has ended (a sign-out, or a new
		// sign-in while it was out): its answer must not touch the current one.
		a.log.Info("dropped the answer to a renewal of an ended session")
		return session.Action{}
	}
	if r.err != nil {
		kind := classify(r.err)
		a.log.Warn("renewal failed", "kind", kindName(kind), "err", r.err)
		return a.m.RenewFailed(now, kind, r.err.Error())
	}
	v := a.m.View()
	if v.Session == nil {
		return session.Action{} // ended while the request was out
	}
	s := *v.Session
	s.LastRenewal = r.sentAt
	s.Timeout = r.token.SessionTTL
	if s.Timeout <= 0 {
		s.Timeout = a.opts.Config.InactivityTimeout
	}
	if r.token.User != "" {
		s.User = r.token.User
	}
	if err := a.store(r.token.RefreshToken, s); err != nil {
		// The server keeps the previous token redeemable for a short grace,
		// answering with this same successor: a retry recovers.
		a.log.Error("store rotated token", "err", err)
		return a.m.RenewFailed(now, session.Transient, fmt.Sprintf("keychain: %v", err))
	}
	a.access = r.token.AccessToken
	a.log.Info("renewed", "lapses_at", s.LapsesAt().Format(time.RFC3339))
	return a.m.RenewSucceeded(now, s.User, s.Timeout)
}

// store writes the refresh token and session metadata to the keychain.
func (a *Agent) store(refresh string, s session.Session) error {
	b, err := newRecord(refresh, s).marshal()
	if err != nil {
		return err
	}
	if err := a.opts.Keychain.Set(a.ctx, b); err != nil {
		return err
	}
	a.refresh = refresh
	return nil
}

// classify sorts a renewal error: the server ended the session, the network
// failed, or something else went wrong that a retry may fix.
func classify(err error) int {
	var ne net.Error
	var oe *net.OpError
	var de *net.DNSError
	switch {
	case auth.IsRejected(err):
		return session.Rejected
	case errors.As(err, &oe), errors.As(err, &de), errors.As(err, &ne) && ne.Timeout():
		return session.Unreachable
	}
	return session.Transient
}

func kindName(kind int) string {
	switch kind {
	case session.Rejected:
		return "rejected"
	case session.Unreachable:
		return "unreachable"
	}
	return "transient"
}

func jitter() float64 { return rand.Float64() }
