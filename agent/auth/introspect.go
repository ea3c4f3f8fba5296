package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrIntrospectionUnsupported is returned by Introspect when the provider
// offers no introspection a public client may use.
var ErrIntrospectionUnsupported = errors.New("provider offers no introspection for public clients")

// Introspection is what the provider said of a token (RFC 7662).
type Introspection struct {
	Active bool
	// Left is how long the session has left, when the provider says
	// (walkme-sessiond's expires_in); else 0.
	Left time.Duration
}

// Introspect asks the provider whether refreshToken's session is still live,
// without renewing it.
func (c *Client) Introspect(ctx context.Context, refreshToken string) (Introspection, error) {
	d, err := c.discover(ctx)
	if err != nil {
		return Introspection{}, fmt.Errorf("introspect: %w", err)
	}
	if d.introspection == "" {
		return Introspection{}, ErrIntrospectionUnsupported
	}
	form := url.Values{"token": {refreshToken}, "token_type_hint": {"refresh_token"}, "client_id": {c.opts.ClientID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.introspection, strings.NewReader(form.Encode()))
	if err != nil {
		return Introspection{}, fmt.Errorf("introspect: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.opts.HTTPClient.Do(req)
	if err != nil {
		return Introspection{}, fmt.Errorf("introspect: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return Introspection{}, fmt.Errorf("introspect: introspection endpoint answered %s", resp.Status)
	}
	var v struct {
		Active    *bool `json:"active"`
		ExpiresIn any   `json:"expires_in"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&v); err != nil || v.Active == nil {
		return Introspection{}, errors.New("introspect: the answer is not an introspection response")
	}
	out := Introspection{Active: *v.Active}
	if secs, ok := seconds(v.ExpiresIn); ok && out.Active {
		out.Left = time.Duration(secs) * time.Second
	}
	return out, nil
}
