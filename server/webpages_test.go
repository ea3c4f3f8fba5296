package server_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestLoginPageFormAction: the sign-in page's form-action names 'self'
// and the origin of this request's (registered) redirect_uri, and nothing
// more. TestLoginRedirectInBrowser shows that Chromium needs that origin.
func TestLoginPageFormAction(t *testing.T) {
	e := newEnv(t, false)
	for redirect, want := range map[string]string{
		"http://127.0.0.1:49152/callback": "form-action 'self' http://127.0.0.1:49152",
		"http://localhost:8765/cb?x=1":    "form-action 'self' http://localhost:8765",
		"http://[::1]:49152/callback":     "form-action 'self'", // CSP cannot name it: see TestLoginContinuePage
		"https://evil.test/callback":      "",                   // not registered: refused before any page
	} {
		resp := e.do("GET", e.authorizeURL(newPKCE(), redirect), nil, "")
		if want == "" {
			if resp.StatusCode != 400 {
				t.Errorf("redirect_uri %s: %s, want 400", redirect, resp.Status)
			}
			continue
		}
		csp := resp.Header.Get("Content-Security-Policy")
		var fa string
		for d := range strings.SplitSeq(csp, ";") {
			if d = strings.TrimSpace(d); strings.HasPrefix(d, "form-action") {
				fa = d
			}
		}
		if resp.StatusCode != 200 || fa != want {
			t.Errorf("redirect_uri %s: %s with %q, want 200 with %q", redirect, resp.Status, fa, want)
		}
	}
}

// TestLoginContinuePage: a sign-in for an IPv6 loopback redirect_uri ends
// on a same-origin page that moves on to it, since the form-action cannot
// allow the 302 there.
func TestLoginContinuePage(t *testing.T) {
	e := newEnv(t, false)
	au := e.authorizeURL(newPKCE(), "http://[::1]:49152/callback")
	resp := e.do("POST", au, url.Values{"email": {"user@acme.test"}, "password": {password}}, "")
	body := readAll(t, resp)
	m := regexp.MustCompile(`<meta http-equiv="refresh" content="0; url=([^"]+)">`).FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("POST: %s, want 200 with a meta refresh:\n%s", resp.Status, body)
	}
	target, err := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	if err != nil || target.Host != "[::1]:49152" || target.Path != "/callback" ||
		target.Query().Get("code") == "" || target.Query().Get("state") != "st4te" {
		t.Errorf("refresh target %q: want the redirect_uri with code and state", m[1])
	}
	if !strings.Contains(body, `<a href="`+m[1]+`">`) {
		t.Errorf("no link to the same target:\n%s", body)
	}
}
