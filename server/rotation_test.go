package server_test

import (
	"sync"
	"testing"
	"time"
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
	if tk := e.refresh(t0.RefreshToken); tk.status != 400 || tk.Error != "invalid_grant" {
		t.Fatalf("reuse after successor used: %d %q, want 400 invalid_grant", tk.status, tk.Error)
	}
	if tk := e.refresh(t2.RefreshToken); tk.Error != "invalid_grant" {
		t.Fatalf("after reuse the newest token still refreshes: %q", tk.Error)
	}
	if e.active(t2.AccessToken) {
		t.Error("after reuse the newest access token is still active")
	}
}

func TestReuseAfterGraceRevokesSession(t *testing.T) {
	e := newEnv(t, false)
	t0 := e.login("user@acme.test")
	t1 := e.mustRefresh(t0.RefreshToken)
	e.clock.Advance(61 * time.Second)
	if tk := e.refresh(t0.RefreshToken); tk.Error != "invalid_grant" {
		t.Fatalf("replay after the grace: %q, want invalid_grant", tk.Error)
	}
	if tk := e.refresh(t1.RefreshToken); tk.Error != "invalid_grant" {
		t.Fatalf("successor still works after reuse was detected: %q", tk.Error)
	}
	if e.active(t1.AccessToken) || e.active(t1.RefreshToken) {
		t.Error("tokens of a session revoked for reuse are still active")
	}
}

func TestUnknownRefreshToken(t *testing.T) {
	e := newEnv(t, false)
	if tk := e.refresh("not-a-token"); tk.status != 400 || tk.Error != "invalid_grant" {
		t.Fatalf("unknown token: %d %q", tk.status, tk.Error)
	}
}

func TestConcurrentRefreshYieldsOneSuccessor(t *testing.T) {
	e := newEnv(t, false)
	t0 := e.login("user@acme.test")
	const n = 8
	var wg sync.WaitGroup
	got := make([]tokens, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			got[i] = e.refresh(t0.RefreshToken)
		})
	}
	close(start)
	wg.Wait()
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
