package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"time"
)

func (s *Server) issueCode(ctx context.Context, req authRequest, u User) (string, error) {
	code := newSecret()
	now := s.now()
	err := s.store.PutCode(ctx, AuthCode{
		Hash: hashToken(code), ClientID: req.client.id, RedirectURI: req.redirectURI, Challenge: req.challenge,
		Scope: req.scope, Nonce: req.nonce, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(codeLifetime),
	})
	return code, err
}

// tokenResponse is the /token answer (RFC 6749 §5.1 plus
// refresh_token_expires_in: seconds until the session lapses without
// another renewal).
type tokenResponse struct {
	AccessToken           string `json:"access_token"`
	TokenType             string `json:"token_type"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshToken          string `json:"refresh_token"`
	RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in"`
	// InactivityTimeout is the account's timeout in seconds: the client's
	// renewal cadence follows it (refresh_token_expires_in is shorter when
	// the last use was before the request).
	InactivityTimeout int64  `json:"inactivity_timeout,omitempty"`
	IDToken           string `json:"id_token,omitempty"`
	Scope             string `json:"scope,omitempty"`
}

// grantError is an RFC 6749 §5.2 error answered by /token.
type grantError struct {
	status     int
	kind, desc string
}

func (e *grantError) Error() string { return e.kind + ": " + e.desc }

