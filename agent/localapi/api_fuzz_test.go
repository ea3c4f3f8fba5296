package localapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingBackend answers every call at once and counts the calls that
// reach it, so that a test sees whether the guard let a request through.
type countingBackend struct {
	backend
	calls atomic.Int64
}

func (b *countingBackend) Status() Status {
	b.calls.Add(1)
	return Status{State: StateActive, User: "ann@example.com"}
}

func (b *countingBackend) Login(ctx context.Context, req LoginRequest) (LoginStart, error) {
	b.calls.Add(1)
	return b.backend.Login(ctx, req)
}

func (b *countingBackend) LoginWait(context.Context) (Status, error) {
	b.calls.Add(1)
	return Status{State: StateActive}, nil
}

func (b *countingBackend) Logout(context.Context) error { b.calls.Add(1); return nil }
func (b *countingBackend) Renew(context.Context) error  { b.calls.Add(1); return nil }

func (b *countingBackend) Presence(string, time.Duration) error { b.calls.Add(1); return nil }

func (b *countingBackend) Token(context.Context, TokenRequest) (TokenResponse, error) {
	b.calls.Add(1)
	return TokenResponse{AccessToken: "a.b.c", TokenType: "Bearer", User: "ann", State: StateActive}, nil
}

func (b *countingBackend) Subscribe() (<-chan Status, func()) {
	b.calls.Add(1)
	ch := make(chan Status, 1)
	ch <- Status{State: StateActive}
	close(ch)
	return ch, func() {}
}

var fuzzMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodHead, "OPTIONS", "PATCH", "BREW"}

// FuzzLocalAPI sends every endpoint of the local API requests with any
// method, path, Host, Origin, Referer, Content-Type and body. Whatever
// arrives: no panic and no 5xx; a request with an Origin or a Referer, or a
// Host other than "agent", is refused with 403 before anything reaches the
// agent; a POST with a body that is not declared JSON gets 415; a body over
// MaxBodyBytes gets 413; every refusal is a JSON error.
func FuzzLocalAPI(f *testing.F) {
	paths := []string{"/v1/status", "/v1/login", "/v1/login/wait", "/v1/logout", "/v1/renew", "/v1/presence", "/v1/events", "/v1/token"}
	for i, p := range paths {
		f.Add(uint8(i%2), p, Host, "", "", "application/json", "")
		f.Add(uint8(1), p, Host, "", "", "application/json", `{"source":"tab","ttl_seconds":30}`)
		f.Add(uint8(1), p, Host, "https://evil.example", "", "application/json", `{}`)
		f.Add(uint8(1), p, Host, "", "https://evil.example/page", "application/json", `{}`)
		f.Add(uint8(0), p, "127.0.0.1:80", "", "", "", "")
		f.Add(uint8(1), p, Host, "", "", "text/plain", `{}`)
		f.Add(uint8(1), p, Host, "", "", "application/json; charset=utf-8", `{"device":true}`)
	}
	f.Add(uint8(1), "/v1/presence", Host, "", "", "application/json", strings.Repeat("x", MaxBodyBytes+1))
	f.Add(uint8(2), "/v1/../v1/status", "AGENT", "null", "", "application/json", "")
	f.Add(uint8(7), "/%2e%2e/v1/status", Host, "", "", "", "")
	f.Fuzz(func(t *testing.T, method uint8, path, host, origin, referer, contentType, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#?") {
			path = "/" + strings.NewReplacer(" ", "", "\r", "", "\n", "", "\t", "", "#", "", "?", "").Replace(path)
		}
		b := &countingBackend{}
		h := Handler(b, nil)
		req := httptest.NewRequest(fuzzMethods[int(method)%len(fuzzMethods)], "http://agent/", strings.NewReader(body))
		req.URL.Path, req.RequestURI = path, path
		req.Host = host
		for k, v := range map[string]string{"Origin": origin, "Referer": referer, "Content-Type": contentType} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		ctx, cancel := context.WithTimeout(req.Context(), time.Second)
		defer cancel()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req.WithContext(ctx))
		code := rec.Code
		if code >= 500 {
			t.Fatalf("HTTP %d for %s %q: %q", code, req.Method, path, rec.Body)
		}
		browser := req.Header.Get("Origin") != "" || req.Header.Get("Referer") != "" || host != Host
		if browser {
			if code != http.StatusForbidden || b.calls.Load() != 0 {
				t.Fatalf("a browser-shaped request (Host %q, Origin %q, Referer %q): HTTP %d, %d calls reached the agent",
					host, origin, referer, code, b.calls.Load())
			}
		} else if req.Method == http.MethodPost && len(body) > MaxBodyBytes && code != http.StatusRequestEntityTooLarge && code != http.StatusUnsupportedMediaType {
			t.Fatalf("a %d-byte body: HTTP %d, want 413", len(body), code)
		}
		if code >= 400 && code != http.StatusNotFound && code != http.StatusMethodNotAllowed {
			var e Error
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Fatalf("HTTP %d without a JSON error: %q", code, rec.Body)
			}
		}
	})
}
