package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/walkme/session-agent/server"
)

// testUsersAndRoles: the account's users in email order, and role changes
// that never leave an account without an admin.
func testUsersAndRoles(t *testing.T, st Store) {
	ctx := context.Background()
	admin := mustUser(t, st, "acme", "b-admin@acme.test")
	member, err := st.AddUser(ctx, "acme", "a-member@acme.test", "password-123", false)
	if err != nil {
		t.Fatal(err)
	}
	other := mustUser(t, st, "globex", "c@globex.test")
	users, err := st.Users(ctx, "acme")
	if err != nil || len(users) != 2 || users[0].ID != member.ID || users[1].ID != admin.ID || users[0].Admin || !users[1].Admin {
		t.Fatalf("Users(acme) = %+v %v, want the member then the admin", users, err)
	}
	if none, err := st.Users(ctx, "nobody"); err != nil || len(none) != 0 {
		t.Errorf("Users of an unknown account = %+v %v, want none", none, err)
	}

	demote := server.Activity{At: t0, Actor: admin.Email, Action: "user.role", Target: admin.Email, Old: "admin", New: "member"}
	if err := st.SetAdmin(ctx, "acme", admin.ID, false, demote); !errors.Is(err, server.ErrLastAdmin) {
		t.Fatalf("demoting the last admin: %v, want ErrLastAdmin", err)
	}
	if err := st.SetAdmin(ctx, "acme", other.ID, false, demote); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("changing another account's user: %v, want ErrNotFound", err)
	}
	if err := st.SetAdmin(ctx, "acme", "u_nobody", true, demote); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("changing an unknown user: %v, want ErrNotFound", err)
	}
	promote := server.Activity{At: t0.Add(time.Second), Actor: admin.Email, Action: "user.role", Target: member.Email, Old: "member", New: "admin"}
	if err := st.SetAdmin(ctx, "acme", member.ID, true, promote); err != nil {
		t.Fatal(err)
	}
	if err := st.SetAdmin(ctx, "acme", member.ID, true, promote); err != nil {
		t.Fatalf("promoting an admin again: %v", err)
	}
	if u, _ := st.User(ctx, member.ID); !u.Admin {
		t.Fatal("promoted user is not an admin")
	}
	if err := st.SetAdmin(ctx, "acme", admin.ID, false, demote); err != nil {
		t.Fatalf("demoting one of two admins: %v", err)
	}
	if u, _ := st.UserByEmail(ctx, admin.Email); u.Admin {
		t.Fatal("demoted user is still an admin")
	}
	if err := st.SetAdmin(ctx, "acme", member.ID, false, demote); !errors.Is(err, server.ErrLastAdmin) {
		t.Errorf("demoting the new last admin: %v, want ErrLastAdmin", err)
	}
	log, err := st.ActivityLog(ctx, "acme")
	if err != nil || len(log) != 2 || log[0].Target != member.Email || log[0].New != "admin" || log[1].Target != admin.Email || log[1].Old != "admin" {
		t.Errorf("log = %+v %v, want exactly the promotion then the demotion", log, err)
	}
	// AddUser keeps the roles the lists show.
	if _, err := st.AddUser(ctx, "acme", admin.Email, "password-456", true); err != nil {
		t.Fatal(err)
	}
	if err := st.SetAdmin(ctx, "acme", member.ID, false, demote); err != nil {
		t.Errorf("demoting one of two admins after AddUser made one: %v", err)
	}
}

// testLiveSessions: the account's live sessions, without ended, lapsed or
// other accounts' ones; and the count over every account.
func testLiveSessions(t *testing.T, st Store) {
	ctx := context.Background()
	u := mustUser(t, st, "acme", "a@acme.test")
	v := mustUser(t, st, "acme", "b@acme.test")
	w := mustUser(t, st, "globex", "c@globex.test")
	if _, err := st.SetInactivityTimeout(ctx, "acme", time.Hour, server.Activity{At: t0}); err != nil {
		t.Fatal(err)
	}
	first, _ := mustSession(t, st, u)
	later := newSession(v)
	later.AuthTime, later.LastRenewal = t0.Add(time.Minute), t0.Add(time.Minute)
	if err := st.CreateSession(ctx, later, "rt-later-"+later.ID, ""); err != nil {
		t.Fatal(err)
	}
	ended, _ := mustSession(t, st, u)
	if err := st.EndSession(ctx, ended.ID, t0.Add(time.Second), "admin"); err != nil {
		t.Fatal(err)
	}
	mustSession(t, st, w)

	now := t0.Add(2 * time.Minute)
	list, err := st.LiveSessions(ctx, "acme", now)
	if err != nil || len(list) != 2 || list[0].ID != first.ID || list[1].ID != later.ID {
		t.Fatalf("LiveSessions = %+v %v, want %s then %s", list, err, first.ID, later.ID)
	}
	if got := list[1]; got.UserID != v.ID || !got.AuthTime.Equal(later.AuthTime) || got.Timeout != time.Hour ||
		!got.LapsesAt().Equal(later.AuthTime.Add(time.Hour)) || got.ClientID != clientID {
		t.Errorf("listed session %+v, want %s's, lapsing an hour after its sign-in", got, v.Email)
	}
	if n, err := st.CountLiveSessions(ctx, now); err != nil || n != 3 {
		t.Errorf("CountLiveSessions = %d %v, want 3 (two in acme, one in globex)", n, err)
	}
	// An hour and a half on, first has lapsed; later still lives.
	now = t0.Add(time.Hour + 30*time.Second)
	if list, err := st.LiveSessions(ctx, "acme", now); err != nil || len(list) != 1 || list[0].ID != later.ID {
		t.Errorf("after first lapsed: %+v %v, want only %s", list, err, later.ID)
	}
	if list, err := st.LiveSessions(ctx, "nobody", now); err != nil || len(list) != 0 {
		t.Errorf("unknown account: %+v %v, want none", list, err)
	}
}

func testPing(t *testing.T, st Store) {
	if err := st.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// testConcurrentDemotions: two admins demoting each other at once leave
// exactly one admin, however the store interleaves them.
func testConcurrentDemotions(t *testing.T, st Store) {
	ctx := context.Background()
	for round := range 2 { // each round hashes two passwords: slow under -race
		account := "acme" + string(rune('a'+round))
		a := mustUser(t, st, account, "a@"+account+".test")
		b := mustUser(t, st, account, "b@"+account+".test")
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, pair := range [][2]server.User{{a, b}, {b, a}} {
			wg.Go(func() {
				errs[i] = st.SetAdmin(ctx, account, pair[1].ID, false,
					server.Activity{At: t0, Actor: pair[0].Email, Action: server.ActionRoleChanged, Target: pair[1].Email, Old: "admin", New: "member"})
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, server.ErrLastAdmin):
				t.Fatalf("round %d: %v", round, err)
			}
		}
		users, err := st.Users(ctx, account)
		if err != nil {
			t.Fatal(err)
		}
		admins := 0
		for _, u := range users {
			if u.Admin {
				admins++
			}
		}
		if ok != 1 || admins != 1 {
			t.Errorf("round %d: %d demotions went through and %d admins are left, want 1 and 1", round, ok, admins)
		}
	}
}
