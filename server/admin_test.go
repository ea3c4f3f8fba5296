package server_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/server"
)

// setTimeout sets acme's inactivity timeout as its admin.
func (e *env) setTimeout(value string) {
	e.t.Helper()
	e.putTimeout(e.login("admin@acme.test").AccessToken, value, 200)
}

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

// TestActivityLog: timeout changes (who, old, new, when), sessions an
// admin ended and wrong passwords are in the log, newest first, filtered
// by kind and paged.
func TestActivityLog(t *testing.T) {
	e := newEnv(t, false)
	admin := e.login("admin@acme.test").AccessToken
	e.putTimeout(admin, "2h", 200)
	e.clock.Advance(time.Minute)
	e.putTimeout(admin, "15m", 200)
	e.clock.Advance(time.Minute)
	if code, _, _ := e.guess(e.http, e.authorizeURL(newPKCE(), redirectURI), "user@acme.test", "wrong password"); code != http.StatusOK {
		t.Fatalf("wrong password: HTTP %d", code)
	}
	e.guess(e.http, e.authorizeURL(newPKCE(), redirectURI), "nobody@acme.test", "wrong password") // names no account
	e.login("user@acme.test")
	if resp := e.do("DELETE", e.url("/api/admin/users/"+userID(t, e, "user@acme.test")+"/sessions"), nil, admin); resp.StatusCode != 200 {
		t.Fatalf("end the member's sessions: %s", resp.Status)
	}

	log := e.activity(t, admin, "")
	if log.Total != 4 || len(log.Entries) != 4 || log.Page != 1 || log.Pages != 1 {
		t.Fatalf("activity = %+v, want 4 entries on one page", log)
	}
	ended, failed, second, first := log.Entries[0], log.Entries[1], log.Entries[2], log.Entries[3]
	if first.Actor != "admin@acme.test" || first.Action != server.ActionTimeoutChanged || first.Old != "24h" || first.New != "2h" ||
		second.Old != "2h" || second.New != "15m" {
		t.Errorf("timeout entries = %+v, %+v", first, second)
	}
	start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	if !first.At.Equal(start) || !second.At.Equal(start.Add(time.Minute)) || !ended.At.Equal(start.Add(2*time.Minute)) {
		t.Errorf("entry times %v, %v, %v", first.At, second.At, ended.At)
	}
	if failed.Action != server.ActionSignInFailed || failed.Target != "user@acme.test" || failed.Actor != "127.0.0.1" {
		t.Errorf("sign-in failure entry = %+v", failed)
	}
	if ended.Action != server.ActionSessionEnded || ended.Actor != "admin@acme.test" || ended.Target != "user@acme.test" {
		t.Errorf("ended session entry = %+v", ended)
	}
	for kind, want := range map[string][]string{
		"timeout": {server.ActionTimeoutChanged, server.ActionTimeoutChanged}, "sessions": {server.ActionSessionEnded},
		"sign-in": {server.ActionSignInFailed}, "roles": nil,
	} {
		got := e.activity(t, admin, "kind="+kind)
		var actions []string
		for _, a := range got.Entries {
			actions = append(actions, a.Action)
		}
		if !slices.Equal(actions, want) || got.Total != len(want) {
			t.Errorf("kind=%s: %v (total %d), want %v", kind, actions, got.Total, want)
		}
	}
	// Pages of one: the second newest is on page 2; page 5 is empty.
	if p := e.activity(t, admin, "per_page=1&page=2"); p.Pages != 4 || len(p.Entries) != 1 || p.Entries[0].Action != server.ActionSignInFailed {
		t.Errorf("page 2 of 1 entry each: %+v", p)
	}
	if p := e.activity(t, admin, "per_page=1&page=5"); len(p.Entries) != 0 || p.Total != 4 {
		t.Errorf("past the last page: %+v", p)
	}
	for _, bad := range []string{"kind=nope", "page=0", "per_page=1000", "page=x"} {
		if resp := e.do("GET", e.url("/api/admin/activity?"+bad), nil, admin); resp.StatusCode != 400 {
			t.Errorf("?%s: %s, want 400", bad, resp.Status)
		}
	}
}

type activityAnswer struct {
	Account            string
	Kind               string
	Page, Pages, Total int
	PerPage            int `json:"per_page"`
	Entries            []server.Activity
}

func (e *env) activity(t *testing.T, bearer, query string) activityAnswer {
	t.Helper()
	resp := e.do("GET", e.url("/api/admin/activity?"+query), nil, bearer)
	var a activityAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /api/admin/activity?%s: %s %v", query, resp.Status, err)
	}
	return a
}

func userID(t *testing.T, e *env, email string) string {
	t.Helper()
	u, err := e.store.UserByEmail(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
