package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/walkme/session-agent/agent/session"
	"github.com/walkme/session-agent/platform/keychain"
)

// readResult is one attempt to read the stored session at start.
type readResult struct {
	secret []byte
	err    error // nil or keychain.ErrNotFound: done; anything else: retried
}

// readStored reads the keychain entry off the loop, trying again with
// backoff until the keychain answers (it may still be locked at login). Every
// outcome goes to the loop, which shows a failure in the status meanwhile.
func (a *Agent) readStored(ctx context.Context) {
	for failures := 1; ; failures++ {
		b, err := a.opts.Keychain.Get(ctx)
		select {
		case a.restored <- readResult{secret: b, err: err}:
		case <-ctx.Done():
			return
		}
		if err == nil || errors.Is(err, keychain.ErrNotFound) {
			return
		}
		select {
		case <-time.After(a.keeper.backoff(failures)):
		case <-ctx.Done():
			return
		}
	}
}

// applyRestore picks up the session read from the keychain, if any (R11: one
// that lapsed while the agent was not running is deleted without a server
// call). Loop goroutine only.
func (a *Agent) applyRestore(r readResult) session.Action {
	switch {
	case errors.Is(r.err, keychain.ErrNotFound):
		a.starting, a.readErr = false, nil
		return session.Action{}
	case r.err != nil:
		a.log.Error("read keychain; trying again", "err", r.err)
		a.readErr = r.err
		return session.Action{}
	}
	a.starting, a.readErr = false, nil
	rec, err := parseRecord(r.secret)
	if err != nil {
		a.log.Error("stored session unreadable; deleting it", "err", err)
		a.keeper.put(nil)
		return session.Action{}
	}
	if rec.ServerURL != a.opts.Config.ServerURL {
		// Its token belongs to another issuer: never send it to this one.
		// That server lets the session lapse at its timeout.
		a.log.Warn("stored session belongs to another server; deleting it", "stored", rec.ServerURL)
		a.keeper.put(nil)
		return session.Action{}
	}
	now := a.now()
	if rec.PendingRevocation != "" {
		a.log.Info("a sign-out is pending: sending it when the network is up")
		a.pendingRevoke = rec.PendingRevocation
		a.carryOut(a.m.SetRevokePending(now))
	}
	if rec.RefreshToken == "" {
		return session.Action{}
	}
	a.refresh = rec.RefreshToken
	a.log.Info("restored session", "user", rec.User, "lapses_at", rec.LapsesAt)
	act := a.m.SignIn(now, a.restoredSession(rec))
	if act.End != session.NotEnded || rec.RenewingSince == nil {
		return act
	}
	// The last agent died with a renewal out, so the stored token may have
	// been rotated by an answer that never arrived. Collect the successor
	// now: a provider answers the old token with that same successor for a
	// grace after the rotation (60 s for walkme-sessiond).
	if rec.RenewingRequest != "" {
		a.requestID, a.requestFor = rec.RenewingRequest, rec.RefreshToken // repeat the lost request
	}
	a.log.Info("a renewal was interrupted; renewing at once to collect the rotated token",
		"since", now.Sub(a.opts.FromWall(*rec.RenewingSince)).Round(time.Second))
	a.carryOut(act)
	act, _ = a.m.Recover(now)
	return act
}

func keychainMessage(err error) string { return fmt.Sprintf("keychain: %v", err) }
