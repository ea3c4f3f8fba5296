package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
func (s *Store) AddUser(ctx context.Context, account, email, password string, admin bool) (server.User, error) {
	u, err := server.NewUser(account, email, password, admin)
	if err != nil {
		return server.User{}, fmt.Errorf("add user: %w", err)
	}
	account, email, hash := u.Account, u.Email, u.PasswordHash
	emailKey, acctKey := s.key("email:", strings.ToLower(email)), s.key("account:", account)
	err = s.watch(ctx, func(tx *redis.Tx) error {
		id, err := tx.Get(ctx, emailKey).Result()
		switch {
		case errors.Is(err, redis.Nil):
			id = ""
		case err != nil:
			return err
		default:
			acct, err := tx.HGet(ctx, s.key("user:", id), "account").Result()
			if err != nil {
				return fmt.Errorf("user %s: %w", id, err)
			}
			if acct != account {
				return fmt.Errorf("%s already belongs to account %q", email, acct)
			}
			u.ID = id
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSetNX(ctx, acctKey, "timeout", int64(server.DefaultInactivityTimeout))
			p.HSetNX(ctx, acctKey, "created_at", nanos(time.Now()))
			userKey := s.key("user:", u.ID)
			if id == "" {
				p.Set(ctx, emailKey, u.ID, 0)
				p.HSet(ctx, userKey, "id", u.ID, "account", account, "email", email)
			}
			p.HSet(ctx, userKey, "password_hash", hash, "admin", strconv.FormatBool(admin))
			s.indexUser(ctx, p, account, u.ID, admin)
			return nil
		})
		return err
	}, emailKey)
	if err != nil {
		return server.User{}, fmt.Errorf("add user: %w", err)
	}
	return u, nil
}

// UserByEmail implements server.Store (emails compare case-insensitively).
func (s *Store) UserByEmail(ctx context.Context, email string) (server.User, error) {
	id, err := s.rdb.Get(ctx, s.key("email:", strings.ToLower(email))).Result()
	if errors.Is(err, redis.Nil) {
		return server.User{}, server.ErrNotFound
	} else if err != nil {
		return server.User{}, fmt.Errorf("user by email: %w", err)
	}
	return s.User(ctx, id)
}

// User implements server.Store.
func (s *Store) User(ctx context.Context, id string) (server.User, error) {
	m, err := s.rdb.HGetAll(ctx, s.key("user:", id)).Result()
	if err != nil {
		return server.User{}, fmt.Errorf("load user: %w", err)
	}
	if len(m) == 0 {
		return server.User{}, server.ErrNotFound
	}
	admin, _ := strconv.ParseBool(m["admin"])
	return server.User{ID: m["id"], Account: m["account"], Email: m["email"], PasswordHash: []byte(m["password_hash"]), Admin: admin}, nil
}

// Account implements server.Store.
func (s *Store) Account(ctx context.Context, name string) (server.Account, error) {
	ns, err := s.rdb.HGet(ctx, s.key("account:", name), "timeout").Int64()
	if errors.Is(err, redis.Nil) {
		return server.Account{}, server.ErrNotFound
	} else if err != nil {
		return server.Account{}, fmt.Errorf("load account: %w", err)
	}
	return server.Account{Name: name, InactivityTimeout: time.Duration(ns)}, nil
}

// SetInactivityTimeout implements server.Store: a WATCH transaction on
// the account reads the old value, then sets the new one and appends to
// the activity log in one MULTI.
func (s *Store) SetInactivityTimeout(ctx context.Context, account string, d time.Duration, e server.Activity) (time.Duration, error) {
	acctKey := s.key("account:", account)
	var old int64
	err := s.watch(ctx, func(tx *redis.Tx) error {
		var err error
		old, err = tx.HGet(ctx, acctKey, "timeout").Int64()
		if errors.Is(err, redis.Nil) {
			return server.ErrNotFound
		} else if err != nil {
			return err
		}
		e.Old = server.FormatTimeout(time.Duration(old))
		entry, err := json.Marshal(e)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, acctKey, "timeout", int64(d))
			p.RPush(ctx, s.key("activity:", account), entry)
			// Inside the MULTI, so with no renewal in between: EVAL, as
			// EVALSHA's fallback cannot run in a transaction.
			s.scripts.setTimeout.Eval(ctx, p, []string{s.key("account-sessions:", account)}, s.prefix,
				nanos(e.At), strconv.FormatInt(int64(d), 10), strconv.FormatInt(int64(server.MaxRenewInterval), 10))
			return nil
		})
		return err
	}, acctKey)
	if errors.Is(err, server.ErrNotFound) {
		return 0, err
	} else if err != nil {
		return 0, fmt.Errorf("set inactivity timeout: %w", err)
	}
	return time.Duration(old), nil
}

// AppendActivity implements server.Store.
func (s *Store) AppendActivity(ctx context.Context, account string, e server.Activity) error {
	entry, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := s.rdb.RPush(ctx, s.key("activity:", account), entry).Err(); err != nil {
		return fmt.Errorf("append activity: %w", err)
	}
	return nil
}

// ActivityLog implements server.Store.
func (s *Store) ActivityLog(ctx context.Context, account string) ([]server.Activity, error) {
	entries, err := s.rdb.LRange(ctx, s.key("activity:", account), 0, -1).Result()
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
