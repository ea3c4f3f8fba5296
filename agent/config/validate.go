package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/walkme/session-agent/browser/extension"
)

// Validate checks the rules a merged configuration must satisfy. Each
// problem is an *Error naming the key; Load adds the source of the value.
// An empty ServerURL is valid: login says that one is needed.
func (c Config) Validate() error {
	var errs []error
	add := func(key string, err error) {
		if err != nil {
			errs = append(errs, &Error{Key: key, Err: err})
		}
	}
	add("ServerURL", checkServerURL(c.ServerURL))
	add("ClientID", nonEmpty(c.ClientID))
	add("RenewInterval", errors.Join(c.atLeast(c.RenewInterval, time.Minute, 100*time.Millisecond), atMost(c.RenewInterval, MaxRenewInterval)))
	add("PresenceProcesses", checkProcesses(c.PresenceProcesses))
	add("BrowserExtensions", checkExtensions(c.BrowserExtensions))
	add("PresencePollInterval", c.atLeast(c.PresencePollInterval, time.Second, 100*time.Millisecond))
	add("InactivityTimeout", c.atLeast(c.InactivityTimeout, time.Minute, time.Second))
	add("KeychainService", nonEmpty(c.KeychainService))
	add("KeychainBackend", oneOf(c.KeychainBackend, "system", "memory"))
	add("CAFile", checkCAFile(c.CAFile))
	add("AdminCenterURL", checkAdminURL(c.AdminCenterURL))
	add("IdleWarning", checkIdleWarning(c.IdleWarning))
	add("LogLevel", oneOf(c.LogLevel, "debug", "info", "warn", "error"))
	return errors.Join(errs...)
}

// atLeast enforces a minimum interval, lower in DevMode.
func (c Config) atLeast(d, normal, dev time.Duration) error {
	switch {
	case c.DevMode && d < dev:
		return fmt.Errorf("%s is below the minimum of %s (DevMode)", FormatDuration(d), FormatDuration(dev))
	case !c.DevMode && d < normal:
		return fmt.Errorf("%s is below the minimum of %s (DevMode allows down to %s, for tests and demos)",
			FormatDuration(d), FormatDuration(normal), FormatDuration(dev))
	}
	return nil
}

// MaxRenewInterval is the longest RenewInterval: the product renews at
// least every 15 minutes, and a server that changes the timeout counts on
// an open product renewing within min(15m, timeout/2) (R9, R3).
const MaxRenewInterval = 15 * time.Minute

func atMost(d, limit time.Duration) error {
	if d > limit {
		return fmt.Errorf("%s is above the maximum of %s: renewals must come at least that often", FormatDuration(d), FormatDuration(limit))
	}
	return nil
}

func nonEmpty(s string) error {
	if s == "" {
		return errors.New("must not be empty")
	}
	return nil
}

func oneOf(s string, allowed ...string) error {
	for _, a := range allowed {
		if s == a {
			return nil
		}
	}
	return fmt.Errorf("%q is not one of %s", s, strings.Join(allowed, ", "))
}

func checkProcesses(names []string) error {
	for i, n := range names {
		if strings.TrimSpace(n) == "" {
			return fmt.Errorf("entry %d is empty", i+1)
		}
	}
	return nil
}

func checkExtensions(ids []string) error {
	for i, id := range ids {
		if !extension.IsChromeID(id) && !extension.IsFirefoxID(id) {
			return fmt.Errorf("entry %d, %q, is neither a Chrome/Edge extension ID (32 letters a-p) nor a Firefox add-on ID (name@domain or {GUID})", i+1, id)
		}
	}
	return nil
}

// checkServerURL allows https anywhere and plain http only to this machine,
// where nothing on the network can read the tokens.
func checkServerURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := parseURL(s)
	if err != nil {
		return err
	}
	switch {
	case u.User != nil:
		return fmt.Errorf("%q must not carry a user name or password", s)
	case u.RawQuery != "" || u.ForceQuery:
		return fmt.Errorf("%q must not have a query (?...)", s)
	case u.Fragment != "" || strings.Contains(s, "#"):
		return fmt.Errorf("%q must not have a fragment (#...)", s)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	case u.Scheme == "http":
		return fmt.Errorf("%q must use https (http is allowed only for 127.0.0.1, ::1 or localhost)", s)
	}
	return fmt.Errorf("%q must be an https URL", s)
}

func checkAdminURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := parseURL(s)
	if err != nil {
		return err
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("%q must be an http or https URL", s)
	}
	return nil
}

func parseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL: %v", s, errors.Unwrap(err))
	}
	if u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute URL such as https://sessions.example.com", s)
	}
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkCAFile(path string) error {
	if path == "" {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%q: %w", path, errors.Unwrap(err))
	}
	if fi.IsDir() {
		return fmt.Errorf("%q is a directory, not a PEM file", path)
	}
	return nil
}

func checkIdleWarning(d time.Duration) error {
	if d < 0 || d > 24*time.Hour {
		return fmt.Errorf("%s is outside 0 (off) to 24h", FormatDuration(d))
	}
	return nil
}
