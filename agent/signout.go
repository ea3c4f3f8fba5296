package agent

import (
	"context"
	"errors"
	"time"

	"github.com/walkme/session-agent/agent/auth"
	"github.com/walkme/session-agent/agent/session"
)

// A sign-out the server could not be told of (offline at the click) is
// pending: its token stays in the keychain entry as a pending revocation —
// never restored as a session, used for nothing but revoking — and is sent
// whenever the machine asks (Action.Revoke: the network is up), until the
// server confirms. The status says "sign-out pending" meanwhile.

type revokeResult struct {
	token string
	err   error
}

// keepRevocation records token as pending, in memory and in the keychain.
// Loop goroutine only.
func (a *Agent) keepRevocation(token string) session.Action {
	a.pendingRevoke = token
	a.storePending()
	return a.m.RevokeFailed(a.now())
}

// storePending writes the keychain entry as it stands: the live session's
// record (which carries the pending revocation along), or the pending
// revocation alone, or nothing. It returns the first write's outcome.
// Loop goroutine only.
func (a *Agent) storePending() <-chan error {
	if v := a.m.View(); v.Session != nil && a.refresh != "" {
		if b, err := a.newRecord(a.refresh, *v.Session).marshal(); err == nil {
			return a.keeper.put(b)
		}
	}
	if a.pendingRevoke == "" {
		return a.keeper.put(nil)
	}
	b, err := record{Version: recordVersion, ServerURL: a.opts.Config.ServerURL, PendingRevocation: a.pendingRevoke}.marshal()
	if err != nil {
		return a.keeper.put(nil)
	}
	return a.keeper.put(b)
}

// startRevoke sends the pending revocation off the loop. Loop goroutine only.
func (a *Agent) startRevoke() {
	ctx, token := a.ctx, a.pendingRevoke
	if token == "" {
		a.carryOut(a.m.RevokeDone(a.now()))
		return
	}
	go func() {
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		err := a.opts.Auth.Revoke(rctx, token)
		select {
		case a.revoked <- revokeResult{token: token, err: err}:
		case <-a.stopped:
		}
	}()
}

// finishRevoke ends the pending state once the server confirmed (or the
// provider offers no revocation). Loop goroutine only.
func (a *Agent) finishRevoke(r revokeResult) session.Action {
	if r.err != nil && !errors.Is(r.err, auth.ErrRevocationUnsupported) {
		a.log.Warn("pending sign-out still not sent; trying again", "err", r.err)
		return a.m.RevokeFailed(a.now())
	}
	a.log.Info("pending sign-out sent: the server ended the session")
	if a.pendingRevoke == r.token {
		a.pendingRevoke = ""
		a.storePending()
	}
	a.m.SetError("")
	return a.m.RevokeDone(a.now())
}
