package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/walkme/session-agent/server"
	"github.com/walkme/session-agent/server/redisstore"
	"github.com/walkme/session-agent/server/sqlitestore"
)

// store is what the commands need of either store.
type store interface {
	server.Store
	AddUser(ctx context.Context, account, email, password string, admin bool) (server.User, error)
	Close() error
}

// storeFlags are the flags that choose the store: --db or --redis.
type storeFlags struct {
	db, redis, redisPrefix, redisPasswordFile string
	// redisWait: session writes wait for this many replicas (see
	// redisstore.Options.WaitReplicas), at most redisWaitTimeout.
	redisWait        int
	redisWaitTimeout time.Duration
	// create: a missing --db file is created (user add); otherwise it
	// is refused (serve, keys), so that a wrong path never starts an
	// empty service with new keys.
	create bool
	// allowShared skips the check that the --db files are private.
	allowShared bool
	// log, when set, also takes go-redis's own messages (see redisLog).
	log *slog.Logger
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	dbHelp := "SQLite database file (must exist: `user add` creates it)"
	if f.create {
		dbHelp = "SQLite database file (created, mode 0600, if missing)"
	}
	fs.StringVar(&f.db, "db", "", dbHelp)
	fs.StringVar(&f.redis, "redis", "", "Redis URL (instead of --db; for several instances): redis://HOST:PORT/DB, redis+cluster://HOST:PORT?addr=HOST:PORT..., redis+sentinel://HOST:PORT?master_name=NAME")
	fs.StringVar(&f.redisPrefix, "redis-prefix", redisstore.DefaultPrefix, "prefix of every Redis key")
	fs.StringVar(&f.redisPasswordFile, "redis-password-file", "", "file holding the Redis password (keeps it off the command line)")
	fs.IntVar(&f.redisWait, "redis-wait-replicas", 0, "answer sign-ins, renewals and sign-outs only once this many Redis replicas have them (fewer than you run; not on Redis Cluster)")
	fs.DurationVar(&f.redisWaitTimeout, "redis-wait-timeout", redisstore.DefaultWaitTimeout, "how long a write waits for --redis-wait-replicas before it fails (the client retries)")
}

// check reports a missing or doubled store choice as a usage error.
func (f *storeFlags) check(stderr io.Writer, cmd string) error {
	switch {
	case f.db == "" && f.redis == "":
		fmt.Fprintf(stderr, "walkme-sessiond %s: --db FILE or --redis URL is required\n", cmd)
		return errUsage
	case f.db != "" && f.redis != "":
		fmt.Fprintf(stderr, "walkme-sessiond %s: --db and --redis are mutually exclusive\n", cmd)
		return errUsage
	case f.redis == "" && (f.redisPasswordFile != "" || f.redisPrefix != redisstore.DefaultPrefix || f.redisWait != 0):
		fmt.Fprintf(stderr, "walkme-sessiond %s: --redis-prefix, --redis-password-file and --redis-wait-replicas need --redis\n", cmd)
		return errUsage
	case f.redisWait < 0 || f.redisWaitTimeout <= 0:
		fmt.Fprintf(stderr, "walkme-sessiond %s: --redis-wait-replicas must be 0 or more and --redis-wait-timeout above 0\n", cmd)
		return errUsage
	}
	return nil
}

func (f *storeFlags) open(ctx context.Context) (store, error) {
	if f.db != "" {
		return f.openSQLite()
	}
	if f.log != nil {
		redis.SetLogger(redisLog{f.log})
	}
	opt := redisstore.Options{Prefix: f.redisPrefix, WaitReplicas: f.redisWait, WaitTimeout: f.redisWaitTimeout}
	if f.redisPasswordFile != "" {
		b, err := os.ReadFile(f.redisPasswordFile)
		if err != nil {
			return nil, fmt.Errorf("redis password: %w", err)
		}
		opt.Password = strings.TrimRight(string(b), "\r\n")
	}
	return redisstore.Open(ctx, f.redis, opt)
}

func (f *storeFlags) openSQLite() (store, error) {
	if !f.allowShared {
		if err := sqlitestore.CheckPrivate(f.db); err != nil {
			return nil, fmt.Errorf("%w (or pass --allow-shared-db to start anyway)", err)
		}
	}
	if f.create {
		return sqlitestore.Open(f.db)
	}
	st, err := sqlitestore.OpenExisting(f.db)
	if errors.Is(err, sqlitestore.ErrNotExist) {
		return nil, fmt.Errorf("%w: create it with `walkme-sessiond user add --db %s ...` first", err, f.db)
	}
	return st, err
}

// name says which store, for the log (never the URL: it may hold a password).
func (f *storeFlags) name() string {
	if f.db != "" {
		return "sqlite"
	}
	return "redis"
}

// redisLog sends go-redis's own messages (a failed dial, Sentinel naming a
// new master) to the service's log, so that they come out as structured as
// every other line (--log-format json) instead of as bare text. go-redis
// has one logger per process, which is one service here.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
