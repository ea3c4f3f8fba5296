package agent

import (
	"context"
	"fmt"
	"time"

	"github.com/walkme/session-agent/agent/auth"
	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/agent/session"
)

// Products draw their sign-in from the agent (docs/products.md): POST
// /v1/token hands them the access token of the agent's last renewal, never
// the refresh token. The access token is replaced only by renewals on the
// rules' cadence; a token request is at most a presence heartbeat, and the
// renewal that a product opening calls for (R5) is the rules' doing.
const (
	// minTokenLife is the least validity a handed-out token has left (or a
	// quarter of its lifetime, when that is shorter): a token about to
	// expire would fail the product's first call.
	minTokenLife = 10 * time.Second
	// tokenWait bounds how long a request waits for a renewal that is under
	// way or about to start (a product opening renews within ~2 s).
	tokenWait = 20 * time.Second
)

// useTokens takes the tokens of a sign-in or renewal into use. Loop
// goroutine only.
func (a *Agent) useTokens(tok *auth.Token) {
	a.refresh, a.access, a.accessExp = tok.RefreshToken, tok.AccessToken, tok.AccessExpiry
	a.accessAt = a.now()
}

// accessValid reports whether the cached access token has enough life left
// to hand out at now. Loop goroutine only.
func (a *Agent) accessValid(now time.Time) bool {
	if a.access == "" {
		return false
	}
	if a.accessExp.IsZero() {
		return true // the provider did not say: the resource server will
	}
	margin := min(minTokenLife, a.accessExp.Sub(a.accessAt)/4)
	return now.Add(margin).Before(a.accessExp)
}

// Token answers a product's token request: the cached access token while it
// is valid for minTokenLife more; otherwise it waits (up to tokenWait) for a
// renewal that is under way or due, or refuses with a reason.
func (a *Agent) Token(ctx context.Context, req localapi.TokenRequest) (localapi.TokenResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, tokenWait)
	defer cancel()
	updates, unsubscribe := a.Subscribe()
	defer unsubscribe()
	first := true
	for {
		var ans tokenAnswer
		if err := a.call(ctx, func() {
			ans = a.tokenNow(req, first)
		}); err != nil {
			return localapi.TokenResponse{}, fmt.Errorf("waiting for the agent: %w", err)
		}
		first = false
		if !ans.wait {
			return ans.resp, ans.err
		}
		select {
		case <-updates:
		case <-ctx.Done():
			return localapi.TokenResponse{}, ans.err
		}
	}
}

// tokenAnswer is one look at the agent's state for a token request: a
// token, or a refusal; wait says whether the refusal may turn into a token
// soon (a renewal is out or about to start).
type tokenAnswer struct {
	resp localapi.TokenResponse
	err  error
	wait bool
}

// tokenNow decides a token request. The heartbeat is recorded once, on the
// first look (first). Loop goroutine only.
func (a *Agent) tokenNow(req localapi.TokenRequest, first bool) tokenAnswer {
	refuse := func(code, msg string, retry time.Time) tokenAnswer {
		return tokenAnswer{err: &localapi.Refusal{Code: code, Message: msg, RetryAt: retry}}
	}
	if a.starting {
		return refuse(localapi.RefusedStarting, "the agent is still reading the stored session from the keychain", time.Time{})
	}
	v := a.m.View()
	switch {
	case v.Session == nil:
		msg := "signed out"
		if r := apiReason(v.SignedOutReason); r != localapi.ReasonNone {
			msg += " (" + r + ")"
		}
		return refuse(localapi.RefusedSignedOut, msg+": sign in with `walkme-agent login` or the tray", time.Time{})
	case v.Asleep || v.LidClosed:
		return refuse(localapi.RefusedAsleep, "the machine is asleep or its lid is closed", time.Time{})
	}
	now := a.now()
	if first && req.Source != "" {
		a.carryOut(a.m.Heartbeat(now, req.Source, time.Duration(req.TTLSeconds)*time.Second))
		v = a.m.View()
		if v.Session == nil { // the heartbeat's decision ended it (R11)
			return refuse(localapi.RefusedSignedOut, "signed out (expired)", time.Time{})
		}
	}
	if a.accessValid(now) {
		return tokenAnswer{resp: localapi.TokenResponse{
			AccessToken: a.access, TokenType: "Bearer", ExpiresAt: timePtr(a.accessExp),
			User: v.Session.User, State: apiState(v.State),
		}}
	}
	if !v.NetworkUp {
		return refuse(localapi.RefusedOffline, "offline, and the last access token has expired: ask again when the network is back", time.Time{})
	}
	return a.awaitRenewal(v, now)
}

// awaitRenewal refuses a request that finds no valid token while online,
// and says whether the next renewal is near enough to wait for.
func (a *Agent) awaitRenewal(v session.View, now time.Time) tokenAnswer {
	msg := "no unexpired access token until the next renewal"
	if v.LastError != "" {
		msg += " (last renewal: " + v.LastError + ")"
	}
	ans := tokenAnswer{err: &localapi.Refusal{Code: localapi.RefusedUnavailable, Message: msg, RetryAt: v.NextRenewal}}
	ans.wait = v.Renewing || (!v.NextRenewal.IsZero() && v.NextRenewal.Sub(now) < tokenWait)
	return ans
}
