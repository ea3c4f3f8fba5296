-- DecideDeviceCode. KEYS[1] the user code; ARGV: prefix, user_id, status, now.
-- Decides a pending, unexpired authorization; returns {hash, the
-- authorization as it was} or nil for an unknown user code.
local h = redis.call('GET', KEYS[1])
if not h then return false end
local k = ARGV[1] .. 'device:' .. h
local flat = redis.call('HGETALL', k)
if #flat == 0 then return false end
local st, exp = unpack(redis.call('HMGET', k, 'status', 'expires_at'))
if st == 'pending' and before(ns(ARGV[4]), ns(exp)) then
  redis.call('HSET', k, 'status', ARGV[3], 'user_id', ARGV[2])
end
return {h, flat}
