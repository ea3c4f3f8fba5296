package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// TokenRequest is the (optional) body of POST /v1/token. A request that
// names a Source counts as a presence heartbeat from that product for
// TTLSeconds, exactly like POST /v1/presence; it never renews the session
// by itself (docs/products.md).
type TokenRequest struct {
	Source     string `json:"source,omitempty"`
	TTLSeconds int    `json:"ttl_seconds,omitempty"`
}

// TokenResponse is the answer to POST /v1/token: the access token of the
// current session, as the agent's last renewal received it. ExpiresAt is
// nil when the provider did not say; products ask again before it passes,
// and whenever a call with the token is refused.
type TokenResponse struct {
	AccessToken string     `json:"access_token"`
	TokenType   string     `json:"token_type"`
	ExpiresAt   *time.Time `json:"expires_at"`
	User        string     `json:"user"`
	State       string     `json:"state"`
}

// Refusal codes of POST /v1/token (Error.Code, with HTTP 409).
const (
	// RefusedStarting: the agent has not read the stored session yet.
	RefusedStarting = "starting"
	// RefusedSignedOut: no session; the product shows "signed out".
	RefusedSignedOut = "signed_out"
	// RefusedAsleep: the machine sleeps or its lid is closed.
	RefusedAsleep = "asleep"
	// RefusedOffline: offline, and the cached access token has expired
	// (or none was received since the agent started).
	RefusedOffline = "offline"
	// RefusedUnavailable: online and signed in, but no unexpired access
	// token is at hand until the next renewal (Error.RetryAt), or renewals
	// are failing (the message says why).
	RefusedUnavailable = "unavailable"
)

// Refusal is a token request the current state refuses (409, with Code).
type Refusal struct {
	Code    string
	Message string
	RetryAt time.Time // zero when unknown
}

func (r *Refusal) Error() string { return r.Message }

// Is makes a Refusal an ErrConflict.
func (r *Refusal) Is(target error) bool { return target == ErrConflict }

// TokenSource is the part of a Backend that hands out access tokens. It is
// optional: a backend without it answers POST /v1/token with 501.
type TokenSource interface {
	Token(ctx context.Context, req TokenRequest) (TokenResponse, error)
}

// tokenTimeout bounds a token request: the agent waits up to 20 s for a
// renewal under way (agent.tokenWait).
const tokenTimeout = 25 * time.Second

// MaxHeartbeatTTL bounds the TTL of a heartbeat (presence or token).
const MaxHeartbeatTTL = time.Hour

func (h *handler) token(w http.ResponseWriter, r *http.Request) {
	ts, ok := h.b.(TokenSource)
	if !ok {
		writeJSON(w, http.StatusNotImplemented, Error{Error: "token: this agent hands out no tokens"})
		return
	}
	var req TokenRequest
	if r.ContentLength != 0 {
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		err := dec.Decode(&req)
		if err == nil {
			if _, extra := dec.Token(); extra != io.EOF {
				err = errors.New("data after the JSON object")
			}
		}
		if err != nil {
			h.fail(w, "token", fmt.Errorf("%w: %v", ErrBadRequest, err))
			return
		}
	}
	if err := req.check(); err != nil {
		h.fail(w, "token", err)
		return
	}
	resp, err := ts.Token(r.Context(), req)
	if err != nil {
		h.fail(w, "token", err)
		return
	}
	// The answer carries a bearer token: no cache anywhere may keep it.
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, resp)
}

func (req TokenRequest) check() error {
	switch {
	case req.Source == "" && req.TTLSeconds != 0:
		return fmt.Errorf("%w: ttl_seconds needs a source", ErrBadRequest)
	case req.Source != "" && (req.TTLSeconds <= 0 || req.TTLSeconds > int(MaxHeartbeatTTL/time.Second)):
		return fmt.Errorf("%w: a source needs ttl_seconds between 1 and %d", ErrBadRequest, int(MaxHeartbeatTTL/time.Second))
	case len(req.Source) > 200:
		return fmt.Errorf("%w: source is over 200 bytes", ErrBadRequest)
	}
	return nil
}

// Token asks the agent for the current session's access token. A refusal
// is an *APIError with Code set (one of the Refused* codes).
func (c *Client) Token(ctx context.Context, req TokenRequest) (TokenResponse, error) {
	var resp TokenResponse
	err := c.do(ctx, tokenTimeout, http.MethodPost, "/v1/token", req, &resp)
	return resp, err
}

// refusalError fills the JSON error body of a Refusal.
func refusalError(err error, e *Error) {
	var r *Refusal
	if errors.As(err, &r) {
		e.Code = r.Code
		if !r.RetryAt.IsZero() {
			t := r.RetryAt.UTC().Truncate(time.Millisecond)
			e.RetryAt = &t
		}
	}
}
