package server_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// fuzzRoutes are the endpoints FuzzServerEndpoints sends its input to: the
// token, revocation, introspection and userinfo endpoints and the admin
// API. (The sign-in and device pages run bcrypt on every post: they are
// covered by their own tests.)
var fuzzRoutes = []struct{ method, path string }{
	{"POST", "/token"}, {"POST", "/revoke"}, {"POST", "/introspect"}, {"GET", "/userinfo"},
	{"GET", "/api/admin/security"}, {"PUT", "/api/admin/security"}, {"GET", "/api/admin/activity"},
	{"POST", "/device_authorization"},
}

// FuzzServerEndpoints sends the server's token, revoke, introspect,
// userinfo and admin endpoints any body, Content-Type and bearer — none, a
// member's access token, the admin's refresh token presented as a bearer,
// or any string. Whatever arrives: no 5xx and no panic; the admin API
// answers 2xx only to the admin's own access token; and the session the
// test holds out of band stays live (no input the fuzzer can make knows its
// token).
func FuzzServerEndpoints(f *testing.F) {
	e := startEnv(f, true)
	held := e.login("admin@acme.test")
	member := e.login("user@acme.test").AccessToken
	h := e.srv.Config.Handler
	bearers := []string{"", held.AccessToken, member, held.RefreshToken}
	for i := range fuzzRoutes {
		for b := range bearers {
			f.Add(uint8(i), uint8(b), "application/x-www-form-urlencoded", "grant_type=refresh_token&refresh_token=x&client_id=walkme-agent", "")
		}
		f.Add(uint8(i), uint8(4), "application/json", `{"inactivity_timeout":"15m"}`, "eyJhbGciOiJub25lIn0.e30.")
		f.Add(uint8(i), uint8(1), "application/json", `{"inactivity_timeout":"1ns"}`, "")
		f.Add(uint8(i), uint8(0), "application/x-www-form-urlencoded", "token=%zz&token_type_hint=refresh_token", "")
		f.Add(uint8(i), uint8(0), "multipart/form-data; boundary=x", "--x\r\n", "")
		f.Add(uint8(i), uint8(0), "application/x-www-form-urlencoded", strings.Repeat("a=b&", 20000), "")
	}
	f.Fuzz(func(t *testing.T, route, bearerKind uint8, contentType, body, anyBearer string) {
		rt := fuzzRoutes[int(route)%len(fuzzRoutes)]
		bearer := anyBearer
		if int(bearerKind) < len(bearers) {
			bearer = bearers[bearerKind]
		}
		req := httptest.NewRequest(rt.method, e.url(rt.path), strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s: HTTP %d: %q", rt.method, rt.path, rec.Code, rec.Body)
		}
		if strings.HasPrefix(rt.path, "/api/admin/") && rec.Code < 300 && bearer != held.AccessToken {
			t.Fatalf("%s %s answered %d to a bearer that is not the admin's access token", rt.method, rt.path, rec.Code)
		}
		if strings.Contains(rec.Body.String(), held.RefreshToken) {
			t.Fatalf("%s %s: the answer holds the refresh token", rt.method, rt.path)
		}
		if !live(t, h, held.RefreshToken) {
			t.Fatalf("%s %s with body %q ended the session held out of band", rt.method, rt.path, body)
		}
	})
}

// The admin API refuses, with 401, the admin's own refresh token presented
// as a bearer, an access token re-signed with alg "none", one whose
// signature is cut off, and one that has expired (an access token lives
// 20 minutes); members and other accounts' admins are TestSecuritySettingAccess's.
func TestAdminRefusesMisusedTokens(t *testing.T) {
	e := newEnv(t, false)
	admin := e.login("admin@acme.test")
	if _, code := e.getSecurity(admin.AccessToken); code != 200 {
		t.Fatalf("the admin's own access token: %d", code)
	}
	parts := strings.Split(admin.AccessToken, ".")
	if len(parts) != 3 {
		t.Fatalf("the access token is not a JWS: %d parts", len(parts))
	}
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	for name, bearer := range map[string]string{
		"refresh token as a bearer": admin.RefreshToken,
		"alg none":                  none + "." + parts[1] + ".",
		"signature cut off":         parts[0] + "." + parts[1] + ".",
		"ID token as a bearer":      admin.IDToken,
	} {
		if _, code := e.getSecurity(bearer); code != http.StatusUnauthorized {
			t.Errorf("%s: GET security answered %d, want 401", name, code)
		}
	}
	e.clock.Advance(21 * time.Minute)
	if _, code := e.getSecurity(admin.AccessToken); code != http.StatusUnauthorized {
		t.Errorf("an expired access token: GET security answered %d, want 401", code)
	}
}

// live introspects token through h from inside a fuzz function (the env's
// helpers report to the F, which a fuzz function may not use).
func live(t *testing.T, h http.Handler, token string) bool {
	t.Helper()
	req := httptest.NewRequest("POST", "/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var v struct {
		Active bool `json:"active"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || rec.Code != 200 {
		t.Fatalf("introspect: HTTP %d %v", rec.Code, err)
	}
	return v.Active
}
