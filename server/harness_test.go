package server_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/walkme/session-agent/server"
	"github.com/walkme/session-agent/server/sqlitestore"
)

// clock is an injected clock tests advance by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is a real walkme-sessiond on loopback with a temporary SQLite file,
// or (tests under TestOnRedis, see redis_test.go) a fresh key prefix on
// the package's redis-server.
type env struct {
	t     testing.TB
	srv   *httptest.Server
	store server.Store
	clock *clock
	http  *http.Client // does not follow redirects
}

const password = "correct horse battery"

// testUsers are in every env's store, with the password above.
var testUsers = []struct {
	account, email string
	admin          bool
}{
	{"acme", "admin@acme.test", true},
	{"acme", "user@acme.test", false},
	{"globex", "admin@globex.test", true},
}

// templateDB holds the test users; bcrypt is slow on purpose, so each
// test copies this file instead of hashing the passwords again.
var templateDB = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "sessiond-template")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "template.db")
	st, err := sqlitestore.Open(path)
	if err != nil {
		return nil, err
	}
	for _, u := range testUsers {
		if _, err := st.AddUser(context.Background(), u.account, u.email, password, u.admin); err != nil {
			return nil, err
		}
	}
	if err := st.Close(); err != nil { // checkpoints the WAL into the file
		return nil, err
	}
	return os.ReadFile(path)
})

func newEnv(t *testing.T, dev bool) *env {
	t.Helper()
	t.Parallel()
	return startEnv(t, dev)
}

func startEnv(t testing.TB, dev bool) *env {
	t.Helper()
	if onRedis(t) {
		return startEnvOn(t, dev, redisStore(t, freshRedisPrefix(t)), nil)
	}
	return startEnvOn(t, dev, sqliteStore(t), nil)
}

