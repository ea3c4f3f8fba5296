package server

import (
	"crypto/hmac"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
)

// The Admin Center is a first-party client served by this process: it
// signs the admin in through the same /authorize login form (code +
// PKCE), keeps the session's refresh token in an HttpOnly, SameSite=Lax
// cookie, and hands the page short-lived access tokens for the admin API.
// Each page load renews the session, so an admin at work stays signed in
// and an abandoned tab lapses with the account's timeout like any other.
const (
	adminCenterClientID = "walkme-admin-center"
	adminCallbackPath   = "/admin/callback"
	sessionCookie       = "walkme_admin"
	loginCookie         = "walkme_admin_login"
)

func (s *Server) adminCenterRoutes(m *router) {
	assets, _ := fs.Sub(webFS, "web")
	m.HandleFunc("GET /admin/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin/security", http.StatusFound)
	})
	m.HandleFunc("GET /admin/security", s.handleSecurityPage)
	m.HandleFunc("GET /admin/sessions", s.handleSessionsPage)
	m.HandleFunc("POST /admin/sessions/end", s.handleEndSessionForm)
	m.HandleFunc("GET /admin/activity", s.handleActivityPage)
	m.HandleFunc("GET /admin/users", s.handleUsersPage)
	m.HandleFunc("POST /admin/users/role", s.handleRoleForm)
	m.HandleFunc("GET /admin/login", s.handleAdminLogin)
	m.HandleFunc("GET "+adminCallbackPath, s.handleAdminCallback)
	m.HandleFunc("POST /admin/token", s.handleAdminToken)
	m.HandleFunc("POST /admin/logout", s.handleAdminLogout)
	m.Handle("GET /admin/assets/", http.StripPrefix("/admin/assets/", onlyAssets(http.FileServerFS(assets))))
}

// onlyAssets keeps the file server to the page's script and style.
func onlyAssets(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p != "security.js" && p != "admin.css" && p != "admin.js" {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

var securityPage = adminTemplate("security.html")

// handleSecurityPage serves the page; its script (web/security.js) reads
// and saves the setting through the admin API.
func (s *Server) handleSecurityPage(w http.ResponseWriter, r *http.Request) {
	v, ok := s.adminPage(w, r)
	if !ok {
		return
	}
	data := v.page("Security", "/admin/security", nil)
	data.Script = "security.js"
	s.render(w, http.StatusOK, securityPage, data)
}

// handleAdminLogin starts the code flow against ourselves.
func (s *Server) handleAdminLogin(w http.ResponseWriter, r *http.Request) {
	state, verifier := newSecret(), newSecret()
	next := r.URL.Query().Get("next")
	if !isAdminPage(next) {
		next = "/admin/security"
	}
	// base64url values and a page path: "." separates them.
	http.SetCookie(w, s.cookie(loginCookie, state+"."+verifier+"."+next, 600, http.SameSiteLaxMode))
	q := url.Values{
		"response_type": {"code"}, "client_id": {adminCenterClientID}, "redirect_uri": {s.endpoint(adminCallbackPath)},
		"scope": {"openid email"}, "state": {state}, "code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"},
	}
	http.Redirect(w, r, s.endpoint("/authorize?"+q.Encode()), http.StatusFound)
}

func (s *Server) handleAdminCallback(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(loginCookie)
	parts := strings.SplitN(valueOf(c, err), ".", 3)
	if len(parts) < 3 || !isAdminPage(parts[2]) {
		parts = []string{"", "", ""}
	}
	state, verifier, next := parts[0], parts[1], parts[2]
	if state == "" || !constantEqual(state, r.URL.Query().Get("state")) || r.URL.Query().Get("code") == "" {
		http.Error(w, "This sign-in was not started here or has expired. Open the Admin Center again.", http.StatusBadRequest)
		return
	}
	client, _ := s.client(adminCenterClientID)
	resp, err := s.exchangeCode(withDevice(r.Context(), r), client, r.URL.Query().Get("code"), s.endpoint(adminCallbackPath), verifier, usage{inUse: true})
	if s.adminGrantFailed(w, err) {
		return
	}
	http.SetCookie(w, s.cookie(loginCookie, "", -1, http.SameSiteLaxMode))
	http.SetCookie(w, s.cookie(sessionCookie, resp.RefreshToken, 0, http.SameSiteLaxMode))
	http.Redirect(w, r, s.endpoint(next), http.StatusFound)
}

// handleAdminToken renews the cookie session and returns an access token
// for the admin API. The custom header makes a cross-site call need a
// CORS preflight, which this server never grants; the Origin check
// refuses it even so.
func (s *Server) handleAdminToken(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Requested-With") != "walkme-admin" || s.foreignOrigin(r) {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden"})
		return
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "signed_out"})
		return
	}
	client, _ := s.client(adminCenterClientID)
	resp, err := s.refresh(r.Context(), client, c.Value, usage{inUse: true}) // the Admin Center page is open
	if s.adminGrantFailed(w, err) {
		return
	}
	http.SetCookie(w, s.cookie(sessionCookie, resp.RefreshToken, 0, http.SameSiteLaxMode))
	claims, _ := s.verifyAccess(resp.AccessToken)
	writeJSON(w, http.StatusOK, map[string]any{"access_token": resp.AccessToken, "expires_in": resp.ExpiresIn, "email": claims.Email})
}

// handleAdminLogout ends the cookie session. It is a form post from the
// pages (members' 403 page included); one from another site, or without
// the session's CSRF token, is refused, or any page could sign the admin
// out.
func (s *Server) handleAdminLogout(w http.ResponseWriter, r *http.Request) {
	if s.crossOrigin(w, r) {
		return
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		if ss, _, err := s.tokenSession(r.Context(), c.Value); err == nil {
			if !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(s.keys.csrfToken(ss.ID))) {
				http.Error(w, "This form has expired or did not come from the Admin Center. Reload the page and try again.", http.StatusForbidden)
				return
			}
			if err := s.store.EndSession(r.Context(), ss.ID, s.now(), "revoked"); err != nil {
				s.internal(w, "sign out", err)
				return
			}
		}
	}
	http.SetCookie(w, s.cookie(sessionCookie, "", -1, http.SameSiteLaxMode))
	http.Redirect(w, r, s.endpoint("/admin/security"), http.StatusSeeOther)
}

// adminGrantFailed answers a failed grant: a refused one signs the
// browser out, anything else is a server error.
func (s *Server) adminGrantFailed(w http.ResponseWriter, err error) bool {
	var ge *grantError
	switch {
	case err == nil:
		return false
	case errors.As(err, &ge):
		http.SetCookie(w, s.cookie(sessionCookie, "", -1, http.SameSiteLaxMode))
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "signed_out", "error_description": ge.desc})
	default:
		s.internal(w, "admin sign-in", err)
	}
	return true
}

func (s *Server) cookie(name, value string, maxAge int, site http.SameSite) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/admin", MaxAge: maxAge, HttpOnly: true,
		Secure: strings.HasPrefix(s.issuer, "https://"), SameSite: site}
}

func valueOf(c *http.Cookie, err error) string {
	if err != nil {
		return ""
	}
	return c.Value
}
