package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Backend is what the local API exposes: the running agent.
type Backend interface {
	Status() Status
	// Login starts a sign-in (browser, or device code) and returns where the
	// user goes.
	Login(ctx context.Context, req LoginRequest) (LoginStart, error)
	// LoginWait blocks until the pending sign-in ends, then returns the status.
	LoginWait(ctx context.Context) (Status, error)
	Logout(ctx context.Context) error
	Renew(ctx context.Context) error
	Presence(source string, ttl time.Duration) error
	// Subscribe delivers the status at once and after every change, until
	// cancel is called. Slow readers see only the latest status.
	Subscribe() (updates <-chan Status, cancel func())
}

// ErrBadRequest marks a Backend error caused by the caller's input (400).
var ErrBadRequest = errors.New("bad request")

// ErrConflict marks a Backend error caused by the current state (409), such as
// renewing while signed out.
var ErrConflict = errors.New("conflict")

// Handler serves the local API for b.
func Handler(b Backend, log *slog.Logger) http.Handler {
	h := &handler{b: b, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", h.status)
	mux.HandleFunc("POST /v1/login", h.login)
	mux.HandleFunc("POST /v1/login/wait", h.loginWait)
	mux.HandleFunc("POST /v1/logout", h.logout)
	mux.HandleFunc("POST /v1/renew", h.renew)
	mux.HandleFunc("POST /v1/presence", h.presence)
	mux.HandleFunc("GET /v1/events", h.events)
	mux.HandleFunc("POST /v1/token", h.token)
	return guard(h, mux)
}

type handler struct {
	b   Backend
	log *slog.Logger
}

func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, h.b.Status())
}

func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	var req LoginRequest
	if r.ContentLength != 0 {
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			h.fail(w, "login", fmt.Errorf("%w: %v", ErrBadRequest, err))
			return
		}
	}
	start, err := h.b.Login(r.Context(), req)
	if err != nil {
		h.fail(w, "login", err)
		return
	}
	writeJSON(w, http.StatusOK, start)
}

func (h *handler) loginWait(w http.ResponseWriter, r *http.Request) {
	st, err := h.b.LoginWait(r.Context())
	if err != nil {
		h.fail(w, "login", err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	if err := h.b.Logout(r.Context()); err != nil {
		h.fail(w, "logout", err)
		return
	}
	writeJSON(w, http.StatusOK, h.b.Status())
}

func (h *handler) renew(w http.ResponseWriter, r *http.Request) {
	if err := h.b.Renew(r.Context()); err != nil {
		h.fail(w, "renew", err)
		return
	}
	writeJSON(w, http.StatusOK, h.b.Status())
}

func (h *handler) presence(w http.ResponseWriter, r *http.Request) {
	var req PresenceRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		h.fail(w, "presence", fmt.Errorf("%w: %v", ErrBadRequest, err))
		return
	}
	if req.Source == "" || req.TTLSeconds <= 0 || req.TTLSeconds > 3600 {
		h.fail(w, "presence", fmt.Errorf("%w: need a source and ttl_seconds between 1 and 3600", ErrBadRequest))
		return
	}
	if err := h.b.Presence(req.Source, time.Duration(req.TTLSeconds)*time.Second); err != nil {
		h.fail(w, "presence", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// events streams the status as server-sent events: one "status" event at
// once and one after every change, so that clients never poll.
//
// The stream has no overall write deadline; each write gets its own, so a
// client that stops reading is dropped after writeTimeout rather than
// holding the handler forever.
func (h *handler) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	updates, cancel := h.b.Subscribe()
	defer cancel()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if err := flushWithin(rc); err != nil {
		return
	}
	keepalive := time.NewTicker(30 * time.Second)
	defer keepalive.Stop()
	for {
		var frame []byte
		select {
		case <-r.Context().Done():
			return
		case <-keepalive.C:
			frame = []byte(": keepalive\n\n")
		case st, ok := <-updates:
			if !ok {
				return
			}
			data, err := json.Marshal(st)
			if err != nil {
				return
			}
			frame = fmt.Appendf(nil, "event: status\ndata: %s\n\n", data)
		}
		_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		if _, err := w.Write(frame); err != nil {
			return
		}
		if err := flushWithin(rc); err != nil {
			return
		}
	}
}

// flushWithin flushes a stream, giving up after writeTimeout.
func flushWithin(rc *http.ResponseController) error {
	_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
	return rc.Flush()
}

func (h *handler) fail(w http.ResponseWriter, op string, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrBadRequest):
		code = http.StatusBadRequest
	case errors.Is(err, ErrConflict):
		code = http.StatusConflict
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		code = http.StatusGatewayTimeout
	}
	if h.log != nil {
		h.log.Debug("local api", "op", op, "err", err)
	}
	e := Error{Error: fmt.Sprintf("%s: %v", op, err)}
	refusalError(err, &e)
	writeJSON(w, code, e)
}

// refuse answers a request the guard turned away.
func (h *handler) refuse(w http.ResponseWriter, code int, err error) {
	if h.log != nil {
		h.log.Warn("local api: refused a request", "status", code, "err", err)
	}
	writeJSON(w, code, Error{Error: err.Error()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
