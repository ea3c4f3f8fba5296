-- Rotate: the compare-and-swap behind every refresh (see server.Rotation).
-- KEYS[1] the presented token, KEYS[2] its successor.
-- ARGV: prefix, client_id, successor_hash, now, grace, floor_ms, retention_ms,
-- last_use ("0": now), in_use ("1"/"0"), request_id ("" when none).
-- Returns {outcome, successor, session hash, timeout}; outcomes are
-- server.RotationOutcome values.
local P = ARGV[1]
local tok = redis.call('HMGET', KEYS[1], 'session', 'successor', 'rotated_at', 'rotated_by')
if not tok[1] then return {0} end
local flat, s, timeout = load_session(P, tok[1])
-- A token can outlive its session by the moment between their expiries:
-- then it is as unknown as an expired one.
if not flat then return {0} end
if ARGV[2] ~= '' and ARGV[2] ~= s.client_id then return {5, '', flat, timeout} end

local now, t = ns(ARGV[4]), ns(timeout)
if s.ended_at ~= '0' or not before(now, deadline(s, timeout)) then
  return {4, '', flat, timeout}
end

local sk = P .. 'session:' .. tok[1]
-- A successor that was used, or is gone, or a grace that ran out (unless
-- this repeats the request that rotated the token): the presented token is
-- a replay of an old one. End the session.
if tok[2] ~= '' then
  local after = redis.call('HGET', P .. 'token:' .. tok[2], 'successor')
  local retry = ARGV[10] ~= '' and ARGV[10] == tok[4]
  if after ~= '' or (not before(now, plus(ns(tok[3]), ns(ARGV[5]))) and not retry) then
    redis.call('HSET', sk, 'ended_at', ARGV[4], 'end_reason', 'reuse')
    return {3, '', redis.call('HGETALL', sk), timeout}
  end
end

-- The last use the client reported, clamped into [last renewal, now]
-- (server.Session.RenewedDeadline).
local use = now
if ARGV[8] ~= '0' and before(ns(ARGV[8]), now) then use = ns(ARGV[8]) end
use = later(use, ns(s.last_renewal))
local due = plus(use, t)
if not before(now, due) then
  -- The user stopped a full timeout ago: the session is over.
  redis.call('HSET', sk, 'ended_at', ARGV[4], 'end_reason', 'lapsed')
  return {4, '', redis.call('HGETALL', sk), timeout}
end

local ttl = life(t, tonumber(ARGV[6]), tonumber(ARGV[7]))
local outcome, succ
if tok[2] == '' then
  redis.call('HSET', KEYS[2], 'session', tok[1], 'issued_at', ARGV[4], 'successor', '', 'rotated_at', '0')
  redis.call('PEXPIRE', KEYS[2], ttl)
  redis.call('HSET', KEYS[1], 'successor', ARGV[3], 'rotated_at', ARGV[4], 'rotated_by', ARGV[10])
  outcome, succ = 1, ARGV[3]
else
  redis.call('PEXPIRE', P .. 'token:' .. tok[2], ttl)
  outcome, succ = 2, tok[2]
end
redis.call('HSET', sk, 'last_renewal', ARGV[4], 'last_use', str(use), 'in_use', ARGV[9],
  'renewed_timeout', timeout, 'deadline', str(due))
redis.call('ZADD', P .. 'account-sessions:' .. s.account, score(due), tok[1])
redis.call('PEXPIRE', sk, ttl)
redis.call('PEXPIRE', KEYS[1], ttl)
return {outcome, succ, redis.call('HGETALL', sk), timeout}
