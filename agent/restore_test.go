package agent_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/platform/keychain"
)

// A stored session of another server is deleted at start, and its token is
// never sent to this one.
func TestRestoreOfAnotherServersSession(t *testing.T) {
	kc, err := keychain.Open(keychain.Options{Backend: keychain.BackendMemory, Service: "test",
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	rec := `{"v":1,"refresh_token":"elsewhere","user":"ann@acme.test","server_url":"https://other.example",` +
		`"last_renewal":"` + time.Now().UTC().Format(time.RFC3339) + `","timeout_seconds":3600}`
	if err := kc.Set(context.Background(), []byte(rec)); err != nil {
		t.Fatal(err)
	}
	r := startRig(t, time.Minute, kc)
	st := r.await(t, "the stored session to be read", func(st localapi.Status) bool { return st.State != localapi.StateStarting })
	if st.SignedIn() {
		t.Fatalf("signed in on another server's session: %+v", st)
	}
	// The entry is deleted off the loop, a moment after the state leaves
	// starting: give the delete a few seconds.
	for deadline := time.Now().Add(5 * time.Second); storedToken(t, kc) != "" && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if got := storedToken(t, kc); got != "" || r.tokens.Load() != 0 {
		t.Fatalf("the other server's entry: still stored %v, /token requests %d", got != "", r.tokens.Load())
	}
}
