//go:build linux

package e2e

import (
	"context"
	"net"
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
