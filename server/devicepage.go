package server

import (
	"errors"
	"html/template"
	"net/http"
	"strings"
)

var devicePage = template.Must(template.ParseFS(webFS, "web/device.html"))

// devicePageData fills web/device.html: the form, or (Done) a result.
type devicePageData struct {
	UserCode, Email, Error string
	Done                   string
}

// handleDevicePage serves the form where a user enters the code shown
// on their device (prefilled from verification_uri_complete).
func (s *Server) handleDevicePage(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("user_code")
	if n, ok := normalizeUserCode(code); ok {
		code = formatUserCode(n)
	}
	s.showDevice(w, http.StatusOK, devicePageData{UserCode: code})
}

// handleDeviceDecision approves or denies a device authorization. Both
// need the user's credentials: the code alone proves nothing about who
// typed it.
func (s *Server) handleDeviceDecision(w http.ResponseWriter, r *http.Request) {
	if s.crossOrigin(w, r) {
		return
	}
	typed := strings.TrimSpace(r.PostFormValue("user_code"))
	email, password := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	approve := r.PostFormValue("action") != "deny"
	form := devicePageData{UserCode: typed, Email: email}
	code, ok := normalizeUserCode(typed)
	if !ok {
		form.Error = "That is not a valid code. Enter the code shown on your device, like BCDF-GHJK."
		s.showDevice(w, http.StatusBadRequest, form)
		return
	}
	u, err := s.checkPassword(r, email, password)
	var throttled *throttledError
	switch {
	case errors.As(err, &throttled):
		form.Error = throttled.message()
		s.showDevice(w, throttled.refuse(w), form)
		return
	case errors.Is(err, errBadCredentials):
		s.log.InfoContext(r.Context(), "device sign-in refused", "email", email)
		form.Error = "Wrong email or password."
		s.showDevice(w, http.StatusUnauthorized, form)
		return
	case err != nil:
		s.log.ErrorContext(r.Context(), "device sign-in", "err", err)
		http.Error(w, "sign-in is unavailable, try again", http.StatusInternalServerError)
		return
	}
	now := s.now()
	before, err := s.store.DecideDeviceCode(r.Context(), code, u.ID, approve, now)
	switch {
	case errors.Is(err, ErrNotFound):
		form.Error = "That code is not valid. Check the code shown on your device and try again."
	case err != nil:
		s.log.ErrorContext(r.Context(), "device decision", "err", err)
		http.Error(w, "sign-in is unavailable, try again", http.StatusInternalServerError)
		return
	case before.Status != DevicePending:
		form.Error = "That code has already been used. Start the sign-in again on your device."
	case !now.Before(before.ExpiresAt):
		form.Error = "That code has expired. Start the sign-in again on your device."
	}
	if form.Error != "" {
		s.log.InfoContext(r.Context(), "device decision refused", "email", u.Email, "user_code", formatUserCode(code), "reason", form.Error)
		s.showDevice(w, http.StatusBadRequest, form)
		return
	}
	if !approve {
		s.log.InfoContext(r.Context(), "device sign-in denied", "email", u.Email, "user_code", formatUserCode(code))
		s.showDevice(w, http.StatusOK, devicePageData{Done: "Sign-in denied. The device was not signed in; you can close this window."})
		return
	}
	s.log.InfoContext(r.Context(), "device sign-in approved", "email", u.Email, "user_code", formatUserCode(code), "client_id", before.ClientID)
	s.showDevice(w, http.StatusOK, devicePageData{Done: "Your device is now signed in as " + u.Email + ". You can close this window."})
}

func (s *Server) showDevice(w http.ResponseWriter, status int, data devicePageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", pagePolicy("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"))
	w.WriteHeader(status)
	devicePage.Execute(w, data)
}
