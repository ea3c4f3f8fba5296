package agent

import (
	"context"
	"crypto/rand"
	"errors"
	mrand "math/rand/v2"
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
// Loop goroutine only.
func (a *Agent) startRenewal(use session.Usage) {
	ctx := a.ctx
	sentAt := a.now()
	refresh := a.refresh
	reqID := a.renewRequest()
	// The machine bounds the wait (a cadence, never past the lapse); on the
	// session clock, so the timeout is taken as a duration from now.
	wait := a.m.RenewBy().Sub(sentAt)
	// Mark the renewal as under way in the keychain before sending it (see
	// record.RenewingSince): an agent that dies before storing the answer
	// then knows at its next start that the stored token may be superseded.
	var marked <-chan error
	if v := a.m.View(); v.Session != nil {
		rec := a.newRecord(refresh, *v.Session)
		wallSent := a.opts.Wall(sentAt)
		rec.RenewingSince, rec.RenewingRequest = &wallSent, reqID
		if b, err := rec.marshal(); err == nil {
			marked = a.keeper.put(b)
		}
	}
	go func() {
		if marked != nil {
			// The keeper answers within the keychain's own timeout. If the
			// mark fails, renew all the same: the session matters more.
			select {
			case err := <-marked:
				if err != nil && !errors.Is(err, errSuperseded) {
					a.log.Warn("could not mark the renewal in the keychain; renewing all the same", "err", err)
				}
			case <-ctx.Done():
				return
			}
		}
		rctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		tok, err := a.opts.Auth.Refresh(rctx, refresh, auth.Usage{InUse: use.InUse, Idle: use.Idle, RequestID: reqID})
		// Every answer reaches the loop while it runs, so the machine never
		// waits for one that was dropped.
		select {
		case a.results <- renewResult{sentAt: sentAt, presented: refresh, token: tok, err: err}:
		case <-a.stopped:
		}
	}()
}

// renewRequest is the id of the renewals of the current token: every attempt
// to renew one token carries the same id, and a new token gets a new one.
// So a renewal whose answer was lost — to a network error after the server
// rotated, or to a crash before the keychain write, with the id kept in the
// record's mark — is repeated as the same request, and walkme-sessiond
// answers it with the successor it already made, even past the 60 s reuse
// grace, instead of taking the repeat for a stolen token and revoking the
// session. (The alternative, a server that accepts any superseded token
// past the grace while its successor is unused, would also hand the session
// to a thief replaying an old token; the id limits the retry to the client
// that made the request.) Loop goroutine only.
func (a *Agent) renewRequest() string {
	if a.requestFor != a.refresh || a.requestID == "" {
		a.requestID, a.requestFor = rand.Text(), a.refresh
	}
	return a.requestID
}

// rotation is a renewal's answer whose rotated token is being written to the
// keychain: nothing uses the token until the first write has been tried.
type rotation struct {
	token   *auth.Token
	session session.Session
}

// storeResult is the first keychain write of a rotation.
type storeResult struct {
	rot *rotation
	err error
}

// finishRenewal hands a rotated token to the keychain; finishStore then
// tells the machine how the renewal went. Loop goroutine only.
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
		a.log.Warn("renewal failed", "kind", kind.String(), "err", r.err)
		return a.m.RenewFailed(now, kind, r.err.Error())
	}
	s, ok := a.m.RenewedSession(renewal(r.token))
	if !ok {
		return session.Action{} // ended while the request was out
	}
	b, err := a.newRecord(r.token.RefreshToken, s).marshal()
	if err != nil {
		return a.m.RenewFailed(now, session.Transient, err.Error())
	}
	rot := &rotation{token: r.token, session: s}
	a.rotating = rot
	done := a.keeper.put(b)
	go func() {
		select {
		case err := <-done:
			select {
			case a.stored <- storeResult{rot: rot, err: err}:
			case <-a.stopped:
			}
		case <-a.stopped:
		}
	}()
	return session.Action{}
}

// finishStore takes a rotated token into use once its keychain write has
// been tried. If the write failed, the keeper goes on retrying it, and the
// token lives in memory meanwhile: the server has already superseded the
// old one, and presenting that again after its short grace would end the
// session as token theft. Loop goroutine only.
func (a *Agent) finishStore(r storeResult) session.Action {
	if r.rot != a.rotating {
		return session.Action{} // the session ended while the write was out
	}
	a.rotating = nil
	if r.err != nil {
		a.log.Error("store rotated token; keeping it in memory until the keychain takes it", "err", r.err)
	}
	a.useTokens(r.rot.token)
	s := r.rot.session
	a.log.Info("renewed", "lapses_at", s.LapsesAt().Format(time.RFC3339))
	return a.m.Renewed(a.now(), renewal(r.rot.token))
}

// renewal is what the machine needs of a renewal's answer.
func renewal(t *auth.Token) session.Renewal {
	return session.Renewal{User: t.User, TTL: t.SessionTTL, Timeout: t.Timeout}
}

// classify sorts a renewal error: the server ended the session, the network
// failed, or something else went wrong that a retry may fix.
func classify(err error) session.Failure {
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

func jitter() float64 { return mrand.Float64() }
