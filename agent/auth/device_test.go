package auth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/auth"
	"github.com/walkme/session-agent/internal/testenv/sessiondtest"
	"github.com/walkme/session-agent/server"
)

// skewClock is the provider's clock: real time plus an offset the test
// moves forward (the client's ID token checks use real time).
type skewClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *skewClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}
func (c *skewClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// newDeviceProvider is a real walkme-sessiond on loopback in dev mode
// (devices poll every second) with a clock the test can move.
func newDeviceProvider(t *testing.T) (string, *skewClock) {
	t.Helper()
	clk := &skewClock{}
	svc := sessiondtest.Start(t, sessiondtest.Options{Dev: true, Now: clk.Now,
		Users: []sessiondtest.User{{Account: "acme", Email: email, Password: password}}})
	return svc.URL, clk
}

// decide plays the user on another machine: open /device, enter the
// code and credentials, press action ("approve" or "deny").
func decide(t *testing.T, issuer, userCode, action string) string {
	t.Helper()
	b := &http.Client{Timeout: 20 * time.Second}
	resp, err := b.PostForm(issuer+"/device", url.Values{"user_code": {userCode}, "email": {email}, "password": {password}, "action": {action}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	return resp.Status + "\n" + string(page)
}

type waitResult struct {
	tok *auth.Token
	err error
}

func startDevice(t *testing.T, c *auth.Client) (*auth.DeviceLogin, chan waitResult) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	l, err := c.StartDeviceLogin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan waitResult, 1)
	go func() { tok, err := l.Wait(ctx); done <- waitResult{tok, err} }()
	return l, done
}

var userCodeRE = regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`)

func TestDeviceLoginApproved(t *testing.T) {
	t.Parallel()
	issuer, _ := newDeviceProvider(t)
	c := newClient(issuer)
	l, done := startDevice(t, c)
	if !userCodeRE.MatchString(l.UserCode()) || l.VerificationURI() != issuer+"/device" ||
		l.VerificationURIComplete() != issuer+"/device?user_code="+l.UserCode() {
		t.Fatalf("device login: code %q uri %q complete %q", l.UserCode(), l.VerificationURI(), l.VerificationURIComplete())
	}
	if d := time.Until(l.Expiry()); d <= 9*time.Minute || d > 10*time.Minute {
		t.Errorf("Expiry in %v, want the provider's 10 minutes", d)
	}
	if page := decide(t, issuer, l.UserCode(), "approve"); !strings.Contains(page, "signed in as "+email) {
		t.Fatalf("approval page: %s", page)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("Wait: %v", r.err)
	}
	if r.tok.User != email || r.tok.RefreshToken == "" || r.tok.AccessToken == "" || r.tok.IDToken == "" || r.tok.SessionTTL != 24*time.Hour {
		t.Fatalf("token: user=%q refresh? %v access? %v id? %v ttl=%v", r.tok.User, r.tok.RefreshToken != "",
			r.tok.AccessToken != "", r.tok.IDToken != "", r.tok.SessionTTL)
	}
	// The session renews like one from a browser sign-in.
	next, err := c.Refresh(context.Background(), r.tok.RefreshToken, auth.Usage{InUse: true})
	if err != nil || next.RefreshToken == r.tok.RefreshToken || next.SessionTTL != 24*time.Hour {
		t.Fatalf("refresh after a device sign-in: %+v %v", next, err)
	}
}

func TestDeviceLoginDenied(t *testing.T) {
	t.Parallel()
	issuer, _ := newDeviceProvider(t)
	l, done := startDevice(t, newClient(issuer))
	if page := decide(t, issuer, l.UserCode(), "deny"); !strings.Contains(page, "denied") {
		t.Fatalf("deny page: %s", page)
	}
	r := <-done
	if !errors.Is(r.err, auth.ErrDeviceDenied) || r.tok != nil {
		t.Fatalf("Wait after deny: %v, want ErrDeviceDenied", r.err)
	}
}

func TestDeviceLoginExpired(t *testing.T) {
	t.Parallel()
	issuer, clk := newDeviceProvider(t)
	l, done := startDevice(t, newClient(issuer))
	clk.Advance(server.DeviceCodeLifetime)
	r := <-done
	if !errors.Is(r.err, auth.ErrDeviceExpired) || r.tok != nil {
		t.Fatalf("Wait after expiry: %v, want ErrDeviceExpired", r.err)
	}
	if page := decide(t, issuer, l.UserCode(), "approve"); !strings.Contains(page, "expired") {
		t.Errorf("approving the expired code: %s", page)
	}
}

func TestDeviceLoginContext(t *testing.T) {
	t.Parallel()
	issuer, _ := newDeviceProvider(t)
	c := newClient(issuer)
	l, err := c.StartDeviceLogin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait with a cancelled context: %v", err)
	}
}

func TestDeviceUnsupported(t *testing.T) {
	p := newTiny(t) // advertises no device_authorization_endpoint
	_, err := newClient(p.URL).StartDeviceLogin(context.Background())
	if !errors.Is(err, auth.ErrDeviceUnsupported) {
		t.Fatalf("StartDeviceLogin: %v, want ErrDeviceUnsupported", err)
	}
}

// scriptedDevice is a provider of another make whose token endpoint
// answers device polls from a script, recording when each came.
type scriptedDevice struct {
	*httptest.Server
	mu      sync.Mutex
	answers []string // "503", "slow_down", "token"
	polls   []time.Time
}

func (p *scriptedDevice) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		fmt.Fprintf(w, `{"issuer":%q,"authorization_endpoint":"%[1]s/auth","token_endpoint":"%[1]s/token",
			"device_authorization_endpoint":"%[1]s/device/code","jwks_uri":"%[1]s/jwks","id_token_signing_alg_values_supported":["RS256"]}`, p.URL)
	case "/device/code":
		fmt.Fprintf(w, `{"device_code":"dc","user_code":"WDJB-MJHT","verification_uri":"%s/activate","expires_in":600,"interval":1}`, p.URL)
	case "/token":
		r.ParseForm()
		if r.PostForm.Get("device_code") != "dc" || r.PostForm.Get("client_id") != "walkme-agent" {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":"invalid_request"}`)
			return
		}
		p.polls = append(p.polls, time.Now())
		answer := "token"
		if len(p.answers) > 0 {
			answer, p.answers = p.answers[0], p.answers[1:]
		}
		switch answer {
		case "503":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "token":
			// Keycloak's name for the session lifetime.
			fmt.Fprint(w, `{"access_token":"at","token_type":"Bearer","expires_in":300,"refresh_token":"rt","refresh_expires_in":1800}`)
		default:
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"error":%q}`, answer)
		}
	default:
		http.NotFound(w, r)
	}
}

// TestDeviceLoginOtherProvider: a provider that sends no
// verification_uri_complete, a 503 in the middle (polling carries on),
// slow_down (the next poll waits 5 s more, RFC 8628 §3.5) and Keycloak's
// refresh_expires_in.
func TestDeviceLoginOtherProvider(t *testing.T) {
	t.Parallel()
	p := &scriptedDevice{answers: []string{"authorization_pending", "503", "slow_down", "token"}}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.Close)
	l, done := startDevice(t, newClient(p.URL))
	if l.UserCode() != "WDJB-MJHT" || l.VerificationURI() != p.URL+"/activate" || l.VerificationURIComplete() != "" {
		t.Fatalf("device login: %q %q %q", l.UserCode(), l.VerificationURI(), l.VerificationURIComplete())
	}
	r := <-done
	if r.err != nil || r.tok.RefreshToken != "rt" || r.tok.SessionTTL != 30*time.Minute {
		t.Fatalf("Wait: %+v %v", r.tok, r.err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.polls) != 4 {
		t.Fatalf("%d polls, want 4", len(p.polls))
	}
	if gap := p.polls[3].Sub(p.polls[2]); gap < 6*time.Second {
		t.Errorf("poll after slow_down came %v later, want the 1 s interval plus 5 s", gap)
	}
}
