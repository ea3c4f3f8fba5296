package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/walkme/session-agent/server"
)

// AddUser creates a user in account (creating the account with the
// default 24 h timeout if missing), or, if the email exists in that
// account, sets its password and admin flag. It is what
// `walkme-sessiond user add` and the demo use.
func (s *Store) AddUser(ctx context.Context, account, email, password string, admin bool) (server.User, error) {
	u, err := server.NewUser(account, email, password, admin)
	if err != nil {
		return server.User{}, fmt.Errorf("add user: %w", err)
	}
	account, email, hash := u.Account, u.Email, u.PasswordHash
	now := time.Now().UnixNano()
	err = s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO accounts(name, inactivity_timeout_ns, created_at)
			VALUES(?, ?, ?) ON CONFLICT(name) DO NOTHING`, account, int64(server.DefaultInactivityTimeout), now)
		if err != nil {
			return err
		}
		var id, acct string
		err = tx.QueryRowContext(ctx, `SELECT id, account FROM users WHERE email = ?`, email).Scan(&id, &acct)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO users(id, account, email, password_hash, admin, created_at)
				VALUES(?, ?, ?, ?, ?, ?)`, u.ID, account, email, hash, admin, now)
			return err
		case err != nil:
			return err
		case acct != account:
			return fmt.Errorf("%s already belongs to account %q", email, acct)
		}
		u.ID = id
		_, err = tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, admin = ? WHERE id = ?`, hash, admin, id)
		return err
	})
	if err != nil {
		return server.User{}, fmt.Errorf("add user: %w", err)
	}
	return u, nil
}

const userCols = `id, account, email, password_hash, admin`

func scanUser(row *sql.Row) (server.User, error) {
	var u server.User
	err := row.Scan(&u.ID, &u.Account, &u.Email, &u.PasswordHash, &u.Admin)
	return u, notFound(err)
}

// UserByEmail implements server.Store (emails compare case-insensitively).
func (s *Store) UserByEmail(ctx context.Context, email string) (server.User, error) {
	return scanUser(s.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE email = ?`, email))
}

// User implements server.Store.
func (s *Store) User(ctx context.Context, id string) (server.User, error) {
	return scanUser(s.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
}

// Account implements server.Store.
func (s *Store) Account(ctx context.Context, name string) (server.Account, error) {
	a := server.Account{Name: name}
	var ns int64
	err := s.db.QueryRowContext(ctx, `SELECT inactivity_timeout_ns FROM accounts WHERE name = ?`, name).Scan(&ns)
	a.InactivityTimeout = time.Duration(ns)
	return a, notFound(err)
}

// SetInactivityTimeout implements server.Store.
func (s *Store) SetInactivityTimeout(ctx context.Context, account string, d time.Duration, e server.Activity) (time.Duration, error) {
	var old int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT inactivity_timeout_ns FROM accounts WHERE name = ?`, account).Scan(&old)
		if err != nil {
			return notFound(err)
		}
		e.Old = server.FormatTimeout(time.Duration(old))
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET inactivity_timeout_ns = ? WHERE name = ?`, int64(d), account); err != nil {
			return err
		}
		// server.Session.DeadlineAfterChange, for every live session at once.
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET deadline = min(deadline,
			CASE WHEN in_use THEN max(?1, last_renewal + min(?2, renewed_timeout_ns / 2)) ELSE max(last_use, ?1) END + ?3)
			WHERE account = ?4 AND ended_at = 0 AND deadline > ?1`,
			nanos(e.At), int64(server.MaxRenewInterval), int64(d), account); err != nil {
			return err
		}
		return appendActivity(ctx, tx, account, e)
	})
	return time.Duration(old), err
}

// AppendActivity implements server.Store.
func (s *Store) AppendActivity(ctx context.Context, account string, e server.Activity) error {
	if err := appendActivity(ctx, s.db, account, e); err != nil {
		return fmt.Errorf("append activity: %w", err)
	}
	return nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func appendActivity(ctx context.Context, db execer, account string, e server.Activity) error {
	_, err := db.ExecContext(ctx, `INSERT INTO activity(account, at, actor, action, target, old, new) VALUES(?, ?, ?, ?, ?, ?, ?)`,
		account, nanos(e.At), e.Actor, e.Action, e.Target, e.Old, e.New)
	return err
}

// ActivityLog implements server.Store.
func (s *Store) ActivityLog(ctx context.Context, account string) ([]server.Activity, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at, actor, action, target, old, new FROM activity WHERE account = ? ORDER BY id`, account)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	log := []server.Activity{}
	for rows.Next() {
		var e server.Activity
		var at int64
		if err := rows.Scan(&at, &e.Actor, &e.Action, &e.Target, &e.Old, &e.New); err != nil {
			return nil, err
		}
		e.At = fromNanos(at).UTC()
		log = append(log, e)
	}
	return log, rows.Err()
}

// Secret implements server.Store.
func (s *Store) Secret(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, error) {
	var v []byte
	err := s.db.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return v, err
	}
	fresh, err := generate()
	if err != nil {
		return nil, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO secrets(name, value) VALUES(?, ?) ON CONFLICT(name) DO NOTHING`, name, fresh); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
	})
	return v, err
}
