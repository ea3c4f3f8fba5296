package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Usage is what a renewal reports about the user (walkme-sessiond's
// idle_seconds and in_use parameters; other providers ignore them).
type Usage struct {
	InUse bool          // a WalkMe product is open
	Idle  time.Duration // how long ago one last was (0 while open)
	// RequestID makes the refresh idempotent at walkme-sessiond (its
	// request_id parameter): a refresh repeated with the same token and id,
	// after the answer was lost, gets the same rotated token even past the
	// reuse grace. "" sends none.
	RequestID string
}

func (u Usage) form() url.Values {
	v := url.Values{
		"in_use":       {strconv.FormatBool(u.InUse)},
		"idle_seconds": {strconv.FormatFloat(max(u.Idle, 0).Seconds(), 'f', 3, 64)},
	}
	if u.RequestID != "" {
		v.Set("request_id", u.RequestID)
	}
	return v
}

// Refresh renews the session with refreshToken, reporting use. When the
// provider does not rotate (no refresh_token in the answer), the result
// carries the old one.
func (c *Client) Refresh(ctx context.Context, refreshToken string, use Usage) (*Token, error) {
	if refreshToken == "" {
		return nil, errors.New("refresh: no refresh token")
	}
	d, err := c.discover(ctx)
	if err != nil {
		return nil, fmt.Errorf("refresh: %w", err)
	}
	// oauth2 sends no parameters of our own with a refresh: the transport
	// adds them to this request's form.
	hc := *c.opts.HTTPClient
	hc.Transport = formParams{base: hc.Transport, extra: use.form()}
	// An empty access token is never valid, so Token() always refreshes.
	src := c.config(d, "").TokenSource(oidc.ClientContext(ctx, &hc), &oauth2.Token{RefreshToken: refreshToken})
	ot, err := src.Token()
	if err != nil {
		return nil, fmt.Errorf("refresh: %w", tokenError(err, true))
	}
	if ot.RefreshToken == "" {
		ot.RefreshToken = refreshToken
	}
	t := convert(ot)
	// The provider has already rotated the token: failing now would lose
	// the successor, so a bad ID token only costs the user name.
	if t.IDToken != "" {
		if user, err := c.verifyIDToken(ctx, d, t.IDToken, ""); err != nil {
			c.log.Warn("refresh: ID token not accepted", "err", err)
		} else {
			t.User = user
		}
	}
	return t, nil
}

// convert copies an oauth2 token, reading the session lifetime from the
// provider-specific fields.
func convert(ot *oauth2.Token) *Token {
	t := &Token{AccessToken: ot.AccessToken, RefreshToken: ot.RefreshToken, AccessExpiry: ot.Expiry}
	if id, ok := ot.Extra("id_token").(string); ok {
		t.IDToken = id
	}
	for _, field := range []string{"refresh_token_expires_in", "refresh_expires_in"} {
		if secs, ok := seconds(ot.Extra(field)); ok {
			t.SessionTTL = time.Duration(secs) * time.Second
			break
		}
	}
	if secs, ok := seconds(ot.Extra("inactivity_timeout")); ok {
		t.Timeout = time.Duration(secs) * time.Second
	}
	return t
}

// formParams adds extra to the form of every POST with a form body.
type formParams struct {
	base  http.RoundTripper
	extra url.Values
}

func (f formParams) RoundTrip(r *http.Request) (*http.Response, error) {
	base := f.base
	if base == nil {
		base = http.DefaultTransport
	}
	if r.Method != http.MethodPost || r.Body == nil || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		return base.RoundTrip(r)
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(b))
	if err != nil {
		return nil, err
	}
	for k, v := range f.extra {
		form[k] = v
	}
	body := form.Encode()
	r = r.Clone(r.Context())
	r.Body = io.NopCloser(strings.NewReader(body))
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }
	return base.RoundTrip(r)
}

// seconds reads a JSON number (or a numeric string, as some providers
// send) of positive seconds.
func seconds(v any) (int64, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case json.Number:
		g, err := x.Float64()
		if err != nil {
			return 0, false
		}
		f = g
	case string:
		g, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return 0, false
		}
		f = g
	default:
		return 0, false
	}
	if f <= 0 || math.IsNaN(f) || f > math.MaxInt32 {
		return 0, false
	}
	return int64(f), true
}

// rejectedError is a final refusal by the provider: the grant is dead.
type rejectedError struct{ code, desc string }

func (e *rejectedError) Error() string {
	if e.desc == "" {
		return "provider refused: " + e.code
	}
	return fmt.Sprintf("provider refused: %s (%s)", e.code, e.desc)
}

// IsRejected reports whether err is the provider refusing the grant for
// good: invalid_grant, or invalid_request on a refresh (some providers
// answer that for an expired token). The session is over; never retry.
func IsRejected(err error) bool {
	var r *rejectedError
	return errors.As(err, &r)
}

// tokenError turns an oauth2 error into ours. The oauth2 package's own
// message may quote the response body, so it is never passed through.
func tokenError(err error, refresh bool) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return err // transport or parse error: transient
	}
	switch {
	case re.ErrorCode == "invalid_grant", refresh && re.ErrorCode == "invalid_request":
		return &rejectedError{re.ErrorCode, re.ErrorDescription}
	case re.ErrorCode != "":
		return fmt.Errorf("token endpoint answered %s: %s", status(re), re.ErrorCode)
	}
	return fmt.Errorf("token endpoint answered %s", status(re))
}

func status(re *oauth2.RetrieveError) string {
	if re.Response == nil {
		return "an error"
	}
	return re.Response.Status
}
