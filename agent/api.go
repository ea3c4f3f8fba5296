package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/walkme/session-agent/agent/auth"
	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/agent/session"
)

// The Agent is the local API's backend.
var _ localapi.Backend = (*Agent)(nil)

// pendingLogin is a sign-in under way: a browser's or a device code's.
type pendingLogin struct {
	start localapi.LoginStart
	wait  func(context.Context) (*auth.Token, error)
	close func()
	done  chan struct{}
	err   error
}

// Login starts a sign-in, or returns the one under way: one at a time.
func (a *Agent) Login(ctx context.Context, req localapi.LoginRequest) (localapi.LoginStart, error) {
	var cur *pendingLogin
	var refused error
	if err := a.call(ctx, func() {
		cur = a.login
		switch st := a.status(); {
		case a.starting:
			refused = errors.New("the agent is still reading the stored session from the keychain: try again when `walkme-agent status` no longer says starting")
		case a.opts.Config.ServerURL == "":
			refused = errors.New("ServerURL is not configured (set it in the config file or managed policy)")
		case st.SignedIn():
			// Signing in over a live session would orphan it on the server.
			refused = fmt.Errorf("already signed in as %s: sign out first", st.User)
		}
	}); err != nil {
		return localapi.LoginStart{}, err
	}
	if refused != nil {
		return localapi.LoginStart{}, fmt.Errorf("%w: %v", localapi.ErrConflict, refused)
	}
	if cur != nil {
		return cur.start, nil
	}
	// Discovery and the device request go over the network: not on the loop.
	p, err := a.startLogin(ctx, req.Device)
	if err != nil {
		return localapi.LoginStart{}, err
	}
	var winner *pendingLogin
	if err := a.call(ctx, func() {
		if a.login == nil {
			a.login = p
		}
		winner = a.login
	}); err != nil {
		p.close()
		return localapi.LoginStart{}, err
	}
	if winner != p { // another client started one meanwhile
		p.close()
		return winner.start, nil
	}
	go a.awaitLogin(p)
	return p.start, nil
}

func (a *Agent) startLogin(ctx context.Context, device bool) (*pendingLogin, error) {
	p := &pendingLogin{done: make(chan struct{}), close: func() {}}
	if device {
		d, err := a.opts.Auth.StartDeviceLogin(ctx)
		if err != nil {
			return nil, fmt.Errorf("device sign-in: %w", err)
		}
		exp := d.Expiry()
		p.start = localapi.LoginStart{UserCode: d.UserCode(), VerificationURI: d.VerificationURI(),
			VerificationURIComplete: d.VerificationURIComplete(), ExpiresAt: &exp}
		d.InUse = a.productOpen
		p.wait = d.Wait
		return p, nil
	}
	// The loopback listener lives until awaitLogin closes it, not with
	// this request.
	l, err := a.opts.Auth.StartLogin(context.WithoutCancel(ctx))
	if err != nil {
		return nil, err
	}
	p.start = localapi.LoginStart{AuthURL: l.AuthURL()}
	l.InUse = a.productOpen
	p.wait, p.close = l.Wait, l.Close
	return p, nil
}

// productOpen says whether a WalkMe product is open, from the published
// status (safe off the loop): a sign-in reports it to the server.
func (a *Agent) productOpen() bool { return a.Status().Presence.Open }

// awaitLogin waits for the browser (or the device code's approval), stores
// the new session in the keychain, then signs in on the loop. It ends with
// the agent.
func (a *Agent) awaitLogin(p *pendingLogin) {
	defer close(p.done)
	ctx, cancel := context.WithTimeout(a.ctx, 15*time.Minute)
	defer cancel()
	tok, err := p.wait(ctx)
	p.close()
	var s session.Session
	if err == nil {
		err = a.call(context.Background(), func() {
			s = session.Session{User: tok.User, ServerURL: a.opts.Config.ServerURL, LastRenewal: a.now(), Timeout: tok.SessionTTL}
			if s.Timeout <= 0 {
				s.Timeout = a.opts.Config.InactivityTimeout
			}
		})
		if err == nil {
			err = a.keepSignIn(tok, s)
		}
	}
	callErr := a.call(context.Background(), func() {
		defer func() { a.login = nil }()
		if p.err = err; err != nil {
			a.log.Warn("sign-in failed", "err", err)
			return
		}
		a.useTokens(tok)
		a.log.Info("signed in", "user", s.User)
		a.carryOut(a.m.SignIn(a.now(), s))
	})
	if callErr != nil {
		p.err = callErr
		if err == nil { // the agent stopped with a fresh session in hand: end it
			_ = a.revoke(context.Background(), tok.RefreshToken)
		}
	}
}

