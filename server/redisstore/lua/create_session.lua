-- CreateSession, the session's side. KEYS[1] the session, KEYS[2] its
-- first token (one hash tag: the session id).
-- ARGV: floor_ms, retention_ms, timeout, timeout_version, then the
-- session's field/value pairs (they include id, last_renewal and in_use).
-- timeout is the account's, as its index returned it (index_session.lua).
-- A new session lapses one timeout after its start. Returns {ttl_ms}.
local s = {}
for i = 5, #ARGV, 2 do s[ARGV[i]] = ARGV[i + 1] end
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('session ' .. s.id .. ' exists') end
if redis.call('EXISTS', KEYS[2]) == 1 then return redis.error_reply('refresh token exists') end
local timeout = ARGV[3]
local due = plus(ns(s.last_renewal), ns(timeout))
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('HSET', KEYS[1], 'last_use', s.last_renewal, 'renewed_timeout', timeout, 'deadline', str(due),
  'timeout', timeout, 'timeout_version', ARGV[4])
redis.call('HSET', KEYS[2], 'session', s.id, 'issued_at', s.last_renewal, 'successor', '', 'rotated_at', '0')
local ttl = life(ns(timeout), tonumber(ARGV[1]), tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return {ttl}
