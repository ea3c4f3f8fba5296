package server

import (
	"crypto/subtle"
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

//go:embed web
var webFS embed.FS

var loginPage = template.Must(template.ParseFS(webFS, "web/login.html"))

// authRequest is a validated /authorize query.
type authRequest struct {
	client      client
	redirectURI string
	state       string
	challenge   string
	scope       string
	nonce       string
}

// handleAuthorize serves the login form (GET) and checks it (POST). The
// form posts back to the same URL, so the query carries the request.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c, ok := s.client(q.Get("client_id"))
	if !ok {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	redirect := q.Get("redirect_uri")
	if !c.redirectOK(redirect) {
		// Never redirect to an unregistered URI (RFC 6749 §4.1.2.1).
		http.Error(w, "redirect_uri is not registered for this client", http.StatusBadRequest)
		return
	}
	req := authRequest{client: c, redirectURI: redirect, state: q.Get("state"),
		challenge: q.Get("code_challenge"), scope: q.Get("scope"), nonce: q.Get("nonce")}
	switch {
	case q.Get("response_type") != "code":
		s.redirectError(w, r, req, "unsupported_response_type", "response_type must be code")
		return
	case req.challenge == "" || q.Get("code_challenge_method") != "S256":
		s.redirectError(w, r, req, "invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256")
		return
	case len(req.challenge) != 43:
		s.redirectError(w, r, req, "invalid_request", "code_challenge must be a base64url SHA-256")
		return
	}
	if r.Method == http.MethodGet {
		s.showLogin(w, r, req, http.StatusOK, "", "")
		return
	}
	if s.crossOrigin(w, r) {
		return
	}
	email, password := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	u, err := s.checkPassword(r, email, password)
	var throttled *throttledError
	switch {
	case errors.As(err, &throttled):
		s.showLogin(w, r, req, throttled.refuse(w), email, throttled.message())
		return
	case errors.Is(err, errBadCredentials):
		s.log.InfoContext(r.Context(), "sign-in refused", "email", email)
		s.showLogin(w, r, req, http.StatusOK, email, "Wrong email or password.")
		return
	case err != nil:
		s.log.ErrorContext(r.Context(), "sign-in", "err", err)
		http.Error(w, "sign-in is unavailable, try again", http.StatusInternalServerError)
		return
	}
	code, err := s.issueCode(r.Context(), req, u)
	if err != nil {
		s.log.ErrorContext(r.Context(), "issue code", "err", err)
		http.Error(w, "sign-in is unavailable, try again", http.StatusInternalServerError)
		return
	}
	s.log.InfoContext(r.Context(), "signed in", "email", u.Email, "client_id", c.id)
	s.redirect(w, r, req, url.Values{"code": {code}})
}

func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, req authRequest, status int, email, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", pagePolicy("default-src 'none'; style-src 'unsafe-inline'; form-action 'self' "+redirectOrigin(req.redirectURI)))
	w.WriteHeader(status)
	loginPage.Execute(w, map[string]string{"Action": r.URL.RequestURI(), "Email": email, "Error": msg})
}

// redirectOrigin is the CSP source for the origin of a validated
// redirect_uri, which the sign-in page's form-action must allow; "" when
// CSP cannot name it.
//
// Chromium checks form-action against every hop of the navigation that a
// form submission starts, redirects included. With 'self' alone, the 302
// that answers a correct password and sends the browser to the client's
// redirect_uri (for the agent, its loopback listener: another origin) is
// blocked, and the person is left on the form while the server has
// already signed them in. Allowing exactly the origin of this request's
// redirect_uri, which the client's registration has already accepted,
// lets that one redirect through and nothing else: the form still cannot
// be made to post the credentials to any other place. The path is left
// out because CSP ignores paths when it matches a redirect.
//
// CSP's grammar has no IPv6 literals (Chromium drops "http://[::1]:port"
// as an invalid source), so a redirect to [::1] goes through a
// same-origin page instead; see showContinue.
func redirectOrigin(redirectURI string) string {
	u, err := url.Parse(redirectURI)
	if err != nil || u.Host == "" || strings.Contains(u.Hostname(), ":") {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, req authRequest, kind, desc string) {
	s.redirect(w, r, req, url.Values{"error": {kind}, "error_description": {desc}})
}

func (s *Server) redirect(w http.ResponseWriter, r *http.Request, req authRequest, v url.Values) {
	if req.state != "" {
		v.Set("state", req.state)
	}
	u, _ := url.Parse(req.redirectURI) // validated by redirectOK
	q := u.Query()
	for k, vs := range v {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	if r.Method == http.MethodPost && redirectOrigin(req.redirectURI) == "" {
		s.showContinue(w, u.String())
		return
	}
	http.Redirect(w, r, u.String(), http.StatusFound)
}

var continuePage = template.Must(template.ParseFS(webFS, "web/continue.html"))

// showContinue answers a sign-in whose redirect_uri the login page's CSP
// cannot name (an IPv6 loopback literal) with a page of our own origin
// that moves on to it. A meta refresh is a new navigation, not part of
// the form submission, so form-action does not apply to it, and the
// link is there for a browser that does not refresh.
func (s *Server) showContinue(w http.ResponseWriter, target string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", pagePolicy("default-src 'none'; style-src 'unsafe-inline'; form-action 'none'"))
	continuePage.Execute(w, template.URL(target)) // a registered redirect_uri with our query
}

func constantEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
