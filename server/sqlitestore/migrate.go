package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// migrations are applied in order; migrations[i] takes the schema from
// user_version i to i+1. Append only: never edit a released migration.
var migrations = []string{
	// 1: accounts, users, sessions, tokens, codes, activity log, secrets.
	`
CREATE TABLE accounts (
	name TEXT PRIMARY KEY,
	inactivity_timeout_ns INTEGER NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE users (
	id TEXT PRIMARY KEY,
	account TEXT NOT NULL REFERENCES accounts(name),
	email TEXT NOT NULL UNIQUE COLLATE NOCASE,
	password_hash BLOB NOT NULL,
	admin INTEGER NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE sessions (
	id TEXT PRIMARY KEY,
	account TEXT NOT NULL REFERENCES accounts(name),
	user_id TEXT NOT NULL REFERENCES users(id),
	client_id TEXT NOT NULL,
	scope TEXT NOT NULL,
	auth_time INTEGER NOT NULL,
	last_renewal INTEGER NOT NULL,
	ended_at INTEGER NOT NULL DEFAULT 0,
	end_reason TEXT NOT NULL DEFAULT ''
);
CREATE TABLE refresh_tokens (
	hash TEXT PRIMARY KEY,
	session_id TEXT NOT NULL REFERENCES sessions(id),
	issued_at INTEGER NOT NULL,
	successor TEXT NOT NULL DEFAULT '',
	rotated_at INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE auth_codes (
	hash TEXT PRIMARY KEY,
	client_id TEXT NOT NULL,
	redirect_uri TEXT NOT NULL,
	challenge TEXT NOT NULL,
	scope TEXT NOT NULL,
	nonce TEXT NOT NULL,
	user_id TEXT NOT NULL REFERENCES users(id),
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at INTEGER NOT NULL DEFAULT 0,
	session_id TEXT NOT NULL DEFAULT ''
);
CREATE TABLE activity (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	account TEXT NOT NULL REFERENCES accounts(name),
	at INTEGER NOT NULL,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	old TEXT NOT NULL,
	new TEXT NOT NULL
);
CREATE TABLE secrets (
	name TEXT PRIMARY KEY,
	value BLOB NOT NULL
);`,
	// 2: lookups by session and expiry sweeps.
	`
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);
CREATE INDEX auth_codes_expiry ON auth_codes(expires_at);
CREATE INDEX activity_account ON activity(account, id);`,
	// 3: device authorizations (RFC 8628).
	`
CREATE TABLE device_codes (
	hash TEXT PRIMARY KEY,
	user_code TEXT NOT NULL UNIQUE,
	client_id TEXT NOT NULL,
	scope TEXT NOT NULL,
	interval_ns INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	last_poll INTEGER NOT NULL DEFAULT 0,
	status TEXT NOT NULL,
	user_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX device_codes_expiry ON device_codes(expires_at);`,
	// 4: per-session deadlines (last use, in use, the timeout last answered),
	// so a timeout change can spare clients renewing on their cadence.
	// Existing sessions keep the deadline they had: last renewal + timeout.
	`
ALTER TABLE sessions ADD COLUMN last_use INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN in_use INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sessions ADD COLUMN renewed_timeout_ns INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN deadline INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET last_use = last_renewal,
	renewed_timeout_ns = (SELECT inactivity_timeout_ns FROM accounts WHERE name = sessions.account),
	deadline = last_renewal + (SELECT inactivity_timeout_ns FROM accounts WHERE name = sessions.account);
CREATE INDEX sessions_account_deadline ON sessions(account, deadline);`,
	// 5: the client's request that rotated a token, so that a retry of it
	// after a lost answer gets the same successor (server.Rotation.RequestID).
	`
ALTER TABLE refresh_tokens ADD COLUMN rotated_by TEXT NOT NULL DEFAULT '';`,
	// 6: whom an activity entry is about (a user, a session), and the
	// Admin Center's lists: an account's users, every live session.
	`
ALTER TABLE activity ADD COLUMN target TEXT NOT NULL DEFAULT '';
CREATE INDEX users_account ON users(account, email);
CREATE INDEX sessions_deadline ON sessions(deadline);`,
	// 7: where a session was signed in (server.Session.Device).
	`
ALTER TABLE sessions ADD COLUMN device TEXT NOT NULL DEFAULT '';`,
}

// SchemaVersion is the schema version this build writes.
const SchemaVersion = 7

// migrate brings the schema up to date and marks the file as ours (see
// checkOurs for what Open lets through to here).
func (s *Store) migrate(ctx context.Context) error {
	if len(migrations) != SchemaVersion {
		panic("sqlitestore: SchemaVersion does not match migrations")
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	// PRAGMA takes no parameters; ApplicationID is our own constant.
	if _, err := s.db.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", ApplicationID)); err != nil {
		return fmt.Errorf("mark database: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this program knows (%d): upgrade walkme-sessiond", v, len(migrations))
	}
	for ; v < len(migrations); v++ {
		err := s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
				return err
			}
			// PRAGMA takes no parameters; v is our own integer.
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1))
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
	}
	return nil
}

// checkOurs refuses a database that is not walkme-sessiond's: one marked
// by another program, or one without our schema. It opens path read-only.
func checkOurs(path string) error {
	db, err := sql.Open("sqlite", fileURI(path)+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := context.Background()
	var app int64
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&app); err != nil {
		return fmt.Errorf("read application id: %w", err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	switch {
	case app == ApplicationID:
		return nil
	case app != 0:
		return fmt.Errorf("not a walkme-sessiond database: it belongs to another program (application_id %#x)", app)
	case version == 0:
		return errors.New("not a walkme-sessiond database: an SQLite database without its schema")
	}
	// Written before the mark existed: it must have our tables.
	var n int
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('accounts', 'users', 'sessions', 'secrets')`).Scan(&n)
	if err != nil {
		return fmt.Errorf("read schema: %w", err)
	}
	if n != 4 {
		return fmt.Errorf("not a walkme-sessiond database: schema version %d without its tables", version)
	}
	return nil
}
