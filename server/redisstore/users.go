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

// AddUser creates a user in account (creating the account with the
// default 24 h timeout if missing), or, if the email exists in that
// account, sets its password and admin flag. Emails compare
// case-insensitively. It is what `walkme-sessiond user add` uses.
//
// The account, the user and the email's pointer live on different slots of
// a Redis Cluster, so no transaction spans them: SET NX on the email makes
// the first of two concurrent adds of one email the one that counts. The
// account's user lists follow last.
func (s *Store) AddUser(ctx context.Context, account, email, password string, admin bool) (server.User, error) {
	u, err := server.NewUser(account, email, password, admin)
	if err != nil {
		return server.User{}, fmt.Errorf("add user: %w", err)
	}
	acctKey, emailKey := s.accountKey(u.Account), s.emailKey(strings.ToLower(u.Email))
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSetNX(ctx, acctKey, "timeout", int64(server.DefaultInactivityTimeout))
		p.HSetNX(ctx, acctKey, "created_at", nanos(time.Now()))
		return nil
	})
	if err != nil {
		return server.User{}, fmt.Errorf("add user: %w", err)
	}
	fields := []any{"password_hash", u.PasswordHash, "admin", strconv.FormatBool(admin)}
	for range 2 {
		id, err := s.rdb.Get(ctx, emailKey).Result()
		switch {
		case errors.Is(err, redis.Nil):
			userKey := s.userKey(u.ID)
			if err := s.rdb.HSet(ctx, userKey, append([]any{"id", u.ID, "account", u.Account, "email", u.Email}, fields...)...).Err(); err != nil {
				return server.User{}, fmt.Errorf("add user: %w", err)
			}
			ok, err := s.rdb.SetNX(ctx, emailKey, u.ID, 0).Result()
			if err != nil || !ok {
				s.rdb.Del(ctx, userKey) // another add of this email came first
			}
			if err != nil {
				return server.User{}, fmt.Errorf("add user: %w", err)
			}
			if ok {
				return u, s.indexUser(ctx, u.Account, u.ID, admin)
			}
		case err != nil:
			return server.User{}, fmt.Errorf("add user: %w", err)
		default:
			acct, err := s.rdb.HGet(ctx, s.userKey(id), "account").Result()
			if err != nil {
				return server.User{}, fmt.Errorf("add user: user %s: %w", id, err)
			}
			if acct != u.Account {
				return server.User{}, fmt.Errorf("add user: %s already belongs to account %q", u.Email, acct)
			}
			if err := s.rdb.HSet(ctx, s.userKey(id), fields...).Err(); err != nil {
				return server.User{}, fmt.Errorf("add user: %w", err)
			}
			u.ID = id
			return u, s.indexUser(ctx, u.Account, u.ID, admin)
		}
	}
	return server.User{}, fmt.Errorf("add user: %s: too much contention", u.Email)
}

// UserByEmail implements server.Store (emails compare case-insensitively).
func (s *Store) UserByEmail(ctx context.Context, email string) (server.User, error) {
	id, err := s.rdb.Get(ctx, s.emailKey(strings.ToLower(email))).Result()
	if errors.Is(err, redis.Nil) {
		return server.User{}, server.ErrNotFound
	} else if err != nil {
		return server.User{}, fmt.Errorf("user by email: %w", err)
	}
	return s.User(ctx, id)
}

// User implements server.Store.
func (s *Store) User(ctx context.Context, id string) (server.User, error) {
	m, err := s.getHash(ctx, s.userKey(id), "user")
	if err != nil {
		return server.User{}, err
	}
	admin, _ := strconv.ParseBool(m["admin"])
	return server.User{ID: m["id"], Account: m["account"], Email: m["email"], PasswordHash: []byte(m["password_hash"]), Admin: admin}, nil
}

// Account implements server.Store.
func (s *Store) Account(ctx context.Context, name string) (server.Account, error) {
	ns, err := s.rdb.HGet(ctx, s.accountKey(name), "timeout").Int64()
	if errors.Is(err, redis.Nil) {
		return server.Account{}, server.ErrNotFound
	} else if err != nil {
		return server.Account{}, fmt.Errorf("load account: %w", err)
	}
	return server.Account{Name: name, InactivityTimeout: time.Duration(ns)}, nil
}

