// Package weblogin signs in through a walkme-sessiond login page the way a
// person in a browser does: load the page, post the form, follow the redirect
// back to the agent's loopback listener. The demo uses it where no browser
// exists, and tests use it as their $BROWSER.
package weblogin

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
)

// SignIn completes the sign-in that authURL starts.
func SignIn(ctx context.Context, authURL, email, password string) error {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	page, err := get(ctx, c, authURL)
	if err != nil {
		return fmt.Errorf("load the sign-in page: %w", err)
	}
	if !strings.Contains(page, `name="password"`) {
		return fmt.Errorf("the sign-in page has no password field")
	}
	form := url.Values{"email": {email}, "password": {password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, authURL, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req) // follows the redirect to the agent's loopback listener
	if err != nil {
		return fmt.Errorf("post the sign-in form: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Host == mustHost(authURL) {
		return fmt.Errorf("sign-in did not reach the agent (HTTP %d at %s): %.200s", resp.StatusCode, resp.Request.URL.Redacted(), body)
	}
	return nil
}

func get(ctx context.Context, c *http.Client, u string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return string(b), err
}

func mustHost(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Host
}
