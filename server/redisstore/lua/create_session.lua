-- CreateSession. KEYS[1] session, KEYS[2] its first token, KEYS[3]
-- (optional) the code it came from.
-- ARGV: prefix, floor_ms, retention_ms, then the session's field/value pairs
-- (they include id, account, last_renewal and in_use). A new session lapses one
-- timeout after its start; it joins its account's session index.
local s = {}
for i = 4, #ARGV, 2 do s[ARGV[i]] = ARGV[i + 1] end
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('session ' .. s.id .. ' exists') end
if redis.call('EXISTS', KEYS[2]) == 1 then return redis.error_reply('refresh token exists') end
local timeout = redis.call('HGET', ARGV[1] .. 'account:' .. s.account, 'timeout')
if not timeout then return redis.error_reply('no account ' .. s.account) end

local due = plus(ns(s.last_renewal), ns(timeout))
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('HSET', KEYS[1], 'last_use', s.last_renewal, 'renewed_timeout', timeout, 'deadline', str(due))
redis.call('HSET', KEYS[2], 'session', s.id, 'issued_at', s.last_renewal, 'successor', '', 'rotated_at', '0')
local ttl = life(ns(timeout), tonumber(ARGV[2]), tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
if KEYS[3] and redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('HSET', KEYS[3], 'session_id', s.id)
end
-- The index forgets sessions that lapsed a day ago or more.
local index = ARGV[1] .. 'account-sessions:' .. s.account
redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. score({ns(s.last_renewal)[1] - 86400, 0}))
redis.call('ZADD', index, score(due), s.id)
return 1
