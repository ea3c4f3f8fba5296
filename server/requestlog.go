package server

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// RequestIDHeader carries a request's ID: a client's own (a proxy's, a
// load balancer's) when it is a sane token, else one made here. It is
// echoed in the answer and logged with the request, so one request can
// be followed from the client through every instance's log.
const RequestIDHeader = "X-Request-ID"

var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// recorder remembers what a handler answered, for the log and metrics.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	start  time.Time
	id     string
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// requestIDOf is the ID of the request w answers, for the few log lines
// written where only the writer is at hand ("" if w is not ours).
func requestIDOf(w http.ResponseWriter) string {
	for {
		switch v := w.(type) {
		case *recorder:
			return v.id
		case interface{ Unwrap() http.ResponseWriter }:
			w = v.Unwrap()
		default:
			return ""
		}
	}
}

type requestIDKey struct{}

// withRequestLog makes every log line written with the request's context
// carry its request_id.
type withRequestLog struct{ slog.Handler }

func (h withRequestLog) Handle(ctx context.Context, rec slog.Record) error {
	if id, ok := ctx.Value(requestIDKey{}).(string); ok {
		rec.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, rec)
}

func (h withRequestLog) WithAttrs(as []slog.Attr) slog.Handler {
	return withRequestLog{h.Handler.WithAttrs(as)}
}

func (h withRequestLog) WithGroup(name string) slog.Handler {
	return withRequestLog{h.Handler.WithGroup(name)}
}

func (s *Server) beginRequest(w http.ResponseWriter, r *http.Request) *recorder {
	id := r.Header.Get(RequestIDHeader)
	if !saneRequestID.MatchString(id) {
		id = newSecret()[:22]
	}
	w.Header().Set(RequestIDHeader, id)
	return &recorder{ResponseWriter: w, start: time.Now(), id: id}
}

// endRequest logs the request (its context adds the request_id) and records
// its latency under its route.
// The log has the path without its query (which may carry a code or a
// state) and never a header or body, so no token, password or code.
func (s *Server) endRequest(rec *recorder, r *http.Request) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	d := time.Since(rec.start)
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	s.metrics.requests.WithLabelValues(route, strconv.Itoa(rec.status)).Observe(d.Seconds())
	level := slog.LevelInfo
	if route == "GET /healthz" || route == "GET /readyz" {
		level = slog.LevelDebug // probes every few seconds
	}
	s.log.LogAttrs(r.Context(), level, "request",
		slog.String("method", r.Method), slog.String("route", route),
		slog.String("path", r.URL.Path), slog.Int("status", rec.status), slog.Int64("bytes", rec.bytes),
		slog.Duration("duration", d), slog.String("remote", sourceAddress(r)))
}
