package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// tokenSession finds the session a token belongs to: an access token by
// its sid claim (signature checked, expiry not: revoking with an expired
// access token still ends the session), a refresh token by its hash.
func (s *Server) tokenSession(ctx context.Context, token string) (Session, RefreshToken, error) {
	if strings.Count(token, ".") == 2 {
		if c, err := s.verifyAccess(token); err == nil {
			ss, err := s.store.Session(ctx, c.SID)
			return ss, RefreshToken{}, err
		}
		return Session{}, RefreshToken{}, ErrNotFound
	}
	rt, ss, err := s.store.RefreshToken(ctx, hashToken(token))
	return ss, rt, err
}

// handleRevoke implements RFC 7009. Any token of a session, access or
// refresh, ends the whole session (R8). Unknown tokens get 200 too.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	if token == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "token is required")
		return
	}
	if id := r.PostFormValue("client_id"); id != "" {
		if _, ok := s.client(id); !ok {
			oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client_id")
			return
		}
	}
	now := s.now()
	ss, _, err := s.tokenSession(r.Context(), token)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		s.log.ErrorContext(r.Context(), "revoke", "err", err)
		oauthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "try again")
		return
	default:
		if err := s.store.EndSession(r.Context(), ss.ID, now, "revoked"); err != nil {
			s.log.ErrorContext(r.Context(), "revoke", "err", err)
			oauthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "try again")
			return
		}
		s.log.InfoContext(r.Context(), "session revoked", "sid", ss.ID)
	}
	w.WriteHeader(http.StatusOK)
}
