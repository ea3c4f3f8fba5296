-- DecideDeviceCode. KEYS[1] the device authorization its user code names;
-- ARGV: user code, user_id, status, now.
-- Decides a pending, unexpired authorization; returns the authorization
-- as it was, or nil when it is gone or has another user code.
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then return false end
local st, exp, code = unpack(redis.call('HMGET', KEYS[1], 'status', 'expires_at', 'user_code'))
if code ~= ARGV[1] then return false end
if st == 'pending' and before(ns(ARGV[4]), ns(exp)) then
  redis.call('HSET', KEYS[1], 'status', ARGV[3], 'user_id', ARGV[2])
end
return flat
