package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Login is a sign-in in progress: a loopback listener waiting for the
// browser to come back with an authorization code.
type Login struct {
	// InUse, when set before Wait, says whether a WalkMe product is open:
	// the code exchange reports it (in_use), so a sign-in with nothing open
	// starts idle on walkme-sessiond.
	InUse func() bool

	c        *Client
	d        *discovery
	cfg      *oauth2.Config
	authURL  string
	state    string
	verifier string
	nonce    string
	ln       net.Listener
	srv      *http.Server
	codes    chan callback // the first valid callback
	closed   chan struct{} // closed by Close
	once     sync.Once

	mu    sync.Mutex
	taken bool // a callback is being or has been handled
}

// callback is one redirect to the listener; reply receives the outcome
// to show in the browser.
type callback struct {
	code, errCode, errDesc string
	reply                  chan error
}

// StartLogin prepares a sign-in: PKCE S256, state and nonce, and a
// listener on 127.0.0.1 with an ephemeral port. Open AuthURL in a
// browser, then Wait.
func (c *Client) StartLogin(ctx context.Context) (*Login, error) {
	d, err := c.discover(ctx)
	if err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("login: loopback listener: %w", err)
	}
	l := &Login{
		c: c, d: d, ln: ln,
		cfg:      c.config(d, fmt.Sprintf("http://%s/callback", ln.Addr())),
		state:    rand.Text(),
		verifier: oauth2.GenerateVerifier(),
		nonce:    rand.Text(),
		codes:    make(chan callback),
		closed:   make(chan struct{}),
	}
	l.authURL = l.cfg.AuthCodeURL(l.state, oauth2.S256ChallengeOption(l.verifier), oidc.Nonce(l.nonce))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /callback", l.handleCallback)
	l.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go l.srv.Serve(ln)
	return l, nil
}

// AuthURL is the URL to open in the browser.
func (l *Login) AuthURL() string { return l.authURL }

// Wait waits for the browser's redirect, checks its state, exchanges the
// code and shows the result in the browser. It closes the listener.
func (l *Login) Wait(ctx context.Context) (*Token, error) {
	defer l.Close()
	var cb callback
	select {
	case cb = <-l.codes:
	case <-ctx.Done():
		return nil, fmt.Errorf("login: %w", ctx.Err())
	case <-l.closed:
		return nil, ErrLoginClosed
	}
	t, err := l.finish(ctx, cb)
	cb.reply <- err
	return t, err
}

func (l *Login) finish(ctx context.Context, cb callback) (*Token, error) {
	if cb.errCode != "" {
		if cb.errDesc != "" {
			return nil, fmt.Errorf("login: provider answered %s: %s", cb.errCode, cb.errDesc)
		}
		return nil, fmt.Errorf("login: provider answered %s", cb.errCode)
	}
	ot, err := l.cfg.Exchange(l.c.httpContext(ctx), cb.code, append(usageOptions(l.InUse), oauth2.VerifierOption(l.verifier))...)
	if err != nil {
		return nil, fmt.Errorf("login: code exchange: %w", tokenError(err, false))
	}
	t, err := l.c.signedIn(ctx, l.d, ot, l.nonce)
	if err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	return t, nil
}

// signedIn turns the first tokens of a sign-in (any grant) into a Token:
// it needs a refresh token, and takes the user from the verified ID
// token (checking nonce, if any), else from userinfo.
func (c *Client) signedIn(ctx context.Context, d *discovery, ot *oauth2.Token, nonce string) (*Token, error) {
	if ot.RefreshToken == "" {
		return nil, errors.New("the provider issued no refresh token (is offline_access allowed for this client?)")
	}
	t := convert(ot)
	if t.IDToken != "" {
		var err error
		if t.User, err = c.verifyIDToken(ctx, d, t.IDToken, nonce); err != nil {
			return nil, err
		}
	} else if info, err := d.provider.UserInfo(c.httpContext(ctx), oauth2.StaticTokenSource(ot)); err == nil {
		t.User = info.Email
		if t.User == "" {
			t.User = info.Subject
		}
	}
	return t, nil
}

// ErrLoginClosed is Wait's answer when Close ended the sign-in first.
var ErrLoginClosed = errors.New("login: cancelled")

// Close stops the listener and ends a pending Wait; Wait calls it, and
// calling it again is harmless.
func (l *Login) Close() {
	l.once.Do(func() {
		close(l.closed)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		// Shutdown lets the browser's page finish before closing.
		if l.srv.Shutdown(ctx) != nil {
			l.srv.Close()
		}
	})
}

func (l *Login) handleCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	// Anything without our state is not the provider's redirect (another
	// local page probing the port): ignore it, keep waiting.
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(l.state)) != 1 {
		showResult(w, http.StatusBadRequest, "This sign-in link is not the one WalkMe started. Return to WalkMe and sign in again.")
		return
	}
	cb := callback{code: q.Get("code"), errCode: q.Get("error"), errDesc: q.Get("error_description"), reply: make(chan error, 1)}
	if cb.code == "" && cb.errCode == "" {
		cb.errCode = "invalid_request"
	}
	l.mu.Lock()
	taken := l.taken
	l.taken = true
	l.mu.Unlock()
	if taken {
		showResult(w, http.StatusConflict, "This sign-in has already been handled. You can close this window.")
		return
	}
	select {
	case l.codes <- cb:
	case <-r.Context().Done():
		l.mu.Lock()
		l.taken = false
		l.mu.Unlock()
		return
	}
	select {
	case err := <-cb.reply:
		if err != nil {
			showResult(w, http.StatusOK, "Sign-in failed. Return to WalkMe and try again.")
			return
		}
		showResult(w, http.StatusOK, "You are signed in to WalkMe. You can close this window.")
	case <-r.Context().Done():
	}
}

var resultPage = template.Must(template.New("result").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>WalkMe</title>
<style>body{font-family:system-ui,sans-serif;text-align:center;margin-top:20vh;color:#222}</style></head>
<body><h1>WalkMe</h1><p>{{.}}</p></body></html>
`))

func showResult(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	resultPage.Execute(w, msg)
}

// verifyIDToken checks signature, issuer, audience, expiry and (at
// sign-in) nonce, and returns the email, else the subject.
func (c *Client) verifyIDToken(ctx context.Context, d *discovery, raw, nonce string) (string, error) {
	id, err := d.verifier.Verify(c.httpContext(ctx), raw)
	if err != nil {
		return "", fmt.Errorf("ID token: %w", err)
	}
	if nonce != "" && subtle.ConstantTimeCompare([]byte(id.Nonce), []byte(nonce)) != 1 {
		return "", errors.New("ID token: nonce does not match the sign-in")
	}
	var claims struct {
		Email string `json:"email"`
	}
	if err := id.Claims(&claims); err != nil {
		return "", fmt.Errorf("ID token: %w", err)
	}
	if claims.Email != "" {
		return claims.Email, nil
	}
	return id.Subject, nil
}

// usageOptions reports whether a product is open with a sign-in grant.
func usageOptions(inUse func() bool) []oauth2.AuthCodeOption {
	if inUse == nil {
		return nil
	}
	return []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("in_use", strconv.FormatBool(inUse()))}
}
