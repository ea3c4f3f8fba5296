package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/platform/keychain"
)

// Fault modes of faultKeychain, per operation.
const (
	works int32 = iota
	fails       // the keychain refuses at once (locked, denied)
	hangs       // the keychain does not answer; the call gives up after hangFor
)

const hangFor = 700 * time.Millisecond

// faultKeychain is the memory keychain behind a switch at the OS boundary:
// each operation works, fails or hangs as the test says.
type faultKeychain struct {
	keychain.Keychain
	get, set, del atomic.Int32 // fault modes
	sets, dels    atomic.Int64 // calls made
}

func newFaultKeychain(t *testing.T) *faultKeychain {
	kc, err := keychain.Open(keychain.Options{Backend: keychain.BackendMemory, Service: "test",
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return &faultKeychain{Keychain: kc}
}

var errLocked = errors.New("the keychain is locked")

func fault(ctx context.Context, mode int32) error {
	switch mode {
	case fails:
		return errLocked
	case hangs:
		select {
		case <-time.After(hangFor):
			return errors.New("the keychain did not answer")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (f *faultKeychain) Get(ctx context.Context) ([]byte, error) {
	if err := fault(ctx, f.get.Load()); err != nil {
		return nil, err
	}
	return f.Keychain.Get(ctx)
}

func (f *faultKeychain) Set(ctx context.Context, b []byte) error {
	f.sets.Add(1)
	if err := fault(ctx, f.set.Load()); err != nil {
		return err
	}
	return f.Keychain.Set(ctx, b)
}

func (f *faultKeychain) Delete(ctx context.Context) error {
	f.dels.Add(1)
	if err := fault(ctx, f.del.Load()); err != nil {
		return err
	}
	return f.Keychain.Delete(ctx)
}

// storedToken is the refresh token in the keychain, "" when there is none.
func storedToken(t *testing.T, kc keychain.Keychain) string {
	t.Helper()
	b, err := kc.Get(context.Background())
	if errors.Is(err, keychain.ErrNotFound) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	return rec.RefreshToken
}

// quickly calls the local API's status n times and fails t if any call took
// 100 ms or more, the bound an unresponsive keychain must not break.
func quickly(t *testing.T, c *localapi.Client, n int) localapi.Status {
	t.Helper()
	var st localapi.Status
	var slowest time.Duration
	for range n {
		start := time.Now()
		var err error
		st, err = c.Status(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		slowest = max(slowest, time.Since(start))
		time.Sleep(20 * time.Millisecond)
	}
	if slowest >= 100*time.Millisecond {
		t.Fatalf("the slowest of %d status calls took %v, want < 100 ms", n, slowest)
	}
	t.Logf("slowest of %d status calls: %v", n, slowest)
	return st
}

// With a Secret Service that never answers, the agent starts and answers at
// once: "starting", with the keychain's problem in the status, across
// several timed-out reads; sign-in is refused rather than left hanging.
func TestStatusWhileSecretServiceHangs(t *testing.T) {
	testenv.RunChild(t, "TestChildStatusWhileSecretServiceHangs",
		[]string{"DBUS_SESSION_BUS_ADDRESS=" + testenv.SilentSecretService(t)})
}

func TestChildStatusWhileSecretServiceHangs(t *testing.T) {
	testenv.Child(t)
	kc, err := keychain.Open(keychain.Options{Service: "com.walkme.agent.test", Account: "ann",
		Timeout: 500 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	r := startRig(t, time.Minute, kc)
	st := quickly(t, r.client, 10) // the first read is hanging now
	if st.State != localapi.StateStarting || st.SignedIn() {
		t.Fatalf("while the keychain is read: state %q, want %q", st.State, localapi.StateStarting)
	}
	st = r.await(t, "the keychain's failure in the status", func(st localapi.Status) bool {
		return st.Keychain.State == localapi.KeychainFailing
	})
	if !strings.Contains(st.LastError, "keychain") || !strings.Contains(st.Keychain.Error, "Secret Service") {
		t.Fatalf("status names no keychain problem: last_error %q, keychain %+v", st.LastError, st.Keychain)
	}
	st = quickly(t, r.client, 50) // a second of retries, each hanging
	if st.State != localapi.StateStarting {
		t.Fatalf("state %q while the keychain still hangs", st.State)
	}
	events, err := r.client.Events(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-events:
		if ev.State != localapi.StateStarting {
			t.Fatalf("event state %q", ev.State)
		}
	case <-time.After(100 * time.Millisecond):
		t.Fatal("the event stream sent no status within 100 ms")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var apiErr *localapi.APIError
	if _, err := r.client.Login(ctx); !errors.As(err, &apiErr) || apiErr.Code != 409 {
		t.Fatalf("sign-in while the keychain is unread: %v, want a 409", err)
	}
	// Nor can a session it has not read be signed out: it says so, rather
	// than "signed out".
	if _, err := r.client.Logout(ctx); !errors.As(err, &apiErr) || apiErr.Code != 409 || !strings.Contains(err.Error(), "keychain") {
		t.Fatalf("sign-out while the keychain is unread: %v, want a 409 naming the keychain", err)
	}
}

// A keychain write that hangs (here: the rotated token's) does not hold up
// the status, and the write lands once the keychain answers again.
func TestStatusWhileKeychainWriteHangs(t *testing.T) {
	kc := newFaultKeychain(t)
	r := startRig(t, 300*time.Millisecond, kc)
	r.await(t, "the stored session to be read", func(st localapi.Status) bool { return st.State != localapi.StateStarting })
	r.signIn(t)
	kc.set.Store(hangs)
	before := kc.sets.Load()
	r.presence <- []string{"WalkMe Editor"}
	testenv.WaitFor(t, 10*time.Second, "a hanging keychain write", func() bool { return kc.sets.Load() > before })
	quickly(t, r.client, 50)
	kc.set.Store(works)
	r.await(t, "the keychain to be healthy", func(st localapi.Status) bool {
		return st.Keychain.State == localapi.KeychainOK && st.Renewals > 0
	})
	testenv.WaitFor(t, 10*time.Second, "the keychain to hold the token the server issued last", func() bool {
		return storedToken(t, kc) == r.lastIssued(t)
	})
}

// A keychain that refuses writes for longer than the server's 60 s reuse
// grace: the agent keeps the rotated tokens in memory and renews with them
// (never with the superseded one in the keychain), the session stays
// alive, and the keychain gets the current token once it works again.
func TestRotatedTokenSurvivesFailingKeychain(t *testing.T) {
	kc := newFaultKeychain(t)
	r := startRig(t, 300*time.Millisecond, kc)
	r.await(t, "the stored session to be read", func(st localapi.Status) bool { return st.State != localapi.StateStarting })
	r.signIn(t)
	stale := storedToken(t, kc)
	kc.set.Store(fails)
	r.presence <- []string{"WalkMe Editor"}
	st := r.await(t, "renewals while the keychain fails", func(st localapi.Status) bool {
		return st.Renewals >= 2 && st.Keychain.State == localapi.KeychainFailing
	})
	if !strings.Contains(st.LastError, "retrying") {
		t.Errorf("last_error %q does not say the write is retried", st.LastError)
	}
	if got := storedToken(t, kc); got != stale {
		t.Fatal("the keychain changed while it refused every write")
	}
	// The server's clock passes the reuse grace of every token rotated so
	// far: presenting one of them again now would revoke the session.
	r.skew.Store(int64(2 * time.Minute))
	n := st.Renewals
	st = r.await(t, "renewals past the grace", func(st localapi.Status) bool {
		return st.Renewals >= n+3 || !st.SignedIn()
	})
	if !st.SignedIn() {
		t.Fatalf("the session ended while the keychain failed: %s (%s)", st.SignedOutReason, st.LastError)
	}
	kc.set.Store(works)
	r.await(t, "the keychain to take the token", func(st localapi.Status) bool { return st.Keychain.State == localapi.KeychainOK })
	r.presence <- nil // renewals stop after the closing one
	testenv.WaitFor(t, 10*time.Second, "the keychain to hold the token the server issued last", func() bool {
		return storedToken(t, kc) == r.lastIssued(t)
	})
	if !r.active(t, storedToken(t, kc)) {
		t.Fatal("the token in the keychain is not live on the server")
	}
}

// A sign-out whose keychain delete fails deletes the entry once the
// keychain works again.
func TestFailedDeleteIsRetried(t *testing.T) {
	kc := newFaultKeychain(t)
	r := startRig(t, time.Minute, kc)
	r.await(t, "the stored session to be read", func(st localapi.Status) bool { return st.State != localapi.StateStarting })
	r.signIn(t)
	kc.del.Store(fails)
	if err := r.a.Logout(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := r.await(t, "the failing delete in the status", func(st localapi.Status) bool {
		return st.Keychain.State == localapi.KeychainFailing
	})
	if st.State != localapi.StateSignedOut {
		t.Fatalf("state %q after sign-out", st.State)
	}
	if storedToken(t, kc) == "" {
		t.Fatal("the entry is gone though every delete failed")
	}
	kc.del.Store(works)
	r.await(t, "the keychain to recover", func(st localapi.Status) bool { return st.Keychain.State == localapi.KeychainOK })
	if got := storedToken(t, kc); got != "" {
		t.Fatal("the ended session's entry is still in the keychain")
	}
}

// Clients that call the agent all the time do not stop the retry of a
// keychain read that failed at start.
func TestKeychainRetryNotStarvedByClients(t *testing.T) {
	kc := newFaultKeychain(t)
	kc.get.Store(fails)
	r := startRig(t, time.Minute, kc)
	r.await(t, "the failing read in the status", func(st localapi.Status) bool {
		return st.Keychain.State == localapi.KeychainFailing
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			_ = r.a.Presence("tab", time.Second) // through the loop
			_, _ = r.client.Status(ctx)
			time.Sleep(5 * time.Millisecond)
		}
	}()
	kc.get.Store(works)
	st := r.await(t, "the read to be retried while clients poll", func(st localapi.Status) bool {
		return st.State != localapi.StateStarting
	})
	cancel()
	<-done
	if st.Keychain.State != localapi.KeychainOK {
		t.Fatalf("keychain %+v after the read succeeded", st.Keychain)
	}
}

// A sign-in whose token the keychain refuses ends the new session on the
// server: nobody would hold it otherwise.
func TestSignInRevokedWhenKeychainFails(t *testing.T) {
	kc := newFaultKeychain(t)
	r := startRig(t, time.Minute, kc)
	r.await(t, "the stored session to be read", func(st localapi.Status) bool { return st.State != localapi.StateStarting })
	kc.set.Store(fails)
	st, err := r.trySignIn(t)
	if err == nil || !strings.Contains(err.Error(), "keychain") || st.SignedIn() {
		t.Fatalf("sign-in with a failing keychain: %v, %+v", err, st)
	}
	if r.active(t, r.lastIssued(t)) {
		t.Fatal("the session nobody holds is still live on the server")
	}
	kc.set.Store(works)
	r.await(t, "the keychain to recover", func(st localapi.Status) bool { return st.Keychain.State == localapi.KeychainOK })
	if got := storedToken(t, kc); got != "" {
		t.Fatal("the refused session is in the keychain")
	}
}
