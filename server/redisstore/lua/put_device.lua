-- PutDeviceCode. KEYS[1] the device authorization, KEYS[2] its user code.
-- ARGV: prefix, hash, ttl_ms, created_at, then the authorization's
-- field/value pairs. Returns 0 when a live authorization has the user code.
local old = redis.call('GET', KEYS[2])
if old then
  local exp = redis.call('HGET', ARGV[1] .. 'device:' .. old, 'expires_at')
  if exp and before(ns(ARGV[4]), ns(exp)) then return 0 end
end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