// SetInactivityTimeout implements server.Store. A WATCH transaction on
// the account reads the old value, then in one MULTI sets the new one with
// the next version, appends to the activity log and reads the account's
// index; then each session in it takes the change (lua/apply_timeout.lua),
// on its own slot. A session being created meanwhile is either in that
// index or catches up by itself (CreateSession); one being renewed takes
// the change just after its renewal, as if the renewal came first.
// Should Redis fail part-way through the sessions, the error says so but
// the change is saved and logged: saving it again (a new version) reaches
// every session.
func (s *Store) SetInactivityTimeout(ctx context.Context, account string, d time.Duration, e server.Activity) (time.Duration, error) {
	acctKey := s.accountKey(account)
	var old, version int64
	var ids []string
	err := s.watch(ctx, func(tx *redis.Tx) error {
		v, err := tx.HMGet(ctx, acctKey, "timeout", "version").Result()
		if err != nil {
			return err
		} else if v[0] == nil {
			return server.ErrNotFound
		}
		old, _ = strconv.ParseInt(v[0].(string), 10, 64)
		version = 1
		if v[1] != nil {
			n, _ := strconv.ParseInt(v[1].(string), 10, 64)
			version = n + 1
		}
		e.Old = server.FormatTimeout(time.Duration(old))
		entry, err := json.Marshal(e)
		if err != nil {
			return err
		}
		var live *redis.StringSliceCmd
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, acctKey, "timeout", int64(d), "version", version, "changed_at", nanos(e.At))
			p.RPush(ctx, s.activityKey(account), entry)
			// Scores are deadlines, a prefilter only: sessions renewed
			// just now may still show the deadline before.
			live = p.ZRangeByScore(ctx, s.indexKey(account), &redis.ZRangeBy{Min: strconv.FormatInt(e.At.Unix()-86400, 10), Max: "+inf"})
			return nil
		})
		ids = live.Val()
		return err
	}, acctKey)
	if errors.Is(err, server.ErrNotFound) {
		return 0, err
	} else if err != nil {
		return 0, fmt.Errorf("set inactivity timeout: %w", err)
	}
	if err := s.applyTimeout(ctx, ids, e.At, d, version); err != nil {
		return 0, fmt.Errorf("set inactivity timeout: %w", err)
	}
	return time.Duration(old), nil
}

// applyTimeout gives each session the account's timeout change number
// version, in pipelines of EVALSHA (a script missing on a node is sent
// again in full).
func (s *Store) applyTimeout(ctx context.Context, ids []string, at time.Time, d time.Duration, version int64) error {
	args := []any{nanos(at), strconv.FormatInt(int64(d), 10), strconv.FormatInt(version, 10),
		strconv.FormatInt(int64(server.MaxRenewInterval), 10)}
	for chunk := range slices.Chunk(ids, 500) {
		cmds := make([]*redis.Cmd, len(chunk))
		_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range chunk {
				cmds[i] = s.scripts.applyTimeout.EvalSha(ctx, p, []string{s.sessionKey(id)}, args...)
			}
			return nil
		})
		for i, c := range cmds {
			err := c.Err()
			if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
				err = s.scripts.applyTimeout.Run(ctx, s.rdb, []string{s.sessionKey(chunk[i])}, args...).Err()
			}
			if err != nil {
				return fmt.Errorf("session %s: %w", chunk[i], err)
			}
		}
	}
	return nil
}

// catchUp applies to session id the account's latest timeout change when
// it is newer than version, the one the session was written with.
func (s *Store) catchUp(ctx context.Context, account, id, version string) error {
	v, err := s.rdb.HMGet(ctx, s.accountKey(account), "timeout", "version", "changed_at").Result()
	if err != nil {
		return err
	}
	latest, _ := strconv.ParseInt(str(v[1]), 10, 64)
	used, _ := strconv.ParseInt(version, 10, 64)
	if latest <= used {
		return nil
	}
	d, _ := strconv.ParseInt(str(v[0]), 10, 64)
	return s.applyTimeout(ctx, []string{id}, fromNanos(str(v[2])), time.Duration(d), latest)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// AppendActivity implements server.Store.
func (s *Store) AppendActivity(ctx context.Context, account string, e server.Activity) error {
	entry, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := s.rdb.RPush(ctx, s.activityKey(account), entry).Err(); err != nil {
		return fmt.Errorf("append activity: %w", err)
	}
	return nil
}

// ActivityLog implements server.Store.
func (s *Store) ActivityLog(ctx context.Context, account string) ([]server.Activity, error) {
	entries, err := s.rdb.LRange(ctx, s.activityKey(account), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("activity log: %w", err)
	}
	log := make([]server.Activity, 0, len(entries))
	for _, raw := range entries {
		var e server.Activity
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			return nil, fmt.Errorf("activity log: %w", err)
		}
		e.At = e.At.UTC()
		log = append(log, e)
	}
	return log, nil
}

// Secret implements server.Store. SET NX makes the first writer win;
// secrets are never deleted, so the GET after it sees the winner.
func (s *Store) Secret(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, error) {
	k := s.key("secret:", name)
	v, err := s.rdb.Get(ctx, k).Bytes()
	if err == nil || !errors.Is(err, redis.Nil) {
		return v, err
	}
	fresh, err := generate()
	if err != nil {
		return nil, err
	}
	if err := s.rdb.SetNX(ctx, k, fresh, 0).Err(); err != nil {
		return nil, fmt.Errorf("store secret %s: %w", name, err)
	}
	return s.rdb.Get(ctx, k).Bytes()
}
