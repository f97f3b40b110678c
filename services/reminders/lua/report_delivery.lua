-- report_delivery: records a delivery receipt once.
--
-- KEYS[1]   message hash    rem:{outbox}:msg:<id>
-- KEYS[2]   due index       rem:{outbox}:due
-- KEYS[3]   request record  rem:{outbox}:req:<request_id>
-- ARGV[1]   fingerprint     ARGV[2] request record ttl s   ARGV[3] now ms
-- ARGV[4]   final state: 4 DELIVERED, 5 UNDELIVERABLE, 6 EXPIRED
-- ARGV[5]   the provider's status code (0..64 characters)
--
-- Returns {"APPLIED"} | {"UNCHANGED"} | {"REPLAY"} | error NOT_FOUND / INVALID_ARGUMENT
-- Guarantees: only the first receipt for a message changes it; a duplicate or any receipt after
-- a final state changes nothing. A receipt for a message that was never acknowledged as sent
-- (LEASED, or PENDING again after its lease ran out) counts as its SENT ack too, so it leaves the
-- due index and is not sent again.
local msg, due_key, req_key = KEYS[1], KEYS[2], KEYS[3]
local seen = redis.call('HGET', req_key, 'fp')
if seen then
  if seen == ARGV[1] then return {'REPLAY'} end
  return redis.error_reply('INVALID_ARGUMENT request_id: reused for a different request')
end
local st = redis.call('HGET', msg, 'st')
if not st then return redis.error_reply('NOT_FOUND name: no such message') end
st = tonumber(st)
local now = ARGV[3]
local result = 'UNCHANGED'
if st == 1 or st == 2 or st == 3 then
  if st ~= 3 then
    redis.call('HSET', msg, 'sent', now)
    redis.call('HDEL', msg, 'lid', 'gw', 'lexp')
    redis.call('ZREM', due_key, string.match(msg, ':msg:(.*)$'))
  end
  redis.call('HSET', msg, 'st', ARGV[4], 'fin', now, 'upd', now, 'why', ARGV[5])
  result = 'APPLIED'
end
redis.call('HSET', req_key, 'fp', ARGV[1])
redis.call('EXPIRE', req_key, ARGV[2])
return {result}
