// Package redisstore is the Redis store of walkme-sessiond, for running
// several server instances against one shared state, on one Redis, a
// Redis Cluster or a Sentinel-watched primary. Every operation that
// changes more than one key runs as a Lua script (one atomic step on the
// server) or a WATCH/MULTI transaction on keys of one hash slot, so Rotate
// stays the compare-and-swap that guarantees one successor per refresh
// token across instances, and every script names all its keys in KEYS.
//
// Keys, under a configurable prefix (default "walkme:"); the part in
// braces is the hash tag that picks a key's cluster slot:
//
//	schema                   schema version of this layout
//	secret:NAME              server secrets (signing and derivation keys)
//	account:{NAME}           hash: timeout (ns), version and changed_at of
//	                         its last change, created_at
//	activity:{NAME}          list of JSON activity entries, oldest first
//	account-sessions:{NAME}  sorted set: the account's session ids by
//	                         deadline (seconds, a prefilter), for applying a
//	                         timeout change and listing live sessions
//	accounts                 set: every account's name
//	account-users:{NAME}     set: the account's user ids
//	account-admins:{NAME}    set: the ids of the account's admins (the
//	                         users' admin field mirrors it), so that
//	                         demoting the last admin is refused by a WATCH
//	                         on one key
//	user:ID                  hash: id, account, email, password_hash, admin
//	email:LOWER-EMAIL        user id
//	code:HASH                hash: an authorization code; expires
//	session:{ID}             hash: a session, with its copy of the account's
//	                         timeout and that change's version; expires
//	token:{SESSION-ID}:HASH  hash: a refresh token (successor, ...); expires
//	refresh:HASH             the session id of a refresh token; expires with it
//	device:HASH              hash: a device authorization (RFC 8628); expires
//	user-code:CODE           "expiry hash" of the device authorization; expires
//
// So a session's keys share one slot and its scripts never leave it, and
// the sessions of an account spread over the cluster. What spans slots is
// done in steps ordered so that no reader sees a half-made state (see
// CreateSession, Rotate, SetInactivityTimeout, PutDeviceCode).
//
// Accounts, users, the activity log and secrets never expire. Codes and
// device authorizations expire an hour after their own expiry. A session
// and its tokens get a TTL of max(timeout, 24h) + Retention from every
// renewal, so a session that lapsed (or ended) is gone from Redis a day after it could last
// have been renewed, and a replayed refresh token is still recognised
// (and revokes its live session) for that long after it was rotated.
//
// A prefix holding a hash tag ("{walkme}:") puts every key in one slot,
// as version 1 of this layout needed on a cluster; it still works, on one
// node's worth of capacity.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/walkme/session-agent/server"
)

// SchemaVersion is the key layout this build writes: 2 gives a session's
// keys and an account's keys each one hash tag (version 1 had none; Open
// migrates it, see migrate.go).
const SchemaVersion = 2

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
	// WaitReplicas, when above 0, makes every session write wait until
	// that many replicas have it (see replicas.go); WaitTimeout bounds the
	// wait (default DefaultWaitTimeout).
	WaitReplicas int
	WaitTimeout  time.Duration
}

// Store is a server.Store on Redis.
type Store struct {
	rdb       redis.UniversalClient
	prefix    string
	floor     time.Duration // the longest timeout an admin may choose
	retention time.Duration
	scripts   scripts

	// Set when the store waits for replicas (see durable).
	single       *redis.Client
	waitReplicas int
	waitTimeout  time.Duration
}

var _ server.Store = (*Store)(nil)

// Open connects to the Redis at rawURL (redis://[[user]:password@]host:port/db,
// rediss:// for TLS, unix:///path?db=N) and checks the schema version,
// writing it into an empty database.
func Open(ctx context.Context, rawURL string, opt Options) (*Store, error) {
	if opt.Prefix == "" {
		opt.Prefix = DefaultPrefix
	}
	if err := checkPrefix(opt.Prefix); err != nil {
		return nil, err
	}
	rdb, err := newClient(rawURL, opt.Password)
	if err != nil {
		return nil, err
	}
	s := &Store{rdb: rdb, prefix: opt.Prefix, retention: opt.Retention, scripts: newScripts()}
	if err := s.setWait(opt.WaitReplicas, opt.WaitTimeout); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("open redis %s: %w", redact(rawURL), err)
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
	case v == 1:
		if err := s.migrate1(ctx); err != nil {
			return fmt.Errorf("migrate schema 1 to %d: %w", SchemaVersion, err)
		}
	case v < SchemaVersion:
		return fmt.Errorf("schema version %d is not one this program can migrate", v)
	}
	return nil
}

// checkPrefix refuses a prefix with braces other than one hash tag: a
// lone brace would make the keys' tags, and so their slots, differ.
func checkPrefix(p string) error {
	open, close := strings.Count(p, "{"), strings.Count(p, "}")
	if open == 0 && close == 0 {
		return nil
	}
	i, j := strings.Index(p, "{"), strings.Index(p, "}")
	if open != 1 || close != 1 || j < i+2 {
		return fmt.Errorf("redis prefix %q: braces must make one non-empty hash tag (like \"{walkme}:\")", p)
	}
	return nil
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
