-- PollDeviceCode. KEYS[1] the device authorization; ARGV[1] now.
-- Records the poll and redeems an approved, unexpired authorization;
-- returns the authorization as it was, or nil.
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then return false end
local st, exp = unpack(redis.call('HMGET', KEYS[1], 'status', 'expires_at'))
if st == 'approved' and before(ns(ARGV[1]), ns(exp)) then
  redis.call('HSET', KEYS[1], 'status', 'redeemed')
end
redis.call('HSET', KEYS[1], 'last_poll', ARGV[1])
return flat
