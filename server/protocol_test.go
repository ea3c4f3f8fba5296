package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/walkme/session-agent/server"
)

func TestDiscovery(t *testing.T) {
	e := newEnv(t, false)
	resp := e.do("GET", e.url("/.well-known/openid-configuration"), nil, "")
	var d map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	for key, path := range map[string]string{
		"authorization_endpoint": "/authorize", "token_endpoint": "/token", "jwks_uri": "/jwks",
		"userinfo_endpoint": "/userinfo", "revocation_endpoint": "/revoke", "introspection_endpoint": "/introspect",
	} {
		if d[key] != e.srv.URL+path {
			t.Errorf("%s = %v, want %s", key, d[key], e.srv.URL+path)
		}
	}
	if d["issuer"] != e.srv.URL {
		t.Errorf("issuer = %v", d["issuer"])
	}
	if got, _ := json.Marshal(d["code_challenge_methods_supported"]); string(got) != `["S256"]` {
		t.Errorf("code_challenge_methods_supported = %s", got)
	}
	if got, _ := json.Marshal(d["grant_types_supported"]); !strings.Contains(string(got), "refresh_token") {
		t.Errorf("grant_types_supported = %s", got)
	}
	var jwks struct{ Keys []map[string]any }
	if err := json.NewDecoder(e.do("GET", e.url("/jwks"), nil, "").Body).Decode(&jwks); err != nil || len(jwks.Keys) != 1 {
		t.Fatalf("jwks: %v %v", jwks, err)
	}
	if jwks.Keys[0]["kid"] == "" || jwks.Keys[0]["d"] != nil {
		t.Errorf("jwks key %v: want a kid and no private part", jwks.Keys[0])
	}
}

func TestLoginFormRejectsBadPassword(t *testing.T) {
	e := newEnv(t, false)
	au := e.authorizeURL(newPKCE(), redirectURI)
	resp := e.do("POST", au, url.Values{"email": {"user@acme.test"}, "password": {"wrong password"}}, "")
	body := readAll(t, resp)
	if resp.StatusCode != 200 || !strings.Contains(body, "Wrong email or password") || !strings.Contains(body, `name="password"`) {
		t.Fatalf("bad password: %s, want the form again with an error; body:\n%s", resp.Status, body)
	}
	resp = e.do("POST", au, url.Values{"email": {"nobody@acme.test"}, "password": {password}}, "")
	if resp.StatusCode != 200 || !strings.Contains(readAll(t, resp), "Wrong email or password") {
		t.Fatalf("unknown user: %s", resp.Status)
	}
}

func TestPKCERequired(t *testing.T) {
	e := newEnv(t, false)
	p := newPKCE()
	for name, drop := range map[string]string{"no challenge": "code_challenge", "no method": "code_challenge_method"} {
		u, _ := url.Parse(e.authorizeURL(p, redirectURI))
		q := u.Query()
		q.Del(drop)
		u.RawQuery = q.Encode()
		resp := e.do("GET", u.String(), nil, "")
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc.Query().Get("error") != "invalid_request" || loc.Query().Get("code") != "" {
			t.Errorf("%s: %s Location=%q, want an invalid_request redirect", name, resp.Status, resp.Header.Get("Location"))
		}
	}
	u := strings.Replace(e.authorizeURL(p, redirectURI), "S256", "plain", 1)
	if loc := e.do("GET", u, nil, "").Header.Get("Location"); !strings.Contains(loc, "error=invalid_request") {
		t.Errorf("plain method: Location=%q, want invalid_request", loc)
	}
	// A code obtained with one verifier is useless with another.
	code := e.signIn("user@acme.test", p)
	tk := e.exchange(code, newPKCE())
	if tk.status != 400 || tk.Error != "invalid_grant" || tk.AccessToken != "" {
		t.Fatalf("wrong verifier: %d %q, want 400 invalid_grant", tk.status, tk.Error)
	}
}

