-- remember_response: keeps the response of a request whose steps were each idempotent
-- (ReceiveInbound, QueueInvitations), so a retry returns the first outcome.
--
-- KEYS[1]   request record  rem:{outbox}:req:<request_id>  (fields fp, resp)
-- KEYS[2]   optional second record, e.g. rem:{outbox}:inbound:<gateway>:<provider_message_id>
-- ARGV[1]   fingerprint     ARGV[2] response bytes     ARGV[3] ttl s
--
-- Returns {"OK"} | {"REPLAY", resp} (a first outcome was kept meanwhile: the caller returns it)
-- Guarantees: the first outcome kept for a request (and for its second key) is never replaced.
local first = redis.call('HMGET', KEYS[1], 'fp', 'resp')
if first[1] then return {'REPLAY', first[2]} end
if KEYS[2] then
  local other = redis.call('HGET', KEYS[2], 'resp')
  if other then return {'REPLAY', other} end
end
for i = 1, #KEYS do
  redis.call('HSET', KEYS[i], 'fp', ARGV[1], 'resp', ARGV[2])
  redis.call('EXPIRE', KEYS[i], ARGV[3])
end
return {'OK'}
