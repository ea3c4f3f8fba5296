package server_test

import (
	"testing"
	"time"

	"github.com/walkme/session-agent/internal/testenv"
)

func TestRefreshRotates(t *testing.T) {
	e := newEnv(t, false)
	t0 := e.login("user@acme.test")
	e.clock.Advance(time.Minute)
	t1 := e.mustRefresh(t0.RefreshToken)
	if t1.RefreshToken == t0.RefreshToken || t1.AccessToken == t0.AccessToken {
		t.Fatal("refresh did not rotate the tokens")
	}
	e.clock.Advance(time.Minute)
	t2 := e.mustRefresh(t1.RefreshToken)
	if t2.RefreshToken == t1.RefreshToken {
		t.Fatal("second refresh did not rotate")
	}
	if !e.active(t2.RefreshToken) || !e.active(t2.AccessToken) {
		t.Error("newest tokens are not active")
	}
}

func TestRotationGraceReturnsSameSuccessor(t *testing.T) {
	e := newEnv(t, false)
	t0 := e.login("user@acme.test")
	t1 := e.mustRefresh(t0.RefreshToken)
	// The agent crashed before writing t1 to its keychain: it presents t0
	// again within the grace and must get t1 back, with a fresh access token.
	e.clock.Advance(30 * time.Second)
	again := e.mustRefresh(t0.RefreshToken)
	if again.RefreshToken != t1.RefreshToken {
		t.Fatal("replay within the grace returned a different successor")
	}
	if again.AccessToken == t1.AccessToken {
		t.Error("replay within the grace returned the old access token")
	}
	// Using the successor ends the predecessor's grace...
	t2 := e.mustRefresh(t1.RefreshToken)
	// ...so presenting t0 now is reuse: the whole session is revoked.
	e.mustRefuse(t0.RefreshToken, "reuse after the successor was used")
	e.mustRefuse(t2.RefreshToken, "the newest token after reuse")
	if e.active(t2.AccessToken) {
		t.Error("after reuse the newest access token is still active")
	}
}

func TestReuseAfterGraceRevokesSession(t *testing.T) {
	e := newEnv(t, false)
	t0 := e.login("user@acme.test")
	t1 := e.mustRefresh(t0.RefreshToken)
	e.clock.Advance(61 * time.Second)
	e.mustRefuse(t0.RefreshToken, "replay after the grace")
	e.mustRefuse(t1.RefreshToken, "the successor after reuse was detected")
	if e.active(t1.AccessToken) || e.active(t1.RefreshToken) {
		t.Error("tokens of a session revoked for reuse are still active")
	}
}

func TestUnknownRefreshToken(t *testing.T) {
	e := newEnv(t, false)
	e.mustRefuse("not-a-token", "unknown token")
}

func TestConcurrentRefreshYieldsOneSuccessor(t *testing.T) {
	e := newEnv(t, false)
	t0 := e.login("user@acme.test")
	const n = 8
	got := make([]tokens, n)
	testenv.Race(n, func(i int) { got[i] = e.refresh(t0.RefreshToken) })
	for i, tk := range got {
		if tk.status != 200 {
			t.Fatalf("refresh %d: %d %s %s", i, tk.status, tk.Error, tk.Description)
		}
		if tk.RefreshToken != got[0].RefreshToken {
			t.Fatalf("refresh %d got a different successor: concurrent refreshes forked the chain", i)
		}
	}
	// The one successor carries on.
	e.mustRefresh(got[0].RefreshToken)
}
