package sqlitestore

import (
	"context"
	"database/sql"
	"time"

	"github.com/walkme/session-agent/server"
)

// deviceRetention keeps a device authorization past its expiry, so a
// late poll is told expired_token rather than "unknown".
const deviceRetention = time.Hour

// PutDeviceCode implements server.Store. It also sweeps authorizations
// that expired long ago, and frees the user code of an expired one.
func (s *Store) PutDeviceCode(ctx context.Context, d server.DeviceCode) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		now := nanos(d.CreatedAt)
		if _, err := tx.ExecContext(ctx, `DELETE FROM device_codes WHERE expires_at < ? OR (user_code = ? AND expires_at <= ?)`,
			d.CreatedAt.Add(-deviceRetention).UnixNano(), d.UserCode, now); err != nil {
			return err
		}
		var taken int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM device_codes WHERE user_code = ?`, d.UserCode).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			return server.ErrUserCodeTaken
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO device_codes(hash, user_code, client_id, scope, interval_ns, created_at,
			expires_at, last_poll, status, user_id) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.Hash, d.UserCode, d.ClientID, d.Scope, int64(d.Interval), now, nanos(d.ExpiresAt), nanos(d.LastPoll),
			string(d.Status), d.UserID)
		return err
	})
}

// DecideDeviceCode implements server.Store.
func (s *Store) DecideDeviceCode(ctx context.Context, userCode, userID string, approve bool, now time.Time) (server.DeviceCode, error) {
	var d server.DeviceCode
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if d, err = loadDevice(ctx, tx, `user_code = ?`, userCode); err != nil {
			return err
		}
		if d.Status != server.DevicePending || !now.Before(d.ExpiresAt) {
			return nil
		}
		status := server.DeviceDenied
		if approve {
			status = server.DeviceApproved
		}
		_, err = tx.ExecContext(ctx, `UPDATE device_codes SET status = ?, user_id = ? WHERE hash = ?`, string(status), userID, d.Hash)
		return err
	})
	return d, err
}

// PollDeviceCode implements server.Store.
func (s *Store) PollDeviceCode(ctx context.Context, hash string, now time.Time) (server.DeviceCode, error) {
	var d server.DeviceCode
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if d, err = loadDevice(ctx, tx, `hash = ?`, hash); err != nil {
			return err
		}
		status := d.Status
		if status == server.DeviceApproved && now.Before(d.ExpiresAt) {
			status = server.DeviceRedeemed
		}
		_, err = tx.ExecContext(ctx, `UPDATE device_codes SET last_poll = ?, status = ? WHERE hash = ?`, nanos(now), string(status), hash)
		return err
	})
	return d, err
}

func loadDevice(ctx context.Context, q querier, where string, arg string) (server.DeviceCode, error) {
	var d server.DeviceCode
	var interval, created, expires, polled int64
	var status string
	err := q.QueryRowContext(ctx, `SELECT hash, user_code, client_id, scope, interval_ns, created_at, expires_at,
		last_poll, status, user_id FROM device_codes WHERE `+where, arg).Scan(&d.Hash, &d.UserCode, &d.ClientID, &d.Scope,
		&interval, &created, &expires, &polled, &status, &d.UserID)
	d.Interval, d.Status = time.Duration(interval), server.DeviceStatus(status)
	d.CreatedAt, d.ExpiresAt, d.LastPoll = fromNanos(created), fromNanos(expires), fromNanos(polled)
	return d, notFound(err)
}
