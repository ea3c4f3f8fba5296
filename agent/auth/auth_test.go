package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/auth"
	"github.com/walkme/session-agent/internal/testenv/sessiondtest"
	"github.com/walkme/session-agent/server"
	"github.com/walkme/session-agent/server/sqlitestore"
)

const (
	email    = "user@acme.test"
	password = "correct horse battery"
)

// provider is a real walkme-sessiond on loopback.
type provider struct {
	url   string
	store *sqlitestore.Store
}

func newProvider(t *testing.T) provider {
	t.Helper()
	s := sessiondtest.Start(t, sessiondtest.Options{Users: []sessiondtest.User{{Account: "acme", Email: email, Password: password}}})
	return provider{url: s.URL, store: s.SQLite}
}

func newClient(issuer string) *auth.Client {
	return auth.New(auth.Options{Issuer: issuer, ClientID: server.AgentClientID})
}

// browse plays the user's browser: open the login form, post the
// credentials back to the same URL, follow the redirect to the agent's
// loopback listener, and return the page shown there.
func browse(t *testing.T, authURL, pw string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	resp, err := b.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	form, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(form), `name="password"`) {
		t.Fatalf("no login form at the AuthURL: %s", form)
	}
	resp, err = b.PostForm(authURL, url.Values{"email": {email}, "password": {pw}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	return string(page)
}

// startLogin starts a browser sign-in with c; the test closes it.
func startLogin(t *testing.T, ctx context.Context, c *auth.Client) *auth.Login {
	t.Helper()
	l, err := c.StartLogin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// waitLogin runs l.Wait in the background; the channel gets its outcome.
func waitLogin(ctx context.Context, l *auth.Login) <-chan error {
	done := make(chan error, 1)
	go func() { _, err := l.Wait(ctx); done <- err }()
	return done
}

func login(t *testing.T, c *auth.Client) *auth.Token { return loginUsing(t, c, nil) }

// loginUsing signs in, reporting inUse with the code exchange.
func loginUsing(t *testing.T, c *auth.Client, inUse func() bool) *auth.Token {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l := startLogin(t, ctx, c)
	l.InUse = inUse
	type result struct {
		tok *auth.Token
		err error
	}
	done := make(chan result, 1)
	go func() { tok, err := l.Wait(ctx); done <- result{tok, err} }()
	page := browse(t, l.AuthURL(), password)
	if !strings.Contains(page, "You can close this window") {
		t.Errorf("loopback page: %s", page)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("Wait: %v", r.err)
	}
	return r.tok
}

func TestLoginAndRefresh(t *testing.T) {
	p := newProvider(t)
	c := newClient(p.url)
	tok := login(t, c)
	if tok.User != email || tok.AccessToken == "" || tok.RefreshToken == "" || tok.IDToken == "" {
		t.Fatalf("login token: user=%q access? %v refresh? %v id? %v", tok.User, tok.AccessToken != "", tok.RefreshToken != "", tok.IDToken != "")
	}
	if tok.SessionTTL != 24*time.Hour {
		t.Errorf("SessionTTL = %v, want the account's 24h", tok.SessionTTL)
	}
	if d := time.Until(tok.AccessExpiry); d <= 0 || d > server.MaxAccessTokenLifetime {
		t.Errorf("AccessExpiry in %v", d)
	}
	ctx := context.Background()
	// The admin's setting shows in the next renewal.
	if _, err := p.store.SetInactivityTimeout(ctx, "acme", 15*time.Minute, server.Activity{At: time.Now(), Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	next, err := c.Refresh(ctx, tok.RefreshToken, auth.Usage{InUse: true})
	if err != nil {
		t.Fatal(err)
	}
	if next.RefreshToken == tok.RefreshToken || next.AccessToken == tok.AccessToken {
		t.Error("refresh did not rotate")
	}
	if next.SessionTTL != 15*time.Minute || next.User != email {
		t.Errorf("after refresh SessionTTL=%v User=%q", next.SessionTTL, next.User)
	}
	// Replaying the old token within the grace yields the same successor.
	again, err := c.Refresh(ctx, tok.RefreshToken, auth.Usage{InUse: true})
	if err != nil || again.RefreshToken != next.RefreshToken {
		t.Fatalf("replay within grace: %v, same successor %v", err, err == nil && again.RefreshToken == next.RefreshToken)
	}
}

func TestLoginWrongStateIgnored(t *testing.T) {
	p := newProvider(t)
	c := newClient(p.url)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l := startLogin(t, ctx, c)
	redirect, _ := url.Parse(l.AuthURL())
	cb := redirect.Query().Get("redirect_uri")
	if !strings.HasPrefix(cb, "http://127.0.0.1:") {
		t.Fatalf("redirect_uri %q is not a 127.0.0.1 loopback", cb)
	}
	if q := redirect.Query(); q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" {
		t.Fatalf("AuthURL lacks PKCE or state: %s", l.AuthURL())
	}
	// A forged redirect with another state does not end the sign-in.
	resp, err := http.Get(cb + "?code=forged&state=wrong")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("forged callback: %s, want 400", resp.Status)
	}
	done := waitLogin(ctx, l)
	browse(t, l.AuthURL(), password)
	if err := <-done; err != nil {
		t.Fatalf("real sign-in after a forged callback: %v", err)
	}
}

func TestLoginProviderError(t *testing.T) {
	l := startLogin(t, context.Background(), newClient(newProvider(t).url))
	u, _ := url.Parse(l.AuthURL())
	state := u.Query().Get("state")
	done := waitLogin(context.Background(), l)
	resp, err := http.Get(u.Query().Get("redirect_uri") + "?error=access_denied&state=" + url.QueryEscape(state))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "access_denied") {
		t.Errorf("Wait = %v, want access_denied", err)
	}
	if !strings.Contains(string(body), "Sign-in failed") {
		t.Errorf("browser page: %s", body)
	}
	// Wait closed the listener.
	if _, err := http.Get(u.Query().Get("redirect_uri")); err == nil {
		t.Error("loopback listener still open after Wait")
	}
}

func TestWaitHonoursContext(t *testing.T) {
	l := startLogin(t, context.Background(), newClient(newProvider(t).url))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait with a cancelled context: %v", err)
	}
}

