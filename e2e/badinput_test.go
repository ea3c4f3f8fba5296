//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestBadConfigIsAClearError: the message names the key and the source.
func TestBadConfigIsAClearError(t *testing.T) {
	agentBin, _ := binaries(t)
	cases := []struct {
		name, body string
		want       []string
	}{
		{"unknown key", `{"ServerURL":"https://sso.example.com","RenewIntervall":"15m"}`, []string{"RenewIntervall", "unknown"}},
		{"malformed duration", `{"ServerURL":"https://sso.example.com","RenewInterval":"15 minutes"}`, []string{"RenewInterval", "15m"}},
		{"plain http to a remote server", `{"ServerURL":"http://sso.example.com"}`, []string{"ServerURL", "https"}},
		{"not JSON", `{"ServerURL": }`, []string{"config.json"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "config.json")
			if err := os.WriteFile(file, []byte(c.body), 0o600); err != nil {
				t.Fatal(err)
			}
			a := &agentEnv{t: t, bin: agentBin, env: []string{"WALKME_AGENT_SOCKET=" + filepath.Join(t.TempDir(), "s.sock")}}
			out, code := a.cli("--config", file, "config", "show")
			if code == 0 {
				t.Fatalf("config show accepted a bad file: %s", out)
			}
			for _, w := range append(c.want, file) {
				if !contains(out, w) {
					t.Errorf("error %q does not mention %q", strings.TrimSpace(out), w)
				}
			}
			out, code = a.cli("--config", file, "run")
			if code == 0 || !contains(out, c.want[0]) {
				t.Fatalf("run with a bad file: exit %d, %q", code, out)
			}
		})
	}
}

// TestServerFailuresKeepTheToken: a 5xx or a malformed answer to a renewal
// is an error the user sees, and the session and its token stay.
func TestServerFailuresKeepTheToken(t *testing.T) {
	f := startFront(t)
	issuer := f.issuer
	mode := &f.mode
	a := newAgentEnv(t, issuer, nil)
	a.start()
	a.login()
	token := a.refreshToken()
	for _, m := range []string{"500", "garbage"} {
		mode.Store(m)
		out, code := a.cli("renew")
		if code == 0 {
			t.Fatalf("%s: renew succeeded: %s", m, out)
		}
		st := a.mustStatus()
		if !st.SignedIn() || st.LastError == "" {
			t.Fatalf("%s: status %s, last_error %q; want still signed in with the error shown", m, st.State, st.LastError)
		}
		if strings.Contains(out, token) || strings.Contains(st.LastError, token) {
			t.Fatalf("%s: an error message contains the refresh token", m)
		}
		if got := a.refreshToken(); got != token {
			t.Fatalf("%s: the keychain token changed after a failed renewal", m)
		}
	}
	mode.Store("pass")
	if out, code := a.cli("renew"); code != 0 {
		t.Fatalf("renew after recovery exited %d: %s", code, out)
	}
	if st := a.mustStatus(); st.LastError != "" || st.Renewals < 1 {
		t.Fatalf("after recovery: %+v", st)
	}
	if a.refreshToken() == token {
		t.Fatal("the token did not rotate on a successful renewal")
	}
}
