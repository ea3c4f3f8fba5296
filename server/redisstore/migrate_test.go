package redisstore_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/walkme/session-agent/server"
	"github.com/walkme/session-agent/server/redisstore"
	"github.com/walkme/session-agent/server/redisstore/redistest"
)

// TestMigrateFromVersion1: a database written by the previous release
// (schema 1: no hash tags, the session's timeout read from its account)
// opens with everyone still signed in: the refresh token rotates, the
// session keeps its deadline and follows the next timeout change, and the
// users, the activity log and the account's index carry over.
func TestMigrateFromVersion1(t *testing.T) {
	ctx := context.Background()
	url := redistest.Start(t)
	c := client(t, url)
	st0, err := redisstore.Open(ctx, url, redisstore.Options{Prefix: "seed:"}) // only for a real bcrypt user
	if err != nil {
		t.Fatal(err)
	}
	u, err := st0.AddUser(ctx, "acme", "a@acme.test", "password1", true)
	st0.Close()
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := c.HGet(ctx, "seed:user:"+u.ID, "password_hash").Result()

	now := time.Now().Truncate(time.Second)
	n := func(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }
	day := strconv.FormatInt(int64(24*time.Hour), 10)
	deadline := now.Add(24 * time.Hour)
	// The version 1 layout, as that release wrote it.
	p := c.TxPipeline()
	p.Set(ctx, "v1:schema", 1, 0)
	p.HSet(ctx, "v1:account:acme", "timeout", day, "created_at", n(now))
	p.HSet(ctx, "v1:user:"+u.ID, "id", u.ID, "account", "acme", "email", "a@acme.test", "password_hash", hash, "admin", "true")
	p.Set(ctx, "v1:email:a@acme.test", u.ID, 0)
	p.RPush(ctx, "v1:activity:acme", `{"at":"2025-01-01T00:00:00Z","actor":"a@acme.test","action":"timeout","old":"24h","new":"24h"}`)
	p.HSet(ctx, "v1:session:s1", "id", "s1", "account", "acme", "user_id", u.ID, "client_id", "walkme-agent", "scope", "openid",
		"auth_time", n(now), "last_renewal", n(now), "ended_at", "0", "end_reason", "", "in_use", "1",
		"last_use", n(now), "renewed_timeout", day, "deadline", n(deadline))
	p.PExpire(ctx, "v1:session:s1", 48*time.Hour)
	p.HSet(ctx, "v1:token:r1", "session", "s1", "issued_at", n(now), "successor", "", "rotated_at", "0")
	p.PExpire(ctx, "v1:token:r1", 48*time.Hour)
	p.ZAdd(ctx, "v1:account-sessions:acme", redis.Z{Score: float64(deadline.Unix()), Member: "s1"})
	if _, err := p.Exec(ctx); err != nil {
		t.Fatal(err)
	}

	st, err := redisstore.Open(ctx, url, redisstore.Options{Prefix: "v1:"})
	if err != nil {
		t.Fatalf("open a version 1 database: %v", err)
	}
	defer st.Close()
	if v, err := st.SchemaVersion(ctx); err != nil || v != redisstore.SchemaVersion {
		t.Fatalf("schema after the migration: %d %v", v, err)
	}
	if got, err := st.UserByEmail(ctx, "a@acme.test"); err != nil || got.ID != u.ID || !got.Admin {
		t.Fatalf("user after the migration: %+v %v", got, err)
	}
	if users, err := st.Users(ctx, "acme"); err != nil || len(users) != 1 || users[0].ID != u.ID {
		t.Fatalf("the account's users after the migration: %+v %v", users, err)
	}
	if live, err := st.LiveSessions(ctx, "acme", now); err != nil || len(live) != 1 || live[0].ID != "s1" {
		t.Fatalf("the account's live sessions after the migration: %+v %v", live, err)
	}
	if log, err := st.ActivityLog(ctx, "acme"); err != nil || len(log) != 1 {
		t.Fatalf("activity log after the migration: %+v %v", log, err)
	}
	ss, err := st.Session(ctx, "s1")
	if err != nil || ss.Timeout != 24*time.Hour || !ss.Deadline.Equal(deadline) || !ss.Live(now) {
		t.Fatalf("session after the migration: %+v %v", ss, err)
	}
	if ttl := c.PTTL(ctx, "v1:refresh:r1").Val(); ttl < 47*time.Hour {
		t.Errorf("the token's pointer lives %v, want as long as the token", ttl)
	}
	at := now.Add(time.Minute)
	res, err := st.Rotate(ctx, server.Rotation{ClientID: "walkme-agent", Hash: "r1", SuccessorHash: "r2", Now: at, Grace: time.Minute, InUse: true})
	if err != nil || res.Outcome != server.RotateRotated || res.Session.ID != "s1" {
		t.Fatalf("rotate the old token: %+v %v", res, err)
	}
	// The account's index came along: a timeout change reaches the session.
	if _, err := st.SetInactivityTimeout(ctx, "acme", time.Hour, server.Activity{At: at}); err != nil {
		t.Fatal(err)
	}
	if ss, err := st.Session(ctx, "s1"); err != nil || ss.Timeout != time.Hour || !ss.Deadline.Before(at.Add(2*time.Hour)) {
		t.Errorf("session after a timeout change: %+v %v", ss, err)
	}
	// Opening again finds nothing left to move.
	st.Close()
	if st, err = redisstore.Open(ctx, url, redisstore.Options{Prefix: "v1:"}); err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer st.Close()
	for _, k := range c.Keys(ctx, "v1:*").Val() {
		untagged := k == "v1:schema" || k == "v1:accounts" || k == "v1:user:"+u.ID || k == "v1:email:a@acme.test" || strings.HasPrefix(k, "v1:refresh:")
		if !untagged && !strings.Contains(k, "{") {
			t.Errorf("key %s left in the old layout", k)
		}
	}
}
