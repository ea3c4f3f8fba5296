package sqlitestore

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/walkme/session-agent/server"
)

func TestPrune(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.AddUser(ctx, "acme", "a@acme.test", "password1", false)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	start := func(id, token string, renewed time.Time) {
		t.Helper()
		s := server.Session{ID: id, Account: "acme", UserID: u.ID, ClientID: "walkme-agent", Scope: "openid",
			AuthTime: renewed, LastRenewal: renewed}
		if err := st.CreateSession(ctx, s, token, ""); err != nil {
			t.Fatal(err)
		}
	}
	rotate := func(from, to string, at time.Time) {
		t.Helper()
		r, err := st.Rotate(ctx, server.Rotation{ClientID: "walkme-agent", Hash: from, SuccessorHash: to, Now: at, Grace: time.Minute})
		if err != nil || r.Outcome != server.RotateRotated {
			t.Fatalf("rotate %s: %+v %v", from, r, err)
		}
	}
	start("ended", "e1", now.Add(-80*time.Hour))
	if err := st.EndSession(ctx, "ended", now.Add(-72*time.Hour), "logout"); err != nil {
		t.Fatal(err)
	}
	start("lapsed", "l1", now.Add(-96*time.Hour)) // 24 h timeout: lapsed 72 h ago
	start("live", "t1", now.Add(-73*time.Hour))
	rotate("t1", "t2", now.Add(-72*time.Hour))
	rotate("t2", "t3", now.Add(-50*time.Hour))
	rotate("t3", "t4", now.Add(-30*time.Hour))
	rotate("t4", "t5", now.Add(-10*time.Hour))

	n, err := st.Prune(ctx, now.Add(-48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 6 { // e1, l1, t1, t2 and the two sessions
		t.Errorf("pruned %d rows, want 6", n)
	}
	for _, id := range []string{"ended", "lapsed"} {
		if _, err := st.Session(ctx, id); !errors.Is(err, server.ErrNotFound) {
			t.Errorf("session %s after prune: %v, want not found", id, err)
		}
	}
	if _, err := st.Session(ctx, "live"); err != nil {
		t.Errorf("the live session was pruned: %v", err)
	}
	for token, kept := range map[string]bool{"t1": false, "t2": false, "t3": true, "t4": true, "t5": true, "e1": false, "l1": false} {
		_, _, err := st.RefreshToken(ctx, token)
		if got := err == nil; got != kept {
			t.Errorf("token %s kept = %v (%v), want %v", token, got, err, kept)
		}
	}
}
