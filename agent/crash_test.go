package agent_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/testenv"
)

// The agent dies after the server rotated the token and before the answer
// arrived, and starts again long after the server's 60 s reuse grace (a flat
// battery). It repeats the lost request — same token, same request id, kept
// in the keychain's mark — and the server answers it with the successor it
// already made: the session lives on, and is not revoked as token reuse.
func TestCrashMidRenewalRestartAfterGrace(t *testing.T) {
	r := newRig(t, time.Minute)
	r.signIn(t)
	stale := storedToken(t, r.kc)
	r.lose.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.a.Renew(ctx) //nolint:errcheck // its answer is lost on purpose
	testenv.WaitFor(t, 10*time.Second, "the server to rotate the token", func() bool { return r.issuedCount() == 2 })
	successor := r.lastIssued(t)
	b, err := r.kc.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var mark struct {
		RefreshToken    string     `json:"refresh_token"`
		RenewingSince   *time.Time `json:"renewing_since"`
		RenewingRequest string     `json:"renewing_request"`
	}
	if err := json.Unmarshal(b, &mark); err != nil || mark.RefreshToken != stale || mark.RenewingSince == nil || mark.RenewingRequest == "" {
		t.Fatalf("the keychain does not mark the renewal under way (token unchanged %v, since %v, request id set %v)",
			mark.RefreshToken == stale, mark.RenewingSince, mark.RenewingRequest != "")
	}
	r.stop() // the crash: the rotated token never reaches the keychain
	r.lose.Store(false)
	r.skew.Store(int64(10 * time.Minute)) // the restart comes long after the grace
	r.startAgent(t)
	st := r.await(t, "the interrupted renewal to complete", func(st localapi.Status) bool {
		return st.Renewals >= 1 || st.State == localapi.StateSignedOut
	})
	if !st.SignedIn() {
		t.Fatalf("after the late restart: %s (%s), %s", st.State, st.SignedOutReason, st.LastError)
	}
	if got := storedToken(t, r.kc); got != successor || !r.active(t, got) {
		t.Fatalf("the keychain holds the rotated token %v, live %v", got == successor, r.active(t, got))
	}
}
