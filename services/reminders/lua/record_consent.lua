-- record_consent: remembers a donor's latest SMS consent and, on an opt-out, suppresses the
-- donor's unsent messages (an opt-out takes effect for messages already planned).
--
-- KEYS[1]   consent hash    rem:{outbox}:consent  (donor id -> "<ms>:<0|1>")
-- KEYS[2]   donor index     rem:{outbox}:donor:<id>
-- KEYS[3]   due index       rem:{outbox}:due
-- ARGV[1]   donor id        ARGV[2] "1" opted in, "0" opted out
-- ARGV[3]   when the consent changed, ms (newer wins; equal: applied again)
-- ARGV[4]   now ms          ARGV[5] message key prefix
-- ARGV[6]   kinds an opt-out leaves alone, as ",9," (the reply to STOP)
--
-- Returns {"APPLIED", suppressed} | {"STALE"}
-- Guarantees: an older consent never overwrites a newer one (events and SMS keywords may arrive
-- in any order); after an opt-out no PENDING or LEASED message of the donor remains, and
-- plan_message suppresses any planned later.
local consent_key, index, due_key = KEYS[1], KEYS[2], KEYS[3]
local donor, opted, at = ARGV[1], ARGV[2], tonumber(ARGV[3])
local current = redis.call('HGET', consent_key, donor)
if current then
  local current_at = tonumber(string.match(current, '^(%d+):'))
  if current_at and current_at > at then return {'STALE'} end
end
redis.call('HSET', consent_key, donor, ARGV[3] .. ':' .. opted)
local suppressed = 0
if opted == '0' then
  local now, prefix, keep = ARGV[4], ARGV[5], ARGV[6]
  for _, id in ipairs(redis.call('ZRANGE', index, 0, -1)) do
    local key = prefix .. id
    local f = redis.call('HMGET', key, 'st', 'kind')
    local st = tonumber(f[1] or '0')
    if (st == 1 or st == 2) and not string.find(keep, ',' .. (f[2] or '') .. ',', 1, true) then
      redis.call('HSET', key, 'st', 9, 'why', 'opted out', 'fin', now, 'upd', now)
      redis.call('HDEL', key, 'lid', 'gw', 'lexp')
      redis.call('ZREM', due_key, id)
      suppressed = suppressed + 1
    end
  end
end
return {'APPLIED', suppressed}