func TestRedirectURIs(t *testing.T) {
	e := newEnv(t, false)
	p := newPKCE()
	for _, ok := range []string{"http://127.0.0.1:1234/cb", "http://[::1]:55555", "http://localhost:8080/x", "http://127.0.0.1/"} {
		if resp := e.do("GET", e.authorizeURL(p, ok), nil, ""); resp.StatusCode != 200 {
			t.Errorf("%s: %s, want the login form", ok, resp.Status)
		}
	}
	for _, bad := range []string{"https://evil.example/cb", "http://10.0.0.1:80/cb", "http://127.0.0.1.evil.example/", "", "http://127.0.0.1:80/#frag", "javascript:alert(1)"} {
		resp := e.do("GET", e.authorizeURL(p, bad), nil, "")
		if resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
			t.Errorf("%q: %s Location=%q, want 400 and no redirect", bad, resp.Status, resp.Header.Get("Location"))
		}
	}
	q := url.Values{"response_type": {"code"}, "client_id": {"someone-else"}, "redirect_uri": {redirectURI},
		"code_challenge": {p.challenge}, "code_challenge_method": {"S256"}}
	if resp := e.do("GET", e.url("/authorize?"+q.Encode()), nil, ""); resp.StatusCode != 400 {
		t.Errorf("unknown client: %s, want 400", resp.Status)
	}
	// The exchange must name the same redirect URI.
	code := e.signIn("user@acme.test", p)
	tk := e.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {p.verifier}, "redirect_uri": {"http://127.0.0.1:1/other"}})
	if tk.Error != "invalid_grant" {
		t.Errorf("mismatched redirect_uri: %q, want invalid_grant", tk.Error)
	}
}

func TestCodeIsSingleUseAndShortLived(t *testing.T) {
	e := newEnv(t, false)
	p := newPKCE()
	code := e.signIn("user@acme.test", p)
	first := e.exchange(code, p)
	if first.status != 200 {
		t.Fatalf("first exchange: %d %s", first.status, first.Error)
	}
	second := e.exchange(code, p)
	if second.status != 400 || second.Error != "invalid_grant" {
		t.Fatalf("second exchange: %d %q, want 400 invalid_grant", second.status, second.Error)
	}
	// Replaying a code is a sign it was stolen: the session it made ends.
	if e.active(first.RefreshToken) || e.active(first.AccessToken) {
		t.Error("tokens from a replayed code are still active")
	}
	p = newPKCE()
	code = e.signIn("user@acme.test", p)
	e.clock.Advance(2 * 60e9)
	if tk := e.exchange(code, p); tk.Error != "invalid_grant" {
		t.Errorf("expired code: %q, want invalid_grant", tk.Error)
	}
}

func TestTokenResponse(t *testing.T) {
	e := newEnv(t, false)
	tk := e.login("user@acme.test")
	if tk.TokenType != "Bearer" || tk.ExpiresIn != int64(server.MaxAccessTokenLifetime.Seconds()) || tk.IDToken == "" {
		t.Errorf("token_type=%q expires_in=%d id_token? %v", tk.TokenType, tk.ExpiresIn, tk.IDToken != "")
	}
	if tk.RefreshTokenExpiresIn != 24*3600 {
		t.Errorf("refresh_token_expires_in = %d, want the default 24h", tk.RefreshTokenExpiresIn)
	}
	m := e.introspect(tk.AccessToken)
	if m["active"] != true || m["email"] != "user@acme.test" || m["client_id"] != server.AgentClientID || m["sid"] == "" || m["token_type"] != "Bearer" {
		t.Errorf("introspect = %v", m)
	}
	resp := e.do("GET", e.url("/userinfo"), nil, tk.AccessToken)
	if body := readAll(t, resp); resp.StatusCode != 200 || !strings.Contains(body, `"email":"user@acme.test"`) {
		t.Errorf("userinfo: %s %s", resp.Status, body)
	}
	if resp := e.do("GET", e.url("/userinfo"), nil, "garbage"); resp.StatusCode != 401 {
		t.Errorf("userinfo with a bad token: %s, want 401", resp.Status)
	}
	resp = e.do("POST", e.url("/token"), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tk.RefreshToken}, "client_id": {"nope"}}, "")
	if body := readAll(t, resp); resp.StatusCode != 401 || !strings.Contains(body, `"error":"invalid_client"`) {
		t.Errorf("unknown client: %s %s, want 401 invalid_client", resp.Status, body)
	}
}

func TestRefreshTokenBoundToClient(t *testing.T) {
	e := newEnv(t, false)
	tk := e.login("user@acme.test")
	resp := e.do("POST", e.url("/token"), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tk.RefreshToken}, "client_id": {"walkme-admin-center"}}, "")
	if body := readAll(t, resp); resp.StatusCode != 400 || !strings.Contains(body, "invalid_grant") {
		t.Fatalf("another client's refresh: %s %s", resp.Status, body)
	}
	// Nothing rotated: the owner's token is still current, not in a grace.
	e.clock.Advance(2 * 60e9)
	e.mustRefresh(tk.RefreshToken)
}
