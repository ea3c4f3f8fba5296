package agent_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent"
	"github.com/walkme/session-agent/agent/auth"
	"github.com/walkme/session-agent/agent/config"
	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/agent/localapi/localapitest"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/internal/testenv/sessiondtest"
	"github.com/walkme/session-agent/internal/weblogin"
	"github.com/walkme/session-agent/platform/keychain"
)

const (
	email    = "ann@acme.test"
	password = "agent test password"
)

// rig is an agent in this process against a real walkme-sessiond on
// loopback, with the memory keychain unless the test gives another. The OS
// inputs (presence, network, power) are the agent's own input channels, fed
// by the test. Its local API is served on a unix socket, as in walkme-agent
// run.
type rig struct {
	a        *agent.Agent
	kc       keychain.Keychain
	client   *localapi.Client
	issuer   string
	presence chan []string
	delay    atomic.Int64 // extra latency of /token answers, in ns
	tokens   atomic.Int64 // POST /token requests the server saw
	skew     atomic.Int64 // how far the server's clock runs ahead, in ns
	lose     atomic.Bool  // the server rotates, but its /token answers never arrive
	cfg      config.Config
	adjust   func(*agent.Options) // a test's last word on the agent's options
	stop     func()               // stops the agent

	mu     sync.Mutex
	issued []string // refresh tokens the server handed out, oldest first
}

// noteIssued records the refresh token of a /token answer.
func (r *rig) noteIssued(body []byte) {
	var v struct {
		RefreshToken string `json:"refresh_token"`
	}
	if json.Unmarshal(body, &v) == nil && v.RefreshToken != "" {
		r.mu.Lock()
		r.issued = append(r.issued, v.RefreshToken)
		r.mu.Unlock()
	}
}

func (r *rig) issuedCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.issued)
}

// lastIssued is the refresh token the server handed out last.
func (r *rig) lastIssued(t *testing.T) string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.issued) == 0 {
		t.Fatal("the server has issued no refresh token")
	}
	return r.issued[len(r.issued)-1]
}

// active asks the server whether it still accepts a refresh token.
func (r *rig) active(t *testing.T, token string) bool {
	t.Helper()
	return testenv.Active(t, r.issuer, token)
}

func newRig(t *testing.T, interval time.Duration) *rig {
	t.Helper()
	r := startRig(t, interval, nil)
	r.await(t, "the stored session to be read", func(st localapi.Status) bool { return st.State != localapi.StateStarting })
	return r
}

// startRig starts a rig with kc as the agent's keychain (the memory one
// when nil) and does not wait for the agent to read it.
func startRig(t *testing.T, interval time.Duration, kc keychain.Keychain) *rig {
	t.Helper()
	return startRigWith(t, interval, kc, nil)
}

// startRigWith is startRig with a last word on the agent's options.
func startRigWith(t *testing.T, interval time.Duration, kc keychain.Keychain, adjust func(*agent.Options)) *rig {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	r := &rig{presence: make(chan []string)}
	svc := sessiondtest.Start(t, sessiondtest.Options{Dev: true,
		Users: []sessiondtest.User{{Account: "acme", Email: email, Password: password, Admin: true}},
		Now:   func() time.Time { return time.Now().Add(time.Duration(r.skew.Load())) },
		Wrap: func(srv http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				if req.URL.Path != "/token" {
					srv.ServeHTTP(w, req)
					return
				}
				r.tokens.Add(1)
				time.Sleep(time.Duration(r.delay.Load()))
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				r.noteIssued(rec.Body.Bytes())
				if r.lose.Load() {
					<-req.Context().Done() // the client gives up (or dies) first
					return
				}
				maps.Copy(w.Header(), rec.Header())
				w.WriteHeader(rec.Code)
				w.Write(rec.Body.Bytes())
			})
		}})
	issuer := svc.URL
	r.issuer = issuer
	var err error

	cfg := config.Default()
	cfg.ServerURL = issuer
	cfg.RenewInterval = interval
	cfg.KeychainBackend = keychain.BackendMemory.String()
	if r.kc = kc; kc == nil {
		if r.kc, err = keychain.Open(keychain.Options{Backend: keychain.BackendMemory, Service: "test", Logger: quiet}); err != nil {
			t.Fatal(err)
		}
	}
	r.cfg, r.adjust = cfg, adjust
	r.startAgent(t)
	return r
}

// startAgent starts an agent (again) on the rig's keychain and server.
func (r *rig) startAgent(t *testing.T) {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	opts := agent.Options{
		Config: r.cfg, Keychain: r.kc, Presence: r.presence, Logger: quiet,
		Auth: auth.New(auth.Options{Issuer: r.issuer, ClientID: r.cfg.ClientID, Logger: quiet}),
	}
	if r.adjust != nil {
		r.adjust(&opts)
	}
	var err error
	r.a, err = agent.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.a.Run(runCtx); close(done) }()
	r.stop = sync.OnceFunc(func() { stop(); <-done })
	t.Cleanup(r.stop)
	_, r.client = localapitest.Serve(t, r.a)
}

func (r *rig) signIn(t *testing.T) {
	t.Helper()
	if st, err := r.trySignIn(t); err != nil || !st.SignedIn() {
		t.Fatalf("sign-in: %v, %+v", err, st)
	}
}

// trySignIn signs in through the login page and returns what the agent
// answers once the sign-in ends, successful or not.
func (r *rig) trySignIn(t *testing.T) (localapi.Status, error) {
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
	return r.a.LoginWait(ctx)
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
	// The renewal goes on without its caller, and the status says so.
	if st := r.a.Status(); !st.Renewing {
		t.Fatalf("status while the server holds the renewal: renewing=false (%+v)", st)
	}
	r.await(t, "the held renewal to be answered", func(st localapi.Status) bool { return !st.Renewing && st.Renewals == 1 })
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
