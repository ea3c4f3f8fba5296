package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func (e *env) putTimeout(bearer, value string, want int) string {
	e.t.Helper()
	req, _ := http.NewRequest("PUT", e.url("/api/admin/security"), strings.NewReader(`{"inactivity_timeout":"`+value+`"}`))
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp := e.send(req)
	body := readAll(e.t, resp)
	if resp.StatusCode != want {
		e.t.Fatalf("PUT %s: %s %s, want %d", value, resp.Status, body, want)
	}
	return body
}

type security struct {
	InactivityTimeout string   `json:"inactivity_timeout"`
	Allowed           []string `json:"allowed"`
	Recommended       string   `json:"recommended"`
}

func (e *env) getSecurity(bearer string) (security, int) {
	resp := e.do("GET", e.url("/api/admin/security"), nil, bearer)
	var s security
	json.NewDecoder(resp.Body).Decode(&s)
	return s, resp.StatusCode
}

// R1: seven values, default 24h, 15m recommended.
func TestSecuritySettingValues(t *testing.T) {
	e := newEnv(t, false)
	admin := e.login("admin@acme.test").AccessToken
	s, code := e.getSecurity(admin)
	if code != 200 || s.InactivityTimeout != "24h" || s.Recommended != "15m" ||
		strings.Join(s.Allowed, ",") != "15m,30m,1h,2h,4h,8h,24h" {
		t.Fatalf("GET = %d %+v", code, s)
	}
	for _, v := range s.Allowed {
		e.putTimeout(admin, v, 200)
		if got, _ := e.getSecurity(admin); got.InactivityTimeout != v {
			t.Errorf("after PUT %s, GET says %s", v, got.InactivityTimeout)
		}
	}
	e.putTimeout(admin, "60m", 200) // the same value as 1h
	for _, bad := range []string{"10s", "45m", "3h", "48h", "", "soon", "-15m"} {
		body := e.putTimeout(admin, bad, 400)
		if !strings.Contains(body, "15m, 30m, 1h, 2h, 4h, 8h, 24h") {
			t.Errorf("400 for %q does not name the allowed values: %s", bad, body)
		}
	}
	if got, _ := e.getSecurity(admin); got.InactivityTimeout != "1h" {
		t.Errorf("a refused PUT changed the setting to %s", got.InactivityTimeout)
	}
}

func TestSecuritySettingDevMode(t *testing.T) {
	e := newEnv(t, true)
	admin := e.login("admin@acme.test").AccessToken
	e.putTimeout(admin, "6s", 200)
	e.putTimeout(admin, "1500ms", 200)
	e.putTimeout(admin, "999ms", 400)
	e.putTimeout(admin, "15m", 200)
	tk := e.login("user@acme.test")
	e.putTimeout(admin, "6s", 200)
	if got := e.mustRefresh(tk.RefreshToken); got.RefreshTokenExpiresIn != 6 {
		t.Errorf("refresh_token_expires_in = %d, want 6", got.RefreshTokenExpiresIn)
	}
}

// R2: only an admin of the account.
func TestSecuritySettingAccess(t *testing.T) {
	e := newEnv(t, false)
	user := e.login("user@acme.test").AccessToken
	if _, code := e.getSecurity(user); code != 403 {
		t.Errorf("GET as non-admin: %d, want 403", code)
	}
	e.putTimeout(user, "15m", 403)
	if resp := e.do("GET", e.url("/api/admin/activity"), nil, user); resp.StatusCode != 403 {
		t.Errorf("activity as non-admin: %s, want 403", resp.Status)
	}
	if _, code := e.getSecurity(""); code != 401 {
		t.Errorf("GET without token: %d, want 401", code)
	}
	if _, code := e.getSecurity("forged.token.here"); code != 401 {
		t.Errorf("GET with a bad token: %d, want 401", code)
	}
	// Another account's admin changes only their own account.
	e.putTimeout(e.login("admin@globex.test").AccessToken, "15m", 200)
	if got, _ := e.getSecurity(e.login("admin@acme.test").AccessToken); got.InactivityTimeout != "24h" {
		t.Errorf("globex's admin changed acme to %s", got.InactivityTimeout)
	}
	// A revoked admin session is not an admin any more.
	admin := e.login("admin@acme.test")
	e.revoke(admin.RefreshToken)
	if _, code := e.getSecurity(admin.AccessToken); code != 401 {
		t.Errorf("GET with a revoked session's token: %d, want 401", code)
	}
}

func TestActivityLog(t *testing.T) {
	e := newEnv(t, false)
	admin := e.login("admin@acme.test").AccessToken
	e.putTimeout(admin, "2h", 200)
	e.clock.Advance(time.Minute)
	e.putTimeout(admin, "15m", 200)
	resp := e.do("GET", e.url("/api/admin/activity"), nil, admin)
	var log struct {
		Entries []struct {
			At                      time.Time
			Actor, Action, Old, New string
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&log); err != nil || resp.StatusCode != 200 {
		t.Fatalf("activity: %s %v", resp.Status, err)
	}
	if len(log.Entries) != 2 {
		t.Fatalf("activity has %d entries, want 2", len(log.Entries))
	}
	first, second := log.Entries[0], log.Entries[1]
	if first.Actor != "admin@acme.test" || first.Old != "24h" || first.New != "2h" || second.Old != "2h" || second.New != "15m" {
		t.Errorf("entries = %+v", log.Entries)
	}
	if !second.At.Equal(e.clock.Now()) || !first.At.Equal(e.clock.Now().Add(-time.Minute)) {
		t.Errorf("entry times %v, %v; clock %v", first.At, second.At, e.clock.Now())
	}
}
