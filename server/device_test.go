package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/server"
)

// deviceAuth is the /device_authorization answer (RFC 8628 §3.2).
type deviceAuth struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int64  `json:"expires_in"`
	Interval                int64  `json:"interval"`
}

func (e *env) startDevice() deviceAuth {
	e.t.Helper()
	resp := e.do("POST", e.url("/device_authorization"), url.Values{"client_id": {server.AgentClientID}, "scope": {"openid email offline_access"}}, "")
	var da deviceAuth
	if err := json.NewDecoder(resp.Body).Decode(&da); err != nil || resp.StatusCode != 200 {
		e.t.Fatalf("device authorization: %s %v", resp.Status, err)
	}
	return da
}

func (e *env) pollDevice(deviceCode string) tokens {
	e.t.Helper()
	return e.token(url.Values{"grant_type": {server.DeviceCodeGrantType}, "device_code": {deviceCode}})
}

// decideDevice plays the user at /device: code, credentials, and the
// Approve or Deny button. It returns the status and the page.
func (e *env) decideDevice(userCode, email, pw, action string) (int, string) {
	e.t.Helper()
	resp := e.do("POST", e.url("/device"), url.Values{"user_code": {userCode}, "email": {email}, "password": {pw}, "action": {action}}, "")
	return resp.StatusCode, readAll(e.t, resp)
}

func wantPollError(t *testing.T, tk tokens, kind string) {
	t.Helper()
	if tk.status != http.StatusBadRequest || tk.Error != kind || tk.RefreshToken != "" {
		t.Fatalf("poll: %d %q (%s), want 400 %s", tk.status, tk.Error, tk.Description, kind)
	}
}

