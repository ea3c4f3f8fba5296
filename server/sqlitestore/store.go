// Package sqlitestore is the embedded SQLite store of walkme-sessiond
// (pure Go, modernc.org/sqlite). The file is opened in WAL mode with a
// busy timeout, and every write transaction starts with BEGIN IMMEDIATE,
// so two refreshes of one token serialize instead of both rotating it.
package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/walkme/session-agent/server"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is a server.Store on one SQLite file.
type Store struct {
	db *sql.DB
}

var _ server.Store = (*Store)(nil)

// Open opens the walkme-sessiond database at path and brings its schema
// up to date. Only a missing file is created, with mode 0600 (and so are
// its -wal and -shm files); an empty file, a non-SQLite file or another
// program's SQLite database is refused.
func Open(path string) (*Store, error) { return open(path, true) }

// OpenExisting is Open without creating: a missing file is ErrNotExist.
func OpenExisting(path string) (*Store, error) { return open(path, false) }

func open(path string, create bool) (*Store, error) {
	fresh, err := prepare(path, create)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if !fresh {
		// Looked at read-only first: opening in WAL mode would change
		// another program's file.
		if err := checkOurs(path); err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	}
	s, err := openSQL(path)
	if err != nil && fresh {
		for _, p := range companions(path) {
			os.Remove(p)
		}
	}
	return s, err
}

func openSQL(path string) (*Store, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	dsn := fileURI(path) + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// SQLite has one writer; a few connections let readers run beside it.
	db.SetMaxOpenConns(4)
	s := &Store{db: db}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return s, nil
}

func fileURI(path string) string { return "file:" + (&url.URL{Path: path}).EscapedPath() }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// SchemaVersion is the database's PRAGMA user_version.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// tx runs fn in a write transaction (BEGIN IMMEDIATE, see Open).
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Times are stored as Unix nanoseconds; 0 means unset.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return server.ErrNotFound
	}
	return err
}
