package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

var errBadCredentials = errors.New("bad credentials")

// throttledError: the sign-in was not even checked, because the throttle
// pauses this account or address (see throttle).
type throttledError struct{ wait int } // whole seconds, at least 1

func (e *throttledError) Error() string { return "sign-in throttled" }

// message is what the page tells the person.
func (e *throttledError) message() string {
	return fmt.Sprintf("Too many attempts. Try again in %d s.", e.wait)
}

// refuse sets the answer's status and Retry-After; the page follows.
func (e *throttledError) refuse(w http.ResponseWriter) int {
	w.Header().Set("Retry-After", strconv.Itoa(e.wait))
	return http.StatusTooManyRequests
}

// dummyHash makes a sign-in for an unknown email cost as much as one for
// a known email, so response times do not reveal which emails exist.
const dummyHash = "$2a$10$vYuSJwRP08odf8ZLccY2f.B9hNuCkpio2.J/5eHz5S1ZeFBzgS2pC"

// checkPassword is every password form's check: errBadCredentials for a
// wrong email or password, a *throttledError while guessing is paused.
func (s *Server) checkPassword(r *http.Request, email, password string) (User, error) {
	key, address, now := strings.ToLower(email), sourceAddress(r), s.now()
	if wait := s.throttle.begin(key, address, now); wait > 0 {
		s.metrics.signIns.WithLabelValues("throttled").Inc()
		s.log.DebugContext(r.Context(), "sign-in throttled", "email", email, "address", address, "wait", wait)
		return User{}, &throttledError{wait: int((wait + time.Second - 1) / time.Second)}
	}
	u, known, err := s.verifyPassword(r.Context(), email, password)
	result, counted := attemptWrong, "wrong_password"
	switch {
	case err == nil:
		result, counted = attemptRight, "success"
	case !errors.Is(err, errBadCredentials):
		result, counted = attemptAborted, "error"
	}
	s.metrics.signIns.WithLabelValues(counted).Inc()
	for _, p := range s.throttle.end(key, address, now, result) {
		s.log.InfoContext(r.Context(), "sign-in paused", "email", email, "address", address, "failures", p.failures,
			"limit", throttleRules[p.kind].what, "pause", p.wait)
		if p.first && known {
			s.logThrottle(r.Context(), u, address, p)
		}
	}
	if known && errors.Is(err, errBadCredentials) {
		s.logFailedSignIn(r.Context(), u, address)
	}
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// logFailedSignIn writes a wrong password for a user to the account's
// activity log (a wrong email names no account). The throttle bounds how
// many a guesser can make it write.
func (s *Server) logFailedSignIn(ctx context.Context, u User, address string) {
	e := Activity{At: s.now(), Actor: address, Action: ActionSignInFailed, Target: u.Email}
	if err := s.store.AppendActivity(context.WithoutCancel(ctx), u.Account, e); err != nil {
		s.log.ErrorContext(ctx, "activity log", "err", err)
	}
}

// verifyPassword checks email and password against the store. known
// says whether the email is a user's, whose record u then is, also when
// the password is wrong.
func (s *Server) verifyPassword(ctx context.Context, email, password string) (u User, known bool, err error) {
	u, err = s.store.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, ErrNotFound) || email == "":
		bcrypt.CompareHashAndPassword([]byte(dummyHash), []byte(password))
		return User{}, false, errBadCredentials
	case err != nil:
		return User{}, false, err
	case bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(password)) != nil:
		return u, true, errBadCredentials
	}
	return u, true, nil
}

// logThrottle writes the start of a pause to the account's activity log,
// once per episode of guessing (a key's first pause since it was last
// forgotten), so a long attack does not flood the log.
func (s *Server) logThrottle(ctx context.Context, u User, address string, p pause) {
	e := Activity{At: s.now(), Actor: address, Action: ActionSignInThrottled, Target: u.Email,
		New: fmt.Sprintf("%d wrong passwords %s; sign-in paused, up to %s at a time",
			p.failures, throttleRules[p.kind].what, FormatTimeout(throttleRules[p.kind].max))}
	if err := s.store.AppendActivity(context.WithoutCancel(ctx), u.Account, e); err != nil {
		s.log.ErrorContext(ctx, "activity log", "err", err)
	}
}

// sourceAddress is the address a request came from: the peer's IP. Behind
// a reverse proxy that is the proxy's (docs/sessiond.md).
func sourceAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
