-- ack_message: a gateway's result for one leased message.
--
-- KEYS[1]   message hash    rem:{outbox}:msg:<id>
-- KEYS[2]   due index       rem:{outbox}:due
-- KEYS[3]   request record  rem:{outbox}:req:<request_id>
-- KEYS[4]   provider index  rem:{outbox}:pmid:<gateway>:<provider_message_id> (SENT only; else
--                           any key, untouched)
-- ARGV[1]   fingerprint     ARGV[2] request record ttl s     ARGV[3] now ms
-- ARGV[4]   lease id        ARGV[5] "sent" | "transient" | "release" | "permanent"
-- ARGV[6]   sent: provider message id; failures: the error text
-- ARGV[7]   sent: sent ms; transient: the retry's due ms (backoff and quiet hours applied by the
--           caller), 0 when the retries are used up (FAILED), -1 when the retry would come at or
--           after the message's expiry (DROPPED); release: the due ms (no backoff: at once or
--           retry_after, out of quiet hours), -1 when that is at or after the expiry (DROPPED)
-- ARGV[8]   provider index ttl s
--
-- Returns {"OK"} | {"REPLAY"} | error replies NOT_FOUND, FAILED_PRECONDITION, INVALID_ARGUMENT
-- Guarantees: a SENT message leaves the due index for good (never leased again); a failure ack
-- counts only from the lease holder; a SENT ack is accepted even from an expired lease (the SMS
-- went out), and on a message already SENT or final it changes nothing. A release (the gateway
-- never handed the message to its provider) is PENDING again without backoff and gives the lease
-- back to the attempt count, so releases alone never make a message FAILED.
local msg, due_key, req_key, pmid_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local seen = redis.call('HGET', req_key, 'fp')
if seen then
  if seen == ARGV[1] then return {'REPLAY'} end
  return redis.error_reply('INVALID_ARGUMENT request_id: reused for a different request')
end
local f = redis.call('HMGET', msg, 'st', 'lid', 'pmid')
if not f[1] then return redis.error_reply('NOT_FOUND name: no such message') end
local st, lid = tonumber(f[1]), f[2]
local now, kind = ARGV[3], ARGV[5]
local id = string.match(msg, ':msg:(.*)$')

local function remember()
  redis.call('HSET', req_key, 'fp', ARGV[1])
  redis.call('EXPIRE', req_key, ARGV[2])
end

if kind == 'sent' then
  if st == 1 or st == 2 then
    redis.call('HSET', msg, 'st', 3, 'pmid', ARGV[6], 'sent', ARGV[7], 'upd', now, 'why', '')
    redis.call('HDEL', msg, 'lid', 'gw', 'lexp')
    redis.call('ZREM', due_key, id)
    redis.call('SET', pmid_key, id, 'EX', ARGV[8])
  elseif not f[3] then
    -- Withdrawn or suppressed while a gateway was sending it: the state stays, but receipts for
    -- the SMS that went out can still find it.
    redis.call('HSET', msg, 'pmid', ARGV[6], 'sent', ARGV[7], 'upd', now)
    redis.call('SET', pmid_key, id, 'EX', ARGV[8])
  end
  remember()
  return {'OK'}
end

if st ~= 2 or lid ~= ARGV[4] then
  return redis.error_reply('FAILED_PRECONDITION lease_id: the lease does not hold this message ' ..
    '(it expired, or the message was acknowledged)')
end
local retry = kind == 'transient' or kind == 'release'
if retry and tonumber(ARGV[7]) > 0 then
  redis.call('HSET', msg, 'st', 1, 'due', ARGV[7], 'why', ARGV[6], 'upd', now)
  redis.call('HDEL', msg, 'lid', 'gw', 'lexp')
  redis.call('ZADD', due_key, ARGV[7], id)
  -- HSET, not HINCRBY: the service's ACL user (deploy/redis/service-acl.txt) has no HINCRBY.
  local att = tonumber(redis.call('HGET', msg, 'att') or '0')
  if kind == 'release' and att > 0 then redis.call('HSET', msg, 'att', att - 1) end
else
  local why, final = ARGV[6], 7
  if retry and tonumber(ARGV[7]) < 0 then
    why, final = 'still unsent at its expiry: ' .. why, 10
  elseif kind == 'transient' then
    why = 'retries used up: ' .. why
  end
  redis.call('HSET', msg, 'st', final, 'why', why, 'fin', now, 'upd', now)
  redis.call('HDEL', msg, 'lid', 'gw', 'lexp')
  redis.call('ZREM', due_key, id)
end
remember()
return {'OK'}
