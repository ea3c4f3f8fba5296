package localapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// tokenBackend answers token requests the way a signed-in agent does; the
// rest of the Backend is not reached by these tests.
type tokenBackend struct{ Backend }

func (tokenBackend) Token(_ context.Context, req TokenRequest) (TokenResponse, error) {
	if req.Source == "asleep" {
		return TokenResponse{}, &Refusal{Code: RefusedAsleep, Message: "asleep"}
	}
	return TokenResponse{AccessToken: "a.b.c", TokenType: "Bearer", User: "u", State: StateActive}, nil
}

// FuzzTokenEndpoint: whatever body a local caller sends to POST /v1/token,
// the API answers with JSON and one of the statuses its contract names —
// never a panic nor a 500 — and a token only for a well-formed request.
func FuzzTokenEndpoint(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `{"source":"browser:tab","ttl_seconds":30}`, `{"source":"asleep","ttl_seconds":30}`,
		`{"source":"tab"}`, `{"ttl_seconds":5}`, `{"source":"tab","ttl_seconds":99999999999}`,
		`{"source":"tab","ttl_seconds":-1}`, `{"nope":1}`, `{}{}`, `{} x`, `{} `, `{"source":1}`, `[`, `null`, `{"source":"` + strings.Repeat("x", 300) + `","ttl_seconds":1}`,
		strings.Repeat("{", 5000),
	} {
		f.Add(seed, "application/json")
	}
	f.Add(`{}`, "text/plain")
	h := Handler(tokenBackend{}, nil)
	f.Fuzz(func(t *testing.T, body, contentType string) {
		req := httptest.NewRequest(http.MethodPost, "http://agent/v1/token", strings.NewReader(body))
		req.Host = Host
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			var resp TokenResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || resp.AccessToken == "" {
				t.Fatalf("200 without a token: %q", rec.Body)
			}
			var tr TokenRequest
			if body != "" && json.Unmarshal([]byte(body), &tr) != nil {
				t.Fatalf("a token for a body that is not JSON: %q", body)
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Fatal("a token answer without Cache-Control: no-store")
			}
		case http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
			var e Error
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Fatalf("HTTP %d without a JSON error: %q", rec.Code, rec.Body)
			}
			if rec.Code == http.StatusConflict && e.Code == "" {
				t.Fatalf("a refusal without a code: %q", rec.Body)
			}
		default:
			t.Fatalf("HTTP %d for body %q (Content-Type %q)", rec.Code, body, contentType)
		}
	})
}

// The refusal's code and retry time reach the client as APIError fields.
func TestRefusalReachesClient(t *testing.T) {
	retry := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	rec := httptest.NewRecorder()
	(&handler{}).fail(rec, "token", &Refusal{Code: RefusedUnavailable, Message: "later", RetryAt: retry})
	err := decodeError(rec.Result())
	ae, ok := err.(*APIError)
	if !ok || ae.Code != http.StatusConflict || ae.Reason != RefusedUnavailable || ae.RetryAt == nil || !ae.RetryAt.Equal(retry) {
		t.Fatalf("decoded refusal %#v, want 409 %q retry at %v", err, RefusedUnavailable, retry)
	}
}
