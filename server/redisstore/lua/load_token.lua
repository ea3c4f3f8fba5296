-- RefreshToken. KEYS[1] the token, KEYS[2] its session (one hash tag).
-- Returns nil, {token hash}, or {token hash, session hash}.
local tok = redis.call('HGETALL', KEYS[1])
if #tok == 0 then return false end
local flat = redis.call('HGETALL', KEYS[2])
if #flat == 0 then return {tok} end
return {tok, flat}