func invalidGrant(desc string) error {
	return &grantError{http.StatusBadRequest, "invalid_grant", desc}
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	c, ok := s.formClient(w, r)
	if !ok {
		return
	}
	var resp tokenResponse
	ctx := withDevice(r.Context(), r)
	// Every grant may report use: a sign-in with nothing open starts idle.
	use, err := parseUsage(r.PostForm)
	switch gt := r.PostForm.Get("grant_type"); {
	case err != nil:
	case gt == "authorization_code":
		resp, err = s.exchangeCode(ctx, c, r.PostForm.Get("code"), r.PostForm.Get("redirect_uri"), r.PostForm.Get("code_verifier"), use)
	case gt == "refresh_token":
		resp, err = s.refresh(ctx, c, r.PostForm.Get("refresh_token"), use)
	case gt == DeviceCodeGrantType:
		resp, err = s.deviceToken(ctx, c, r.PostForm.Get("device_code"), use)
	default:
		err = &grantError{http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant_type %q is not supported", gt)}
	}
	var ge *grantError
	switch {
	case errors.As(err, &ge):
		level := slog.LevelInfo
		if ge.kind == "authorization_pending" {
			level = slog.LevelDebug // a waiting device asks every few seconds
		}
		s.log.Log(r.Context(), level, "token refused", "client_id", c.id, "grant_type", r.PostForm.Get("grant_type"), "error", ge.kind, "reason", ge.desc)
		oauthError(w, ge.status, ge.kind, ge.desc)
	case err != nil:
		s.log.ErrorContext(r.Context(), "token", "err", err)
		oauthError(w, http.StatusInternalServerError, "server_error", "try again")
	default:
		w.Header().Set("Pragma", "no-cache")
		writeJSON(w, http.StatusOK, resp)
	}
}

func (s *Server) exchangeCode(ctx context.Context, c client, code, redirectURI, verifier string, use usage) (tokenResponse, error) {
	if code == "" || verifier == "" {
		return tokenResponse{}, &grantError{http.StatusBadRequest, "invalid_request", "code and code_verifier are required"}
	}
	now := s.now()
	ac, err := s.store.RedeemCode(ctx, hashToken(code), now)
	switch {
	case errors.Is(err, ErrCodeReused):
		// RFC 6749 §4.1.2: a reused code may be stolen; end what it made.
		if ac.SessionID != "" {
			if err := s.store.EndSession(ctx, ac.SessionID, now, "code reuse"); err != nil {
				return tokenResponse{}, err
			}
		}
		return tokenResponse{}, invalidGrant("authorization code already used")
	case errors.Is(err, ErrNotFound):
		return tokenResponse{}, invalidGrant("unknown authorization code")
	case err != nil:
		return tokenResponse{}, fmt.Errorf("redeem code: %w", err)
	}
	switch {
	case !now.Before(ac.ExpiresAt):
		return tokenResponse{}, invalidGrant("authorization code expired")
	case ac.ClientID != c.id:
		return tokenResponse{}, invalidGrant("authorization code was issued to another client")
	case ac.RedirectURI != redirectURI:
		return tokenResponse{}, invalidGrant("redirect_uri does not match the authorization request")
	case !constantEqual(s256(verifier), ac.Challenge):
		return tokenResponse{}, invalidGrant("code_verifier does not match code_challenge")
	}
	return s.startSession(ctx, c, ac.UserID, ac.Scope, ac.Nonce, ac.Hash, now, use)
}

// startSession starts a session for userID, the end of every sign-in
// grant, and answers its first tokens. codeHash names the authorization
// code it came from ("" for none).
func (s *Server) startSession(ctx context.Context, c client, userID, scope, nonce, codeHash string, now time.Time, use usage) (tokenResponse, error) {
	u, err := s.store.User(ctx, userID)
	if err != nil {
		return tokenResponse{}, fmt.Errorf("load user: %w", err)
	}
	acct, err := s.store.Account(ctx, u.Account)
	if err != nil {
		return tokenResponse{}, fmt.Errorf("load account: %w", err)
	}
	ss := Session{ID: "s_" + rand.Text(), Account: u.Account, UserID: u.ID, ClientID: c.id, Scope: scope,
		AuthTime: now, LastRenewal: now, Timeout: acct.InactivityTimeout, InUse: use.inUse, Device: deviceFrom(ctx)}
	refresh := newSecret()
	if err := s.store.CreateSession(ctx, ss, hashToken(refresh), codeHash); err != nil {
		return tokenResponse{}, fmt.Errorf("create session: %w", err)
	}
	s.log.InfoContext(ctx, "session started", "sid", ss.ID, "email", u.Email, "client_id", c.id)
	return s.respond(u, ss, refresh, nonce, now)
}

func (s *Server) refresh(ctx context.Context, c client, token string, use usage) (tokenResponse, error) {
	if token == "" {
		s.countRenewal(RotationResult{}, nil, "invalid_request")
		return tokenResponse{}, &grantError{http.StatusBadRequest, "invalid_request", "refresh_token is required"}
	}
	now := s.now()
	next := s.keys.successor(token)
	res, err := s.store.Rotate(ctx, Rotation{ClientID: c.id, Hash: hashToken(token), SuccessorHash: hashToken(next), Now: now,
		Grace: RotationGrace, LastUse: use.lastUse(now), InUse: use.inUse, RequestID: use.requestID})
	if err != nil {
		s.countRenewal(res, err, "")
		return tokenResponse{}, fmt.Errorf("rotate: %w", err)
	}
	refusal, err := s.refusal(ctx, res, now)
	s.countRenewal(res, nil, refusal)
	if err != nil {
		return tokenResponse{}, err
	}
	ss := res.Session
	if res.Successor != hashToken(next) {
		return tokenResponse{}, fmt.Errorf("rotate: stored successor does not match derivation key")
	}
	u, err := s.store.User(ctx, ss.UserID)
	if err != nil {
		return tokenResponse{}, fmt.Errorf("load user: %w", err)
	}
	return s.respond(u, ss, next, "", now)
}

// refusal says why a rotation refused the token ("" when it did not), as
// the metrics' reason and as the client's grant error.
func (s *Server) refusal(ctx context.Context, res RotationResult, now time.Time) (string, error) {
	ss := res.Session
	switch res.Outcome {
	case RotateUnknown:
		return "unknown_token", invalidGrant("unknown refresh token")
	case RotateEnded:
		if ss.EndReason == "lapsed" && ss.EndedAt.Equal(now) {
			s.log.InfoContext(ctx, "session lapsed: last use a timeout ago", "sid", ss.ID)
			return "lapsed", invalidGrant("session lapsed after inactivity")
		}
		if !ss.EndedAt.IsZero() {
			return "ended", invalidGrant("session ended")
		}
		return "lapsed", invalidGrant("session lapsed after inactivity")
	case RotateWrongClient:
		return "wrong_client", invalidGrant("refresh token was issued to another client")
	case RotateReused:
		s.log.WarnContext(ctx, "refresh token reuse: session revoked", "sid", ss.ID)
		return "reuse", invalidGrant("refresh token already used; session revoked")
	}
	return "", nil
}

func (s *Server) respond(u User, ss Session, refresh, nonce string, now time.Time) (tokenResponse, error) {
	access, life, err := s.accessToken(u, ss, now)
	if err != nil {
		return tokenResponse{}, err
	}
	resp := tokenResponse{
		AccessToken: access, TokenType: "Bearer", ExpiresIn: seconds(life),
		RefreshToken: refresh, RefreshTokenExpiresIn: seconds(ss.LapsesAt().Sub(now)), Scope: ss.Scope,
		InactivityTimeout: seconds(ss.Timeout),
	}
	if hasScope(ss.Scope, "openid") {
		if resp.IDToken, err = s.idToken(u, ss, nonce, now); err != nil {
			return tokenResponse{}, err
		}
	}
	return resp, nil
}

// seconds rounds down: a client that trusts it never overshoots.
func seconds(d time.Duration) int64 { return int64(math.Floor(d.Seconds())) }

func hasScope(scope, want string) bool {
	for _, s := range strings.Fields(scope) {
		if s == want {
			return true
		}
	}
	return false
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
