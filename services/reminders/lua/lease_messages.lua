-- lease_messages: hands up to N due messages to one gateway, oldest due first.
--
-- KEYS[1]   due index       rem:{outbox}:due  (zset: id -> due ms; a LEASED message sits here at
--                           its lease expiry, so an expired lease is simply due again)
-- KEYS[2]   request record  rem:{outbox}:req:<request_id>  (fields fp, resp)
-- ARGV[1]   now ms          ARGV[2] max messages     ARGV[3] lease ms
-- ARGV[4]   gateway id      ARGV[5] new lease id     ARGV[6] request fingerprint
-- ARGV[7]   request record ttl seconds               ARGV[8] message key prefix
-- ARGV[9]   max attempts (leases) per message
--
-- Message keys are <prefix><id> for the ids in the due index: they carry the same {outbox} hash
-- tag, so they are in this script's slot (docs/redis-keys.md says why the outbox has one tag).
--
-- Returns {"LEASED", lease_id, id...} | {"REPLAY", resp} | {"REQUEST_REUSED"}
-- Guarantees: a message is held by at most one unexpired lease; a message past its expiry is
-- DROPPED instead of leased, one leased max-attempts times FAILED; SENT and final messages are
-- never in the due index, so never leased again. A retry of the request returns the first lease.
local due_key, req_key = KEYS[1], KEYS[2]
local seen = redis.call('HMGET', req_key, 'fp', 'resp')
if seen[1] then
  if seen[1] == ARGV[6] then return {'REPLAY', seen[2]} end
  return {'REQUEST_REUSED'}
end

local now, max = tonumber(ARGV[1]), tonumber(ARGV[2])
local lease_ms, gateway, lease_id = tonumber(ARGV[3]), ARGV[4], ARGV[5]
local prefix, max_attempts = ARGV[8], tonumber(ARGV[9])
local out = {'LEASED', lease_id}
local leased = 0
-- Dropped and failed entries do not count toward max, so look a little further than max.
local candidates = redis.call('ZRANGEBYSCORE', due_key, '-inf', now, 'LIMIT', 0, max * 2 + 10)
for _, id in ipairs(candidates) do
  if leased >= max then break end
  local key = prefix .. id
  local f = redis.call('HMGET', key, 'st', 'exp', 'att', 'lexp')
  local st, exp, att = tonumber(f[1]), tonumber(f[2] or '0'), tonumber(f[3] or '0')
  if st == nil then
    redis.call('ZREM', due_key, id)
  elseif st == 1 or (st == 2 and tonumber(f[4] or '0') <= now) then
    if exp > 0 and now >= exp then
      redis.call('HSET', key, 'st', 10, 'why', 'still unsent at its expiry', 'fin', now, 'upd', now)
      redis.call('HDEL', key, 'lid', 'gw', 'lexp')
      redis.call('ZREM', due_key, id)
    elseif att >= max_attempts then
      redis.call('HSET', key, 'st', 7, 'why', 'lease limit reached without an ack', 'fin', now,
        'upd', now)
      redis.call('HDEL', key, 'lid', 'gw', 'lexp')
      redis.call('ZREM', due_key, id)
    else
      local lexp = now + lease_ms
      redis.call('HSET', key, 'st', 2, 'lid', lease_id, 'gw', gateway, 'lexp', lexp,
        'att', att + 1, 'upd', now)
      redis.call('ZADD', due_key, lexp, id)
      out[#out + 1] = id
      leased = leased + 1
    end
  else
    -- Not leasable (a stale entry): keep the index to what it promises.
    redis.call('ZREM', due_key, id)
  end
end
if leased > 0 then
  redis.call('HSET', req_key, 'fp', ARGV[6], 'resp', lease_id)
  redis.call('EXPIRE', req_key, ARGV[7])
end
return out
