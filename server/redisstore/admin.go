package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/walkme/session-agent/server"
)

// indexUser lists a user under its account, as an admin or not (see the
// key layout in store.go): the user's admin field is written first, then
// the lists.
func (s *Store) indexUser(ctx context.Context, account, id string, admin bool) error {
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, s.key("accounts"), account)
		p.SAdd(ctx, s.accountUsersKey(account), id)
		if admin {
			p.SAdd(ctx, s.accountAdminsKey(account), id)
		} else {
			p.SRem(ctx, s.accountAdminsKey(account), id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("list user %s: %w", id, err)
	}
	return nil
}

// Users implements server.Store.
func (s *Store) Users(ctx context.Context, account string) ([]server.User, error) {
	ids, err := s.rdb.SMembers(ctx, s.accountUsersKey(account)).Result()
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	users := make([]server.User, 0, len(ids))
	for _, id := range ids {
		u, err := s.User(ctx, id)
		if errors.Is(err, server.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		users = append(users, u)
	}
	slices.SortFunc(users, func(a, b server.User) int { return strings.Compare(strings.ToLower(a.Email), strings.ToLower(b.Email)) })
	return users, nil
}

// SetAdmin implements server.Store. The account's admin set decides: a
// WATCH on it makes the last-admin check and the change, with its
// activity entry, one step on the account's slot. The user's admin field
// (on the user's slot) follows, also when the set had the change already:
// so a retry after a failure in between puts it right.
func (s *Store) SetAdmin(ctx context.Context, account, userID string, admin bool, e server.Activity) error {
	admins := s.accountAdminsKey(account)
	userKey := s.userKey(userID)
	// A user's account never changes: read it outside the WATCH.
	acct, err := s.rdb.HGet(ctx, userKey, "account").Result()
	if errors.Is(err, redis.Nil) || (err == nil && acct != account) {
		return server.ErrNotFound
	} else if err != nil {
		return fmt.Errorf("set admin: %w", err)
	}
	err = s.watch(ctx, func(tx *redis.Tx) error {
		was, err := tx.SIsMember(ctx, admins, userID).Result()
		if err != nil {
			return err
		}
		if was == admin {
			return nil
		}
		if n, err := tx.SCard(ctx, admins).Result(); err != nil {
			return err
		} else if !admin && n <= 1 {
			return server.ErrLastAdmin
		}
		entry, err := json.Marshal(e)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			if admin {
				p.SAdd(ctx, admins, userID)
			} else {
				p.SRem(ctx, admins, userID)
			}
			p.RPush(ctx, s.activityKey(account), entry)
			return nil
		})
		return err
	}, admins)
	if errors.Is(err, server.ErrLastAdmin) {
		return err
	} else if err != nil {
		return fmt.Errorf("set admin: %w", err)
	}
	if err := s.rdb.HSet(ctx, userKey, "admin", strconv.FormatBool(admin)).Err(); err != nil {
		return fmt.Errorf("set admin: %w", err)
	}
	return nil
}

// LiveSessions implements server.Store. The account's session index is a
// prefilter by deadline; each session's own fields decide.
func (s *Store) LiveSessions(ctx context.Context, account string, now time.Time) ([]server.Session, error) {
	// Scores are decimal seconds (doubles): start a second early.
	from := strconv.FormatInt(now.Unix()-1, 10)
	ids, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: s.indexKey(account), ByScore: true, Start: from, Stop: "+inf"}).Result()
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.sessionKey(id))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	list := []server.Session{}
	for _, c := range cmds {
		m := c.Val()
		if len(m) == 0 {
			continue // its keys expired
		}
		if ss := sessionOf(m); ss.Live(now) {
			list = append(list, ss)
		}
	}
	slices.SortFunc(list, func(a, b server.Session) int {
		if c := a.AuthTime.Compare(b.AuthTime); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return list, nil
}

// CountLiveSessions implements server.Store. It reads every live session,
// so its cost grows with their number (the metrics scrape calls it).
func (s *Store) CountLiveSessions(ctx context.Context, now time.Time) (int, error) {
	accounts, err := s.rdb.SMembers(ctx, s.key("accounts")).Result()
	if err != nil {
		return 0, fmt.Errorf("count sessions: %w", err)
	}
	n := 0
	for _, a := range accounts {
		list, err := s.LiveSessions(ctx, a, now)
		if err != nil {
			return 0, fmt.Errorf("count sessions: %w", err)
		}
		n += len(list)
	}
	return n, nil
}

// Ping implements server.Store.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}
