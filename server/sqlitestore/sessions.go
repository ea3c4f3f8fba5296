package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/walkme/session-agent/server"
)

// PutCode implements server.Store. It also sweeps codes that expired
// long ago, which keeps the table small without a janitor.
func (s *Store) PutCode(ctx context.Context, c server.AuthCode) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM auth_codes WHERE expires_at < ?`,
			c.CreatedAt.Add(-time.Hour).UnixNano()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO auth_codes(hash, client_id, redirect_uri, challenge, scope, nonce,
			user_id, created_at, expires_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.Hash, c.ClientID, c.RedirectURI, c.Challenge, c.Scope, c.Nonce, c.UserID, nanos(c.CreatedAt), nanos(c.ExpiresAt))
		return err
	})
}

// RedeemCode implements server.Store.
func (s *Store) RedeemCode(ctx context.Context, hash string, now time.Time) (server.AuthCode, error) {
	var c server.AuthCode
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var created, expires, used int64
		err := tx.QueryRowContext(ctx, `SELECT hash, client_id, redirect_uri, challenge, scope, nonce, user_id,
			created_at, expires_at, used_at, session_id FROM auth_codes WHERE hash = ?`, hash).Scan(
			&c.Hash, &c.ClientID, &c.RedirectURI, &c.Challenge, &c.Scope, &c.Nonce, &c.UserID,
			&created, &expires, &used, &c.SessionID)
		if err != nil {
			return notFound(err)
		}
		c.CreatedAt, c.ExpiresAt = fromNanos(created), fromNanos(expires)
		if used != 0 {
			return server.ErrCodeReused
		}
		_, err = tx.ExecContext(ctx, `UPDATE auth_codes SET used_at = ? WHERE hash = ?`, nanos(now), hash)
		return err
	})
	return c, err
}

// CreateSession implements server.Store. A new session lapses one timeout
// after its sign-in; ss.InUse says whether a product was open.
func (s *Store) CreateSession(ctx context.Context, ss server.Session, refreshHash, codeHash string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var timeout int64
		if err := tx.QueryRowContext(ctx, `SELECT inactivity_timeout_ns FROM accounts WHERE name = ?`, ss.Account).Scan(&timeout); err != nil {
			return fmt.Errorf("account %s: %w", ss.Account, notFound(err))
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions(id, account, user_id, client_id, scope, auth_time, device, last_renewal,
			last_use, in_use, renewed_timeout_ns, deadline) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			ss.ID, ss.Account, ss.UserID, ss.ClientID, ss.Scope, nanos(ss.AuthTime), ss.Device, nanos(ss.LastRenewal),
			nanos(ss.LastRenewal), ss.InUse, timeout, nanos(ss.LastRenewal.Add(time.Duration(timeout))))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens(hash, session_id, issued_at) VALUES(?, ?, ?)`,
			refreshHash, ss.ID, nanos(ss.LastRenewal)); err != nil {
			return err
		}
		if codeHash != "" {
			_, err = tx.ExecContext(ctx, `UPDATE auth_codes SET session_id = ? WHERE hash = ?`, ss.ID, codeHash)
		}
		return err
	})
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// sessionQuery selects sessions with their account's timeout, for
// scanSession; callers add the WHERE clause.
const sessionQuery = `SELECT s.id, s.account, s.user_id, s.client_id, s.scope, s.auth_time, s.last_renewal,
	s.ended_at, s.end_reason, a.inactivity_timeout_ns, s.last_use, s.in_use, s.renewed_timeout_ns, s.deadline, s.device
	FROM sessions s JOIN accounts a ON a.name = s.account `

func scanSession(row interface{ Scan(...any) error }) (server.Session, error) {
	var ss server.Session
	var auth, renewal, ended, timeout, use, renewed, deadline int64
	err := row.Scan(&ss.ID, &ss.Account, &ss.UserID, &ss.ClientID, &ss.Scope, &auth, &renewal,
		&ended, &ss.EndReason, &timeout, &use, &ss.InUse, &renewed, &deadline, &ss.Device)
	ss.AuthTime, ss.LastRenewal, ss.EndedAt = fromNanos(auth), fromNanos(renewal), fromNanos(ended)
	ss.LastUse, ss.Deadline = fromNanos(use), fromNanos(deadline)
	ss.Timeout, ss.RenewedTimeout = time.Duration(timeout), time.Duration(renewed)
	return ss, notFound(err)
}

func loadSession(ctx context.Context, q querier, id string) (server.Session, error) {
	return scanSession(q.QueryRowContext(ctx, sessionQuery+`WHERE s.id = ?`, id))
}

