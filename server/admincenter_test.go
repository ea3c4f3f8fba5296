package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/walkme/session-agent/server"
)

// browser is a cookie-keeping client that follows redirects, as a
// browser does (the page's script is exercised through its API calls).
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

func get(t testing.TB, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// adminSignIn opens the Security page, is sent to the login form, signs
// in and lands on the page.
func (e *env) adminSignIn(b *http.Client, email string) string {
	e.t.Helper()
	resp, body := get(e.t, b, e.url("/admin/security"))
	if !strings.Contains(body, `name="password"`) || resp.Request.URL.Path != "/authorize" {
		e.t.Fatalf("Security page without a session should show the login form; got %s %s", resp.Request.URL, body)
	}
	resp, err := b.PostForm(resp.Request.URL.String(), url.Values{"email": {email}, "password": {password}})
	if err != nil {
		e.t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/admin/security" {
		e.t.Fatalf("after sign-in: %s at %s", resp.Status, resp.Request.URL)
	}
	return string(page)
}

// csrfOf is the CSRF token in a page's forms.
func csrfOf(t testing.TB, page string) string {
	t.Helper()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("page has no CSRF token in its forms:\n%.2000s", page)
	}
	return m[1]
}

// postForm posts a form as the browser b would, from a page of the service.
func postForm(t testing.TB, b *http.Client, u string, form url.Values) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	pu, _ := url.Parse(u)
	req.Header.Set("Origin", pu.Scheme+"://"+pu.Host)
	resp, err := b.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return bufferBody(t, resp)
}

// pageToken is what the page's script does first: trade the cookie
// session for an access token.
func pageToken(t *testing.T, e *env, b *http.Client) (string, int) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.url("/admin/token"), nil)
	req.Header.Set("X-Requested-With", "walkme-admin")
	resp, err := b.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		Email       string `json:"email"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	return tok.AccessToken, resp.StatusCode
}

func TestAdminCenterSecurityPage(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	page := e.adminSignIn(b, "admin@acme.test")
	for _, want := range []string{"Inactivity Timeout", "15 min", "30 min", "60 min", "2 hrs", "4 hrs", "8 hrs", "24 hrs",
		"Best practice configuration: 15 minutes", "Note: This configuration will apply to all users within this account.",
		`id="save"`, `type="range"`, "/admin/assets/security.js"} {
		if !strings.Contains(page, want) {
			t.Errorf("Security page lacks %q", want)
		}
	}
	if resp, js := get(t, b, e.url("/admin/assets/security.js")); resp.StatusCode != 200 || !strings.Contains(js, "/api/admin/security") {
		t.Errorf("page script: %s", resp.Status)
	}
	if resp, _ := get(t, b, e.url("/admin/assets/security.html")); resp.StatusCode != 404 {
		t.Errorf("asset server serves other files: %s", resp.Status)
	}
	// The page's Save: token from the cookie session, then the admin API.
	at, code := pageToken(t, e, b)
	if code != 200 || at == "" {
		t.Fatalf("/admin/token: %d", code)
	}
	e.putTimeout(at, "15m", 200)
	if s, _ := e.getSecurity(at); s.InactivityTimeout != "15m" {
		t.Errorf("after Save: %s", s.InactivityTimeout)
	}
	// Every call renews (rotates) the cookie session, and keeps working.
	if at2, code := pageToken(t, e, b); code != 200 || at2 == at {
		t.Errorf("second /admin/token: %d (new token? %v)", code, at2 != at)
	}
	// Without the custom header (a cross-site form post) it is refused.
	resp, err := b.Post(e.url("/admin/token"), "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("/admin/token without X-Requested-With: %s, want 403", resp.Status)
	}
	// Sign out ends the session, but only with the page's CSRF token; the
	// page then sends the browser to sign in again.
	if resp := postForm(t, b, e.url("/admin/logout"), url.Values{}); resp.StatusCode != 403 || !e.active(at) {
		t.Errorf("sign-out without the CSRF token: %s (session still live: %v), want 403 and no change", resp.Status, e.active(at))
	}
	resp = postForm(t, b, e.url("/admin/logout"), url.Values{"csrf": {csrfOf(t, page)}})
	if resp.Request.URL.Path != "/authorize" {
		t.Errorf("after sign-out landed on %s, want the login form", resp.Request.URL.Path)
	}
	if e.active(at) {
		t.Error("access token still active after Admin Center sign-out")
	}
}

// TestAdminCenterNonAdmin: a member who signs in to the Admin Center gets
// a 403 page that says why, on every page, and the admin API refuses the
// page's token too.
func TestAdminCenterNonAdmin(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	resp, _ := get(t, b, e.url("/admin/sessions"))
	resp, err := b.PostForm(resp.Request.URL.String(), url.Values{"email": {"user@acme.test"}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, resp)
	if resp.StatusCode != 403 || resp.Request.URL.Path != "/admin/sessions" {
		t.Fatalf("member after sign-in: %s at %s, want 403 on the page asked for", resp.Status, resp.Request.URL)
	}
	for _, want := range []string{"Admins only", "user@acme.test", "a member of the account", "/admin/logout"} {
		if !strings.Contains(page, want) {
			t.Errorf("403 page lacks %q", want)
		}
	}
	for _, p := range server.AdminPages() {
		if resp, body := get(t, b, e.url(p)); resp.StatusCode != 403 || !strings.Contains(body, "Admins only") || strings.Contains(body, `class="side"`) {
			t.Errorf("member at %s: %s, want the 403 page without the sidebar", p, resp.Status)
		}
	}
	at, code := pageToken(t, e, b)
	if code != 200 {
		t.Fatalf("/admin/token: %d", code)
	}
	if _, code := e.getSecurity(at); code != 403 {
		t.Errorf("non-admin reading the setting through the page: %d, want 403", code)
	}
	if resp := postForm(t, b, e.url("/admin/sessions/end"), url.Values{"csrf": {csrfOf(t, page)}, "user": {"x"}}); resp.StatusCode != 403 {
		t.Errorf("member ending sessions: %s, want 403", resp.Status)
	}
	// The 403 page's Sign out works.
	if resp := postForm(t, b, e.url("/admin/logout"), url.Values{"csrf": {csrfOf(t, page)}}); resp.Request.URL.Path != "/authorize" || e.active(at) {
		t.Errorf("member's sign-out: landed on %s, session still live: %v", resp.Request.URL.Path, e.active(at))
	}
}

func TestAdminCenterCallbackNeedsItsOwnState(t *testing.T) {
	e := newEnv(t, false)
	resp, _ := get(t, e.browser(), e.url("/admin/callback?code=x&state=y"))
	if resp.StatusCode != 400 {
		t.Errorf("callback without a login cookie: %s, want 400", resp.Status)
	}
	if _, code := pageToken(t, e, e.browser()); code != 401 {
		t.Errorf("/admin/token without a session: %d, want 401", code)
	}
}
