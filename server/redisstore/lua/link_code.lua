-- CreateSession, the code's side. KEYS[1] the code; ARGV[1] the session
-- it made. A code that expired meanwhile is not written back.
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'session_id', ARGV[1]) end
return 1
