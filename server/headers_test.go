package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSecurityHeadersEverywhere: every response of the service, pages,
// assets, JSON, redirects and errors alike, carries nosniff, a
// Referrer-Policy and frame-ancestors 'none'.
func TestSecurityHeadersEverywhere(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	e.adminSignIn(b, "admin@acme.test")
	noRedirect := *b
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	au := e.authorizeURL(newPKCE(), redirectURI)
	creds := url.Values{"email": {"user@acme.test"}, "password": {password}}
	cases := []struct {
		name, method, path string
		form               url.Values
		header             map[string]string
		html               bool
	}{
		{"discovery", "GET", "/.well-known/openid-configuration", nil, nil, false},
		{"jwks", "GET", "/jwks", nil, nil, false},
		{"login page", "GET", strings.TrimPrefix(au, e.url("")), nil, nil, true},
		{"login refused", "POST", strings.TrimPrefix(au, e.url("")), url.Values{"email": {"user@acme.test"}, "password": {"wrong"}}, nil, true},
		{"login redirect", "POST", strings.TrimPrefix(au, e.url("")), creds, nil, false},
		{"login continue page", "POST", strings.TrimPrefix(e.authorizeURL(newPKCE(), "http://[::1]:49152/cb"), e.url("")), creds, nil, true},
		{"authorize error", "GET", "/authorize?client_id=nope", nil, nil, false},
		{"device page", "GET", "/device", nil, nil, true},
		{"device page error", "POST", "/device", url.Values{"user_code": {"nope"}}, nil, true},
		{"admin root", "GET", "/admin/", nil, nil, false},
		{"admin page", "GET", "/admin/security", nil, nil, true},
		{"admin login", "GET", "/admin/login", nil, nil, false},
		{"admin script", "GET", "/admin/assets/security.js", nil, nil, false},
		{"admin style", "GET", "/admin/assets/admin.css", nil, nil, false},
		{"admin asset 404", "GET", "/admin/assets/security.html", nil, nil, false},
		{"admin token", "POST", "/admin/token", nil, map[string]string{"X-Requested-With": "walkme-admin"}, false},
		{"admin token refused", "POST", "/admin/token", nil, nil, false},
		{"token error", "POST", "/token", url.Values{"grant_type": {"nope"}}, nil, false},
		{"userinfo 401", "GET", "/userinfo", nil, nil, false},
		{"admin API 401", "GET", "/api/admin/security", nil, nil, false},
		{"not found", "GET", "/nope", nil, nil, false},
		{"sessions page", "GET", "/admin/sessions", nil, nil, true},
		{"activity page", "GET", "/admin/activity?kind=sign-in", nil, nil, true},
		{"users page", "GET", "/admin/users", nil, nil, true},
		{"admin form without CSRF token", "POST", "/admin/sessions/end", url.Values{"user": {"x"}}, nil, false},
		{"role form without CSRF token", "POST", "/admin/users/role", url.Values{"user": {"x"}}, nil, false},
		{"health", "GET", "/healthz", nil, nil, false},
		{"readiness", "GET", "/readyz", nil, nil, false},
		{"admin sessions API 401", "GET", "/api/admin/sessions", nil, nil, false},
		{"admin sign-out", "POST", "/admin/logout", nil, nil, false},
	}
	for _, c := range cases {
		var body *strings.Reader
		if c.form != nil {
			body = strings.NewReader(c.form.Encode())
		} else {
			body = strings.NewReader("")
		}
		req, _ := http.NewRequest(c.method, e.url(c.path), body)
		if c.form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for k, v := range c.header {
			req.Header.Set(k, v)
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" ||
			!strings.Contains(csp, "frame-ancestors 'none'") || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s (%s %s, %s): nosniff=%q Referrer-Policy=%q X-Frame-Options=%q CSP=%q", c.name, c.method, c.path, resp.Status,
				h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"), h.Get("X-Frame-Options"), csp)
		}
		if c.html && !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			t.Errorf("%s: Content-Type %q, want a page", c.name, h.Get("Content-Type"))
		}
		if !strings.Contains(csp, "base-uri 'none'") || !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: CSP %q lacks default-src 'none' or base-uri 'none'", c.name, csp)
		}
	}
}

// TestCrossOriginPostsRefused: every state-changing browser POST (the
// sign-in and device forms, the Admin Center's token fetch and sign-out)
// from a page of another origin is refused with 403 and changes nothing;
// the same requests from our own origin, or from a client that is no
// browser, go through.
func TestCrossOriginPostsRefused(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	csrf := csrfOf(t, e.adminSignIn(b, "admin@acme.test"))
	at, code := pageToken(t, e, b)
	if code != 200 {
		t.Fatalf("/admin/token: %d", code)
	}
	creds := url.Values{"email": {"user@acme.test"}, "password": {password}}
	posts := []struct {
		path   string
		form   url.Values
		header map[string]string
	}{
		{strings.TrimPrefix(e.authorizeURL(newPKCE(), redirectURI), e.url("")), creds, nil},
		{"/device", url.Values{"user_code": {"BCDF-GHJK"}, "email": {"user@acme.test"}, "password": {password}}, nil},
		{"/admin/token", nil, map[string]string{"X-Requested-With": "walkme-admin"}},
		{"/admin/sessions/end", url.Values{"csrf": {csrf}, "user": {"u_x"}}, nil},
		{"/admin/logout", url.Values{"csrf": {csrf}}, nil},
	}
	foreign := []map[string]string{
		{"Origin": "https://evil.test"},
		{"Origin": "null"},
		{"Origin": "http://127.0.0.1:1"}, // same host, another port: another origin
		{"Origin": strings.Replace(e.url(""), "http:", "https:", 1)},
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site"},
	}
	post := func(path string, form url.Values, headers ...map[string]string) *http.Response {
		t.Helper()
		body := ""
		if form != nil {
			body = form.Encode()
		}
		req, _ := http.NewRequest("POST", e.url(path), strings.NewReader(body))
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for _, h := range headers {
			for k, v := range h {
				req.Header.Set(k, v)
			}
		}
		noRedirect := *b
		noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for _, p := range posts {
		for _, f := range foreign {
			if resp := post(p.path, p.form, p.header, f); resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with %v: %s, want 403", p.path, f, resp.Status)
			} else if resp.Header.Get("Set-Cookie") != "" {
				t.Errorf("POST %s with %v: refused but sets a cookie", p.path, f)
			}
		}
	}
	if !e.active(at) {
		t.Fatal("a refused cross-origin sign-out ended the admin's session")
	}
	// Our own origin (as Chromium sends it: host in any case), and a client
	// with neither header, are served.
	own := strings.ToUpper(e.url("")[:len("http://")]) + e.url("")[len("http://"):]
	for _, h := range []map[string]string{{"Origin": e.url("")}, {"Origin": own}, {"Sec-Fetch-Site": "same-origin"}, nil} {
		if resp := post(posts[0].path, posts[0].form, h); resp.StatusCode != http.StatusFound {
			t.Errorf("sign-in POST with %v: %s, want 302", h, resp.Status)
		}
		if resp := post("/admin/token", nil, posts[2].header, h); resp.StatusCode != http.StatusOK {
			t.Errorf("/admin/token with %v: %s, want 200", h, resp.Status)
		}
	}
	if resp := post("/admin/logout", url.Values{"csrf": {csrf}}, map[string]string{"Origin": e.url("")}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin sign-out: %s, want 303", resp.Status)
	}
	if e.active(at) {
		t.Error("the same-origin sign-out did not end the session")
	}
}
