package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/server"
)

type sessionList struct {
	Sessions []struct {
		ID          string    `json:"id"`
		UserID      string    `json:"user_id"`
		Email       string    `json:"email"`
		ClientID    string    `json:"client_id"`
		Client      string    `json:"client"`
		Device      string    `json:"device"`
		State       string    `json:"state"`
		SignedIn    time.Time `json:"signed_in"`
		LastRenewal time.Time `json:"last_renewal"`
		LapsesAt    time.Time `json:"lapses_at"`
		Current     bool      `json:"current"`
	}
}

func (e *env) listSessions(t *testing.T, bearer string) sessionList {
	t.Helper()
	resp := e.do("GET", e.url("/api/admin/sessions"), nil, bearer)
	var l sessionList
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /api/admin/sessions: %s %v", resp.Status, err)
	}
	return l
}

// assertDead checks that every token of an ended session fails at once:
// introspection, userinfo and the refresh grant.
func assertDead(t *testing.T, e *env, tk tokens) {
	t.Helper()
	if e.active(tk.AccessToken) {
		t.Error("access token still active at introspection")
	}
	if resp := e.do("GET", e.url("/userinfo"), nil, tk.AccessToken); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("userinfo with the access token: %s, want 401", resp.Status)
	}
	e.mustRefuse(tk.RefreshToken, "refresh")
}

