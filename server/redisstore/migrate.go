package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// migrate1 moves a version 1 database (one Redis, no hash tags) to the
// current layout, at the start of the first upgraded instance, so that
// everyone stays signed in: accounts, their activity logs and session
// indexes, sessions and refresh tokens get their new names (and the
// tokens their pointers); users, secrets, codes and device
// authorizations keep theirs; every user is listed under its account. A pending device sign-in (user codes moved
// to user-code:) has to be started again. docs/sessiond.md says to stop
// every old instance first. Each step can be repeated, so a migration cut
// short finishes at the next start.
func (s *Store) migrate1(ctx context.Context) error {
	for _, step := range []struct {
		kind string
		move func(context.Context, string, string) error
	}{
		{"account:", s.rename(s.accountKey)},
		{"activity:", s.rename(s.activityKey)},
		{"account-sessions:", s.rename(s.indexKey)},
		{"account-users:", s.rename(s.accountUsersKey)},
		{"account-admins:", s.rename(s.accountAdminsKey)},
		{"user:", s.migrateUser},
		{"session:", s.migrateSession},
		{"token:", s.migrateToken},
	} {
		keys, err := s.scanKeys(ctx, s.key(step.kind, "*"))
		if err != nil {
			return err
		}
		for _, k := range keys {
			name := strings.TrimPrefix(k, s.key(step.kind))
			if strings.HasPrefix(name, "{") {
				continue // moved already
			}
			if err := step.move(ctx, k, name); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
	}
	return s.rdb.Set(ctx, s.key("schema"), SchemaVersion, 0).Err()
}

func (s *Store) rename(to func(string) string) func(context.Context, string, string) error {
	return func(ctx context.Context, k, name string) error {
		return s.rdb.Rename(ctx, k, to(name)).Err()
	}
}

// migrateUser lists a user under its account (layout 1 had no lists at
// first).
func (s *Store) migrateUser(ctx context.Context, k, id string) error {
	m, err := s.rdb.HGetAll(ctx, k).Result()
	if err != nil {
		return err
	}
	admin, _ := strconv.ParseBool(m["admin"])
	return s.indexUser(ctx, m["account"], id, admin)
}

// migrateSession copies in the account's timeout, which a session now
// keeps itself (apply_timeout.lua updates it).
func (s *Store) migrateSession(ctx context.Context, k, id string) error {
	acct, err := s.rdb.HGet(ctx, k, "account").Result()
	if err != nil {
		return err
	}
	timeout, err := s.rdb.HGet(ctx, s.accountKey(acct), "timeout").Result()
	if err != nil {
		return fmt.Errorf("its account %q: %w", acct, err)
	}
	if err := s.rdb.HSet(ctx, k, "timeout", timeout, "timeout_version", "0").Err(); err != nil {
		return err
	}
	return s.rdb.Rename(ctx, k, s.sessionKey(id)).Err()
}

// migrateToken moves a token next to its session and points to it from
// refresh:HASH, for as long as the token lives.
func (s *Store) migrateToken(ctx context.Context, k, hash string) error {
	sid, err := s.rdb.HGet(ctx, k, "session").Result()
	if err != nil {
		return err
	}
	ttl, err := s.rdb.PTTL(ctx, k).Result()
	if err != nil {
		return err
	}
	if ttl <= 0 {
		ttl = s.floor + s.retention // none recorded: the longest a session key lives
	}
	if err := s.rdb.Set(ctx, s.refreshKey(hash), sid, ttl).Err(); err != nil {
		return err
	}
	return s.rdb.Rename(ctx, k, s.tokenKey(sid, hash)).Err()
}

// scanKeys lists the keys matching pattern, on every master of a cluster.
func (s *Store) scanKeys(ctx context.Context, pattern string) ([]string, error) {
	var keys []string
	scan := func(ctx context.Context, c *redis.Client) error {
		it := c.Scan(ctx, 0, pattern, 1000).Iterator()
		for it.Next(ctx) {
			keys = append(keys, it.Val())
		}
		return it.Err()
	}
	switch c := s.rdb.(type) {
	case *redis.ClusterClient:
		// Only a database whose prefix held a hash tag can be at version
		// 1 on a cluster: all its keys are on one master.
		var mu sync.Mutex
		err := c.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
			mu.Lock() // masters are scanned at once; keys is shared
			defer mu.Unlock()
			return scan(ctx, n)
		})
		return keys, err
	case *redis.Client:
		return keys, scan(ctx, c)
	}
	return nil, errors.New("unexpected client type")
}
