package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/walkme/session-agent/server"
)

// codeRetention keeps a code past its expiry, so a late reuse is still
// recognised as reuse (and ends the session it made).
const codeRetention = time.Hour

// PutCode implements server.Store.
func (s *Store) PutCode(ctx context.Context, c server.AuthCode) error {
	err := s.putHash(ctx, s.codeKey(c.Hash), retainedTTL(c.CreatedAt, c.ExpiresAt, codeRetention), "client_id", c.ClientID, "redirect_uri", c.RedirectURI, "challenge", c.Challenge,
		"scope", c.Scope, "nonce", c.Nonce, "user_id", c.UserID, "created_at", nanos(c.CreatedAt),
		"expires_at", nanos(c.ExpiresAt), "used_at", "0", "session_id", "")
	if err != nil {
		return fmt.Errorf("put code: %w", err)
	}
	return nil
}

// retainedTTL is the time to live of a record created at created that
// expires at expires and is kept for keep past that. It is relative to the
// creation, so an injected clock cannot make it expire at once.
func retainedTTL(created, expires time.Time, keep time.Duration) time.Duration {
	return max(expires.Sub(created), 0) + keep
}

// getHash reads the hash k, a what: server.ErrNotFound (unwrapped, as
// callers compare it) when there is none.
func (s *Store) getHash(ctx context.Context, k, what string) (map[string]string, error) {
	m, err := s.rdb.HGetAll(ctx, k).Result()
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", what, err)
	}
	if len(m) == 0 {
		return nil, server.ErrNotFound
	}
	return m, nil
}

// putHash writes the hash k with fields (name, value, ...) that expires
// after ttl, in one transaction: no reader sees it without its expiry.
func (s *Store) putHash(ctx context.Context, k string, ttl time.Duration, fields ...any) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, k, fields...)
		p.PExpire(ctx, k, ttl)
		return nil
	})
	return err
}

// RedeemCode implements server.Store.
func (s *Store) RedeemCode(ctx context.Context, codeHash string, now time.Time) (server.AuthCode, error) {
	v, err := s.scripts.redeemCode.Run(ctx, s.rdb, []string{s.codeKey(codeHash)}, nanos(now)).Slice()
	if errors.Is(err, redis.Nil) {
		return server.AuthCode{}, server.ErrNotFound
	} else if err != nil {
		return server.AuthCode{}, fmt.Errorf("redeem code: %w", err)
	}
	m, err := hash(v[1])
	if err != nil {
		return server.AuthCode{}, fmt.Errorf("redeem code: %w", err)
	}
	c := server.AuthCode{
		Hash: codeHash, ClientID: m["client_id"], RedirectURI: m["redirect_uri"], Challenge: m["challenge"],
		Scope: m["scope"], Nonce: m["nonce"], UserID: m["user_id"], CreatedAt: fromNanos(m["created_at"]),
		ExpiresAt: fromNanos(m["expires_at"]), SessionID: m["session_id"],
	}
	if v[0] == int64(1) {
		return c, server.ErrCodeReused
	}
	return c, nil
}

// CreateSession implements server.Store, in steps that each touch one
// slot of a Redis Cluster: the account's index (which answers the
// account's timeout), the session and its first token, the token's
// pointer and the code's link; then a timeout change that raced with it is
// applied (see SetInactivityTimeout).
func (s *Store) CreateSession(ctx context.Context, ss server.Session, refreshHash, codeHash string) error {
	var version string
	err := s.durable(ctx, func(db redis.Cmdable) error {
		var err error
		version, err = s.createSession(ctx, db, ss, refreshHash, codeHash)
		return err
	})
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	if err := s.catchUp(ctx, ss.Account, ss.ID, version); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// createSession writes the session and returns the account's timeout
// version it was written under.
func (s *Store) createSession(ctx context.Context, db redis.Cmdable, ss server.Session, refreshHash, codeHash string) (string, error) {
	v, err := s.scripts.indexSession.Run(ctx, db, []string{s.accountKey(ss.Account), s.indexKey(ss.Account)},
		ss.ID, nanos(ss.LastRenewal)).StringSlice()
	if err != nil {
		return "", err
	}
	timeout, version := v[0], v[1]
	ttl, err := s.scripts.createSession.Run(ctx, db, []string{s.sessionKey(ss.ID), s.tokenKey(ss.ID, refreshHash)},
		ms(s.floor), ms(s.retention), timeout, version,
		"id", ss.ID, "account", ss.Account, "user_id", ss.UserID, "client_id", ss.ClientID, "scope", ss.Scope,
		"auth_time", nanos(ss.AuthTime), "last_renewal", nanos(ss.LastRenewal), "ended_at", "0", "end_reason", "",
		"in_use", flag(ss.InUse), "device", ss.Device).Int64Slice()
	if err != nil {
		return "", err
	}
	_, err = db.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.refreshKey(refreshHash), ss.ID, time.Duration(ttl[0])*time.Millisecond)
		if codeHash != "" {
			// After RedeemCode and before this, a reuse of the code finds no
			// session to end: the same window as on one node.
			s.scripts.linkCode.Eval(ctx, p, []string{s.codeKey(codeHash)}, ss.ID)
		}
		return nil
	})
	return version, err
}

