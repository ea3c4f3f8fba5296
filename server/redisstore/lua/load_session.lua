-- Session. ARGV: prefix, session id. Returns {session hash, timeout} or nil.
local flat, _, timeout = load_session(ARGV[1], ARGV[2])
if not flat then return false end
return {flat, timeout}
