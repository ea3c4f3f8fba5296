package server_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/walkme/session-agent/server"
)

func (e *env) putRole(t *testing.T, bearer, userID, role string) int {
	t.Helper()
	req, _ := http.NewRequest("PUT", e.url("/api/admin/users/"+userID+"/role"), strings.NewReader(`{"role":"`+role+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+bearer)
	return e.send(req).StatusCode
}

// TestAdminUsersAPI: the account's users with their roles; a member made
// admin can use the admin API at once; the last admin cannot be made a
// member; other accounts' users are out of reach; each change is logged.
func TestAdminUsersAPI(t *testing.T) {
	e := newEnv(t, false)
	admin := e.login("admin@acme.test").AccessToken
	member := e.login("user@acme.test").AccessToken
	resp := e.do("GET", e.url("/api/admin/users"), nil, admin)
	var l struct {
		Users []struct {
			ID, Email, Role string
			LiveSessions    int `json:"live_sessions"`
			Self            bool
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET users: %s %v", resp.Status, err)
	}
	if len(l.Users) != 2 || l.Users[0].Email != "admin@acme.test" || l.Users[0].Role != "admin" || !l.Users[0].Self ||
		l.Users[1].Email != "user@acme.test" || l.Users[1].Role != "member" || l.Users[1].LiveSessions != 1 {
		t.Fatalf("users = %+v", l.Users)
	}
	adminID, memberID := l.Users[0].ID, l.Users[1].ID
	if code := e.putRole(t, member, adminID, "member"); code != 403 {
		t.Errorf("a member changing roles: %d, want 403", code)
	}
	if code := e.putRole(t, admin, adminID, "member"); code != 409 {
		t.Errorf("demoting the last admin: %d, want 409", code)
	}
	if _, code := e.getSecurity(member); code != 403 {
		t.Fatalf("member reads the setting: %d", code)
	}
	if code := e.putRole(t, admin, memberID, "admin"); code != 200 {
		t.Fatalf("promote: %d", code)
	}
	// R2 follows the role at once, with the token the member already has.
	if _, code := e.getSecurity(member); code != 200 {
		t.Errorf("promoted member reads the setting: %d, want 200", code)
	}
	if code := e.putRole(t, member, adminID, "member"); code != 200 {
		t.Errorf("the new admin demoting the first: %d, want 200", code)
	}
	if code := e.putRole(t, member, memberID, "member"); code != 409 {
		t.Errorf("the new admin demoting itself, now the last: %d, want 409", code)
	}
	globex := e.login("admin@globex.test").AccessToken
	if code := e.putRole(t, globex, memberID, "member"); code != 404 {
		t.Errorf("another account's admin: %d, want 404", code)
	}
	if code := e.putRole(t, member, adminID, "owner"); code != 400 {
		t.Errorf("role owner: %d, want 400", code)
	}
	log := e.activity(t, member, "kind=roles")
	if log.Total != 2 || log.Entries[0].Target != "admin@acme.test" || log.Entries[0].Actor != "user@acme.test" ||
		log.Entries[0].New != "member" || log.Entries[1].Target != "user@acme.test" || log.Entries[1].Old != "member" {
		t.Errorf("role entries = %+v", log.Entries)
	}
}

// TestAdminCenterSidebar: every sidebar link answers 200 for an admin,
// the sidebar is exactly the implemented pages, and nothing in it is a
// link without a target.
func TestAdminCenterSidebar(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	page := e.adminSignIn(b, "admin@acme.test")
	nav := regexp.MustCompile(`(?s)<nav class="side".*?</nav>`).FindString(page)
	links := regexp.MustCompile(`<a[^>]*>`).FindAllString(nav, -1)
	var paths []string
	for _, a := range links {
		m := regexp.MustCompile(`href="([^"]+)"`).FindStringSubmatch(a)
		if m == nil {
			t.Errorf("sidebar entry %s leads nowhere", a)
			continue
		}
		paths = append(paths, m[1])
	}
	if !slices.Equal(paths, server.AdminPages()) || len(paths) < 4 {
		t.Errorf("sidebar links %v, want the pages %v", paths, server.AdminPages())
	}
	for _, p := range paths {
		resp, body := get(t, b, e.url(p))
		if resp.StatusCode != 200 || resp.Request.URL.Path != p || !strings.Contains(body, `aria-current="page" href="`+p+`"`) {
			t.Errorf("GET %s: %s at %s, want 200 with its entry marked current", p, resp.Status, resp.Request.URL.Path)
		}
	}
}

// TestAdminUsersPageForms: the page's buttons change roles, refuse the
// last admin with a message, and need the CSRF token.
func TestAdminUsersPageForms(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	e.adminSignIn(b, "admin@acme.test")
	_, page := get(t, b, e.url("/admin/users"))
	csrf := csrfOf(t, page)
	adminID, memberID := userID(t, e, "admin@acme.test"), userID(t, e, "user@acme.test")
	if resp := postForm(t, b, e.url("/admin/users/role"), map[string][]string{"user": {memberID}, "role": {"admin"}}); resp.StatusCode != 403 {
		t.Errorf("without the CSRF token: %s, want 403", resp.Status)
	}
	resp := postForm(t, b, e.url("/admin/users/role"), map[string][]string{"user": {adminID}, "role": {"member"}, "csrf": {csrf}})
	if body := readAll(t, resp); resp.StatusCode != 409 || !strings.Contains(body, "last admin cannot be made a member") {
		t.Errorf("demoting the last admin: %s, want 409 with the reason", resp.Status)
	}
	resp = postForm(t, b, e.url("/admin/users/role"), map[string][]string{"user": {memberID}, "role": {"admin"}, "csrf": {csrf}})
	if body := readAll(t, resp); resp.StatusCode != 200 || !strings.Contains(body, "Role changed.") || strings.Count(body, ">Admin<") != 2 {
		t.Errorf("promote: %s, want the page with two admins", resp.Status)
	}
	if u, _ := e.store.User(t.Context(), memberID); !u.Admin {
		t.Error("the member is not an admin after Make admin")
	}
}
