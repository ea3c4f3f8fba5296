-- PutDeviceCode, the user code's side, before the authorization is
-- written. KEYS[1] the user code. ARGV: hash, ttl_ms, created_at, expires_at.
-- The key holds "expires_at hash". Returns 0 when a live authorization has
-- the user code.
local old = redis.call('GET', KEYS[1])
if old then
  local exp = string.match(old, '^(%d+) ')
  if exp and before(ns(ARGV[3]), ns(exp)) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[4] .. ' ' .. ARGV[1], 'PX', ARGV[2])
return 1
