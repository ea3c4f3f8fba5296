-- RefreshToken. KEYS[1] the token; ARGV[1] prefix.
-- Returns nil, {token hash}, or {token hash, session hash, timeout}.
local tok = redis.call('HGETALL', KEYS[1])
if #tok == 0 then return false end
local id = redis.call('HGET', KEYS[1], 'session')
local flat, _, timeout = load_session(ARGV[1], id)
if not flat then return {tok} end
return {tok, flat, timeout}
