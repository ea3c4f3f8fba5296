package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
)

// The Admin Center's pages are rendered here, each inside
// web/layout.html: the header, and a sidebar that lists only the pages
// this service implements (adminNav). Its forms post back to the
// service; every post passes the Origin check and carries the session's
// CSRF token (csrfToken), and every page load renews the admin's cookie
// session like the Security page's script does.

// navItem is one sidebar entry.
type navItem struct{ Path, Label string }

// adminNav is the sidebar, in order. Entries of the full product that this
// reference service does not implement are left out rather than shown as
// links that lead nowhere.
var adminNav = []navItem{
	{"/admin/sessions", "Sessions"},
	{"/admin/users", "Users & Roles"},
	{"/admin/activity", "Activity Log"},
	{"/admin/security", "Security"},
}

// AdminPages returns the paths of the Admin Center's pages, as the
// sidebar lists them.
func AdminPages() []string {
	paths := make([]string, len(adminNav))
	for i, n := range adminNav {
		paths[i] = n.Path
	}
	return paths
}

func isAdminPage(path string) bool {
	for _, n := range adminNav {
		if n.Path == path {
			return true
		}
	}
	return false
}

func adminTemplate(page string) *template.Template {
	return template.Must(template.New("layout.html").Funcs(pageFuncs).ParseFS(webFS, "web/layout.html", "web/"+page))
}

// pageData is what web/layout.html renders; Page is the page's own data.
type pageData struct {
	Title   string
	Current string // the page's path, marked in the sidebar
	Nav     []navItem
	Email   string
	Account string
	CSRF    string
	Script  string // the page's script under /admin/assets/, if any
	Flash   string // a message after a post (what was done)
	Error   string
	Page    any
}

// adminView is the signed-in admin a page is rendered for.
type adminView struct {
	user    User
	session Session
	csrf    string
}

// adminPage authenticates a page request by the Admin Center's cookie
// session, renewing it. It answers the request itself and returns false
// when there is no session (to the sign-in, then back to this page) or
// the user is not an admin of the account (the 403 page).
func (s *Server) adminPage(w http.ResponseWriter, r *http.Request) (adminView, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		s.toAdminLogin(w, r)
		return adminView{}, false
	}
	client, _ := s.client(adminCenterClientID)
	resp, err := s.refresh(r.Context(), client, c.Value, usage{inUse: true}) // the Admin Center is open
	var ge *grantError
	if errors.As(err, &ge) {
		http.SetCookie(w, s.cookie(sessionCookie, "", -1, http.SameSiteLaxMode))
		s.toAdminLogin(w, r)
		return adminView{}, false
	} else if err != nil {
		s.internalPage(w, "admin sign-in", err)
		return adminView{}, false
	}
	http.SetCookie(w, s.cookie(sessionCookie, resp.RefreshToken, 0, http.SameSiteLaxMode))
	claims, err := s.verifyAccess(resp.AccessToken)
	if err != nil {
		s.internalPage(w, "admin sign-in", err)
		return adminView{}, false
	}
	v := adminView{csrf: s.keys.csrfToken(claims.SID)}
	if v.user, err = s.store.User(r.Context(), claims.Subject); err == nil {
		v.session, err = s.store.Session(r.Context(), claims.SID)
	}
	if err != nil {
		s.internalPage(w, "admin sign-in", err)
		return adminView{}, false
	}
	if !v.user.Admin || v.user.Account != v.session.Account {
		s.log.InfoContext(r.Context(), "admin center refused to a member", "email", v.user.Email, "path", r.URL.Path)
		s.render(w, http.StatusForbidden, forbiddenPage, pageData{Title: "Admins only", Email: v.user.Email,
			Account: v.user.Account, CSRF: v.csrf})
		return adminView{}, false
	}
	return v, true
}

// adminPost is adminPage for a form post: it also refuses a post from
// another origin and one without the session's CSRF token, before
// anything changes.
func (s *Server) adminPost(w http.ResponseWriter, r *http.Request) (adminView, bool) {
	if s.crossOrigin(w, r) {
		return adminView{}, false
	}
	v, ok := s.adminPage(w, r)
	if !ok {
		return v, false
	}
	if !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(v.csrf)) {
		s.log.InfoContext(r.Context(), "admin form refused: no valid CSRF token", "email", v.user.Email, "path", r.URL.Path)
		http.Error(w, "This form has expired or did not come from the Admin Center. Reload the page and try again.", http.StatusForbidden)
		return v, false
	}
	return v, true
}

// toAdminLogin sends the browser to sign in, and back to the page it
// asked for afterwards.
func (s *Server) toAdminLogin(w http.ResponseWriter, r *http.Request) {
	target := "/admin/login"
	if r.Method == http.MethodGet && isAdminPage(r.URL.Path) {
		target += "?" + url.Values{"next": {r.URL.Path}}.Encode()
	}
	http.Redirect(w, r, s.endpoint(target), http.StatusSeeOther)
}

// page fills the layout's common fields for v.
func (v adminView) page(title, current string, data any) pageData {
	return pageData{Title: title, Current: current, Nav: adminNav, Email: v.user.Email, Account: v.user.Account,
		CSRF: v.csrf, Page: data}
}

// adminPagePolicy is the pages' Content-Security-Policy: their own
// scripts and style, calls to this origin, forms that post here.
const adminPagePolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'self'"

func (s *Server) render(w http.ResponseWriter, status int, t *template.Template, data pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", pagePolicy(adminPagePolicy))
	w.WriteHeader(status)
	if err := t.Execute(w, data); err != nil {
		s.log.Error("render admin page", "page", data.Title, "err", err, "request_id", requestIDOf(w))
	}
}

func (s *Server) internalPage(w http.ResponseWriter, what string, err error) {
	s.log.Error(what, "err", err, "request_id", requestIDOf(w))
	http.Error(w, what+" failed; try again", http.StatusInternalServerError)
}

// csrfToken is the CSRF token of the Admin Center session sid: derived,
// not stored, and the same for the session's whole life, so every open
// tab's forms stay valid while the cookie's refresh token rotates.
func (k *keys) csrfToken(sid string) string {
	m := hmac.New(sha256.New, k.derive)
	m.Write([]byte("walkme admin csrf\x00"))
	m.Write([]byte(sid))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

var pageFuncs = template.FuncMap{"stamp": stamp}

var forbiddenPage = template.Must(template.New("layout.html").Funcs(pageFuncs).ParseFS(webFS, "web/layout.html", "web/forbidden.html"))