// TestAdminSessionsAPI: the admin API lists the account's live sessions
// (not another account's, not ended ones), ends one, and ends all of a
// user's; each end kills every token of the session at once and is
// written to the activity log.
func TestAdminSessionsAPI(t *testing.T) {
	e := newEnv(t, false)
	admin := e.login("admin@acme.test")
	u1 := e.login("user@acme.test")
	e.clock.Advance(time.Minute)
	u2 := e.login("user@acme.test")
	e.clock.Advance(time.Minute)
	e.mustRefresh(u1.RefreshToken)
	e.login("admin@globex.test")

	l := e.listSessions(t, admin.AccessToken)
	if len(l.Sessions) != 3 {
		t.Fatalf("listed %d sessions, want acme's 3: %+v", len(l.Sessions), l.Sessions)
	}
	first, second := l.Sessions[1], l.Sessions[2] // admin@ sorts first
	if l.Sessions[0].Email != "admin@acme.test" || !l.Sessions[0].Current || first.Email != "user@acme.test" ||
		first.Client != "WalkMe Agent" || first.ClientID != server.AgentClientID || first.State != "in_use" ||
		first.Device != "Go-http-client/1.1 · 127.0.0.1" {
		t.Errorf("sessions = %+v", l.Sessions)
	}
	start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	if !first.SignedIn.Equal(start) || !first.LastRenewal.Equal(start.Add(2*time.Minute)) ||
		!first.LapsesAt.Equal(start.Add(2*time.Minute+24*time.Hour)) || !second.SignedIn.Equal(start.Add(time.Minute)) {
		t.Errorf("times: first %+v second %+v", first, second)
	}
	if resp := e.do("GET", e.url("/api/admin/sessions"), nil, u1.AccessToken); resp.StatusCode != 403 {
		t.Errorf("member listing sessions: %s, want 403", resp.Status)
	}

	resp := e.do("DELETE", e.url("/api/admin/sessions/"+first.ID), nil, admin.AccessToken)
	if resp.StatusCode != 200 || !strings.Contains(readAll(t, resp), `"ended":1`) {
		t.Fatalf("DELETE session: %s", resp.Status)
	}
	assertDead(t, e, u1)
	if !e.active(u2.AccessToken) {
		t.Error("ending one session ended the user's other one")
	}
	if resp := e.do("DELETE", e.url("/api/admin/sessions/"+first.ID), nil, admin.AccessToken); resp.StatusCode != 404 {
		t.Errorf("ending it again: %s, want 404", resp.Status)
	}
	// globex's admin cannot end acme's sessions, nor see them.
	globex := e.login("admin@globex.test")
	if resp := e.do("DELETE", e.url("/api/admin/sessions/"+second.ID), nil, globex.AccessToken); resp.StatusCode != 404 {
		t.Errorf("another account's admin ending the session: %s, want 404", resp.Status)
	}
	if resp := e.do("DELETE", e.url("/api/admin/users/"+second.UserID+"/sessions"), nil, globex.AccessToken); resp.StatusCode != 404 {
		t.Errorf("another account's admin ending the user's sessions: %s, want 404", resp.Status)
	}
	if !e.active(u2.AccessToken) {
		t.Fatal("another account's admin ended the session")
	}

	u3 := e.login("user@acme.test")
	resp = e.do("DELETE", e.url("/api/admin/users/"+second.UserID+"/sessions"), nil, admin.AccessToken)
	if resp.StatusCode != 200 || !strings.Contains(readAll(t, resp), `"ended":2`) {
		t.Fatalf("DELETE the user's sessions: %s, want 2 ended", resp.Status)
	}
	assertDead(t, e, u2)
	assertDead(t, e, u3)
	if l := e.listSessions(t, admin.AccessToken); len(l.Sessions) != 1 || !l.Sessions[0].Current {
		t.Errorf("after ending: %+v, want only the admin's own session", l.Sessions)
	}

	log, err := e.store.ActivityLog(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	ended := 0
	for _, a := range log {
		if a.Action == server.ActionSessionEnded {
			ended++
			if a.Actor != "admin@acme.test" || a.Target != "user@acme.test" || !strings.Contains(a.New, "WalkMe Agent") {
				t.Errorf("entry %+v", a)
			}
		}
	}
	if ended != 3 {
		t.Errorf("activity log has %d session.ended entries, want 3: %+v", ended, log)
	}
}

// TestAdminSessionsPageForms: the page lists the sessions and its End
// button works; a post without the session's CSRF token, or from another
// origin, changes nothing.
func TestAdminSessionsPageForms(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	e.adminSignIn(b, "admin@acme.test")
	u := e.login("user@acme.test")
	resp, page := get(t, b, e.url("/admin/sessions"))
	if resp.StatusCode != 200 {
		t.Fatalf("Sessions page: %s", resp.Status)
	}
	for _, want := range []string{"user@acme.test", "WalkMe Agent", "Admin Center (browser)", "you, this browser", "In use, renews every 15 min", "in 24 h"} {
		if !strings.Contains(page, want) {
			t.Errorf("Sessions page lacks %q", want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	l := e.listSessions(t, e.login("admin@acme.test").AccessToken)
	var sid string
	for _, s := range l.Sessions {
		if s.Email == "user@acme.test" {
			sid = s.ID
		}
	}
	csrf := csrfOf(t, page)
	for name, form := range map[string]url.Values{
		"no token":    {"session": {sid}},
		"wrong token": {"session": {sid}, "csrf": {csrf[:len(csrf)-2] + "xx"}},
	} {
		if resp := postForm(t, b, e.url("/admin/sessions/end"), form); resp.StatusCode != 403 {
			t.Errorf("post with %s: %s, want 403", name, resp.Status)
		}
	}
	req, _ := http.NewRequest("POST", e.url("/admin/sessions/end"), strings.NewReader(url.Values{"session": {sid}, "csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	if resp, err := b.Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("post from another origin: %v %v, want 403", resp.Status, err)
	}
	if !e.active(u.AccessToken) {
		t.Fatal("a refused post ended the session")
	}
	resp = postForm(t, b, e.url("/admin/sessions/end"), url.Values{"session": {sid}, "csrf": {csrf}})
	if body := readAll(t, resp); resp.StatusCode != 200 || resp.Request.URL.Path != "/admin/sessions" || !strings.Contains(body, "Ended.") ||
		strings.Contains(body, "user@acme.test") {
		t.Errorf("after End: %s at %s, want the page again, without the session", resp.Status, resp.Request.URL)
	}
	assertDead(t, e, u)
}

// TestAdminSessionsPaging: the list comes a page at a time, narrowed by a
// search on the user's email; a malformed page is refused with a reason,
// and a page past the end is empty.
func TestAdminSessionsPaging(t *testing.T) {
	e := newEnv(t, false)
	admin := e.login("admin@acme.test")
	for range 5 {
		e.login("user@acme.test")
	}
	type page struct {
		Find                        string
		Page, PerPage, Total, Pages int
		Sessions                    []struct{ Email string }
	}
	get := func(query string) (page, int) {
		t.Helper()
		resp := e.do("GET", e.url("/api/admin/sessions?"+query), nil, admin.AccessToken)
		defer resp.Body.Close()
		var p page
		if resp.StatusCode == 200 {
			if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
				t.Fatal(err)
			}
		}
		return p, resp.StatusCode
	}
	p, _ := get("per_page=4")
	if p.Total != 6 || p.Pages != 2 || p.Page != 1 || len(p.Sessions) != 4 || p.Sessions[0].Email != "admin@acme.test" {
		t.Errorf("first page of 4: %+v", p)
	}
	p, _ = get("per_page=4&page=2")
	if len(p.Sessions) != 2 || p.Sessions[1].Email != "user@acme.test" {
		t.Errorf("second page of 4: %+v", p)
	}
	p, _ = get("find=USER%40&per_page=2&page=3")
	if p.Find != "USER@" || p.Total != 5 || p.Pages != 3 || len(p.Sessions) != 1 || p.Sessions[0].Email != "user@acme.test" {
		t.Errorf("third page of a search: %+v", p)
	}
	if p, code := get("page=9"); code != 200 || len(p.Sessions) != 0 || p.Total != 6 {
		t.Errorf("a page past the end: HTTP %d %+v, want an empty page", code, p)
	}
	for _, q := range []string{"page=0", "page=x", "per_page=201", "per_page=-1"} {
		if _, code := get(q); code != http.StatusBadRequest {
			t.Errorf("%s: HTTP %d, want 400", q, code)
		}
	}
}
