package server

import (
	"errors"
	"net/http"
	"strings"
)

// caller is who a Bearer access token speaks for.
type caller struct {
	claims  accessClaims
	user    User
	session Session
}

var errUnauthorized = errors.New("unauthorized")

// bearer authenticates a request by its access token: valid signature,
// not expired, and its session still live (R4).
func (s *Server) bearer(r *http.Request) (caller, error) {
	auth := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		return caller{}, errUnauthorized
	}
	now := s.now()
	c, err := s.parseAccess(strings.TrimSpace(token), now)
	if err != nil {
		return caller{}, errUnauthorized
	}
	ss, err := s.store.Session(r.Context(), c.SID)
	if errors.Is(err, ErrNotFound) || (err == nil && !ss.Live(now)) {
		return caller{}, errUnauthorized
	} else if err != nil {
		return caller{}, err
	}
	u, err := s.store.User(r.Context(), c.Subject)
	if errors.Is(err, ErrNotFound) {
		return caller{}, errUnauthorized
	}
	return caller{claims: c, user: u, session: ss}, err
}

// bearerFailed answers a failed bearer() and reports whether it did.
func (s *Server) bearerFailed(w http.ResponseWriter, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, errUnauthorized):
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "a valid access token of a live session is required"})
	default:
		s.log.Error("authenticate", "err", err, "request_id", requestIDOf(w))
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "temporarily_unavailable"})
	}
	return true
}

func (s *Server) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	c, err := s.bearer(r)
	if s.bearerFailed(w, err) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"sub": c.user.ID, "email": c.user.Email, "email_verified": true, "account": c.user.Account,
	})
}
