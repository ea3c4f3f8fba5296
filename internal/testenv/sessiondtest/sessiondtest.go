// Package sessiondtest runs a real walkme-sessiond inside a test's process:
// server.New on a loopback port, with a fresh SQLite store (or the store the
// test gives), the users the test needs, and everything closed when the test
// ends. It lives apart from testenv so that tests which need no service do
// not link one.
package sessiondtest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/server"
	"github.com/walkme/session-agent/server/sqlitestore"
)

// User is a user to add to a fresh store.
type User struct {
	Account, Email, Password string
	Admin                    bool
}

// Options says which service to run.
type Options struct {
	// Store is the service's store; nil means a fresh SQLite database in a
	// temporary directory.
	Store server.Store
	// Users are added to the store (which must then be able to add users:
	// both of the project's stores can).
	Users []User
	// Dev accepts any timeout of a second or more, as --dev does.
	Dev bool
	// Now is the service's clock (default time.Now).
	Now func() time.Time
	// Wrap, when set, wraps the service's handler: to count requests, or to
	// make some fail.
	Wrap   func(http.Handler) http.Handler
	Logger *slog.Logger
}

// Service is a running walkme-sessiond.
type Service struct {
	URL    string // the issuer, http://127.0.0.1:PORT
	Server *server.Server
	Store  server.Store
	// SQLite is the store when Options.Store was nil.
	SQLite *sqlitestore.Store
}

// Start starts the service; it stops when the test ends.
func Start(tb testing.TB, o Options) *Service {
	tb.Helper()
	s := &Service{Store: o.Store}
	if s.Store == nil {
		st, err := sqlitestore.Open(filepath.Join(tb.TempDir(), "sessiond.db"))
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { st.Close() })
		s.Store, s.SQLite = st, st
	}
	for _, u := range o.Users {
		adder, ok := s.Store.(interface {
			AddUser(ctx context.Context, account, email, password string, admin bool) (server.User, error)
		})
		if !ok {
			tb.Fatalf("sessiondtest: the store %T cannot add users", s.Store)
		}
		if _, err := adder.AddUser(context.Background(), u.Account, u.Email, u.Password, u.Admin); err != nil {
			tb.Fatalf("sessiondtest: add user %s: %v", u.Email, err)
		}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	hs := httptest.NewUnstartedServer(nil)
	s.URL = "http://" + hs.Listener.Addr().String()
	srv, err := server.New(server.Config{Issuer: s.URL, Store: s.Store, Dev: o.Dev, Now: o.Now, Logger: o.Logger})
	if err != nil {
		tb.Fatal(err)
	}
	s.Server = srv
	var h http.Handler = srv
	if o.Wrap != nil {
		h = o.Wrap(srv)
	}
	hs.Config.Handler = h
	hs.Start()
	tb.Cleanup(hs.Close)
	return s
}

// Active asks the service whether it still accepts token (RFC 7662
// introspection, as the agent's client): the one question most tests of a
// session end with.
func (s *Service) Active(tb testing.TB, token string) bool {
	tb.Helper()
	return testenv.Active(tb, s.URL, token)
}
