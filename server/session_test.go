package server_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/walkme/session-agent/server"
)

// R6: a session lapses one timeout after its last renewal, and the server
// says when in refresh_token_expires_in.
func TestSessionLapsesAfterTimeout(t *testing.T) {
	e := newEnv(t, false)
	e.setTimeout("15m")
	tk := e.login("user@acme.test")
	if tk.RefreshTokenExpiresIn != 15*60 {
		t.Fatalf("refresh_token_expires_in = %d, want 900", tk.RefreshTokenExpiresIn)
	}
	// Renewing inside the window moves the deadline.
	e.clock.Advance(14 * time.Minute)
	tk = e.mustRefresh(tk.RefreshToken)
	if tk.RefreshTokenExpiresIn != 15*60 {
		t.Fatalf("after renewal refresh_token_expires_in = %d, want 900", tk.RefreshTokenExpiresIn)
	}
	e.clock.Advance(time.Duration(tk.RefreshTokenExpiresIn)*time.Second - time.Second)
	if !e.active(tk.RefreshToken) {
		t.Fatal("session lapsed before its deadline")
	}
	e.clock.Advance(time.Second)
	if e.active(tk.RefreshToken) {
		t.Error("refresh token active at the deadline")
	}
	e.mustRefuse(tk.RefreshToken, "refresh at the deadline")
}

// R3: a change applies to live sessions from the moment it is saved, but
// never cuts off a client renewing on the cadence it was given
// (docs/design.md, "a timeout change"): an idle session lapses one new
// timeout after the later of its last use and the change; one in use gets
// until its next renewal plus the new timeout.
func TestTimeoutChangeAppliesToLiveSessions(t *testing.T) {
	e := newEnv(t, false)
	user := e.login("user@acme.test")
	idle := e.login("user@acme.test")
	other := e.login("admin@globex.test")
	// The idle session's closing renewal at 1m: nothing open any more.
	e.clock.Advance(time.Minute)
	idle = e.refreshWith(idle.RefreshToken, url.Values{server.ParamInUse: {"false"}})
	// The user's product is open: renewals every 15m (24h timeout).
	e.clock.Advance(14 * time.Minute)
	user = e.mustRefresh(user.RefreshToken) // at 15m
	e.clock.Advance(5 * time.Minute)
	e.setTimeout("15m") // at 20m
	// The next renewal on the old cadence, at 30m (after 15m of the new
	// timeout from the last one), is accepted and carries the new timeout.
	e.clock.Advance(10 * time.Minute)
	got := e.mustRefresh(user.RefreshToken)
	if got.RefreshTokenExpiresIn != 15*60 || got.InactivityTimeout != 15*60 {
		t.Errorf("renewal after the change: expires in %d, timeout %d; want 900 and 900", got.RefreshTokenExpiresIn, got.InactivityTimeout)
	}
	// Idle since 1m: lapses at 20m + 15m.
	e.clock.Advance(5*time.Minute - time.Second)
	if !e.active(idle.RefreshToken) {
		t.Fatal("the idle session lapsed before the new timeout ran from the change")
	}
	e.clock.Advance(time.Second)
	if e.active(idle.RefreshToken) {
		t.Fatal("the idle session outlived the new timeout after the change")
	}
	// Another account is untouched.
	if got := e.mustRefresh(other.RefreshToken); got.RefreshTokenExpiresIn != 24*3600 {
		t.Errorf("other account's refresh_token_expires_in = %d, want 24h", got.RefreshTokenExpiresIn)
	}
	// A longer timeout shows in the next renewal's expiry.
	fresh := e.login("user@acme.test")
	e.setTimeout("8h")
	if got := e.mustRefresh(fresh.RefreshToken); got.RefreshTokenExpiresIn != 8*3600 {
		t.Errorf("refresh_token_expires_in = %d after change to 8h", got.RefreshTokenExpiresIn)
	}
}

// A sign-in with nothing open (in_use=false on the code exchange) starts
// idle: a timeout change lapses it one new timeout after the later of the
// sign-in and the change, not a cadence later.
func TestIdleSignInFollowsTheChange(t *testing.T) {
	e := newEnv(t, false)
	p := newPKCE()
	code := e.signIn("user@acme.test", p)
	tk := e.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {p.verifier},
		"redirect_uri": {redirectURI}, server.ParamInUse: {"false"}})
	if tk.status != 200 {
		t.Fatalf("exchange: %d %s", tk.status, tk.Error)
	}
	e.clock.Advance(time.Minute)
	e.setTimeout("15m") // at 1m
	e.clock.Advance(15*time.Minute - time.Second)
	if !e.active(tk.RefreshToken) {
		t.Fatal("lapsed before the new timeout ran from the change")
	}
	e.clock.Advance(time.Second)
	if e.active(tk.RefreshToken) {
		t.Fatal("an idle sign-in outlived the new timeout after the change")
	}
}