func TestRejectedAndRevoke(t *testing.T) {
	p := newProvider(t)
	c := newClient(p.url)
	tok := login(t, c)
	ctx := context.Background()
	if _, err := c.Refresh(ctx, "not-a-real-token", auth.Usage{InUse: true}); !auth.IsRejected(err) {
		t.Errorf("unknown token: %v, want rejected", err)
	}
	if err := c.Revoke(ctx, tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
	_, err := c.Refresh(ctx, tok.RefreshToken, auth.Usage{InUse: true})
	if !auth.IsRejected(err) {
		t.Fatalf("refresh after revoke: %v, want rejected", err)
	}
	if strings.Contains(err.Error(), tok.RefreshToken) {
		t.Error("error text contains the refresh token")
	}
	// Revoking an unknown token is fine (RFC 7009).
	if err := c.Revoke(ctx, "whatever"); err != nil {
		t.Errorf("revoke unknown: %v", err)
	}
}

func TestCloseEndsWait(t *testing.T) {
	l := startLogin(t, context.Background(), newClient(newProvider(t).url))
	done := waitLogin(context.Background(), l)
	l.Close()
	if err := <-done; !errors.Is(err, auth.ErrLoginClosed) {
		t.Errorf("Wait after Close: %v, want ErrLoginClosed", err)
	}
}

// The renewal reports use (the server counts the deadline from it) and
// carries the account's timeout apart from the time left.
func TestRefreshReportsUsage(t *testing.T) {
	p := newProvider(t)
	c := newClient(p.url)
	tok := login(t, c)
	next, err := c.Refresh(context.Background(), tok.RefreshToken, auth.Usage{InUse: false, Idle: 2 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	// The last use is clamped to the sign-in, a moment ago: 24h less a little.
	if next.Timeout != 24*time.Hour || next.SessionTTL > 24*time.Hour-time.Second || next.SessionTTL < 24*time.Hour-time.Minute {
		t.Fatalf("Timeout %v SessionTTL %v: want 24h and a TTL counted from the sign-in", next.Timeout, next.SessionTTL)
	}
	_, ss, err := p.store.RefreshToken(context.Background(), hashOf(next.RefreshToken))
	if err != nil || ss.InUse {
		t.Fatalf("stored session in_use=%v (%v), want false as reported", ss.InUse, err)
	}
}

// Introspection asks without renewing, and says how long is left.
func TestIntrospect(t *testing.T) {
	p := newProvider(t)
	c := newClient(p.url)
	tok := login(t, c)
	ctx := context.Background()
	got, err := c.Introspect(ctx, tok.RefreshToken)
	if err != nil || !got.Active || got.Left <= 23*time.Hour || got.Left > 24*time.Hour {
		t.Fatalf("Introspect = %+v, %v; want active with about 24h left", got, err)
	}
	_, before, _ := p.store.RefreshToken(ctx, hashOf(tok.RefreshToken))
	c.Introspect(ctx, tok.RefreshToken)
	if _, after, _ := p.store.RefreshToken(ctx, hashOf(tok.RefreshToken)); !after.LapsesAt().Equal(before.LapsesAt()) {
		t.Fatal("introspection moved the deadline (R6)")
	}
	if err := c.Revoke(ctx, tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Introspect(ctx, tok.RefreshToken); err != nil || got.Active {
		t.Fatalf("after revocation: %+v, %v; want inactive", got, err)
	}
}

func hashOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// A sign-in with nothing open says so: the session starts idle.
func TestSignInReportsNothingOpen(t *testing.T) {
	p := newProvider(t)
	c := newClient(p.url)
	for _, open := range []bool{false, true} {
		tok := loginUsing(t, c, func() bool { return open })
		_, ss, err := p.store.RefreshToken(context.Background(), hashOf(tok.RefreshToken))
		if err != nil || ss.InUse != open {
			t.Fatalf("signed in with a product open=%v: stored in_use=%v (%v)", open, ss.InUse, err)
		}
	}
}
