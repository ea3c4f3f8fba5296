package server_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// jwtPart decodes part i (0 header, 1 claims) of a compact JWT.
func jwtPart(t *testing.T, token string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWT: %d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// Access tokens follow RFC 9068: typ at+jwt, the service's API as
// audience; ID tokens keep typ JWT and the client as audience.
func TestAccessTokenProfile(t *testing.T) {
	e := newEnv(t, false)
	tk := e.login("user@acme.test")
	if h := jwtPart(t, tk.AccessToken, 0); h["typ"] != "at+jwt" || h["kid"] == nil {
		t.Errorf("access token header = %v, want typ at+jwt and a kid", h)
	}
	c := jwtPart(t, tk.AccessToken, 1)
	if c["aud"] != e.srv.URL || c["client_id"] != "walkme-agent" || c["jti"] == nil || c["sub"] == nil || c["iat"] == nil {
		t.Errorf("access token claims = %v, want aud %s, client_id, jti, sub, iat", c, e.srv.URL)
	}
	if h := jwtPart(t, tk.IDToken, 0); h["typ"] != "JWT" {
		t.Errorf("ID token header = %v, want typ JWT", h)
	}
	if c := jwtPart(t, tk.IDToken, 1); c["aud"] != "walkme-agent" {
		t.Errorf("ID token aud = %v, want the client", c["aud"])
	}
}

// An ID token is not a bearer token: the admin API (read and write),
// userinfo, introspection and revocation all refuse it, while the access
// token of the same sign-in works at each.
func TestIDTokenIsNotAnAccessToken(t *testing.T) {
	e := newEnv(t, false)
	tk := e.login("admin@acme.test")
	id := tk.IDToken

	if _, code := e.getSecurity(id); code != http.StatusUnauthorized {
		t.Errorf("GET admin API with an ID token: %d, want 401", code)
	}
	e.putTimeout(id, "15m", http.StatusUnauthorized)
	if resp := e.do("GET", e.url("/api/admin/activity"), nil, id); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET activity with an ID token: %s, want 401", resp.Status)
	}
	for _, method := range []string{"GET", "POST"} {
		if resp := e.do(method, e.url("/userinfo"), nil, id); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s userinfo with an ID token: %s, want 401", method, resp.Status)
		}
	}
	if m := e.introspect(id); m["active"] != false {
		t.Errorf("introspect ID token = %v, want active:false", m)
	}
	e.revoke(id) // 200, as for any token it does not know (RFC 7009 §2.2)
	if !e.active(tk.AccessToken) || !e.active(tk.RefreshToken) {
		t.Fatal("revoking with an ID token ended the session")
	}

	// The access token still does all of it.
	if s, code := e.getSecurity(tk.AccessToken); code != 200 || s.InactivityTimeout != "24h" {
		t.Errorf("GET admin API with the access token: %d %+v", code, s)
	}
	e.putTimeout(tk.AccessToken, "15m", http.StatusOK)
	if resp := e.do("GET", e.url("/userinfo"), nil, tk.AccessToken); resp.StatusCode != 200 {
		t.Errorf("userinfo with the access token: %s", resp.Status)
	}
	e.revoke(tk.AccessToken)
	if e.active(tk.RefreshToken) {
		t.Error("revoking with the access token left the session live")
	}
}
