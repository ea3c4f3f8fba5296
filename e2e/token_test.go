//go:build linux

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
)

// TestTokenCommand: `walkme-agent token` prints the session's access token
// (never the refresh token). An agent restarted from the keychain has no
// access token in memory: a request without a source is refused with a
// reason, and one with a source (a product opening) gets the token of the
// renewal that the opening calls for. After sign-out the command exits 3,
// and the server refuses the token it printed.
func TestTokenCommand(t *testing.T) {
	srv, a := startAgent(t, "")
	if out, code := a.cli("token"); code != 3 || !strings.Contains(out, "signed out") {
		t.Fatalf("token while signed out: exit %d, %q; want 3 and a reason", code, out)
	}
	a.login()
	out, code := a.cli("token")
	tok := strings.TrimSpace(out)
	if code != 0 || strings.Count(tok, ".") != 2 {
		t.Fatalf("token: exit %d, %q; want an access token (a JWT)", code, out)
	}
	if tok == a.refreshToken() || !srv.introspect(t, tok) {
		t.Fatal("the printed token is the refresh token, or the server does not accept it")
	}

	a.stop()
	a.start()
	a.awaitStatus(10*time.Second, "the stored session to be read", func(st localapi.Status) bool { return st.SignedIn() })
	if out, code := a.cli("token"); code != 1 || !strings.Contains(out, "no unexpired access token") {
		t.Fatalf("token without a source after a restart: exit %d, %q; want a refusal", code, out)
	}
	out, code = a.cli("token", "--source", "e2e-script", "--ttl", "30s")
	fresh := strings.TrimSpace(out)
	if code != 0 || fresh == tok || !srv.introspect(t, fresh) {
		t.Fatalf("token --source after a restart: exit %d, %q; want the next renewal's token", code, out)
	}

	if out, code := a.cli("logout"); code != 0 {
		t.Fatalf("logout: exit %d: %s", code, out)
	}
	if out, code := a.cli("token"); code != 3 {
		t.Fatalf("token after logout: exit %d, %q; want 3", code, out)
	}
	if srv.introspect(t, fresh) {
		t.Fatal("the server still accepts the access token of a signed-out session")
	}
}
