package redisstore_test

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/walkme/session-agent/server"
	"github.com/walkme/session-agent/server/redisstore"
	"github.com/walkme/session-agent/server/redisstore/redistest"
	"github.com/walkme/session-agent/server/storetest"
)

// open opens a store under a fresh prefix, so tests share one redis-server.
func open(t *testing.T, url string) *redisstore.Store {
	t.Helper()
	st, err := redisstore.Open(context.Background(), url, redisstore.Options{Prefix: "t" + rand.Text() + ":"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// signIn adds a user and starts a session for it, in use, whose refresh
// token has hash refresh.
func signIn(t *testing.T, st *redisstore.Store, refresh string) server.Session {
	t.Helper()
	ctx := context.Background()
	u, err := st.AddUser(ctx, "acme", "a@acme.test", "password1", false)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ss := server.Session{ID: "s_" + rand.Text(), Account: "acme", UserID: u.ID, ClientID: "walkme-agent", AuthTime: now, LastRenewal: now, InUse: true}
	if err := st.CreateSession(ctx, ss, refresh, ""); err != nil {
		t.Fatal(err)
	}
	return ss
}

func client(t *testing.T, url string) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestConformance(t *testing.T) {
	url := redistest.Start(t)
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t, url) })
}

func TestSchemaVersion(t *testing.T) {
	ctx := context.Background()
	url := redistest.Start(t)
	opts := redisstore.Options{Prefix: "sv:"}
	st, err := redisstore.Open(ctx, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := st.SchemaVersion(ctx); err != nil || v != redisstore.SchemaVersion {
		t.Fatalf("new database at version %d (%v), want %d", v, err, redisstore.SchemaVersion)
	}
	if _, err := st.AddUser(ctx, "acme", "a@acme.test", "password1", true); err != nil {
		t.Fatal(err)
	}
	st.Close()

	st, err = redisstore.Open(ctx, url, opts)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if u, err := st.UserByEmail(ctx, "A@acme.test"); err != nil || !u.Admin {
		t.Fatalf("user after reopen: %+v %v", u, err)
	}
	st.Close()
	// Data from a newer program is refused, not damaged.
	c := client(t, url)
	if err := c.Set(ctx, "sv:schema", 99, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := redisstore.Open(ctx, url, opts); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("opening a newer schema: %v, want a refusal", err)
	}
	if v, _ := c.Get(ctx, "sv:schema").Int(); v != 99 {
		t.Errorf("refusal rewrote the schema version to %d", v)
	}
}

// TestKeysExpire checks the retention policy: sessions, tokens and codes
// expire, accounts and users do not, and every key has the prefix.
func TestKeysExpire(t *testing.T) {
	ctx := context.Background()
	url := redistest.Start(t)
	st, err := redisstore.Open(ctx, url, redisstore.Options{Prefix: "ttl:"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := client(t, url)
	u, err := st.AddUser(ctx, "acme", "a@acme.test", "password1", true)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC) // an old injected clock must not expire keys at once
	code := server.AuthCode{Hash: "c1", ClientID: "walkme-agent", UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	if err := st.PutCode(ctx, code); err != nil {
		t.Fatal(err)
	}
	ss := server.Session{ID: "s1", Account: "acme", UserID: u.ID, ClientID: "walkme-agent", AuthTime: now, LastRenewal: now}
	if err := st.CreateSession(ctx, ss, "r1", "c1"); err != nil {
		t.Fatal(err)
	}
	ttl := func(key string) time.Duration {
		t.Helper()
		d, err := c.PTTL(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	within := func(key string, want time.Duration) {
		t.Helper()
		if d := ttl(key); d > want || d < want-time.Minute {
			t.Errorf("TTL of %s = %v, want %v", key, d, want)
		}
	}
	within("ttl:code:c1", time.Hour+time.Minute)
	within("ttl:session:{s1}", 48*time.Hour)
	within("ttl:token:{s1}:r1", 48*time.Hour)
	within("ttl:refresh:r1", 48*time.Hour)
	for _, k := range []string{"ttl:user:" + u.ID, "ttl:account:{acme}", "ttl:email:a@acme.test", "ttl:schema"} {
		if d := ttl(k); d != -1 {
			t.Errorf("TTL of %s = %v, want none", k, d)
		}
	}
	// A (dev mode) timeout over 24h stretches the TTL of what it renews.
	if _, err := st.SetInactivityTimeout(ctx, "acme", 72*time.Hour, server.Activity{At: now}); err != nil {
		t.Fatal(err)
	}
	res, err := st.Rotate(ctx, server.Rotation{ClientID: "walkme-agent", Hash: "r1", SuccessorHash: "r2", Now: now.Add(time.Hour), Grace: time.Minute})
	if err != nil || res.Outcome != server.RotateRotated {
		t.Fatalf("rotate: %+v %v", res, err)
	}
	within("ttl:session:{s1}", 96*time.Hour)
	within("ttl:token:{s1}:r1", 96*time.Hour)
	within("ttl:token:{s1}:r2", 96*time.Hour)
	within("ttl:refresh:r1", 96*time.Hour)
	within("ttl:refresh:r2", 96*time.Hour)

	keys, err := c.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, "ttl:") {
			t.Errorf("key %q lacks the prefix", k)
		}
	}
}

func TestPrefixesAreSeparate(t *testing.T) {
	ctx := context.Background()
	url := redistest.Start(t)
	a, b := open(t, url), open(t, url)
	if _, err := a.AddUser(ctx, "acme", "a@acme.test", "password1", true); err != nil {
		t.Fatal(err)
	}
	if _, err := b.UserByEmail(ctx, "a@acme.test"); err == nil {
		t.Error("a user added under one prefix is visible under another")
	}
}

func TestOpenErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tc := range []struct{ url, want string }{
		{"redis://:hunter2-secret@127.0.0.1:1/0", "connect"},
		{"redis://:hunter2-secret@[::1/0", "redis URL"},
		{"http://:hunter2-secret@x/", `scheme "http" is none of`},
		{"redis+mesh://:hunter2-secret@x:1", `scheme "redis+mesh" is none of`},
		{"redis://:hunter2-secret@x:1/0?master_name=m", "needs the redis+sentinel:// scheme"},
		{"redis://:hunter2-secret@x:1/0?addr=y:2", "need redis+cluster://"},
		{"redis+cluster://:hunter2-secret@x:1/3", "only database 0"},
		{"redis+cluster://:hunter2-secret@x", "needs host:port"},
		{"redis+cluster://:hunter2-secret@x:1?master_name=m", "belongs in a redis+sentinel:// URL"},
		{"redis+cluster://:hunter2-secret@x:1?addr=nonsense", "addr"},
		{"redis+cluster://:hunter2-secret@x:1?colour=red", "unexpected option: colour"},
		{"unix+cluster:///tmp/r.sock", `scheme "unix+cluster" is none of`},
		{"redis+sentinel://:hunter2-secret@x:1", "needs ?master_name=NAME"},
		{"redis+sentinel://:hunter2-secret@x:1?master_name=m&password=hunter2-secret", "not ?password="},
		{"redis+sentinel://:hunter2-secret@x?master_name=m", "needs host:port"},
		{"redis+sentinel://:hunter2-secret@x:1/zero?master_name=m", "invalid database"},
		{"redis+cluster://:hunter2-secret@127.0.0.1:1", "connect"},
	} {
		_, err := redisstore.Open(ctx, tc.url, redisstore.Options{})
		switch {
		case err == nil:
			t.Errorf("Open(%q) succeeded", tc.url)
		case strings.Contains(err.Error(), "hunter2"):
			t.Errorf("Open(%q): error shows the password: %v", tc.url, err)
		case !strings.Contains(err.Error(), tc.want):
			t.Errorf("Open(%q) = %v, want an error saying %q", tc.url, err, tc.want)
		}
	}
	for _, p := range []string{"a{b:", "a}b:", "{}:", "{a}{b}:", "}a{:"} {
		if _, err := redisstore.Open(ctx, "redis://127.0.0.1:1/0", redisstore.Options{Prefix: p}); err == nil || !strings.Contains(err.Error(), "hash tag") {
			t.Errorf("prefix %q: %v, want a refusal", p, err)
		}
	}
}

func TestConformanceOnCluster(t *testing.T) {
	url := redistest.StartCluster(t)
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t, url) })
}

// TestThroughSentinel: a redis+sentinel:// URL finds the master through a
// real sentinel, and the store works there. (The conformance suite runs on
// one node and on a cluster; through Sentinel it is the same one node.)
func TestThroughSentinel(t *testing.T) {
	ctx := context.Background()
	st := open(t, redistest.StartSentinel(t))
	if v, err := st.SchemaVersion(ctx); err != nil || v != redisstore.SchemaVersion {
		t.Fatalf("schema through the sentinel: %d %v", v, err)
	}
	ss := signIn(t, st, "r1")
	now := ss.AuthTime
	res, err := st.Rotate(ctx, server.Rotation{ClientID: "walkme-agent", Hash: "r1", SuccessorHash: "r2", Now: now.Add(time.Minute), Grace: time.Minute, InUse: true})
	if err != nil || res.Outcome != server.RotateRotated || res.Session.ID != ss.ID {
		t.Fatalf("rotate through the sentinel: %+v %v", res, err)
	}
	if got, err := st.Session(ctx, ss.ID); err != nil || !got.Live(now.Add(time.Minute)) || got.Timeout != server.DefaultInactivityTimeout {
		t.Fatalf("session through the sentinel: %+v %v", got, err)
	}
}
