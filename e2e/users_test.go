//go:build linux

package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/testenv"
)

// TestSecondAgentRefused: a second `walkme-agent run` for the same user
// exits at once with a message that says another agent runs, and the first
// keeps its session and its socket.
func TestSecondAgentRefused(t *testing.T) {
	_, a := signedInAgent(t, "")
	second := exec.Command(a.bin, "run")
	second.Env = append(os.Environ(), a.env...)
	var out bytes.Buffer
	second.Stdout, second.Stderr = &out, &out
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- second.Wait() }()
	started := time.Now()
	select {
	case err := <-done:
		t.Logf("the second agent exited after %v", time.Since(started))
		if err == nil || !strings.Contains(out.String(), "another walkme-agent is already running for this user") {
			t.Fatalf("second agent: %v, said %q; want a refusal naming the running agent", err, out.String())
		}
	case <-time.After(10 * time.Second):
		_ = second.Process.Kill()
		t.Fatalf("the second agent still runs after 10 s: %s", out.String())
	}
	if st := a.mustStatus(); st.State != localapi.StateIdle || st.User != admin {
		t.Fatalf("the first agent after the refusal: %s as %q", st.State, st.User)
	}
}

// TestLocalAPIRefusesAnotherUID: with the socket's directory and file
// opened to everyone (for this test only, so that the peer check is the
// last line), another user (uid 65534) runs `walkme-agent status` and
// `walkme-agent logout` against the running agent: both fail without
// learning anything, and the owner's session is untouched. Needs root to
// run a process as another uid.
func TestLocalAPIRefusesAnotherUID(t *testing.T) {
	testenv.Root(t)
	_, a := signedInAgent(t, "")
	// Let uid 65534 reach the socket: every directory above it searchable,
	// the socket writable.
	for dir := filepath.Dir(a.socket); dir != "/" && dir != os.TempDir(); dir = filepath.Dir(dir) {
		if err := os.Chmod(dir, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(a.socket, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(a.config, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := testenv.PublicCopy(t, a.bin)
	for _, cmdline := range [][]string{{"status", "--json"}, {"logout"}, {"token"}} {
		cmd := testenv.AsNobody(exec.Command(bin, cmdline...))
		cmd.Env = append(os.Environ(), a.env...)
		out, err := cmd.CombinedOutput()
		if err == nil || strings.Contains(string(out), admin) || strings.Contains(string(out), "eyJ") {
			t.Fatalf("walkme-agent %v as uid 65534: %v, said %q; want a failure that reveals nothing", cmdline, err, out)
		}
		t.Logf("walkme-agent %v as uid 65534: %v: %s", cmdline, err, strings.TrimSpace(string(out)))
	}
	if st := a.mustStatus(); st.State != localapi.StateIdle || st.User != admin {
		t.Fatalf("the owner's session after another uid's logout: %s as %q", st.State, st.User)
	}
	if !strings.Contains(a.log(), "peer_uid=65534") {
		t.Fatalf("the agent did not log the refused peer:\n%s", a.log())
	}
}