// sqliteStore is a copy of the template database.
func sqliteStore(t testing.TB) server.Store {
	t.Helper()
	tmpl, err := templateDB()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sessiond.db")
	if err := os.WriteFile(path, tmpl, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := sqlitestore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// startEnvOn serves st; clk may be shared by several envs (nil: a new one).
func startEnvOn(t testing.TB, dev bool, st server.Store, clk *clock) *env {
	t.Helper()
	e := unstartedEnv(t, st, clk)
	s, err := server.New(server.Config{Issuer: e.issuer(), Store: st, Dev: dev, Now: e.clock.Now})
	if err != nil {
		e.srv.Listener.Close()
		t.Fatal(err)
	}
	e.start(s)
	return e
}

// unstartedEnv has a listener but no server yet, so the issuer can be the
// listener's own URL.
func unstartedEnv(t testing.TB, st server.Store, clk *clock) *env {
	if clk == nil {
		clk = &clock{now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	}
	e := &env{t: t, store: st, clock: clk}
	e.http = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	e.srv = httptest.NewUnstartedServer(nil)
	return e
}

func (e *env) issuer() string { return "http://" + e.srv.Listener.Addr().String() }

func (e *env) start(s *server.Server) {
	e.srv.Config.Handler = s
	e.srv.Start()
	e.t.Cleanup(e.srv.Close)
}

func (e *env) url(path string) string { return e.srv.URL + path }

type pkce struct{ verifier, challenge string }

func newPKCE() pkce {
	v := rand.Text() + rand.Text() // 52 characters of 43..128
	sum := sha256.Sum256([]byte(v))
	return pkce{v, base64.RawURLEncoding.EncodeToString(sum[:])}
}

const redirectURI = "http://127.0.0.1:49152/callback"

func (e *env) authorizeURL(p pkce, redirect string) string {
	q := url.Values{
		"response_type": {"code"}, "client_id": {server.AgentClientID}, "redirect_uri": {redirect},
		"state": {"st4te"}, "scope": {"openid email offline_access"},
		"code_challenge": {p.challenge}, "code_challenge_method": {"S256"},
	}
	return e.url("/authorize?" + q.Encode())
}

// signIn drives the login form and returns the authorization code.
func (e *env) signIn(email string, p pkce) string {
	e.t.Helper()
	au := e.authorizeURL(p, redirectURI)
	resp := e.do("GET", au, nil, "")
	if resp.StatusCode != 200 {
		e.t.Fatalf("GET authorize: %s", resp.Status)
	}
	resp = e.do("POST", au, url.Values{"email": {email}, "password": {password}}, "")
	if resp.StatusCode != http.StatusFound {
		e.t.Fatalf("POST authorize: %s", resp.Status)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("state") != "st4te" || loc.Query().Get("code") == "" {
		e.t.Fatalf("redirect %q lacks code or state", resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

type tokens struct {
	AccessToken           string `json:"access_token"`
	TokenType             string `json:"token_type"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshToken          string `json:"refresh_token"`
	RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in"`
	InactivityTimeout     int64  `json:"inactivity_timeout"`
	IDToken               string `json:"id_token"`
	Error                 string `json:"error"`
	Description           string `json:"error_description"`
	status                int
}

func (e *env) token(form url.Values) tokens {
	e.t.Helper()
	form.Set("client_id", server.AgentClientID)
	resp := e.do("POST", e.url("/token"), form, "")
	var tk tokens
	if err := json.NewDecoder(resp.Body).Decode(&tk); err != nil {
		e.t.Fatalf("token answer: %v", err)
	}
	tk.status = resp.StatusCode
	return tk
}

func (e *env) exchange(code string, p pkce) tokens {
	e.t.Helper()
	return e.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {p.verifier}, "redirect_uri": {redirectURI}})
}

// login signs email in and returns its first tokens.
func (e *env) login(email string) tokens {
	e.t.Helper()
	p := newPKCE()
	tk := e.exchange(e.signIn(email, p), p)
	if tk.status != 200 || tk.RefreshToken == "" || tk.AccessToken == "" {
		e.t.Fatalf("exchange: %d %s %s", tk.status, tk.Error, tk.Description)
	}
	return tk
}

func (e *env) refresh(rt string) tokens {
	e.t.Helper()
	return e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
}

// refreshWith refreshes with extra form parameters (what the agent reports).
func (e *env) refreshWith(rt string, extra url.Values) tokens {
	e.t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	for k, v := range extra {
		form[k] = v
	}
	return e.token(form)
}

func (e *env) mustRefresh(rt string) tokens {
	e.t.Helper()
	tk := e.refresh(rt)
	if tk.status != 200 {
		e.t.Fatalf("refresh: %d %s: %s", tk.status, tk.Error, tk.Description)
	}
	return tk
}

// mustRefuse fails the test unless refreshing rt is refused with invalid_grant.
func (e *env) mustRefuse(rt, what string) {
	e.t.Helper()
	if tk := e.refresh(rt); tk.status != 400 || tk.Error != "invalid_grant" {
		e.t.Fatalf("%s: refresh answered %d %q, want 400 invalid_grant", what, tk.status, tk.Error)
	}
}

func (e *env) introspect(token string) map[string]any {
	e.t.Helper()
	resp := e.do("POST", e.url("/introspect"), url.Values{"token": {token}}, "")
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != 200 {
		e.t.Fatalf("introspect: %s %v", resp.Status, err)
	}
	return m
}

func (e *env) active(token string) bool { return e.introspect(token)["active"] == true }

func (e *env) revoke(token string) {
	e.t.Helper()
	resp := e.do("POST", e.url("/revoke"), url.Values{"token": {token}, "client_id": {server.AgentClientID}}, "")
	if resp.StatusCode != 200 {
		e.t.Fatalf("revoke: %s", resp.Status)
	}
}

// do sends a request; form goes as the body, bearer as Authorization.
// The body is read into memory, so callers need not close it.
func (e *env) do(method, u string, form url.Values, bearer string) *http.Response {
	e.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return e.send(req)
}

func (e *env) send(req *http.Request) *http.Response {
	e.t.Helper()
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return bufferBody(e.t, resp)
}
