-- EndSession. KEYS[1] the session; ARGV: at, reason. Ending an ended
-- (or unknown) session changes nothing.
if redis.call('HGET', KEYS[1], 'ended_at') == '0' then
  redis.call('HSET', KEYS[1], 'ended_at', ARGV[1], 'end_reason', ARGV[2])
end
return 1
