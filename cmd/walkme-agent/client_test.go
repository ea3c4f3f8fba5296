package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/agent/localapi/localapitest"
	"github.com/walkme/session-agent/internal/testenv"
)

// statusOf runs `walkme-agent --socket sock status` in-process and returns
// its exit code, output and how long it took.
func statusOf(t *testing.T, sock string) (int, string, time.Duration) {
	t.Helper()
	var out bytes.Buffer
	start := time.Now()
	code := runMain(context.Background(), []string{"--socket", sock, "status"}, nil, &out, &out)
	return code, out.String(), time.Since(start)
}

// A wedged agent (the socket accepts and never answers): status exits 1
// with a clear message within its 2 s deadline (bounded generously here).
func TestStatusAgainstWedgedAgent(t *testing.T) {
	sock := testenv.SilentSocket(t)
	code, out, took := statusOf(t, sock)
	if code != exitFailure || !strings.Contains(out, "did not answer within 2s") || took > 2*localapi.QuickTimeout {
		t.Fatalf("status against a wedged agent: exit %d after %v: %q", code, took, out)
	}
	t.Logf("exit %d after %v: %s", code, took.Round(time.Millisecond), out)
}

func TestStatusWithoutAgent(t *testing.T) {
	code, out, _ := statusOf(t, filepath.Join(t.TempDir(), "none.sock"))
	if code != exitFailure || !strings.Contains(out, "not running") {
		t.Fatalf("status without an agent: exit %d: %q", code, out)
	}
}

// An agent that has not read the keychain yet cannot say whether a session
// is live: status prints what it knows and exits 1, saying why.
func TestStatusOfStartingAgent(t *testing.T) {
	sock := serveStarting(t)
	code, out, _ := statusOf(t, sock)
	if code != exitFailure || !strings.Contains(out, "State:        starting") ||
		!strings.Contains(out, "Keychain:     failing") || !strings.Contains(out, "is starting") {
		t.Fatalf("status of a starting agent: exit %d: %q", code, out)
	}
}

// starting is an agent stuck reading its keychain, as the local API shows it.
type starting struct{}

// serveStarting serves a starting agent's local API on a unix socket and
// returns the socket's path.
func serveStarting(t *testing.T) string {
	t.Helper()
	sock, _ := localapitest.Serve(t, starting{})
	return sock
}

func (starting) Status() localapi.Status {
	return localapi.Status{State: localapi.StateStarting, LastError: "keychain: the keychain did not answer",
		Keychain: localapi.Keychain{State: localapi.KeychainFailing, Error: "keychain: the keychain did not answer"}}
}
func (starting) Login(context.Context, localapi.LoginRequest) (localapi.LoginStart, error) {
	return localapi.LoginStart{}, localapi.ErrConflict
}
func (starting) LoginWait(context.Context) (localapi.Status, error) { return localapi.Status{}, nil }
func (starting) Logout(context.Context) error                       { return localapi.ErrConflict }
func (starting) Renew(context.Context) error                        { return localapi.ErrConflict }
func (starting) Presence(string, time.Duration) error               { return nil }
func (s starting) Subscribe() (<-chan localapi.Status, func()) {
	ch := make(chan localapi.Status, 1)
	ch <- s.Status()
	return ch, func() {}
}

// doctor's agent check fails, naming the keychain, while the agent cannot
// use its keychain.
func TestDoctorSaysKeychainFails(t *testing.T) {
	sock := serveStarting(t)
	var out bytes.Buffer
	c := checkAgent(context.Background(), &globals{socket: sock, stdout: &out, stderr: &out})
	if c.ok || !strings.Contains(c.info, "keychain fails") || !strings.Contains(c.info, "did not answer") {
		t.Fatalf("doctor's agent check: %+v", c)
	}
}
