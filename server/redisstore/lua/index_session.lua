-- CreateSession, the account's side, run before the session is written.
-- KEYS[1] the account, KEYS[2] its session index (one hash tag: the
-- account). ARGV: session id, its start (ns).
-- Adds the session to the index (by its first deadline) and returns the
-- account's {timeout, timeout_version}, or an error for no account. A
-- timeout change that comes after this finds the session in the index;
-- one that came before is what this returns.
local timeout, version = unpack(redis.call('HMGET', KEYS[1], 'timeout', 'version'))
if not timeout then return redis.error_reply('no account') end
local start = ns(ARGV[2])
-- The index forgets sessions that lapsed a day ago or more.
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. score({start[1] - 86400, 0}))
redis.call('ZADD', KEYS[2], score(plus(start, ns(timeout))), ARGV[1])
return {timeout, version or '0'}
