package auth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/auth"
)

// tinyProvider is a minimal OIDC provider of another make: no revocation
// endpoint, and token answers the test chooses.
type tinyProvider struct {
	*httptest.Server
	mu        sync.Mutex
	status    int
	ctype     string
	body      string
	discovery int      // answer discovery with 503 this many more times
	forms     []string // refresh tokens presented, in order
}

func newTiny(t *testing.T) *tinyProvider {
	p := &tinyProvider{}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.Close)
	return p
}

func (p *tinyProvider) answer(status int, ctype, body string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status, p.ctype, p.body = status, ctype, body
}

func (p *tinyProvider) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		if p.discovery > 0 {
			p.discovery--
			http.Error(w, "starting up", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"issuer":%q,"authorization_endpoint":"%[1]s/auth","token_endpoint":"%[1]s/token",
			"jwks_uri":"%[1]s/jwks","id_token_signing_alg_values_supported":["RS256"]}`, p.URL)
	case "/token":
		r.ParseForm()
		p.forms = append(p.forms, r.PostForm.Get("refresh_token"))
		if r.PostForm.Get("client_id") != "walkme-agent" {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", p.ctype)
		w.WriteHeader(p.status)
		fmt.Fprint(w, p.body)
	default:
		http.NotFound(w, r)
	}
}

func TestSessionTTLFields(t *testing.T) {
	p := newTiny(t)
	c := newClient(p.URL)
	ctx := context.Background()
	for _, tc := range []struct {
		name, body string
		want       time.Duration
	}{
		{"ours", `"refresh_token_expires_in":900,"refresh_expires_in":60`, 15 * time.Minute},
		{"keycloak", `"refresh_expires_in":1800`, 30 * time.Minute},
		{"string", `"refresh_token_expires_in":"120"`, 2 * time.Minute},
		{"neither", ``, 0},
		{"zero", `"refresh_expires_in":0`, 0},
	} {
		body := `{"access_token":"at","token_type":"Bearer","expires_in":300,"refresh_token":"rt2"`
		if tc.body != "" {
			body += "," + tc.body
		}
		p.answer(200, "application/json", body+"}")
		tok, err := c.Refresh(ctx, "rt1", auth.Usage{InUse: true})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if tok.SessionTTL != tc.want || tok.RefreshToken != "rt2" || tok.AccessToken != "at" {
			t.Errorf("%s: SessionTTL=%v refresh=%q, want %v rt2", tc.name, tok.SessionTTL, tok.RefreshToken, tc.want)
		}
	}
}

func TestRefreshKeepsTokenWhenNotRotated(t *testing.T) {
	p := newTiny(t)
	p.answer(200, "application/json", `{"access_token":"at","token_type":"Bearer","expires_in":60}`)
	tok, err := newClient(p.URL).Refresh(context.Background(), "long-lived", auth.Usage{InUse: true})
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken != "long-lived" {
		t.Errorf("RefreshToken = %q, want the old one kept", tok.RefreshToken)
	}
}

func TestRefreshErrors(t *testing.T) {
	const secret = "the-refresh-token-value"
	for _, tc := range []struct {
		name        string
		status      int
		ctype, body string
		rejected    bool
	}{
		{"invalid_grant", 400, "application/json", `{"error":"invalid_grant","error_description":"Session not active"}`, true},
		{"invalid_request", 400, "application/json", `{"error":"invalid_request","error_description":"expired"}`, true},
		{"server error", 500, "text/plain", "boom " + secret, false},
		{"unavailable", 503, "application/json", `{"error":"temporarily_unavailable"}`, false},
		{"html 200", 200, "text/html", "<html>maintenance " + secret + "</html>", false},
		{"json 200 without token", 200, "application/json", `{"token_type":"Bearer"}`, false},
		{"broken json", 200, "application/json", `{"access_token":`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newTiny(t)
			p.answer(tc.status, tc.ctype, tc.body)
			_, err := newClient(p.URL).Refresh(context.Background(), secret, auth.Usage{InUse: true})
			if err == nil {
				t.Fatal("no error")
			}
			if auth.IsRejected(err) != tc.rejected {
				t.Errorf("IsRejected(%v) = %v, want %v", err, !tc.rejected, tc.rejected)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error text contains the token: %v", err)
			}
			// One request only: the auth style is fixed, never retried.
			if len(p.forms) != 1 || p.forms[0] != secret {
				t.Errorf("token endpoint saw %d requests, want exactly 1", len(p.forms))
			}
		})
	}
}

func TestTransportErrorIsTransient(t *testing.T) {
	p := newTiny(t)
	c := newClient(p.URL)
	p.answer(200, "application/json", `{"access_token":"at","refresh_token":"r"}`)
	if _, err := c.Refresh(context.Background(), "r0", auth.Usage{InUse: true}); err != nil { // discovery cached
		t.Fatal(err)
	}
	p.Close()
	_, err := c.Refresh(context.Background(), "r0", auth.Usage{InUse: true})
	if err == nil || auth.IsRejected(err) {
		t.Errorf("provider down: %v, want a transient error", err)
	}
}

func TestRevocationUnsupported(t *testing.T) {
	p := newTiny(t)
	if err := newClient(p.URL).Revoke(context.Background(), "t"); !errors.Is(err, auth.ErrRevocationUnsupported) {
		t.Errorf("Revoke = %v, want ErrRevocationUnsupported", err)
	}
}

func TestDiscoveryRetriedAfterFailure(t *testing.T) {
	p := newTiny(t)
	p.discovery = 1
	p.answer(200, "application/json", `{"access_token":"at","refresh_token":"r"}`)
	c := newClient(p.URL)
	_, err := c.Refresh(context.Background(), "r0", auth.Usage{InUse: true})
	if err == nil || auth.IsRejected(err) {
		t.Fatalf("refresh while discovery fails: %v, want a transient error", err)
	}
	if _, err := c.Refresh(context.Background(), "r0", auth.Usage{InUse: true}); err != nil {
		t.Fatalf("refresh once discovery works: %v", err)
	}
}

// A provider without introspection for public clients is never asked.
func TestGenericIntrospectionUnsupported(t *testing.T) {
	p := newTiny(t)
	if _, err := newClient(p.URL).Introspect(context.Background(), "r0"); !errors.Is(err, auth.ErrIntrospectionUnsupported) {
		t.Fatalf("Introspect: %v, want ErrIntrospectionUnsupported", err)
	}
}