// keepSignIn writes a new session to the keychain before it is used (off the
// loop: the keychain may take seconds). A session the keychain refused is
// nobody's: it is revoked on the server at once, and the entry, which a
// write that timed out may still create, is deleted.
func (a *Agent) keepSignIn(tok *auth.Token, s session.Session) error {
	b, err := a.newRecord(tok.RefreshToken, s).marshal()
	if err == nil {
		err = <-a.keeper.put(b)
	}
	if err == nil {
		return nil
	}
	a.log.Error("store token after sign-in; ending the new session on the server", "err", err)
	a.keeper.put(nil)
	if rerr := a.revoke(a.ctx, tok.RefreshToken); rerr != nil {
		return fmt.Errorf("the session could not be stored in the keychain (%v), and %v", err, rerr)
	}
	return fmt.Errorf("the session could not be stored in the keychain (%v); it was ended on the server: sign in again once the keychain works", err)
}

// LoginWait waits for the pending sign-in to end.
func (a *Agent) LoginWait(ctx context.Context) (localapi.Status, error) {
	var p *pendingLogin
	if err := a.call(ctx, func() { p = a.login }); err != nil {
		return localapi.Status{}, err
	}
	if p != nil {
		select {
		case <-p.done:
		case <-ctx.Done():
			return localapi.Status{}, ctx.Err()
		}
		if p.err != nil {
			return a.Status(), p.err
		}
	}
	return a.Status(), nil
}

// Logout ends the session (R8): at once here (keychain entry deleted, state
// signed_out), then on the server, outside the loop, before it returns.
func (a *Agent) Logout(ctx context.Context) error {
	var token string
	var deleted <-chan error
	var refused error
	if err := a.call(ctx, func() {
		if a.starting {
			refused = fmt.Errorf("%w: the agent is still reading the stored session from the keychain: try again in a moment", localapi.ErrConflict)
			return
		}
		token = a.refresh
		a.carryOut(a.m.Logout(a.now()))
		deleted = a.deleted
	}); err != nil {
		return err
	}
	if refused != nil || token == "" {
		return refused
	}
	a.awaitDelete(ctx, deleted)
	// Not tied to the request: a client that gives up must not leave the
	// session alive on the server.
	if err := a.revoke(context.WithoutCancel(ctx), token); err != nil {
		return a.call(ctx, func() {
			a.carryOut(a.keepRevocation(token))
			a.m.SetError(err.Error())
		})
	}
	return nil
}

// Renew renews now, and waits for the result.
func (a *Agent) Renew(ctx context.Context) error {
	a.log.Info("renewal requested through the local API")
	var ok bool
	if err := a.call(ctx, func() {
		var act session.Action
		act, ok = a.m.RenewNow(a.now())
		a.carryOut(act)
	}); err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: not signed in, asleep, or offline", localapi.ErrConflict)
	}
	return a.waitRenewal(ctx)
}

// waitRenewal waits until no renewal is in flight and reports its outcome.
func (a *Agent) waitRenewal(ctx context.Context) error {
	updates, cancel := a.Subscribe()
	defer cancel()
	for {
		var busy bool
		var st localapi.Status
		if err := a.call(ctx, func() { busy, st = a.m.View().Renewing, a.status() }); err != nil {
			return err
		}
		if !busy {
			if st.LastError != "" {
				return errors.New(st.LastError)
			}
			return nil
		}
		select {
		case <-updates:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Presence records a heartbeat from a WalkMe product.
func (a *Agent) Presence(source string, ttl time.Duration) error {
	return a.call(context.Background(), func() {
		a.carryOut(a.m.Heartbeat(a.now(), source, ttl))
	})
}
