-- plan_message: writes one planned message once. The message key is derived from what the message
-- is about (booking, kind, offset or drive, donor, kind), so planning it again (a replayed event)
-- finds it and changes nothing.
--
-- KEYS[1]    message hash        rem:{outbox}:msg:<id>
-- KEYS[2]    due index           rem:{outbox}:due           (zset: id -> due ms)
-- KEYS[3]    consent hash        rem:{outbox}:consent       (donor id -> "<ms>:<0|1>")
-- KEYS[4]    booking tombstone   rem:{outbox}:gone:<drive>:<booking> (or a key that never exists)
-- KEYS[5..]  listing indexes     rem:{outbox}:all, :donor:<id>, :drive:<id>, :booking:<d>:<b>
-- ARGV[1]    planned content: OutboundMessage bytes (state fields are kept as hash fields)
-- ARGV[2]    state to plan in: 1 PENDING, 9 SUPPRESSED or 10 DROPPED
-- ARGV[3]    due ms             ARGV[4] expire ms (0: none)
-- ARGV[5]    state reason       ARGV[6] now ms
-- ARGV[7]    donor id           ARGV[8] "1": an opt-out recorded here suppresses it
-- ARGV[9]    "1": refuse when the booking is gone (cancelled, moved, over)
-- ARGV[10]   kind number        ARGV[11] site time zone (for retries in quiet hours)
--
-- Returns {"CREATED", state} | {"EXISTS", state} | {"GONE"}
-- Guarantees: a message is written at most once with all its index entries; a PENDING message is
-- in the due index; an opt-out recorded before this step suppresses it; nothing is planned for a
-- booking already withdrawn.
local msg, due_key, consent_key, gone_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]

local existing = redis.call('HGET', msg, 'st')
if existing then return {'EXISTS', tonumber(existing)} end
if ARGV[9] == '1' and redis.call('EXISTS', gone_key) == 1 then return {'GONE'} end

local state, reason = tonumber(ARGV[2]), ARGV[5]
if state == 1 and ARGV[8] == '1' then
  local consent = redis.call('HGET', consent_key, ARGV[7])
  if consent and string.sub(consent, -1) == '0' then
    state, reason = 9, 'opted out'
  end
end

local now, due = ARGV[6], ARGV[3]
local id = string.match(msg, ':msg:(.*)$')
redis.call('HSET', msg, 'pb', ARGV[1], 'st', state, 'due', due, 'exp', ARGV[4], 'att', 0,
  'why', reason, 'upd', now, 'kind', ARGV[10], 'tz', ARGV[11])
if state ~= 1 then redis.call('HSET', msg, 'fin', now) end
for i = 5, #KEYS do redis.call('ZADD', KEYS[i], due, id) end
if state == 1 then redis.call('ZADD', due_key, due, id) end
return {'CREATED', state}
