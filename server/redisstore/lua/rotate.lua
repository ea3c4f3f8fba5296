-- Rotate: the compare-and-swap behind every refresh (see server.Rotation).
-- KEYS[1] the presented token, KEYS[2] its successor, KEYS[3] their
-- session: one hash tag (the session id), so one slot of a Redis Cluster.
-- ARGV: client_id, successor_hash, now, grace, floor_ms, retention_ms,
-- last_use ("0": now), in_use ("1"/"0"), request_id ("" when none).
-- Returns {outcome, successor, session hash, ttl_ms, deadline score};
-- outcomes are server.RotationOutcome values, or -1 with the successor
-- that the token has already: the caller runs the script again with that
-- one as KEYS[2] (a script reads only the keys it is given). The session's timeout is
-- its copy of the account's (apply_timeout.lua keeps it current).
local tok = redis.call('HMGET', KEYS[1], 'session', 'successor', 'rotated_at', 'rotated_by')
if not tok[1] then return {0} end
local flat = redis.call('HGETALL', KEYS[3])
-- A token can outlive its session by the moment between their expiries:
-- then it is as unknown as an expired one.
if #flat == 0 then return {0} end
local s = {}
for i = 1, #flat, 2 do s[flat[i]] = flat[i + 1] end
local timeout = s.timeout
if ARGV[1] ~= '' and ARGV[1] ~= s.client_id then return {5, '', flat} end

local now, t = ns(ARGV[3]), ns(timeout)
if s.ended_at ~= '0' or not before(now, deadline(s, timeout)) then
  return {4, '', flat}
end

-- A successor that was used, or is gone, or a grace that ran out (unless
-- this repeats the request that rotated the token): the presented token is
-- a replay of an old one. End the session.
if tok[2] ~= '' then
  if tok[2] ~= ARGV[2] then return {-1, tok[2]} end
  local after = redis.call('HGET', KEYS[2], 'successor')
  local retry = ARGV[9] ~= '' and ARGV[9] == tok[4]
  if after ~= '' or (not before(now, plus(ns(tok[3]), ns(ARGV[4]))) and not retry) then
    redis.call('HSET', KEYS[3], 'ended_at', ARGV[3], 'end_reason', 'reuse')
    return {3, '', redis.call('HGETALL', KEYS[3])}
  end
end

-- The last use the client reported, clamped into [last renewal, now]
-- (server.Session.RenewedDeadline).
local use = now
if ARGV[7] ~= '0' and before(ns(ARGV[7]), now) then use = ns(ARGV[7]) end
use = later(use, ns(s.last_renewal))
local due = plus(use, t)
if not before(now, due) then
  -- The user stopped a full timeout ago: the session is over.
  redis.call('HSET', KEYS[3], 'ended_at', ARGV[3], 'end_reason', 'lapsed')
  return {4, '', redis.call('HGETALL', KEYS[3])}
end

local ttl = life(t, tonumber(ARGV[5]), tonumber(ARGV[6]))
local outcome
if tok[2] == '' then
  redis.call('HSET', KEYS[2], 'session', tok[1], 'issued_at', ARGV[3], 'successor', '', 'rotated_at', '0')
  redis.call('HSET', KEYS[1], 'successor', ARGV[2], 'rotated_at', ARGV[3], 'rotated_by', ARGV[9])
  outcome = 1
else
  outcome = 2
end
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('HSET', KEYS[3], 'last_renewal', ARGV[3], 'last_use', str(use), 'in_use', ARGV[8],
  'renewed_timeout', timeout, 'deadline', str(due))
redis.call('PEXPIRE', KEYS[3], ttl)
redis.call('PEXPIRE', KEYS[1], ttl)
return {outcome, ARGV[2], redis.call('HGETALL', KEYS[3]), ttl, score(due)}
