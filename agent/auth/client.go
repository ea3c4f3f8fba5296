// Package auth is the agent's OAuth 2.0 / OpenID Connect client: sign-in
// with the authorization code flow, PKCE and a loopback redirect (RFC
// 8252) or, where the browser is on another machine, with the device
// grant (RFC 8628); renewal with the refresh grant; and revocation (RFC
// 7009). It works with any standard provider: walkme-sessiond, or a
// company's own IdP (Keycloak, Okta, Entra ID, ...).
//
// Errors never contain a token. A refresh the provider refuses for good
// (IsRejected) means the session is over; every other error — transport,
// 5xx, a malformed answer — is transient, and the caller keeps its token
// and retries.
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Options configure a Client.
type Options struct {
	Issuer   string // the provider's issuer URL, exactly as it advertises it
	ClientID string
	// Scopes default to openid, email and offline_access.
	Scopes     []string
	HTTPClient *http.Client // default: 30 s timeout
	Logger     *slog.Logger
	// UserAgent, when set, names the client in every request it makes
	// (e.g. "walkme-agent/1.4.0 (linux)"), so an operator looking at the
	// provider's sessions sees which agent signed in, not "Go-http-client".
	UserAgent string
}

// Token is the result of a sign-in or a renewal.
type Token struct {
	AccessToken, RefreshToken, IDToken string
	AccessExpiry                       time.Time
	// SessionTTL is how long the session lasts without another renewal:
	// refresh_token_expires_in, else Keycloak's refresh_expires_in, else 0
	// (the caller falls back to its InactivityTimeout policy).
	SessionTTL time.Duration
	// Timeout is the account's inactivity timeout where the provider says
	// it apart from SessionTTL (walkme-sessiond's inactivity_timeout); else 0.
	Timeout time.Duration
	// User is the email from the verified ID token, else its subject; ""
	// when the answer carried no ID token.
	User string
}

// ErrRevocationUnsupported is returned by Revoke when the provider
// advertises no revocation_endpoint.
var ErrRevocationUnsupported = errors.New("provider does not support token revocation")

// Client talks to one provider. It is safe for concurrent use.
type Client struct {
	opts Options
	log  *slog.Logger

	mu   sync.Mutex
	disc *discovery // nil until the first successful discovery
}

// discovery is what the provider's discovery document told us.
type discovery struct {
	provider   *oidc.Provider
	endpoint   oauth2.Endpoint
	revocation string
	// introspection is the RFC 7662 endpoint when the provider lets a
	// public client call it (auth method "none"); else "".
	introspection string
	verifier      *oidc.IDTokenVerifier
}

// New returns a Client. Discovery happens on first use and is cached
// once it succeeds.
func New(opts Options) *Client {
	if len(opts.Scopes) == 0 {
		opts.Scopes = []string{oidc.ScopeOpenID, "email", oidc.ScopeOfflineAccess}
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.UserAgent != "" {
		hc := *opts.HTTPClient // the caller's client stays as it was
		hc.Transport = userAgent{name: opts.UserAgent, base: hc.Transport}
		opts.HTTPClient = &hc
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{opts: opts, log: log}
}

// httpContext makes oauth2 and go-oidc use our HTTP client.
func (c *Client) httpContext(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, c.opts.HTTPClient)
}

func (c *Client) discover(ctx context.Context) (*discovery, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.disc != nil {
		return c.disc, nil
	}
	// The provider keeps this context for later JWKS fetches, so it must
	// outlive the caller's request.
	pctx := c.httpContext(context.WithoutCancel(ctx))
	type result struct {
		p   *oidc.Provider
		err error
	}
	done := make(chan result, 1)
	go func() {
		p, err := oidc.NewProvider(pctx, c.opts.Issuer)
		done <- result{p, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		return nil, fmt.Errorf("discovery: %w", ctx.Err())
	}
	if r.err != nil {
		return nil, fmt.Errorf("discovery: %w", r.err)
	}
	var extra struct {
		Revocation          string   `json:"revocation_endpoint"`
		Introspection       string   `json:"introspection_endpoint"`
		IntrospectionAuthBy []string `json:"introspection_endpoint_auth_methods_supported"`
	}
	if err := r.p.Claims(&extra); err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	d := &discovery{
		provider:   r.p,
		endpoint:   r.p.Endpoint(),
		revocation: extra.Revocation,
		verifier:   r.p.Verifier(&oidc.Config{ClientID: c.opts.ClientID}),
	}
	// A provider that wants client credentials for introspection (most do)
	// may answer a public client "inactive" for a live token: never ask it.
	if slices.Contains(extra.IntrospectionAuthBy, "none") {
		d.introspection = extra.Introspection
	}
	// Explicit: the auto-detect style re-sends a refused request with the
	// other style, which would present a rotated refresh token twice.
	d.endpoint.AuthStyle = oauth2.AuthStyleInParams
	c.log.Debug("oidc discovery", "issuer", c.opts.Issuer, "token_endpoint", d.endpoint.TokenURL,
		"revocation", d.revocation != "")
	c.disc = d
	return d, nil
}

func (c *Client) config(d *discovery, redirectURL string) *oauth2.Config {
	return &oauth2.Config{ClientID: c.opts.ClientID, Endpoint: d.endpoint, RedirectURL: redirectURL, Scopes: c.opts.Scopes}
}
