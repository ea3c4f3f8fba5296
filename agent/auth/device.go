package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"
)

// Errors of a device sign-in (RFC 8628).
var (
	// ErrDeviceUnsupported: the provider advertises no
	// device_authorization_endpoint; sign in with a browser instead.
	ErrDeviceUnsupported = errors.New("provider does not support device sign-in (no device_authorization_endpoint)")
	// ErrDeviceDenied: the user pressed Deny (access_denied).
	ErrDeviceDenied = errors.New("device login: the sign-in was denied")
	// ErrDeviceExpired: nobody approved the code in time (expired_token).
	ErrDeviceExpired = errors.New("device login: the code expired before the sign-in was approved; start again")
)

// DeviceLogin is a sign-in with the device authorization grant: show the
// user UserCode and VerificationURI (to open on any device), then Wait.
// For machines whose browser is elsewhere (SSH, a headless box).
type DeviceLogin struct {
	// InUse: as Login.InUse, read when polling starts.
	InUse func() bool

	c    *Client
	d    *discovery
	cfg  *oauth2.Config
	resp *oauth2.DeviceAuthResponse
}

// StartDeviceLogin asks the provider for a device code. It returns
// ErrDeviceUnsupported when the provider does not offer the grant.
func (c *Client) StartDeviceLogin(ctx context.Context) (*DeviceLogin, error) {
	d, err := c.discover(ctx)
	if err != nil {
		return nil, fmt.Errorf("device login: %w", err)
	}
	if d.endpoint.DeviceAuthURL == "" {
		return nil, ErrDeviceUnsupported
	}
	cfg := c.config(d, "")
	resp, err := cfg.DeviceAuth(c.httpContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("device login: %w", tokenError(err, false))
	}
	if resp.DeviceCode == "" || resp.UserCode == "" || resp.VerificationURI == "" {
		return nil, errors.New("device login: the provider's answer lacks device_code, user_code or verification_uri")
	}
	c.log.Debug("device login started", "verification_uri", resp.VerificationURI, "interval", resp.Interval)
	return &DeviceLogin{c: c, d: d, cfg: cfg, resp: resp}, nil
}

// UserCode is the code the user types at VerificationURI.
func (l *DeviceLogin) UserCode() string { return l.resp.UserCode }

// VerificationURI is where the user enters UserCode.
func (l *DeviceLogin) VerificationURI() string { return l.resp.VerificationURI }

// VerificationURIComplete is VerificationURI with the code filled in
// (for a QR code or a link); "" when the provider sends none.
func (l *DeviceLogin) VerificationURIComplete() string { return l.resp.VerificationURIComplete }

// Expiry is when the code expires (zero if the provider did not say).
func (l *DeviceLogin) Expiry() time.Time { return l.resp.Expiry }

// Wait polls the provider at the interval it asked for (slower after a
// slow_down) until the user approves, denies (ErrDeviceDenied) or the
// code expires (ErrDeviceExpired), or ctx ends. A transport error or a
// 5xx does not end the wait: polling resumes, since the user may be
// approving at that very moment.
func (l *DeviceLogin) Wait(ctx context.Context) (*Token, error) {
	use := usageOptions(l.InUse)
	for {
		ot, err := l.cfg.DeviceAccessToken(l.c.httpContext(ctx), l.resp, use...)
		if err == nil {
			t, err := l.c.signedIn(ctx, l.d, ot, "")
			if err != nil {
				return nil, fmt.Errorf("device login: %w", err)
			}
			return t, nil
		}
		if err = l.waitError(ctx, err); err != nil {
			return nil, err
		}
	}
}

// waitError classifies an error of a round of polling: nil means poll
// again.
func (l *DeviceLogin) waitError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("device login: %w", ctx.Err())
	}
	if !l.resp.Expiry.IsZero() && !time.Now().Before(l.resp.Expiry) {
		return ErrDeviceExpired // DeviceAccessToken stops at the expiry itself
	}
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &re) && re.ErrorCode == "access_denied":
		return ErrDeviceDenied
	case errors.As(err, &re) && re.ErrorCode == "expired_token":
		return ErrDeviceExpired
	case errors.As(err, &re) && (re.ErrorCode != "" || re.Response == nil || re.Response.StatusCode < 500):
		return fmt.Errorf("device login: %w", tokenError(err, false))
	}
	l.c.log.Warn("device login: polling failed, retrying", "err", tokenError(err, false))
	return nil
}
