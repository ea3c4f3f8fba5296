//go:build linux

package e2e

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/platform/ipc"
)

// TestStatusWhileSecretServiceHangs: `walkme-agent run` on a session bus
// whose Secret Service never answers. The local API answers every status in
// under 100 ms throughout (state "starting", and the keychain's failure once
// the first read times out), and `walkme-agent status` exits 1 at once
// saying the agent is starting.
func TestStatusWhileSecretServiceHangs(t *testing.T) {
	a := newAgentEnv(t, "http://127.0.0.1:9", nil)
	// The last DBUS_SESSION_BUS_ADDRESS wins: the hanging service's bus.
	a.env = append(a.env, "DBUS_SESSION_BUS_ADDRESS="+testenv.SilentSecretService(t))
	a.proc = testenv.StartProcess(t, "agent", a.env, a.bin, "run")
	c := localapi.NewClient(func(ctx context.Context) (net.Conn, error) { return ipc.Dial(ctx, a.socket) })
	testenv.WaitFor(t, 10*time.Second, "the agent to answer", func() bool {
		_, err := c.Status(context.Background())
		return err == nil
	})
	// Over the first read's 5 s timeout and into the retries.
	var slowest time.Duration
	var st localapi.Status
	deadline := time.Now().Add(8 * time.Second)
	n := 0
	for ; time.Now().Before(deadline); n++ {
		start := time.Now()
		var err error
		if st, err = c.Status(context.Background()); err != nil {
			t.Fatal(err)
		}
		slowest = max(slowest, time.Since(start))
		if st.State != localapi.StateStarting {
			t.Fatalf("state %q while the keychain hangs", st.State)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if slowest >= 100*time.Millisecond {
		t.Fatalf("the slowest of %d status calls took %v, want < 100 ms", n, slowest)
	}
	t.Logf("slowest of %d status calls over 8 s: %v", n, slowest)
	if st.Keychain.State != localapi.KeychainFailing || !strings.Contains(st.LastError, "Secret Service") {
		t.Fatalf("after a timed-out read: keychain %+v, last_error %q", st.Keychain, st.LastError)
	}
	start := time.Now()
	out, code := a.cli("status")
	if took := time.Since(start); code != 1 || !strings.Contains(out, "starting") || took > 2*time.Second {
		t.Fatalf("status exited %d after %v: %s", code, took, out)
	}
}

// TestKeychainGoneAndBack: the keychain (gnome-keyring) goes away while a
// session is stored in it, and the agent starts; the session bus starts a
// new keyring daemon on demand, which is locked (as after a login that did
// not unlock it). Meanwhile `status` says the agent is starting, the API's
// status shows the keychain failing because it is locked, and `doctor`
// fails naming the keychain; no token appears in any file the agent wrote.
// Once the keyring is unlocked, the agent reads the stored session by
// itself (its read retries back off to 10 s), signs in on it and renews,
// and the keychain takes the rotated token.
func TestKeychainGoneAndBack(t *testing.T) {
	srv := startServer(t)
	a := newAgentEnv(t, srv.URL, nil)
	env, kill := testenv.KeyringWithDaemon(t)
	a.env = append(a.env, env...) // a keyring this test can kill (the last value wins)
	a.start()
	a.login()
	stored := a.refreshToken()
	a.stop()
	kill()

	a.proc = testenv.StartProcess(t, "agent", a.env, a.bin, "run")
	// `status --json` exits 1 while the agent starts: ask the API itself.
	c := localapi.NewClient(func(ctx context.Context) (net.Conn, error) { return ipc.Dial(ctx, a.socket) })
	var st localapi.Status
	testenv.WaitFor(t, 20*time.Second, "the keychain's failure in the status", func() bool {
		var err error
		st, err = c.Status(context.Background())
		return err == nil && st.State == localapi.StateStarting && st.Keychain.State == localapi.KeychainFailing
	})
	if !strings.Contains(st.Keychain.Error, "locked") || st.LastError == "" {
		t.Fatalf("the keychain's failure does not say it is locked: %+v", st.Keychain)
	}
	if out, code := a.cli("status"); code != 1 || !strings.Contains(out, "starting") {
		t.Fatalf("status with the keychain gone exited %d: %s", code, out)
	}
	if out, code := a.cli("doctor"); code == 0 || !strings.Contains(out, "keychain") {
		t.Fatalf("doctor with the keychain gone exited %d: %s", code, out)
	}
	t.Logf("status --json with the keychain gone: keychain %s: %s", st.Keychain.State, st.Keychain.Error)

	testenv.KeyringDaemon(t, a.env)
	st = a.awaitStatus(20*time.Second, "the stored session read once the keychain is back", func(st localapi.Status) bool {
		return st.State != localapi.StateStarting
	})
	if !st.SignedIn() || st.Keychain.State != localapi.KeychainOK {
		t.Fatalf("after the keychain returned: %s, keychain %+v", st.State, st.Keychain)
	}
	if out, code := a.cli("renew"); code != 0 {
		t.Fatalf("renew after the keychain returned: %d %s", code, out)
	}
	cur := a.refreshToken()
	if cur == stored || !srv.introspect(t, cur) {
		t.Fatalf("the keychain holds the rotated token %v, accepted %v", cur != stored, srv.introspect(t, cur))
	}
	tokens := map[string]string{stored: "refresh token", cur: "refresh token"}
	if hits, _ := searchFiles(t, filepath.Dir(t.TempDir()), tokens); len(hits) > 0 {
		t.Fatalf("tokens outside the keychain: %v", hits)
	}
}
