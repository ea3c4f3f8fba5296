package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Config configures a Server.
type Config struct {
	// Issuer is the service's public base URL, e.g. https://sso.example.com.
	// Every endpoint is advertised under it.
	Issuer string
	Store  Store
	// Dev accepts any inactivity timeout of a second or more, for
	// accelerated tests and the demo.
	Dev bool
	// Now is the clock (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// Protocol constants.
const (
	// AgentClientID is the public client registered by default (RFC 8252
	// loopback redirects on any port).
	AgentClientID = "walkme-agent"
	// RotationGrace is how long a rotated refresh token stays redeemable
	// while its successor is unused.
	RotationGrace = 60 * time.Second
	// MaxAccessTokenLifetime caps access tokens; they are never longer
	// than the account's timeout either. It outlasts the longest renewal
	// cadence (MaxRenewInterval) by 5 minutes, so the access token that the
	// agent hands to WalkMe products (docs/products.md) stays valid from
	// one renewal to the next, a late one included. Ending the session
	// still kills it at once here (userinfo, introspection: R4).
	MaxAccessTokenLifetime = MaxRenewInterval + 5*time.Minute
	codeLifetime           = time.Minute
)

// Server is the session service; it is an http.Handler.
type Server struct {
	issuer string
	store  Store
	dev    bool
	now    func() time.Time
	log    *slog.Logger
	keys   *keys
	mux    *router
	// throttle paces password guessing (in memory: per instance).
	throttle *throttle
	metrics  *metrics
}

// New returns a Server. It loads (or creates, on first use) the signing
// and token-derivation keys from the store.
func New(cfg Config) (*Server, error) {
	u, err := url.Parse(cfg.Issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("server: issuer %q is not an http(s) URL without query or fragment", cfg.Issuer)
	}
	if cfg.Store == nil {
		return nil, errors.New("server: no store")
	}
	s := &Server{
		issuer:   strings.TrimSuffix(cfg.Issuer, "/"),
		store:    cfg.Store,
		dev:      cfg.Dev,
		now:      cfg.Now,
		log:      cfg.Logger,
		throttle: newThrottle(),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = slog.New(withRequestLog{s.log.Handler()})
	s.metrics = newMetrics(cfg.Store, s.now, func(err error) { s.log.Error("count live sessions", "err", err) })
	s.store = timedStore{st: cfg.Store, m: s.metrics}
	if s.keys, err = loadKeys(context.Background(), cfg.Store, s.now, s.log); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	m := &router{ServeMux: http.NewServeMux()}
	m.HandleFunc("GET /healthz", s.handleHealthz)
	m.HandleFunc("GET /readyz", s.handleReadyz)
	m.HandleFunc("GET /.well-known/openid-configuration", s.handleDiscovery)
	m.HandleFunc("GET /jwks", s.handleJWKS)
	m.HandleFunc("GET /authorize", s.handleAuthorize)
	m.HandleFunc("POST /authorize", s.handleAuthorize)
	m.HandleFunc("POST /token", s.handleToken)
	m.HandleFunc("POST /device_authorization", s.handleDeviceAuthorization)
	m.HandleFunc("GET /device", s.handleDevicePage)
	m.HandleFunc("POST /device", s.handleDeviceDecision)
	m.HandleFunc("POST /revoke", s.handleRevoke)
	m.HandleFunc("POST /introspect", s.handleIntrospect)
	m.HandleFunc("GET /userinfo", s.handleUserinfo)
	m.HandleFunc("POST /userinfo", s.handleUserinfo)
	m.HandleFunc("GET /api/admin/security", s.handleGetSecurity)
	m.HandleFunc("PUT /api/admin/security", s.handlePutSecurity)
	m.HandleFunc("GET /api/admin/activity", s.handleActivity)
	m.HandleFunc("GET /api/admin/sessions", s.handleListSessions)
	m.HandleFunc("DELETE /api/admin/sessions/{id}", s.handleEnd(s.endOne))
	m.HandleFunc("DELETE /api/admin/users/{id}/sessions", s.handleEnd(s.endUser))
	m.HandleFunc("GET /api/admin/users", s.handleListUsers)
	m.HandleFunc("PUT /api/admin/users/{id}/role", s.handlePutRole)
	s.adminCenterRoutes(m)
	s.mux = m
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := s.beginRequest(w, r)
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, rec.id))
	defer s.endRequest(rec, r)
	setSecureHeaders(rec.Header())
	if !s.limitBody(rec, r) {
		return
	}
	s.mux.ServeHTTP(rec, r)
}

// router is the ServeMux that remembers its patterns, so that a test can
// hold the documentation to the real routes.
type router struct {
	*http.ServeMux
	patterns []string
}

func (m *router) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.HandleFunc(pattern, h)
}

func (m *router) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

// Routes returns the router's patterns ("METHOD /path"), in the order
// they were registered.
func (s *Server) Routes() []string { return append([]string(nil), s.mux.patterns...) }

// Issuer is the server's issuer URL.
func (s *Server) Issuer() string { return s.issuer }

func (s *Server) endpoint(path string) string { return s.issuer + path }
