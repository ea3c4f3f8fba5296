package localapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"
)

// Host is the fixed Host every client of the local API sends. The API
// listens on a socket or pipe no browser can open, so a request naming any
// other host (a DNS-rebinding page, a proxy) is not one of ours.
const Host = "agent"

// MaxBodyBytes bounds a request body: every request the API takes is a small
// JSON object.
const MaxBodyBytes = 4096

// Timeouts of the local API's server. There is no write timeout for the whole
// response: /v1/events streams for as long as the client listens, and
// /v1/login/wait waits for the person; those handlers bound each write
// instead (writeTimeout).
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second // headers and the (small) body
	idleTimeout       = 60 * time.Second
	writeTimeout      = 10 * time.Second // per write of a stream
	maxHeaderBytes    = 16 << 10
)

// NewServer returns the HTTP server for the local API with its timeouts and
// limits set: a client that sends its request slowly, sends too much, or
// keeps an idle connection is cut off. Serve it on platform/ipc's listener.
func NewServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

// guard refuses what is not a request of the agent's own clients and reads
// the (small) body whole, under the server's read timeout:
//   - 403 for a request with an Origin or Referer header, which only
//     browsers send, or a Host other than Host;
//   - 415 for a POST whose body is not JSON;
//   - 413 for a body over MaxBodyBytes.
func guard(h *handler, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := browserShaped(r); err != nil {
			h.refuse(w, http.StatusForbidden, err)
			return
		}
		if r.Method == http.MethodPost {
			if err := jsonBody(r); err != nil {
				h.refuse(w, http.StatusUnsupportedMediaType, err)
				return
			}
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			h.refuse(w, http.StatusRequestEntityTooLarge, fmt.Errorf("request body over %d bytes", MaxBodyBytes))
			return
		case err != nil:
			h.refuse(w, http.StatusBadRequest, fmt.Errorf("reading the request body: %w", err))
			return
		}
		// The body is read to its end under ReadTimeout; net/http then lifts
		// the read deadline while the handler runs, so the waits (a
		// sign-in, the event stream) are not cut off by it.
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// browserShaped reports why r looks like it came from a web page.
func browserShaped(r *http.Request) error {
	switch {
	case r.Header.Get("Origin") != "":
		return errors.New("requests from web pages (an Origin header) are refused")
	case r.Header.Get("Referer") != "":
		return errors.New("requests from web pages (a Referer header) are refused")
	case r.Host != Host:
		return fmt.Errorf("host %q is refused: the local API answers only Host %q", r.Host, Host)
	}
	return nil
}

// jsonBody refuses a POST whose body is declared as anything but JSON, or
// not declared at all. A POST without a body needs no Content-Type.
func jsonBody(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		if r.ContentLength == 0 {
			return nil
		}
		return errors.New("a request body must be sent as Content-Type: application/json")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return fmt.Errorf("Content-Type %q is refused: send application/json", ct)
	}
	return nil
}
