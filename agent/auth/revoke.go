package auth

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Revoke revokes token (RFC 7009); with walkme-sessiond that ends the
// whole session. It returns ErrRevocationUnsupported when the provider
// advertises no revocation endpoint: the caller then only forgets the
// token locally.
func (c *Client) Revoke(ctx context.Context, token string) error {
	d, err := c.discover(ctx)
	if err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	if d.revocation == "" {
		return ErrRevocationUnsupported
	}
	form := url.Values{"token": {token}, "client_id": {c.opts.ClientID}}
	if strings.Count(token, ".") != 2 { // not a JWT: our refresh tokens are opaque
		form.Set("token_type_hint", "refresh_token")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.revocation, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.opts.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("revoke: revocation endpoint answered %s", resp.Status)
	}
	return nil
}
