package server

import (
	"net/http"
	"net/url"
	"strings"
)

// basePolicy is the Content-Security-Policy of every response that is not
// one of the HTML pages (JSON, assets, redirects, errors): nothing may
// load, run or frame it, even if a browser is tricked into rendering it.
const basePolicy = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// pagePolicy completes an HTML page's own Content-Security-Policy
// directives with those every page shares: no <base> rewriting and no
// framing (clickjacking of the sign-in and Admin Center forms).
func pagePolicy(directives string) string {
	return directives + "; base-uri 'none'; frame-ancestors 'none'"
}

// setSecureHeaders sets the headers every response of the service
// carries. ServeHTTP calls it before any handler runs, so no page, asset,
// redirect or error lacks them; a page replaces the
// Content-Security-Policy with its own pagePolicy. nosniff keeps browsers
// from reading JSON or text as script or HTML; same-origin keeps
// authorization URLs (state, PKCE challenge) and codes out of the Referer
// that other sites, the agent's loopback listener included, would see.
// (Not no-referrer: under it browsers send "Origin: null" with a form
// post, and the Origin check could no longer tell our own forms from
// anyone's.) X-Frame-Options backs up frame-ancestors for browsers that
// predate it.
func setSecureHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", basePolicy)
}

// crossOrigin answers 403 to a state-changing browser request (a form
// post) that came from a page of another origin, and reports whether it
// did.
func (s *Server) crossOrigin(w http.ResponseWriter, r *http.Request) bool {
	if !s.foreignOrigin(r) {
		return false
	}
	http.Error(w, "This request came from another site and was refused.", http.StatusForbidden)
	return true
}

// foreignOrigin reports (and logs) whether r was sent by a page of
// another origin than the issuer's.
//
// Browsers send Origin with every POST, so a page elsewhere cannot post
// with ours; "null" (sandboxed frames, opaque redirects) is refused too.
// Without Origin, Sec-Fetch-Site (sent by current browsers) must say
// same-origin or none (typed by the user). A request with neither header
// is not from a browser, so it carries no ambient cookie a forged post
// could ride on: command-line clients and scripts stay welcome.
func (s *Server) foreignOrigin(r *http.Request) bool {
	ok := true
	if o := r.Header.Get("Origin"); o != "" {
		ok = sameOrigin(o, s.issuer)
	} else if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		ok = site == "same-origin" || site == "none"
	}
	if !ok {
		s.log.InfoContext(r.Context(), "cross-origin request refused", "path", r.URL.Path, "origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
	}
	return !ok
}

// sameOrigin compares an Origin header with the issuer URL as origins:
// scheme, host (case-insensitive) and port (default ports implied).
func sameOrigin(origin, issuer string) bool {
	o, err1 := url.Parse(origin)
	i, err2 := url.Parse(issuer)
	if err1 != nil || err2 != nil || o.Host == "" {
		return false
	}
	return strings.EqualFold(o.Scheme, i.Scheme) && strings.EqualFold(hostPort(o), hostPort(i))
}

func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return u.Hostname() + ":" + port
}
