//go:build linux

package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/internal/testenv/sessiondtest"
	"github.com/walkme/session-agent/server"
	"github.com/walkme/session-agent/server/sqlitestore"
)

const (
	account  = "acme"
	email    = "bench@acme.example"
	password = "bench password 123"
	// product is a stand-in WalkMe process name (PresenceProcesses).
	product = "walkme-bench-edit"
)

// binDir holds the walkme-agent built for this run; TestMain removes it.
var binDir = struct {
	once  sync.Once
	dir   string
	paths map[string]string
	err   error
}{}

// tickerEnv makes the test binary a baseline instead: a Go process that
// wakes once a second and does nothing else, the floor for a Go program
// with the agent's fastest timer (the 1 s clock-gap check).
const tickerEnv = "WALKME_BENCH_TICKER"

func TestMain(m *testing.M) {
	if os.Getenv(tickerEnv) == "1" {
		for now := range time.Tick(time.Second) {
			_ = time.Until(now) // read the clocks, as the gap check does
		}
	}
	code := m.Run()
	if binDir.dir != "" {
		os.RemoveAll(binDir.dir)
	}
	os.Exit(code)
}

// agentBinary builds ./cmd/walkme-agent once per run, as `make build` does
// (no cgo, stripped), so the figures are the shipped binary's.
func agentBinary(b *testing.B) string { return binary(b, "walkme-agent") }

// binary returns the named command of ./cmd, built (with the others, once
// per run) as `make build` builds it.
func binary(b *testing.B, name string) string {
	b.Helper()
	binDir.once.Do(func() {
		if binDir.dir, binDir.err = os.MkdirTemp("", "walkme-bench-bin"); binDir.err != nil {
			return
		}
		binDir.paths, binDir.err = testenv.Build(binDir.dir, testenv.BuildOptions{Release: true}, "walkme-agent", "walkme-demo")
	})
	if binDir.err != nil {
		b.Fatal(binDir.err)
	}
	return binDir.paths[name]
}

// startTicker runs the baseline process (see tickerEnv).
func startTicker(b *testing.B) *exec.Cmd {
	b.Helper()
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	return testenv.StartProcess(b, "ticker", []string{tickerEnv + "=1"}, self)
}

// service is walkme-sessiond embedded in the benchmark process, on loopback.
type service struct {
	URL   string
	store server.Store
}

// startService serves store on a loopback port until the benchmark ends.
func startService(b *testing.B, store server.Store) *service {
	b.Helper()
	return &service{URL: sessiondtest.Start(b, sessiondtest.Options{Store: store}).URL, store: store}
}

// sqliteStore opens a fresh SQLite database with users added.
func sqliteStore(b *testing.B, users ...string) *sqlitestore.Store {
	b.Helper()
	st, err := sqlitestore.Open(filepath.Join(b.TempDir(), "sessiond.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	addUsers(b, st, users...)
	return st
}

// userAdder is the part of a store that creates accounts' users.
type userAdder interface {
	AddUser(ctx context.Context, account, email, password string, admin bool) (server.User, error)
}

func addUsers(b *testing.B, st userAdder, users ...string) {
	b.Helper()
	for _, u := range users {
		if _, err := st.AddUser(context.Background(), account, u, password, false); err != nil {
			b.Fatalf("add user %s: %v", u, err)
		}
	}
}

// waitFor polls ok every 50 ms until it holds or within passes.
func waitFor(within time.Duration, what string, ok func() (bool, error)) error {
	deadline := time.Now().Add(within)
	var last error
	for {
		done, err := ok()
		if done {
			return nil
		}
		if err != nil {
			last = err
		}
		if time.Now().After(deadline) {
			if last != nil {
				return fmt.Errorf("timed out after %v waiting for %s: %w", within, what, last)
			}
			return fmt.Errorf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
