package server

import (
	"errors"
	"net/http"
	"strings"
)

// handleIntrospect implements RFC 7662. A token is active only while its
// session is live (neither revoked nor lapsed), so when a session ends
// every access and refresh token of it answers active:false at once (R4).
//
// The endpoint takes no client authentication: the reference service has
// only public clients, and the answer tells a caller nothing it could not
// learn by using the token.
func (s *Server) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	if token == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "token is required")
		return
	}
	now := s.now()
	inactive := map[string]any{"active": false}
	if strings.Count(token, ".") == 2 {
		c, err := s.parseAccess(token, now)
		if err != nil {
			writeJSON(w, http.StatusOK, inactive)
			return
		}
		ss, err := s.store.Session(r.Context(), c.SID)
		if s.introspectFailed(err) || !ss.Live(now) {
			writeJSON(w, http.StatusOK, inactive)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"active": true, "token_type": "Bearer", "sub": c.Subject, "email": c.Email, "sid": c.SID,
			"account": c.Account, "client_id": c.ClientID, "scope": c.Scope, "iss": c.Issuer,
			"exp": c.Expiry.Time().Unix(), "iat": c.IssuedAt.Time().Unix(),
		})
		return
	}
	rt, ss, err := s.store.RefreshToken(r.Context(), hashToken(token))
	if s.introspectFailed(err) || !ss.Live(now) {
		writeJSON(w, http.StatusOK, inactive)
		return
	}
	// A rotated token is still redeemable while its grace lasts.
	if rt.Successor != "" && !now.Before(rt.RotatedAt.Add(RotationGrace)) {
		writeJSON(w, http.StatusOK, inactive)
		return
	}
	u, err := s.store.User(r.Context(), ss.UserID)
	if s.introspectFailed(err) {
		writeJSON(w, http.StatusOK, inactive)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"active": true, "token_type": "refresh_token", "sub": u.ID, "email": u.Email, "sid": ss.ID,
		"account": ss.Account, "client_id": ss.ClientID, "scope": ss.Scope, "iss": s.issuer,
		"exp": ss.LapsesAt().Unix(), "iat": rt.IssuedAt.Unix(),
		// Seconds the session has left, as refresh_token_expires_in: a
		// client learns a moved deadline without comparing clocks.
		"expires_in": seconds(ss.LapsesAt().Sub(now)),
	})
}

// introspectFailed logs a store failure; not-found is an ordinary answer.
func (s *Server) introspectFailed(err error) bool {
	if err != nil && !errors.Is(err, ErrNotFound) {
		s.log.Error("introspect", "err", err)
	}
	return err != nil
}
