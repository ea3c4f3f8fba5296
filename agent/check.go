package agent

import (
	"context"
	"errors"
	"time"

	"github.com/walkme/session-agent/agent/auth"
	"github.com/walkme/session-agent/agent/session"
)

// The idle check: with nothing open, the machine asks once per cadence
// whether the server still holds the session (RFC 7662 introspection of the
// refresh token, which never renews it: R6). A session the server ended —
// a lowered timeout, an admin, a revocation elsewhere — then shows as
// signed_out and its token is deleted within one cadence.

type checkResult struct {
	presented string // the refresh token asked about
	res       auth.Introspection
	err       error
}

// startCheck asks off the loop. Loop goroutine only.
func (a *Agent) startCheck() {
	ctx, token := a.ctx, a.refresh
	go func() {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		res, err := a.opts.Auth.Introspect(cctx, token)
		select {
		case a.checked <- checkResult{presented: token, res: res, err: err}:
		case <-a.stopped:
		}
	}()
}

// finishCheck tells the machine the answer. Loop goroutine only.
func (a *Agent) finishCheck(r checkResult) session.Action {
	now := a.now()
	switch {
	case r.presented != a.refresh:
		// The token rotated (or the session ended) meanwhile: the answer
		// is about an older one.
		return a.m.CheckDone(now, session.CheckFailed, 0)
	case errors.Is(r.err, auth.ErrIntrospectionUnsupported):
		a.log.Info("the provider cannot be asked whether the session is live; an idle session is only followed locally")
		return a.m.CheckDone(now, session.CheckUnsupported, 0)
	case r.err != nil:
		a.log.Debug("session check failed", "err", r.err)
		return a.m.CheckDone(now, session.CheckFailed, 0)
	case !r.res.Active:
		a.log.Info("the server ended the session")
		return a.m.CheckDone(now, session.CheckEnded, 0)
	}
	before := a.m.View().LapsesAt
	act := a.m.CheckDone(now, session.CheckLive, r.res.Left)
	if v := a.m.View(); v.Session != nil && !v.LapsesAt.Equal(before) {
		// The server moved the deadline (a lowered timeout): a restart
		// must lapse there too (R11).
		a.log.Info("the server moved the deadline", "lapses_at", a.opts.Wall(v.LapsesAt).Format(time.RFC3339))
		a.storePending()
	}
	return act
}
