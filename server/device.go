package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The device authorization grant (RFC 8628), for machines whose browser
// is elsewhere: the device shows a short user code, the user enters it at
// /device on any browser and signs in, and the device polls /token until
// that happens.
const (
	// DeviceCodeGrantType is the grant_type of a device's poll.
	DeviceCodeGrantType = "urn:ietf:params:oauth:grant-type:device_code"
	// DeviceCodeLifetime is how long a device authorization waits for the user.
	DeviceCodeLifetime = 10 * time.Minute
	// DevicePollInterval is the polling interval given to devices; --dev
	// gives one second, for tests and the demo.
	DevicePollInterval    = 5 * time.Second
	devDevicePollInterval = time.Second

	// userCodeAlphabet has no vowels (no words) and no look-alikes
	// (0/O, 1/I/L, 5/S are absent or only one of each pair); 20^8 codes.
	userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"
	userCodeLength   = 8
)

func (s *Server) devicePollInterval() time.Duration {
	if s.dev {
		return devDevicePollInterval
	}
	return DevicePollInterval
}

// deviceAuthResponse is RFC 8628 §3.2.
type deviceAuthResponse struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int64  `json:"expires_in"`
	Interval                int64  `json:"interval"`
}

func (s *Server) handleDeviceAuthorization(w http.ResponseWriter, r *http.Request) {
	c, ok := s.formClient(w, r)
	switch {
	case !ok:
		return
	case !c.deviceGrant:
		oauthError(w, http.StatusBadRequest, "unauthorized_client", "this client may not use the device grant")
		return
	}
	now := s.now()
	d := DeviceCode{ClientID: c.id, Scope: r.PostForm.Get("scope"), Interval: s.devicePollInterval(),
		CreatedAt: now, ExpiresAt: now.Add(DeviceCodeLifetime), Status: DevicePending}
	deviceCode := newSecret()
	d.Hash = hashToken(deviceCode)
	var err error
	// A clash with a live code is one in billions per pending code; a
	// few draws make it vanish.
	for range 5 {
		if d.UserCode, err = newUserCode(); err != nil {
			break
		}
		if err = s.store.PutDeviceCode(r.Context(), d); !errors.Is(err, ErrUserCodeTaken) {
			break
		}
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "device authorization", "err", err)
		oauthError(w, http.StatusInternalServerError, "server_error", "try again")
		return
	}
	shown := formatUserCode(d.UserCode)
	s.log.InfoContext(r.Context(), "device authorization started", "client_id", c.id, "user_code", shown)
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, deviceAuthResponse{
		DeviceCode: deviceCode, UserCode: shown,
		VerificationURI:         s.endpoint("/device"),
		VerificationURIComplete: s.endpoint("/device?" + url.Values{"user_code": {shown}}.Encode()),
		ExpiresIn:               seconds(DeviceCodeLifetime), Interval: seconds(d.Interval),
	})
}

// deviceToken answers a device's poll (RFC 8628 §3.4, §3.5).
func (s *Server) deviceToken(ctx context.Context, c client, deviceCode string, use usage) (tokenResponse, error) {
	if deviceCode == "" {
		return tokenResponse{}, &grantError{http.StatusBadRequest, "invalid_request", "device_code is required"}
	}
	now := s.now()
	d, err := s.store.PollDeviceCode(ctx, hashToken(deviceCode), now)
	switch {
	case errors.Is(err, ErrNotFound):
		return tokenResponse{}, invalidGrant("unknown device code")
	case err != nil:
		return tokenResponse{}, fmt.Errorf("poll device code: %w", err)
	case d.ClientID != c.id:
		return tokenResponse{}, invalidGrant("device code was issued to another client")
	case d.Status == DeviceRedeemed:
		return tokenResponse{}, invalidGrant("device code already used")
	case !now.Before(d.ExpiresAt):
		return tokenResponse{}, &grantError{http.StatusBadRequest, "expired_token", "the device code expired before the user approved it"}
	case d.Status == DeviceDenied:
		return tokenResponse{}, &grantError{http.StatusBadRequest, "access_denied", "the user denied the sign-in"}
	case d.Status == DevicePending && tooSoon(d, now):
		return tokenResponse{}, &grantError{http.StatusBadRequest, "slow_down", fmt.Sprintf("poll at most every %v", d.Interval)}
	case d.Status == DevicePending:
		return tokenResponse{}, &grantError{http.StatusBadRequest, "authorization_pending", "the user has not approved the sign-in yet"}
	case d.Status != DeviceApproved:
		return tokenResponse{}, fmt.Errorf("device code in unknown state %q", d.Status)
	}
	return s.startSession(ctx, c, d.UserID, d.Scope, "", "", now, use)
}

// tooSoon reports whether a poll at now came faster than the interval
// allows. A fifth of the interval is forgiven: a client polling on a
// ticker can see one request delayed and the next one not.
func tooSoon(d DeviceCode, now time.Time) bool {
	return !d.LastPoll.IsZero() && now.Sub(d.LastPoll) < d.Interval-d.Interval/5
}

// newUserCode draws userCodeLength letters of userCodeAlphabet uniformly.
func newUserCode() (string, error) {
	const n = len(userCodeAlphabet)
	limit := 256 - 256%n // reject bytes that would favour the first letters
	var b strings.Builder
	buf := make([]byte, 32)
	for b.Len() < userCodeLength {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("user code: %w", err)
		}
		for _, x := range buf {
			if int(x) < limit && b.Len() < userCodeLength {
				b.WriteByte(userCodeAlphabet[int(x)%n])
			}
		}
	}
	return b.String(), nil
}

// formatUserCode shows a normalized code as XXXX-XXXX.
func formatUserCode(code string) string {
	if len(code) != userCodeLength {
		return code
	}
	return code[:4] + "-" + code[4:]
}

// normalizeUserCode accepts what a person types: any case, with or
// without the hyphen or spaces. ok is false when it cannot be a code.
func normalizeUserCode(typed string) (code string, ok bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(typed) {
		switch {
		case r == '-' || r == ' ' || r == '\t':
		case strings.ContainsRune(userCodeAlphabet, r):
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	return b.String(), b.Len() == userCodeLength
}
