package server_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/walkme/session-agent/server"
)

// kid is the key ID in a JWT's header.
func kid(t *testing.T, token string) string {
	t.Helper()
	k, _ := jwtPart(t, token, 0)["kid"].(string)
	return k
}

// jwksKids are the key IDs /jwks publishes, in its order.
func (e *env) jwksKids() []string {
	e.t.Helper()
	var set struct{ Keys []struct{ Kid string } }
	if err := json.NewDecoder(e.do("GET", e.url("/jwks"), nil, "").Body).Decode(&set); err != nil {
		e.t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.Kid)
	}
	return kids
}

// After a rotation the server signs with the new key, and tokens of the
// old one are verified (and the old key published) until they expire.
func TestSigningKeyRotation(t *testing.T) {
	e := newEnv(t, false)
	old := e.login("admin@acme.test")
	k0 := kid(t, old.AccessToken)
	if got := e.jwksKids(); !slices.Equal(got, []string{k0}) {
		t.Fatalf("jwks before rotation = %q, want [%s]", got, k0)
	}
	k1, err := server.RotateSigningKey(context.Background(), e.store, e.clock.Now())
	if err != nil || k1 == "" || k1 == k0 {
		t.Fatalf("rotate: %q %v (old kid %s)", k1, err, k0)
	}

	e.clock.Advance(time.Minute) // the server reads the ring again
	if got := e.jwksKids(); !slices.Equal(got, []string{k1, k0}) {
		t.Errorf("jwks after rotation = %q, want [%s %s]", got, k1, k0)
	}
	fresh := e.login("admin@acme.test")
	if kid(t, fresh.AccessToken) != k1 || kid(t, fresh.IDToken) != k1 {
		t.Errorf("after rotation tokens are signed by %s/%s, want %s", kid(t, fresh.AccessToken), kid(t, fresh.IDToken), k1)
	}
	for name, tok := range map[string]string{"old": old.AccessToken, "new": fresh.AccessToken} {
		if _, code := e.getSecurity(tok); code != 200 {
			t.Errorf("admin API with the %s key's access token: %d, want 200", name, code)
		}
		if !e.active(tok) {
			t.Errorf("introspect the %s key's access token: inactive", name)
		}
	}

	// Once every token the old key signed has expired, it is dropped:
	// a minute for servers to switch, the tokens' lifetime, a minute of
	// skew (the first minute has passed above).
	e.clock.Advance(server.MaxAccessTokenLifetime + time.Minute)
	if got := e.jwksKids(); !slices.Equal(got, []string{k1}) {
		t.Errorf("jwks long after rotation = %q, want [%s]", got, k1)
	}
	// Sessions go on: refresh tokens do not depend on the signing key.
	next := e.mustRefresh(old.RefreshToken)
	if _, code := e.getSecurity(next.AccessToken); code != 200 || kid(t, next.AccessToken) != k1 {
		t.Errorf("renewed token: %d, kid %s", code, kid(t, next.AccessToken))
	}
}

// An instance that has not read the ring since another one started to
// sign with a new key reads it when it meets the new kid.
func TestRotatedKeyReachesAnotherInstance(t *testing.T) {
	a := newEnv(t, false)
	// b serves the same issuer from the same store, as instances behind
	// one load balancer do, on its own clock: never advanced.
	b := unstartedEnv(t, a.store, nil)
	sb, err := server.New(server.Config{Issuer: a.issuer(), Store: a.store, Now: b.clock.Now})
	if err != nil {
		b.srv.Listener.Close()
		t.Fatal(err)
	}
	b.start(sb)
	k1, err := server.RotateSigningKey(context.Background(), a.store, a.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := b.jwksKids(); slices.Contains(got, k1) {
		t.Fatalf("b publishes the new key %s before it ever met it: the test proves nothing", k1)
	}
	a.clock.Advance(time.Minute)
	tk := a.login("admin@acme.test")
	if kid(t, tk.AccessToken) != k1 {
		t.Fatalf("a signs with %s, want %s", kid(t, tk.AccessToken), k1)
	}
	if _, code := b.getSecurity(tk.AccessToken); code != 200 {
		t.Errorf("b with a's new-key token: %d, want 200", code)
	}
	if got := b.jwksKids(); !slices.Contains(got, k1) {
		t.Errorf("b's jwks = %q, lacks the new key %s", got, k1)
	}
}
