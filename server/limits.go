package server

import (
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"time"
)

// HTTPLimits bound what one connection may hold of the server: without
// them a client that connects and stays silent, or sends its headers or
// body a byte at a time, keeps a connection and a goroutine forever.
// Zero fields take the DefaultHTTPLimits value. The service has no
// long polls or event streams (the device grant polls with ordinary
// requests), so a request is never meant to take long.
type HTTPLimits struct {
	// ReadHeader bounds reading a request's headers.
	ReadHeader time.Duration
	// Read bounds reading a whole request, body included.
	Read time.Duration
	// Write bounds a request from the end of its headers to the end of
	// its answer (bcrypt and a store write fit many times over).
	Write time.Duration
	// Idle is how long a kept-alive connection may wait for its next
	// request.
	Idle time.Duration
	// MaxHeaderBytes bounds a request's headers.
	MaxHeaderBytes int
}

// DefaultHTTPLimits are walkme-sessiond's.
var DefaultHTTPLimits = HTTPLimits{
	ReadHeader:     10 * time.Second,
	Read:           30 * time.Second,
	Write:          30 * time.Second,
	Idle:           60 * time.Second,
	MaxHeaderBytes: 64 << 10,
}

// MaxRequestBody bounds every request body: the largest legitimate one,
// a sign-in form with a long redirect URI, is a few kilobytes.
const MaxRequestBody = 64 << 10

// HTTPServer returns an http.Server that serves s within l.
func (s *Server) HTTPServer(l HTTPLimits) *http.Server {
	d := DefaultHTTPLimits
	pick := func(v, def time.Duration) time.Duration {
		if v > 0 {
			return v
		}
		return def
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: pick(l.ReadHeader, d.ReadHeader),
		ReadTimeout:       pick(l.Read, d.Read),
		WriteTimeout:      pick(l.Write, d.Write),
		IdleTimeout:       pick(l.Idle, d.Idle),
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// limitBody caps r's body at MaxRequestBody and reports whether the
// request may go on. An oversize body is answered 413 before any handler
// sees it; a form is read here, so a body cut off by the limit or by the
// read timeout is never half-processed (a sign-in form whose password
// went missing would count as a wrong password).
func (s *Server) limitBody(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Body == nil || r.Body == http.NoBody {
		return true
	}
	if r.ContentLength > MaxRequestBody {
		tooLarge(w)
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxRequestBody)
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		return true
	}
	if err := r.ParseForm(); err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			tooLarge(w)
		} else {
			oauthError(w, http.StatusBadRequest, "invalid_request", "malformed or incomplete form body")
		}
		return false
	}
	return true
}

func tooLarge(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	oauthError(w, http.StatusRequestEntityTooLarge, "invalid_request", "request body too large")
}