var userCodeRE = regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`)

func TestDeviceAuthorization(t *testing.T) {
	e := newEnv(t, false)
	var d map[string]any
	if err := json.NewDecoder(e.do("GET", e.url("/.well-known/openid-configuration"), nil, "").Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	if d["device_authorization_endpoint"] != e.url("/device_authorization") {
		t.Errorf("device_authorization_endpoint = %v", d["device_authorization_endpoint"])
	}
	if got, _ := json.Marshal(d["grant_types_supported"]); !strings.Contains(string(got), `"`+server.DeviceCodeGrantType+`"`) {
		t.Errorf("grant_types_supported = %s, want the device grant", got)
	}

	seen := map[string]bool{}
	for range 5 {
		da := e.startDevice()
		if !userCodeRE.MatchString(da.UserCode) || seen[da.UserCode] {
			t.Errorf("user code %q: want XXXX-XXXX from the unambiguous alphabet, each new", da.UserCode)
		}
		seen[da.UserCode] = true
		if len(da.DeviceCode) < 32 || da.ExpiresIn != 600 || da.Interval != 5 || da.VerificationURI != e.url("/device") ||
			da.VerificationURIComplete != e.url("/device?user_code="+da.UserCode) {
			t.Errorf("device authorization: %+v", da)
		}
	}

	resp := e.do("POST", e.url("/device_authorization"), url.Values{"client_id": {"nobody"}}, "")
	if body := readAll(t, resp); resp.StatusCode != 401 || !strings.Contains(body, "invalid_client") {
		t.Errorf("unknown client: %s %s", resp.Status, body)
	}
	resp = e.do("POST", e.url("/device_authorization"), url.Values{"client_id": {"walkme-admin-center"}}, "")
	if body := readAll(t, resp); resp.StatusCode != 400 || !strings.Contains(body, "unauthorized_client") {
		t.Errorf("Admin Center client: %s %s, want unauthorized_client", resp.Status, body)
	}
}

func TestDeviceGrantDevInterval(t *testing.T) {
	e := newEnv(t, true)
	if da := e.startDevice(); da.Interval != 1 {
		t.Errorf("interval under --dev = %d, want 1", da.Interval)
	}
}

func TestDeviceGrantApproved(t *testing.T) {
	e := newEnv(t, false)
	da := e.startDevice()
	wantPollError(t, e.pollDevice(da.DeviceCode), "authorization_pending")
	// Faster than the interval: slow down (RFC 8628 §3.5).
	e.clock.Advance(2 * time.Second)
	wantPollError(t, e.pollDevice(da.DeviceCode), "slow_down")
	e.clock.Advance(5 * time.Second)
	wantPollError(t, e.pollDevice(da.DeviceCode), "authorization_pending")

	// The page prefills the code from verification_uri_complete...
	resp := e.do("GET", da.VerificationURIComplete, nil, "")
	if page := readAll(t, resp); resp.StatusCode != 200 || !strings.Contains(page, `value="`+da.UserCode+`"`) ||
		!strings.Contains(page, `name="password"`) || !strings.Contains(page, `value="deny"`) {
		t.Fatalf("GET %s: %s\n%s", da.VerificationURIComplete, resp.Status, page)
	}
	// ...and accepts it as typed: lower case, no hyphen.
	typed := strings.ToLower(strings.ReplaceAll(da.UserCode, "-", ""))
	if code, page := e.decideDevice(typed, "user@acme.test", password, "approve"); code != 200 || !strings.Contains(page, "signed in as user@acme.test") {
		t.Fatalf("approve: %d\n%s", code, page)
	}

	e.clock.Advance(5 * time.Second)
	tk := e.pollDevice(da.DeviceCode)
	if tk.status != 200 || tk.RefreshToken == "" || tk.AccessToken == "" || tk.IDToken == "" || tk.RefreshTokenExpiresIn != 24*3600 {
		t.Fatalf("poll after approval: %d %s %s refresh_token_expires_in=%d", tk.status, tk.Error, tk.Description, tk.RefreshTokenExpiresIn)
	}
	if m := e.introspect(tk.AccessToken); m["active"] != true || m["email"] != "user@acme.test" {
		t.Errorf("introspect the device's access token: %v", m)
	}
	// Single use: the device code gives no second session.
	e.clock.Advance(5 * time.Second)
	if again := e.pollDevice(da.DeviceCode); again.status != 400 || again.Error != "invalid_grant" {
		t.Fatalf("second redemption: %d %q, want invalid_grant", again.status, again.Error)
	}
	// The session renews like any other, and a used code cannot be approved again.
	e.clock.Advance(time.Minute)
	e.mustRefresh(tk.RefreshToken)
	if code, page := e.decideDevice(da.UserCode, "user@acme.test", password, "approve"); code != 400 || !strings.Contains(page, "already been used") {
		t.Errorf("approving a used code: %d\n%s", code, page)
	}
}

func TestDeviceGrantDenied(t *testing.T) {
	e := newEnv(t, false)
	da := e.startDevice()
	if code, page := e.decideDevice(da.UserCode, "user@acme.test", password, "deny"); code != 200 || !strings.Contains(page, "Sign-in denied") {
		t.Fatalf("deny: %d\n%s", code, page)
	}
	for range 2 {
		e.clock.Advance(5 * time.Second)
		wantPollError(t, e.pollDevice(da.DeviceCode), "access_denied")
	}
	if code, page := e.decideDevice(da.UserCode, "user@acme.test", password, "approve"); code != 400 || !strings.Contains(page, "already been used") {
		t.Errorf("approving a denied code: %d\n%s", code, page)
	}
}

func TestDeviceGrantExpired(t *testing.T) {
	e := newEnv(t, false)
	da := e.startDevice()
	wantPollError(t, e.pollDevice(da.DeviceCode), "authorization_pending")
	e.clock.Advance(server.DeviceCodeLifetime)
	if code, page := e.decideDevice(da.UserCode, "user@acme.test", password, "approve"); code != 400 || !strings.Contains(page, "has expired") {
		t.Errorf("approving an expired code: %d\n%s", code, page)
	}
	wantPollError(t, e.pollDevice(da.DeviceCode), "expired_token")
	wantPollError(t, e.pollDevice("not-a-device-code"), "invalid_grant")
	wantPollError(t, e.token(url.Values{"grant_type": {server.DeviceCodeGrantType}}), "invalid_request")
}

func TestDevicePageErrors(t *testing.T) {
	e := newEnv(t, false)
	da := e.startDevice()
	for _, tc := range []struct {
		name, code, email, pw string
		status                int
		want                  string
	}{
		{"WrongPassword", da.UserCode, "user@acme.test", "wrong password", 401, "Wrong email or password"},
		{"UnknownUser", da.UserCode, "nobody@acme.test", password, 401, "Wrong email or password"},
		{"Malformed", "12345678", "user@acme.test", password, 400, "not a valid code"},
		{"TooShort", "BCDF-GHJ", "user@acme.test", password, 400, "not a valid code"},
		{"Unknown", otherCode(da.UserCode), "user@acme.test", password, 400, "That code is not valid"},
	} {
		code, page := e.decideDevice(tc.code, tc.email, tc.pw, "approve")
		if code != tc.status || !strings.Contains(page, tc.want) || !strings.Contains(page, `name="user_code"`) {
			t.Errorf("%s: %d, want %d and %q with the form again\n%s", tc.name, code, tc.status, tc.want, page)
		}
	}
	// None of that decided anything: the device still waits.
	wantPollError(t, e.pollDevice(da.DeviceCode), "authorization_pending")
}

// otherCode is a well-formed user code other than c.
func otherCode(c string) string {
	if strings.HasPrefix(c, "BBBB") {
		return "CCCC-CCCC"
	}
	return "BBBB-BBBB"
}
