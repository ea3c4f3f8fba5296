package agent_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
)

// refusedWith asserts that err is the agent's 409 refusal with code.
func refusedWith(t *testing.T, err error, code string) {
	t.Helper()
	var ae *localapi.APIError
	if !errors.As(err, &ae) || ae.Code != 409 || ae.Reason != code {
		t.Fatalf("token request: %v (%#v), want a 409 refusal with code %q", err, ae, code)
	}
}

// A product's token request hands it the access token of the agent's last
// renewal (never the refresh token), counts as that product's heartbeat,
// and does not renew by itself; sign-out refuses further requests, and the
// server refuses the token the product held at once.
func TestTokenForProducts(t *testing.T) {
	r := newRig(t, time.Hour)
	ctx := context.Background()
	_, err := r.client.Token(ctx, localapi.TokenRequest{})
	refusedWith(t, err, localapi.RefusedSignedOut)

	r.signIn(t)
	before := r.tokens.Load()
	tok, err := r.client.Token(ctx, localapi.TokenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.User != email || tok.State != localapi.StateIdle {
		t.Fatalf("token answer %+v, want a Bearer token for %s while idle", tok, email)
	}
	if tok.AccessToken == r.lastIssued(t) {
		t.Fatal("the agent handed out its refresh token")
	}
	if tok.ExpiresAt == nil || !tok.ExpiresAt.After(time.Now().Add(time.Minute)) {
		t.Fatalf("expires_at %v, want the access token's expiry", tok.ExpiresAt)
	}
	if !r.active(t, tok.AccessToken) {
		t.Fatal("the server does not know the handed-out access token")
	}
	again, err := r.client.Token(ctx, localapi.TokenRequest{})
	if err != nil || again.AccessToken != tok.AccessToken {
		t.Fatalf("a second request: %v, a different token: %v", err, again.AccessToken != tok.AccessToken)
	}
	if n := r.tokens.Load(); n != before {
		t.Fatalf("token requests without a source sent %d requests to the server's /token, want none", n-before)
	}

	// With a source it is a heartbeat: the product counts as open. It is
	// not a renewal (the session was renewed at sign-in, under a minute
	// ago, so the rules do not renew for the opening either).
	if _, err := r.client.Token(ctx, localapi.TokenRequest{Source: "browser:tab", TTLSeconds: 60}); err != nil {
		t.Fatal(err)
	}
	st := r.a.Status()
	if st.State != localapi.StateActive || len(st.Presence.Sources) != 1 || st.Presence.Sources[0] != "browser:tab" {
		t.Fatalf("after a token request with a source: %s, presence %v; want active from that source", st.State, st.Presence.Sources)
	}
	if n := r.tokens.Load(); n != before || st.Renewals != 0 {
		t.Fatalf("token requests renewed: %d requests to /token, %d renewals", n-before, st.Renewals)
	}
	// A renewal replaces the token that products get.
	if _, err := r.client.Renew(ctx); err != nil {
		t.Fatal(err)
	}
	renewed, err := r.client.Token(ctx, localapi.TokenRequest{Source: "browser:tab", TTLSeconds: 60})
	if err != nil {
		t.Fatal(err)
	}
	if renewed.AccessToken == tok.AccessToken {
		t.Fatal("after a renewal the agent still hands out the old access token")
	}

	if _, err := r.client.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = r.client.Token(ctx, localapi.TokenRequest{Source: "browser:tab", TTLSeconds: 60})
	refusedWith(t, err, localapi.RefusedSignedOut)
	if r.active(t, renewed.AccessToken) {
		t.Fatal("the server still accepts the access token of a signed-out session")
	}
}

// Malformed token requests are the caller's fault (400), not a refusal.
func TestTokenRequestChecked(t *testing.T) {
	r := newRig(t, time.Hour)
	for _, req := range []localapi.TokenRequest{
		{Source: "tab"},                  // no TTL
		{TTLSeconds: 5},                  // TTL without a source
		{Source: "tab", TTLSeconds: 1e6}, // over an hour
	} {
		_, err := r.client.Token(context.Background(), req)
		var ae *localapi.APIError
		if !errors.As(err, &ae) || ae.Code != 400 {
			t.Errorf("token request %+v: %v, want 400", req, err)
		}
	}
}
