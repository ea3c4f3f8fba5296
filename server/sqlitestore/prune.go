package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Prune deletes what the service no longer needs from before `before`:
// sessions that ended or lapsed, with all their tokens; refresh tokens that
// were rotated (their successor took over); expired authorization and
// device codes. Without it the file grows by a row per renewal forever.
//
// The trade-off is the one the Redis store makes with its key TTLs: a
// rotated token presented after it was pruned is unknown (invalid_grant)
// rather than a reuse that ends its session. Run with a cutoff well past the
// rotation grace, such as two days ago.
func (s *Store) Prune(ctx context.Context, before time.Time) (int64, error) {
	cut := nanos(before)
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		n = 0
		// Sessions over by `before`: ended, or lapsed.
		const over = `SELECT id FROM sessions WHERE (ended_at != 0 AND ended_at < ?1) OR deadline < ?1`
		for _, q := range []string{
			`DELETE FROM refresh_tokens WHERE session_id IN (` + over + `)`,
			`DELETE FROM refresh_tokens WHERE rotated_at != 0 AND rotated_at < ?1`,
			`DELETE FROM auth_codes WHERE expires_at < ?1 AND (session_id = '' OR session_id IN (` + over + `))`,
			`DELETE FROM sessions WHERE id IN (` + over + `)`,
			`DELETE FROM device_codes WHERE expires_at < ?1`,
		} {
			res, err := tx.ExecContext(ctx, q, cut)
			if err != nil {
				return fmt.Errorf("prune: %w", err)
			}
			rows, _ := res.RowsAffected()
			n += rows
		}
		return nil
	})
	return n, err
}
