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
	k := s.key("code:", c.Hash)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, k, "client_id", c.ClientID, "redirect_uri", c.RedirectURI, "challenge", c.Challenge,
			"scope", c.Scope, "nonce", c.Nonce, "user_id", c.UserID, "created_at", nanos(c.CreatedAt),
			"expires_at", nanos(c.ExpiresAt), "used_at", "0", "session_id", "")
		// Relative, so an injected clock cannot make it expire at once.
		p.PExpire(ctx, k, max(c.ExpiresAt.Sub(c.CreatedAt), 0)+codeRetention)
		return nil
	})
	if err != nil {
		return fmt.Errorf("put code: %w", err)
	}
	return nil
}

// RedeemCode implements server.Store.
func (s *Store) RedeemCode(ctx context.Context, codeHash string, now time.Time) (server.AuthCode, error) {
	v, err := s.scripts.redeemCode.Run(ctx, s.rdb, []string{s.key("code:", codeHash)}, nanos(now)).Slice()
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

// CreateSession implements server.Store.
func (s *Store) CreateSession(ctx context.Context, ss server.Session, refreshHash, codeHash string) error {
	keys := []string{s.key("session:", ss.ID), s.key("token:", refreshHash)}
	if codeHash != "" {
		keys = append(keys, s.key("code:", codeHash))
	}
	err := s.scripts.createSession.Run(ctx, s.rdb, keys, s.prefix, ms(s.floor), ms(s.retention),
		"id", ss.ID, "account", ss.Account, "user_id", ss.UserID, "client_id", ss.ClientID, "scope", ss.Scope,
		"auth_time", nanos(ss.AuthTime), "last_renewal", nanos(ss.LastRenewal), "ended_at", "0", "end_reason", "",
		"in_use", flag(ss.InUse)).Err()
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// Session implements server.Store.
func (s *Store) Session(ctx context.Context, id string) (server.Session, error) {
	v, err := s.scripts.loadSession.Run(ctx, s.rdb, nil, s.prefix, id).Slice()
	if errors.Is(err, redis.Nil) {
		return server.Session{}, server.ErrNotFound
	} else if err != nil {
		return server.Session{}, fmt.Errorf("load session: %w", err)
	}
	return session(v[0], v[1])
}

// RefreshToken implements server.Store.
func (s *Store) RefreshToken(ctx context.Context, hash string) (server.RefreshToken, server.Session, error) {
	v, err := s.scripts.loadToken.Run(ctx, s.rdb, []string{s.key("token:", hash)}, s.prefix).Slice()
	if errors.Is(err, redis.Nil) {
		return server.RefreshToken{}, server.Session{}, server.ErrNotFound
	} else if err != nil {
		return server.RefreshToken{}, server.Session{}, fmt.Errorf("load refresh token: %w", err)
	}
	t, err := token(hash, v[0])
	if err != nil || len(v) < 3 {
		return t, server.Session{}, errors.Join(err, server.ErrNotFound)
	}
	ss, err := session(v[1], v[2])
	return t, ss, err
}

// EndSession implements server.Store.
func (s *Store) EndSession(ctx context.Context, id string, at time.Time, reason string) error {
	err := s.scripts.endSession.Run(ctx, s.rdb, []string{s.key("session:", id)}, nanos(at), reason).Err()
	if err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// Rotate implements server.Store: lua/rotate.lua makes the whole decision
// in one script, which Redis runs with nothing else in between, so
// concurrent refreshes of one token — from any number of server
// instances — record exactly one successor.
func (s *Store) Rotate(ctx context.Context, r server.Rotation) (server.RotationResult, error) {
	var res server.RotationResult
	keys := []string{s.key("token:", r.Hash), s.key("token:", r.SuccessorHash)}
	inUse := flag(r.InUse)
	v, err := s.scripts.rotate.Run(ctx, s.rdb, keys, s.prefix, r.ClientID, r.SuccessorHash, nanos(r.Now),
		strconv.FormatInt(int64(r.Grace), 10), ms(s.floor), ms(s.retention), nanos(r.LastUse), inUse, r.RequestID).Slice()
	if err != nil {
		return res, fmt.Errorf("rotate: %w", err)
	}
	outcome, _ := v[0].(int64)
	res.Outcome = server.RotationOutcome(outcome)
	if res.Outcome == server.RotateUnknown {
		return res, nil
	}
	res.Successor, _ = v[1].(string)
	if res.Session, err = session(v[2], v[3]); err != nil {
		return res, fmt.Errorf("rotate: %w", err)
	}
	return res, nil
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
