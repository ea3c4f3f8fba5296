-- A timeout change, applied to one session. KEYS[1] the session.
-- ARGV: at, new timeout, its version, max renew interval (ns but version).
-- The session takes the account's new timeout unless it already has a
-- later change's; a live one also moves its deadline to
-- server.Session.DeadlineAfterChange: min(deadline, base + timeout), base
-- being max(at, last_renewal + min(cap, renewed_timeout / 2)) for a session
-- last renewed in use, else max(last_use, at). Returns 1 when applied.
local f = redis.call('HMGET', KEYS[1], 'ended_at', 'in_use', 'last_renewal', 'last_use', 'renewed_timeout',
  'deadline', 'timeout', 'timeout_version')
if not f[3] then return 0 end -- not written yet, or its keys expired
if tonumber(f[8] or '0') >= tonumber(ARGV[3]) then return 0 end
local at, d, cap = ns(ARGV[1]), ns(ARGV[2]), ns(ARGV[4])
redis.call('HSET', KEYS[1], 'timeout', ARGV[2], 'timeout_version', ARGV[3])
local s = {deadline = f[6], last_renewal = f[3]}
local old = deadline(s, f[7])
if f[1] == '0' and before(at, old) then
  local base
  if f[2] == '1' then
    local cad = halve(ns(f[5]))
    if before(cap, cad) then cad = cap end
    base = later(at, plus(ns(f[3]), cad))
  else
    base = later(ns(f[4]), at)
  end
  local due = plus(base, d)
  if before(due, old) then redis.call('HSET', KEYS[1], 'deadline', str(due)) end
end
return 1
