package agent_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent"
	"github.com/walkme/session-agent/agent/auth"
	"github.com/walkme/session-agent/agent/config"
	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/weblogin"
	"github.com/walkme/session-agent/platform/keychain"
	"github.com/walkme/session-agent/server"
	"github.com/walkme/session-agent/server/sqlitestore"
)

const (
	email    = "ann@acme.test"
	password = "agent test password"
)

// rig is an agent in this process against a real walkme-sessiond on
// loopback, with the memory keychain. The OS inputs (presence, network,
// power) are the agent's own input channels, fed by the test.
type rig struct {
	a        *agent.Agent
	kc       keychain.Keychain
	presence chan []string
	delay    atomic.Int64 // extra latency of /token answers, in ns
	tokens   atomic.Int64 // POST /token requests the server saw
}

func newRig(t *testing.T, interval time.Duration) *rig {
	t.Helper()
	ctx := context.Background()
	st, err := sqlitestore.Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.AddUser(ctx, "acme", email, password, true); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	quiet := slog.New(slog.DiscardHandler)
	srv, err := server.New(server.Config{Issuer: issuer, Store: st, Dev: true, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{presence: make(chan []string)}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/token" {
			r.tokens.Add(1)
			time.Sleep(time.Duration(r.delay.Load()))
		}
		srv.ServeHTTP(w, req)
	})}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })

	cfg := config.Default()
	cfg.ServerURL = issuer
	cfg.RenewInterval = interval
	cfg.KeychainBackend = keychain.BackendMemory
	r.kc, err = keychain.Open(keychain.Options{Backend: keychain.BackendMemory, Service: "test", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	r.a, err = agent.New(agent.Options{
		Config: cfg, Keychain: r.kc, Presence: r.presence, Logger: quiet,
		Auth: auth.New(auth.Options{Issuer: issuer, ClientID: cfg.ClientID, Logger: quiet}),
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { r.a.Run(runCtx); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	return r
}

func (r *rig) signIn(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start, err := r.a.Login(ctx, localapi.LoginRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if err := weblogin.SignIn(ctx, start.AuthURL, email, password); err != nil {
		t.Fatal(err)
	}
	if st, err := r.a.LoginWait(ctx); err != nil || !st.SignedIn() {
		t.Fatalf("sign-in: %v, %+v", err, st)
	}
}

func (r *rig) await(t *testing.T, what string, ok func(localapi.Status) bool) localapi.Status {
	t.Helper()
	updates, cancel := r.a.Subscribe()
	defer cancel()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case st := <-updates:
			if ok(st) {
				return st
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s; status %+v", what, r.a.Status())
		}
	}
}

// A "Renew now" whose client gives up must not leave the agent believing
// a renewal is still out: renewals go on while the product is open.
func TestCancelledRenewDoesNotStallRenewals(t *testing.T) {
	r := newRig(t, 2*time.Second)
	r.signIn(t)
	r.delay.Store(int64(500 * time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	if err := r.a.Renew(ctx); err == nil {
		t.Fatal("a renewal slower than its caller's deadline reported success")
	}
	cancel()
	r.delay.Store(0)
	r.presence <- []string{"WalkMe Editor"}
	st := r.await(t, "renewals to go on", func(st localapi.Status) bool { return st.Renewals >= 3 })
	if st.State != localapi.StateActive {
		t.Fatalf("state %s, want active", st.State)
	}
}

// Many clients at once while renewals run (run with -race): the loop
// serialises everything, and sign-out still ends the session cleanly.
func TestConcurrentClientsDuringRenewals(t *testing.T) {
	r := newRig(t, 200*time.Millisecond)
	r.signIn(t)
	r.presence <- []string{"WalkMe Editor"}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Go(func() {
			for ctx.Err() == nil {
				_ = r.a.Status()
				_ = r.a.Presence("tab", time.Second)
				_ = r.a.Renew(ctx)
				updates, stop := r.a.Subscribe()
				<-updates
				stop()
			}
		})
	}
	wg.Wait()
	if st := r.a.Status(); st.Renewals < 3 || !st.SignedIn() {
		t.Fatalf("after the storm: %+v", st)
	}
	if err := r.a.Logout(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := r.a.Status()
	if st.State != localapi.StateSignedOut || st.SignedOutReason != localapi.ReasonLogout {
		t.Fatalf("after logout: %s/%s", st.State, st.SignedOutReason)
	}
	if _, err := r.kc.Get(context.Background()); err != keychain.ErrNotFound {
		t.Fatalf("keychain after logout: %v, want ErrNotFound", err)
	}
}
