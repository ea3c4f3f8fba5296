// Package redisstore is the Redis store of walkme-sessiond, for running
// several server instances against one shared state. Every operation that
// touches more than one key runs as a Lua script (one atomic step on the
// server) or a WATCH/MULTI transaction, so Rotate stays the
// compare-and-swap that guarantees one successor per refresh token across
// instances.
//
// Keys, under a configurable prefix (default "walkme:"):
//
//	schema              schema version of this layout
//	secret:NAME         server secrets (signing and derivation keys)
//	account:NAME        hash: timeout (ns), created_at
//	activity:NAME       list of JSON activity entries, oldest first
//	user:ID             hash: id, account, email, password_hash, admin
//	email:LOWER-EMAIL   user id
//	code:HASH           hash: an authorization code; expires
//	session:ID          hash: a session; expires
//	account-sessions:NAME  sorted set: the account's session ids by deadline
//	                    (seconds), for applying a timeout change and listing
//	                    live sessions
//	accounts            set: every account's name
//	account-users:NAME  set: the account's user ids
//	account-admins:NAME set: the ids of the account's admins (mirrors the
//	                    users' admin field, so that demoting the last admin is
//	                    refused by a WATCH on one key)
//	token:HASH          hash: a refresh token (session, successor, ...); expires
//	device:HASH         hash: a device authorization (RFC 8628); expires
//	usercode:CODE       the device authorization's hash; expires with it
//
// Accounts, users, the activity log and secrets never expire. Codes and
// device authorizations expire an hour after their own expiry. A session
// and its tokens get a TTL of max(timeout, 24h) + Retention from every
// renewal, so a session that lapsed (or ended) is gone from Redis a day after it could last
// have been renewed, and a replayed refresh token is still recognised
// (and revokes its live session) for that long after it was rotated.
//
// All keys share the prefix, so a prefix holding a Redis Cluster hash tag
// ("{walkme}:") keeps the multi-key scripts on one slot.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/walkme/session-agent/server"
)

// SchemaVersion is the key layout this build writes.
const SchemaVersion = 1

// DefaultPrefix starts every key unless Options say otherwise.
const DefaultPrefix = "walkme:"

// DefaultRetention is how long session keys outlive their last renewal
// beyond max(timeout, 24h).
const DefaultRetention = 24 * time.Hour

// Options configure a Store.
type Options struct {
	// Prefix starts every key (default DefaultPrefix), so several
	// services can share one Redis database.
	Prefix string
	// Password overrides the URL's, so it need not be on a command line.
	Password string
	// Retention: see DefaultRetention.
	Retention time.Duration
}

// Store is a server.Store on Redis.
type Store struct {
	rdb       *redis.Client
	prefix    string
	floor     time.Duration // the longest timeout an admin may choose
	retention time.Duration
	scripts   scripts
}

var _ server.Store = (*Store)(nil)

// Open connects to the Redis at rawURL (redis://[[user]:password@]host:port/db,
// rediss:// for TLS, unix:///path?db=N) and checks the schema version,
// writing it into an empty database.
func Open(ctx context.Context, rawURL string, opt Options) (*Store, error) {
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		// A url.Error repeats the URL, which may hold a password.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("redis URL: %w", err)
	}
	if opt.Password != "" {
		o.Password = opt.Password
	}
	s := &Store{rdb: redis.NewClient(o), prefix: opt.Prefix, retention: opt.Retention, scripts: newScripts()}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if s.retention <= 0 {
		s.retention = DefaultRetention
	}
	all := server.AllowedTimeouts()
	s.floor = all[len(all)-1]
	if err := s.checkSchema(ctx); err != nil {
		s.rdb.Close()
		return nil, fmt.Errorf("open redis %s: %w", redact(rawURL), err)
	}
	return s, nil
}

// Close closes the connection pool.
func (s *Store) Close() error { return s.rdb.Close() }

// SchemaVersion is the version recorded in the database (0 if none).
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	v, err := s.rdb.Get(ctx, s.key("schema")).Int()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return v, err
}

func (s *Store) checkSchema(ctx context.Context) error {
	if err := s.rdb.SetNX(ctx, s.key("schema"), SchemaVersion, 0).Err(); err != nil {
		return err
	}
	v, err := s.SchemaVersion(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("read schema version: %w", err)
	case v > SchemaVersion:
		return fmt.Errorf("schema version %d is newer than this program knows (%d): upgrade walkme-sessiond", v, SchemaVersion)
	case v < SchemaVersion:
		// No older layout was ever released; migrations go here.
		return fmt.Errorf("schema version %d is not one this program can migrate", v)
	}
	return nil
}

func (s *Store) key(parts ...string) string {
	k := s.prefix
	for _, p := range parts {
		k += p
	}
	return k
}

// watch runs fn in an optimistic WATCH transaction, retrying when another
// client changed a watched key first.
func (s *Store) watch(ctx context.Context, fn func(*redis.Tx) error, keys ...string) error {
	for range 50 {
		err := s.rdb.Watch(ctx, fn, keys...)
		if !errors.Is(err, redis.TxFailedErr) {
			return err
		}
	}
	return errors.New("too much contention on " + keys[0])
}

// redact drops the password from a Redis URL for messages.
func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// Times are decimal Unix nanoseconds; "0" means unset.
func nanos(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixNano(), 10)
}

func fromNanos(v string) time.Time {
	n, _ := strconv.ParseInt(v, 10, 64)
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

func ms(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