func loadToken(ctx context.Context, q querier, hash string) (server.RefreshToken, error) {
	var t server.RefreshToken
	var issued, rotated int64
	err := q.QueryRowContext(ctx, `SELECT hash, session_id, issued_at, successor, rotated_at, rotated_by FROM refresh_tokens
		WHERE hash = ?`, hash).Scan(&t.Hash, &t.SessionID, &issued, &t.Successor, &rotated, &t.RotatedBy)
	t.IssuedAt, t.RotatedAt = fromNanos(issued), fromNanos(rotated)
	return t, notFound(err)
}

// Session implements server.Store.
func (s *Store) Session(ctx context.Context, id string) (server.Session, error) {
	return loadSession(ctx, s.db, id)
}

// RefreshToken implements server.Store.
func (s *Store) RefreshToken(ctx context.Context, hash string) (server.RefreshToken, server.Session, error) {
	t, err := loadToken(ctx, s.db, hash)
	if err != nil {
		return t, server.Session{}, err
	}
	ss, err := loadSession(ctx, s.db, t.SessionID)
	return t, ss, err
}

// EndSession implements server.Store.
func (s *Store) EndSession(ctx context.Context, id string, at time.Time, reason string) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return endSession(ctx, tx, id, at, reason) })
}

func endSession(ctx context.Context, tx *sql.Tx, id string, at time.Time, reason string) error {
	_, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at = 0`,
		nanos(at), reason, id)
	return err
}

// Rotate implements server.Store: the whole decision runs inside one
// BEGIN IMMEDIATE transaction, so concurrent refreshes of one token see
// each other's result and exactly one successor is ever recorded.
func (s *Store) Rotate(ctx context.Context, r server.Rotation) (server.RotationResult, error) {
	var res server.RotationResult
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = rotate(ctx, tx, r)
		return err
	})
	return res, err
}

func rotate(ctx context.Context, tx *sql.Tx, r server.Rotation) (server.RotationResult, error) {
	var res server.RotationResult
	t, err := loadToken(ctx, tx, r.Hash)
	if errors.Is(err, server.ErrNotFound) {
		return res, nil // RotateUnknown
	} else if err != nil {
		return res, err
	}
	if res.Session, err = loadSession(ctx, tx, t.SessionID); err != nil {
		return res, err
	}
	if r.ClientID != "" && r.ClientID != res.Session.ClientID {
		res.Outcome = server.RotateWrongClient
		return res, nil
	}
	if !res.Session.Live(r.Now) {
		res.Outcome = server.RotateEnded
		return res, nil
	}
	if t.Successor != "" {
		next, err := loadToken(ctx, tx, t.Successor)
		if err != nil {
			return res, err
		}
		if next.Successor != "" || (!r.Now.Before(t.RotatedAt.Add(r.Grace)) && !r.Retrying(t)) {
			res.Outcome = server.RotateReused
			res.Session.EndedAt, res.Session.EndReason = r.Now, "reuse"
			return res, endSession(ctx, tx, t.SessionID, r.Now, "reuse")
		}
	}
	deadline, use := res.Session.RenewedDeadline(r.Now, r.LastUse, res.Session.Timeout)
	if !r.Now.Before(deadline) {
		// The user stopped a full timeout ago (a closing renewal that only
		// got through now): the session is over, for every client.
		res.Outcome = server.RotateEnded
		res.Session.EndedAt, res.Session.EndReason = r.Now, "lapsed"
		return res, endSession(ctx, tx, t.SessionID, r.Now, "lapsed")
	}
	if t.Successor == "" {
		if _, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens(hash, session_id, issued_at) VALUES(?, ?, ?)`,
			r.SuccessorHash, t.SessionID, nanos(r.Now)); err != nil {
			return res, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET successor = ?, rotated_at = ?, rotated_by = ? WHERE hash = ?`,
			r.SuccessorHash, nanos(r.Now), r.RequestID, t.Hash); err != nil {
			return res, err
		}
		res.Outcome, res.Successor = server.RotateRotated, r.SuccessorHash
	} else {
		res.Outcome, res.Successor = server.RotateReplayed, t.Successor
	}
	ss := &res.Session
	_, err = tx.ExecContext(ctx, `UPDATE sessions SET last_renewal = ?, last_use = ?, in_use = ?, renewed_timeout_ns = ?,
		deadline = ? WHERE id = ?`, nanos(r.Now), nanos(use), r.InUse, int64(ss.Timeout), nanos(deadline), ss.ID)
	ss.LastRenewal, ss.LastUse, ss.InUse, ss.RenewedTimeout, ss.Deadline = r.Now, use, r.InUse, ss.Timeout, deadline
	return res, err
}
