-- Shared by every script. Times and durations are decimal strings of
-- nanoseconds ("0" = unset). Lua numbers are doubles, exact only up to
-- 2^53, and Unix nanoseconds are past 2^60: so arithmetic splits them
-- into {seconds, nanoseconds}.
local function ns(s)
  s = s or '0'
  local n = #s
  if n <= 9 then return {0, tonumber(s)} end
  return {tonumber(string.sub(s, 1, n - 9)), tonumber(string.sub(s, n - 8))}
end

local function plus(a, b)
  local n = a[2] + b[2]
  if n >= 1000000000 then return {a[1] + b[1] + 1, n - 1000000000} end
  return {a[1] + b[1], n}
end

local function before(a, b)
  return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2])
end

-- life is how long (ms) a session's keys live after a write: the longer
-- of its timeout and floor_ms, plus retention_ms.
local function life(timeout, floor_ms, retention_ms)
  local ms = timeout[1] * 1000 + math.floor(timeout[2] / 1000000)
  if ms < floor_ms then ms = floor_ms end
  return ms + retention_ms
end

local function later(a, b)
  if before(a, b) then return b end
  return a
end

-- half of a duration, rounded down to the nanosecond (Go's d / 2).
local function halve(a)
  local rem = a[1] % 2
  return {(a[1] - rem) / 2, math.floor((rem * 1000000000 + a[2]) / 2)}
end

-- str writes a time back as decimal nanoseconds.
local function str(a)
  if a[1] == 0 then return string.format('%d', a[2]) end
  return string.format('%d%09d', a[1], a[2])
end

-- score is a time as decimal seconds, for the account's session index.
local function score(a)
  return string.format('%d.%09d', a[1], a[2])
end

-- deadline of a session table: stored, or (written before deadlines were)
-- its last renewal plus the account's timeout.
local function deadline(s, timeout)
  if s.deadline and s.deadline ~= '0' then return ns(s.deadline) end
  return plus(ns(s.last_renewal), ns(timeout))
end
