-- RedeemCode. KEYS[1] the code; ARGV[1] now.
-- Returns nil for an unknown code, else {used before (0/1), code hash}.
local c = redis.call('HGETALL', KEYS[1])
if #c == 0 then return false end
if redis.call('HGET', KEYS[1], 'used_at') ~= '0' then return {1, c} end
redis.call('HSET', KEYS[1], 'used_at', ARGV[1])
return {0, c}
