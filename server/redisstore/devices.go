package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/walkme/session-agent/server"
)

// deviceRetention keeps a device authorization (and its user code) past
// its expiry, so a late poll is told expired_token rather than "unknown".
const deviceRetention = time.Hour

// PutDeviceCode implements server.Store: the user code is claimed first
// (lua/put_device.lua), then the authorization written; the two live on
// different slots of a Redis Cluster. No one can enter the user code
// before this returns: the device has not shown it yet.
func (s *Store) PutDeviceCode(ctx context.Context, d server.DeviceCode) error {
	ttl := retainedTTL(d.CreatedAt, d.ExpiresAt, deviceRetention)
	ok, err := s.scripts.putDevice.Run(ctx, s.rdb, []string{s.userCodeKey(d.UserCode)}, d.Hash, ms(ttl),
		nanos(d.CreatedAt), nanos(d.ExpiresAt)).Int()
	switch {
	case err != nil:
		return fmt.Errorf("put device code: %w", err)
	case ok == 0:
		return server.ErrUserCodeTaken
	}
	err = s.putHash(ctx, s.deviceKey(d.Hash), ttl, "user_code", d.UserCode, "client_id", d.ClientID, "scope", d.Scope,
		"interval", strconv.FormatInt(int64(d.Interval), 10), "created_at", nanos(d.CreatedAt),
		"expires_at", nanos(d.ExpiresAt), "last_poll", nanos(d.LastPoll), "status", string(d.Status), "user_id", d.UserID)
	if err != nil {
		return fmt.Errorf("put device code: %w", err)
	}
	return nil
}

// DecideDeviceCode implements server.Store: the user code names the
// authorization, whose own slot decides.
func (s *Store) DecideDeviceCode(ctx context.Context, userCode, userID string, approve bool, now time.Time) (server.DeviceCode, error) {
	status := server.DeviceDenied
	if approve {
		status = server.DeviceApproved
	}
	v, err := s.rdb.Get(ctx, s.userCodeKey(userCode)).Result()
	if errors.Is(err, redis.Nil) {
		return server.DeviceCode{}, server.ErrNotFound
	} else if err != nil {
		return server.DeviceCode{}, fmt.Errorf("decide device code: %w", err)
	}
	_, h, _ := strings.Cut(v, " ")
	flat, err := s.scripts.decideDevice.Run(ctx, s.rdb, []string{s.deviceKey(h)}, userCode, userID,
		string(status), nanos(now)).Result()
	if errors.Is(err, redis.Nil) {
		return server.DeviceCode{}, server.ErrNotFound
	} else if err != nil {
		return server.DeviceCode{}, fmt.Errorf("decide device code: %w", err)
	}
	return device(h, flat)
}

// PollDeviceCode implements server.Store.
func (s *Store) PollDeviceCode(ctx context.Context, hash string, now time.Time) (server.DeviceCode, error) {
	v, err := s.scripts.pollDevice.Run(ctx, s.rdb, []string{s.deviceKey(hash)}, nanos(now)).Result()
	if errors.Is(err, redis.Nil) {
		return server.DeviceCode{}, server.ErrNotFound
	} else if err != nil {
		return server.DeviceCode{}, fmt.Errorf("poll device code: %w", err)
	}
	return device(hash, v)
}

func device(deviceHash string, h any) (server.DeviceCode, error) {
	m, err := hash(h)
	if err != nil {
		return server.DeviceCode{}, fmt.Errorf("device code: %w", err)
	}
	interval, _ := strconv.ParseInt(m["interval"], 10, 64)
	return server.DeviceCode{
		Hash: deviceHash, UserCode: m["user_code"], ClientID: m["client_id"], Scope: m["scope"],
		Interval: time.Duration(interval), CreatedAt: fromNanos(m["created_at"]), ExpiresAt: fromNanos(m["expires_at"]),
		LastPoll: fromNanos(m["last_poll"]), Status: server.DeviceStatus(m["status"]), UserID: m["user_id"],
	}, nil
}