// Session implements server.Store.
func (s *Store) Session(ctx context.Context, id string) (server.Session, error) {
	m, err := s.getHash(ctx, s.sessionKey(id), "session")
	if err != nil {
		return server.Session{}, err
	}
	return sessionOf(m), nil
}

// tokenSession follows a refresh token's pointer to its session id ("" for
// an unknown token).
func (s *Store) tokenSession(ctx context.Context, hash string) (string, error) {
	sid, err := s.rdb.Get(ctx, s.refreshKey(hash)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return sid, err
}

// RefreshToken implements server.Store.
func (s *Store) RefreshToken(ctx context.Context, hash string) (server.RefreshToken, server.Session, error) {
	sid, err := s.tokenSession(ctx, hash)
	if err != nil {
		return server.RefreshToken{}, server.Session{}, fmt.Errorf("load refresh token: %w", err)
	} else if sid == "" {
		return server.RefreshToken{}, server.Session{}, server.ErrNotFound
	}
	v, err := s.scripts.loadToken.Run(ctx, s.rdb, []string{s.tokenKey(sid, hash), s.sessionKey(sid)}).Slice()
	if errors.Is(err, redis.Nil) {
		return server.RefreshToken{}, server.Session{}, server.ErrNotFound
	} else if err != nil {
		return server.RefreshToken{}, server.Session{}, fmt.Errorf("load refresh token: %w", err)
	}
	t, err := token(hash, v[0])
	if err != nil || len(v) < 2 {
		return t, server.Session{}, errors.Join(err, server.ErrNotFound)
	}
	ss, err := session(v[1])
	return t, ss, err
}

// EndSession implements server.Store.
func (s *Store) EndSession(ctx context.Context, id string, at time.Time, reason string) error {
	err := s.durable(ctx, func(db redis.Cmdable) error {
		return s.scripts.endSession.Run(ctx, db, []string{s.sessionKey(id)}, nanos(at), reason).Err()
	})
	if err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// Rotate implements server.Store: lua/rotate.lua makes the whole decision
// in one script on the session's slot, which Redis runs with nothing else
// in between, so concurrent refreshes of one token — from any number of
// server instances — record exactly one successor. The token's pointer
// names the session; after a renewal the successor's pointer, the
// presented one's expiry and the account's index follow.
func (s *Store) Rotate(ctx context.Context, r server.Rotation) (server.RotationResult, error) {
	var res server.RotationResult
	sid, err := s.tokenSession(ctx, r.Hash)
	if err != nil {
		return res, fmt.Errorf("rotate: %w", err)
	} else if sid == "" {
		return res, nil // RotateUnknown
	}
	err = s.durable(ctx, func(db redis.Cmdable) error {
		var err error
		res, err = s.rotate(ctx, db, sid, r)
		return err
	})
	if err != nil {
		return server.RotationResult{}, fmt.Errorf("rotate: %w", err)
	}
	return res, nil
}

// rotate runs the rotation of a token of session sid on db.
func (s *Store) rotate(ctx context.Context, db redis.Cmdable, sid string, r server.Rotation) (server.RotationResult, error) {
	var res server.RotationResult
	run := func() ([]any, error) {
		keys := []string{s.tokenKey(sid, r.Hash), s.tokenKey(sid, r.SuccessorHash), s.sessionKey(sid)}
		return s.scripts.rotate.Run(ctx, db, keys, r.ClientID, r.SuccessorHash, nanos(r.Now),
			strconv.FormatInt(int64(r.Grace), 10), ms(s.floor), ms(s.retention), nanos(r.LastUse), flag(r.InUse), r.RequestID).Slice()
	}
	v, err := run()
	if err == nil && v[0] == int64(-1) {
		// The token was rotated already, to another successor than the
		// one derived here (a store can be given either): ask again with
		// the recorded one, which never changes once set.
		r.SuccessorHash, _ = v[1].(string)
		v, err = run()
	}
	if err != nil {
		return res, err
	}
	outcome, _ := v[0].(int64)
	res.Outcome = server.RotationOutcome(outcome)
	if res.Outcome == server.RotateUnknown {
		return res, nil
	}
	res.Successor, _ = v[1].(string)
	if res.Session, err = session(v[2]); err != nil {
		return res, err
	}
	if res.Outcome != server.RotateRotated && res.Outcome != server.RotateReplayed {
		return res, nil
	}
	ttl, _ := v[3].(int64)
	score, _ := v[4].(string)
	life := time.Duration(ttl) * time.Millisecond
	// Written before the answer leaves: the client cannot present the
	// successor before its pointer exists. Should this fail, the client's
	// retry (inside the grace) comes back here with the same successor.
	_, err = db.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.refreshKey(r.SuccessorHash), sid, life)
		p.PExpire(ctx, s.refreshKey(r.Hash), life)
		// GT: concurrent renewals may land in any order; the index only
		// needs a score no earlier than the deadline.
		p.ZAddGT(ctx, s.indexKey(res.Session.Account), redis.Z{Score: parseScore(score), Member: sid})
		return nil
	})
	return res, err
}

func parseScore(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
