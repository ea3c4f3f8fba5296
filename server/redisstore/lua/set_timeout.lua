-- The sessions' side of SetInactivityTimeout (run inside its MULTI, after
-- the account's new timeout is set). KEYS[1] the account's session index.
-- ARGV: prefix, at, new timeout, max renew interval (all ns).
-- Moves every live session's deadline to server.Session.DeadlineAfterChange:
-- min(deadline, base + timeout), base being max(at, last_renewal +
-- min(cap, renewed_timeout / 2)) for a session last renewed in use, else
-- max(last_use, at).
local at, d, cap = ns(ARGV[2]), ns(ARGV[3]), ns(ARGV[4])
-- Scores are a prefilter only (doubles); the hash fields decide exactly.
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], score({at[1] - 1, 0}), '+inf')) do
  local k = ARGV[1] .. 'session:' .. id
  local f = redis.call('HMGET', k, 'ended_at', 'in_use', 'last_renewal', 'last_use', 'renewed_timeout', 'deadline')
  if not f[6] then
    redis.call('ZREM', KEYS[1], id) -- the session's keys expired
  elseif f[1] == '0' and before(at, ns(f[6])) then
    local base
    if f[2] == '1' then
      local cad = halve(ns(f[5]))
      if before(cap, cad) then cad = cap end
      base = later(at, plus(ns(f[3]), cad))
    else
      base = later(ns(f[4]), at)
    end
    local due = plus(base, d)
    if before(due, ns(f[6])) then
      redis.call('HSET', k, 'deadline', str(due))
      redis.call('ZADD', KEYS[1], score(due), id)
    end
  end
end
return 1
