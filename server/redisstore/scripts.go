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
	rotate, createSession, redeemCode, endSession, loadSession, loadToken *redis.Script
	putDevice, decideDevice, pollDevice, setTimeout                       *redis.Script
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
		redeemCode:    load("redeem_code"),
		endSession:    load("end_session"),
		loadSession:   load("load_session"),
		loadToken:     load("load_token"),
		putDevice:     load("put_device"),
		decideDevice:  load("decide_device"),
		pollDevice:    load("poll_device"),
		setTimeout:    load("set_timeout"),
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

// session decodes a session hash and its account's timeout (ns).
func session(h, timeout any) (server.Session, error) {
	m, err := hash(h)
	if err != nil {
		return server.Session{}, err
	}
	t, _ := timeout.(string)
	d, _ := strconv.ParseInt(t, 10, 64)
	renewed, _ := strconv.ParseInt(m["renewed_timeout"], 10, 64)
	return server.Session{
		ID: m["id"], Account: m["account"], UserID: m["user_id"], ClientID: m["client_id"], Scope: m["scope"],
		AuthTime: fromNanos(m["auth_time"]), LastRenewal: fromNanos(m["last_renewal"]),
		EndedAt: fromNanos(m["ended_at"]), EndReason: m["end_reason"],
		Timeout: time.Duration(d),
		// Fields a session written before deadlines lacks: in use, and
		// lapsing at last renewal + timeout (Deadline zero).
		LastUse: fromNanos(m["last_use"]), InUse: m["in_use"] != "0",
		RenewedTimeout: time.Duration(renewed), Deadline: fromNanos(m["deadline"]),
	}, nil
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
