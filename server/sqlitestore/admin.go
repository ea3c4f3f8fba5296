package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/walkme/session-agent/server"
)

// Users implements server.Store.
func (s *Store) Users(ctx context.Context, account string) ([]server.User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userCols+` FROM users WHERE account = ? ORDER BY email`, account)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	users := []server.User{}
	for rows.Next() {
		var u server.User
		if err := rows.Scan(&u.ID, &u.Account, &u.Email, &u.PasswordHash, &u.Admin); err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// SetAdmin implements server.Store. The count of admins and the change
// happen in one write transaction, so two admins demoting each other at
// once cannot leave the account without one.
func (s *Store) SetAdmin(ctx context.Context, account, userID string, admin bool, e server.Activity) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var was bool
		err := tx.QueryRowContext(ctx, `SELECT admin FROM users WHERE id = ? AND account = ?`, userID, account).Scan(&was)
		if err != nil {
			return notFound(err)
		}
		if was == admin {
			return nil
		}
		if !admin {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE account = ? AND admin`, account).Scan(&n); err != nil {
				return err
			}
			if n <= 1 {
				return server.ErrLastAdmin
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET admin = ? WHERE id = ?`, admin, userID); err != nil {
			return err
		}
		return appendActivity(ctx, tx, account, e)
	})
}

// LiveSessions implements server.Store.
func (s *Store) LiveSessions(ctx context.Context, account string, now time.Time) ([]server.Session, error) {
	rows, err := s.db.QueryContext(ctx, sessionQuery+`WHERE s.account = ? AND s.ended_at = 0 AND s.deadline > ?
		ORDER BY s.auth_time, s.id`, account, nanos(now))
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	list := []server.Session{}
	for rows.Next() {
		ss, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		if ss.Live(now) {
			list = append(list, ss)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return list, nil
}

// CountLiveSessions implements server.Store.
func (s *Store) CountLiveSessions(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sessions WHERE ended_at = 0 AND deadline > ?`, nanos(now)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count sessions: %w", err)
	}
	return n, nil
}

// Ping implements server.Store with a read of the file, which a closed
// store or an unreadable file fails.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM secrets LIMIT 1`).Scan(&one)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}
