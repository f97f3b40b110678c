-- withdraw_messages: ends the unsent messages of one booking, drive or donor, and marks the
-- booking gone so that a later (replayed or reordered) event plans nothing new for it.
--
-- KEYS[1]   index of the messages to end: rem:{outbox}:booking:<d>:<b>, :drive:<d> or :donor:<id>
-- KEYS[2]   due index       rem:{outbox}:due
-- KEYS[3]   tombstone       rem:{outbox}:gone:<drive>:<booking> (set when ARGV[6] > 0)
-- ARGV[1]   now ms          ARGV[2] new state: 8 WITHDRAWN or 9 SUPPRESSED
-- ARGV[3]   state reason    ARGV[4] kinds to leave alone, as ",3,4," ("" for none)
-- ARGV[5]   message key prefix                         ARGV[6] tombstone ttl s (0: none)
--
-- Message keys are <prefix><id> for the index's members (same {outbox} tag, same slot).
-- Returns the number of messages ended.
-- Guarantees: PENDING and LEASED messages of the index (other than the kinds left alone) end in
-- one step and leave the due index; sent and final ones are untouched. Running it again changes
-- nothing more.
local index, due_key, gone_key = KEYS[1], KEYS[2], KEYS[3]
local now, state, reason, keep, prefix = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local ended = 0
for _, id in ipairs(redis.call('ZRANGE', index, 0, -1)) do
  local key = prefix .. id
  local f = redis.call('HMGET', key, 'st', 'kind')
  local st = tonumber(f[1] or '0')
  if (st == 1 or st == 2) and not string.find(keep, ',' .. (f[2] or '') .. ',', 1, true) then
    redis.call('HSET', key, 'st', state, 'why', reason, 'fin', now, 'upd', now)
    redis.call('HDEL', key, 'lid', 'gw', 'lexp')
    redis.call('ZREM', due_key, id)
    ended = ended + 1
  end
end
if tonumber(ARGV[6]) > 0 then redis.call('SET', gone_key, now, 'EX', ARGV[6]) end
return ended
