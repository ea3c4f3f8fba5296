//go:build linux

package e2e

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
)

// TestConfigChangesApplyWithoutRestart: an edited configuration reaches the
// running agent, and a broken edit is refused while the agent keeps running
// on its last good configuration.
func TestConfigChangesApplyWithoutRestart(t *testing.T) {
	srv, a := signedInAgent(t, "")
	write := func(cfg map[string]any) {
		t.Helper()
		b, _ := json.Marshal(cfg)
		if err := os.WriteFile(a.config, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := map[string]any{
		"ServerURL": srv.URL, "RenewInterval": "4s", "PresencePollInterval": "200ms",
		"PresenceProcesses": []string{product}, "DevMode": true,
	}
	write(cfg)
	a.awaitStatus(15*time.Second, "the new renew interval", func(st localapi.Status) bool {
		return st.RenewIntervalSeconds == 4
	})

	cfg["RenewInterval"] = "four seconds"
	write(cfg)
	time.Sleep(7 * time.Second) // longer than the 5 s check
	st := a.mustStatus()
	if !st.SignedIn() || st.RenewIntervalSeconds != 4 {
		t.Fatalf("after a broken edit: %s, interval %ds; want still signed in on the last good 4s", st.State, st.RenewIntervalSeconds)
	}
	if log := a.log(); !strings.Contains(log, "keeping the last good configuration") || !strings.Contains(log, "RenewInterval") {
		t.Fatalf("the agent's log does not say the change was refused and why:\n%s", log)
	}

	// A new server cannot be adopted by a running agent: the process starts
	// a new agent on the new configuration and keeps serving.
	cfg["RenewInterval"] = "4s"
	cfg["ServerURL"] = "http://127.0.0.1:9"
	write(cfg)
	a.awaitStatus(15*time.Second, "the agent on the new server", func(st localapi.Status) bool {
		return st.ServerURL == "http://127.0.0.1:9"
	})
	if a.proc.ProcessState != nil {
		t.Fatal("the agent process exited on a ServerURL change")
	}
	if log := a.log(); !strings.Contains(log, "starting again with the new configuration") {
		t.Fatalf("the log does not say the agent restarted:\n%s", log)
	}
}