// R10 on the server: a renewal reports how long ago the user last used a
// product, and the deadline counts from then, so a closing renewal that
// gets through late still lapses one timeout after the close.
func TestRenewalCountsFromLastUse(t *testing.T) {
	e := newEnv(t, true)
	e.setTimeout("20s")
	tk := e.login("user@acme.test")
	e.clock.Advance(10 * time.Second)
	// The product closed 9 s ago; the closing renewal only gets through now.
	tk = e.refreshWith(tk.RefreshToken, url.Values{server.ParamIdleSeconds: {"9"}, server.ParamInUse: {"false"}})
	if tk.status != 200 || tk.RefreshTokenExpiresIn != 11 || tk.InactivityTimeout != 20 {
		t.Fatalf("late closing renewal: %d %s, expires in %d, timeout %d; want 11 s left of 20", tk.status, tk.Error, tk.RefreshTokenExpiresIn, tk.InactivityTimeout)
	}
	e.clock.Advance(11 * time.Second)
	if e.active(tk.RefreshToken) {
		t.Fatal("active one timeout after the close")
	}
	for _, bad := range []url.Values{{server.ParamIdleSeconds: {"-1"}}, {server.ParamIdleSeconds: {"NaN"}}, {server.ParamInUse: {"maybe"}}} {
		tk := e.login("user@acme.test")
		if got := e.refreshWith(tk.RefreshToken, bad); got.status != 400 || got.Error != "invalid_request" {
			t.Errorf("refresh with %v: %d %s, want 400 invalid_request", bad, got.status, got.Error)
		}
	}
}

// R4 and R8: after a revocation, every token of the session is dead.
func TestRevokeEndsWholeSession(t *testing.T) {
	for _, which := range []string{"refresh", "access"} {
		t.Run(which, func(t *testing.T) {
			e := newEnv(t, false)
			t0 := e.login("user@acme.test")
			t1 := e.mustRefresh(t0.RefreshToken)
			second := e.login("user@acme.test") // another sign-in: another session
			if which == "refresh" {
				e.revoke(t1.RefreshToken)
			} else {
				e.revoke(t0.AccessToken)
			}
			for name, tok := range map[string]string{"access 0": t0.AccessToken, "access 1": t1.AccessToken,
				"refresh 0": t0.RefreshToken, "refresh 1": t1.RefreshToken} {
				if e.active(tok) {
					t.Errorf("%s still active after revoke", name)
				}
			}
			if got := e.refresh(t1.RefreshToken); got.status != 400 || got.Error != "invalid_grant" {
				t.Errorf("refresh after revoke: %d %q, want 400 invalid_grant", got.status, got.Error)
			}
			if resp := e.do("GET", e.url("/userinfo"), nil, t1.AccessToken); resp.StatusCode != 401 {
				t.Errorf("userinfo after revoke: %s", resp.Status)
			}
			if !e.active(second.AccessToken) {
				t.Error("revoking one session ended another")
			}
		})
	}
}

func TestRevokeUnknownTokenIs200(t *testing.T) {
	e := newEnv(t, false)
	e.revoke("no-such-token")
	e.revoke("a.b.c")
	if resp := e.do("POST", e.url("/revoke"), url.Values{}, ""); resp.StatusCode != 400 {
		t.Errorf("revoke without token: %s, want 400", resp.Status)
	}
}

// R4 after a lapse: access tokens still inside their own lifetime die too.
func TestLapseDeactivatesAccessTokens(t *testing.T) {
	e := newEnv(t, true)
	e.setTimeout("10s")
	tk := e.login("user@acme.test")
	if tk.ExpiresIn != 10 {
		t.Errorf("expires_in = %d, want min(20m, timeout) = 10", tk.ExpiresIn)
	}
	e.clock.Advance(10 * time.Second)
	if e.active(tk.AccessToken) || e.active(tk.RefreshToken) {
		t.Error("tokens of a lapsed session are active")
	}
}

// R4 after a lapse, with an access token whose own expiry is later: a
// closing renewal 6 s after sign-in that reports the user left at sign-in
// sets the deadline 4 s ahead, while its access token runs 10 s. Past the deadline, userinfo and
// introspection refuse that token at once (the products the agent handed it
// to are signed out with the session).
func TestLapseRefusesUnexpiredAccessTokens(t *testing.T) {
	e := newEnv(t, true)
	e.setTimeout("10s")
	tk := e.login("user@acme.test")
	e.clock.Advance(6 * time.Second)
	closing := e.refreshWith(tk.RefreshToken, url.Values{server.ParamInUse: {"false"}, server.ParamIdleSeconds: {"6"}})
	if closing.Error != "" || closing.ExpiresIn != 10 || closing.RefreshTokenExpiresIn != 4 {
		t.Fatalf("closing renewal: %q expires_in=%d refresh_token_expires_in=%d, want 10 and 4", closing.Error, closing.ExpiresIn, closing.RefreshTokenExpiresIn)
	}
	if resp := e.do("GET", e.url("/userinfo"), nil, closing.AccessToken); resp.StatusCode != 200 {
		t.Fatalf("userinfo before the deadline: %s", resp.Status)
	}
	e.clock.Advance(5 * time.Second)
	if e.active(closing.AccessToken) {
		t.Error("introspection: the access token of a lapsed session is active")
	}
	if resp := e.do("GET", e.url("/userinfo"), nil, closing.AccessToken); resp.StatusCode != 401 {
		t.Errorf("userinfo with the access token of a lapsed session: %s, want 401", resp.Status)
	}
}

// The source document's example (R8): 15-minute timeout, sign-out after 2
// minutes, WalkMe reopened 13 minutes later: signed out.
func TestSeedExample(t *testing.T) {
	e := newEnv(t, false)
	e.setTimeout("15m")
	tk := e.login("user@acme.test")
	e.clock.Advance(2 * time.Minute)
	e.revoke(tk.RefreshToken)
	e.clock.Advance(13 * time.Minute)
	e.mustRefuse(tk.RefreshToken, "refresh 13 min after sign-out")
}
