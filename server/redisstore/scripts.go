package redisstore

import (
	"embed"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/walkme/session-agent/server"
)

//go:embed lua/*.lua
var luaFiles embed.FS

// scripts are the Lua scripts, each prefixed with lua/common.lua.
type scripts struct {
	rotate, createSession, indexSession, linkCode, redeemCode, endSession, loadToken *redis.Script
	putDevice, decideDevice, pollDevice, applyTimeout                                *redis.Script
}

func newScripts() scripts {
	load := func(name string) *redis.Script {
		common, err := luaFiles.ReadFile("lua/common.lua")
		if err != nil {
			panic(err)
		}
		body, err := luaFiles.ReadFile("lua/" + name + ".lua")
		if err != nil {
			panic(err)
		}
		return redis.NewScript(string(common) + "\n" + string(body))
	}
	return scripts{
		rotate:        load("rotate"),
		createSession: load("create_session"),
		indexSession:  load("index_session"),
		linkCode:      load("link_code"),
		redeemCode:    load("redeem_code"),
		endSession:    load("end_session"),
		loadToken:     load("load_token"),
		putDevice:     load("put_device"),
		decideDevice:  load("decide_device"),
		pollDevice:    load("poll_device"),
		applyTimeout:  load("apply_timeout"),
	}
}

// hash turns a flat HGETALL reply into a map.
func hash(v any) (map[string]string, error) {
	flat, ok := v.([]any)
	if !ok || len(flat)%2 != 0 {
		return nil, fmt.Errorf("unexpected reply %T", v)
	}
	m := make(map[string]string, len(flat)/2)
	for i := 0; i < len(flat); i += 2 {
		k, _ := flat[i].(string)
		m[k], _ = flat[i+1].(string)
	}
	return m, nil
}

// session decodes a session hash. Its timeout is the session's copy of
// its account's, which every timeout change updates (apply_timeout.lua).
func session(h any) (server.Session, error) {
	m, err := hash(h)
	if err != nil {
		return server.Session{}, err
	}
	return sessionOf(m), nil
}

func sessionOf(m map[string]string) server.Session {
	d, _ := strconv.ParseInt(m["timeout"], 10, 64)
	renewed, _ := strconv.ParseInt(m["renewed_timeout"], 10, 64)
	return server.Session{
		ID: m["id"], Account: m["account"], UserID: m["user_id"], ClientID: m["client_id"], Scope: m["scope"],
		AuthTime: fromNanos(m["auth_time"]), Device: m["device"], LastRenewal: fromNanos(m["last_renewal"]),
		EndedAt: fromNanos(m["ended_at"]), EndReason: m["end_reason"],
		Timeout: time.Duration(d),
		// Fields a session written before deadlines lacks: in use, and
		// lapsing at last renewal + timeout (Deadline zero).
		LastUse: fromNanos(m["last_use"]), InUse: m["in_use"] != "0",
		RenewedTimeout: time.Duration(renewed), Deadline: fromNanos(m["deadline"]),
	}
}

func token(tokenHash string, h any) (server.RefreshToken, error) {
	m, err := hash(h)
	if err != nil {
		return server.RefreshToken{}, err
	}
	return server.RefreshToken{
		Hash: tokenHash, SessionID: m["session"], IssuedAt: fromNanos(m["issued_at"]),
		Successor: m["successor"], RotatedAt: fromNanos(m["rotated_at"]), RotatedBy: m["rotated_by"],
	}, nil
}
