package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// AllowedTimeouts are the inactivity timeouts an admin may choose (R1).
var allowedTimeouts = []time.Duration{
	15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 24 * time.Hour,
}

// RecommendedTimeout is the best-practice setting the Admin Center shows.
const RecommendedTimeout = 15 * time.Minute

// AllowedTimeouts returns the seven settings of R1, shortest first.
func AllowedTimeouts() []time.Duration { return append([]time.Duration(nil), allowedTimeouts...) }

// FormatTimeout writes a timeout the way the admin API does: "15m",
// "1h", "24h"; other values (dev mode) as Go durations.
func FormatTimeout(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d >= time.Second && d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}

func allowedNames() []string {
	names := make([]string, len(allowedTimeouts))
	for i, d := range allowedTimeouts {
		names[i] = FormatTimeout(d)
	}
	return names
}

// parseTimeout accepts the seven values of R1, or in dev mode any
// duration of a second or more.
func (s *Server) parseTimeout(v string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err == nil {
		for _, a := range allowedTimeouts {
			if d == a {
				return d, nil
			}
		}
		if s.dev && d >= time.Second {
			return d, nil
		}
	}
	msg := "inactivity_timeout must be one of " + strings.Join(allowedNames(), ", ")
	if s.dev {
		msg += ", or (dev mode) any duration of 1s or more"
	}
	return 0, fmt.Errorf("%s; got %q", msg, v)
}

type securitySettings struct {
	InactivityTimeout string   `json:"inactivity_timeout"`
	Allowed           []string `json:"allowed,omitempty"`
	Recommended       string   `json:"recommended,omitempty"`
}

// admin authenticates the caller and checks it is an admin of its
// account (R2): 401 without a valid token, 403 for non-admins.
func (s *Server) admin(w http.ResponseWriter, r *http.Request) (caller, bool) {
	c, err := s.bearer(r)
	if s.bearerFailed(w, err) {
		return c, false
	}
	if !c.user.Admin || c.user.Account != c.session.Account {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden", "error_description": "only an admin of the account may do this"})
		return c, false
	}
	return c, true
}

func (s *Server) handleGetSecurity(w http.ResponseWriter, r *http.Request) {
	c, ok := s.admin(w, r)
	if !ok {
		return
	}
	a, err := s.store.Account(r.Context(), c.user.Account)
	if err != nil {
		s.internal(w, "read security settings", err)
		return
	}
	writeJSON(w, http.StatusOK, securitySettings{
		InactivityTimeout: FormatTimeout(a.InactivityTimeout), Allowed: allowedNames(), Recommended: FormatTimeout(RecommendedTimeout),
	})
}

func (s *Server) handlePutSecurity(w http.ResponseWriter, r *http.Request) {
	c, ok := s.admin(w, r)
	if !ok {
		return
	}
	var in securitySettings
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "body must be JSON {\"inactivity_timeout\": \"15m\"}"})
		return
	}
	d, err := s.parseTimeout(in.InactivityTimeout)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": err.Error()})
		return
	}
	now := s.now()
	entry := Activity{At: now, Actor: c.user.Email, Action: ActionTimeoutChanged, New: FormatTimeout(d)}
	old, err := s.store.SetInactivityTimeout(r.Context(), c.user.Account, d, entry)
	if err != nil {
		s.internal(w, "change security settings", err)
		return
	}
	s.log.InfoContext(r.Context(), "inactivity timeout changed", "account", c.user.Account, "by", c.user.Email, "old", FormatTimeout(old), "new", entry.New)
	writeJSON(w, http.StatusOK, securitySettings{InactivityTimeout: FormatTimeout(d), Allowed: allowedNames(), Recommended: FormatTimeout(RecommendedTimeout)})
}

func (s *Server) internal(w http.ResponseWriter, what string, err error) {
	s.log.Error(what, "err", err, "request_id", requestIDOf(w))
	writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error", "error_description": what + " failed; try again"})
}
