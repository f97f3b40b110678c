-- partition_commit: one change of a scheduling partition (a drive's keys, the sites' keys, or the
-- drive index), with its preconditions, its seat accounting, its events and its request record,
-- in one atomic step. The service computes the new records (protobuf bytes) with the pure rules
-- of services/scheduling/rules and states here what must still hold when they are written.
--
-- KEYS     every key the change reads or writes, all in one hash slot; ops name them by index.
-- ARGV[1]  index of the request record key (a hash: fp, resp), "0" for none
-- ARGV[2]  request fingerprint;  ARGV[3] response bytes kept for replays;  ARGV[4] seconds kept
-- ARGV[5]  event producer ("scheduling");  ARGV[6] partition (the drive id)
-- ARGV[7..] ops, each a name followed by its arguments (k = a KEYS index):
--   checks (phase 1, nothing is written if one fails):
--     FIELD_IN k field csv error   HGET k field (nil as "") must be one of the comma list
--     FIELD_EQ k field value error HGET k field must equal value
--     ABSENT k                     k must not exist; else the reply is {"EXISTS", HGET k "pb"}
--     PRESENT k error              k must exist
--     FITS k_seats caps            every slot's use fits "type:S:R,..." (types absent: S=R=0)
--   seats (checked in phase 1 against the counters plus earlier ops, written in phase 2):
--     SEAT k_seats k_drive slot type kind   takes one seat; kind h (hold), b (booked), w (walk-in).
--                                   S = HGET k_drive "seats:<type>", R = "reserve:<type>"; with
--                                   d = h + b: h/b need d+1 <= S-R and d+w+1 <= S; w needs
--                                   d+w+1 <= S. Else error "RESOURCE_EXHAUSTED [slot-full] ...".
--     SEAT_ADD k_seats slot type kind delta   moves a counter; below zero is an error
--   writes (phase 2): HSET k f v | HDEL k f | HINCR k f n | SADD k m | SREM k m | ZADD k score m
--     | ZREM k m | DEL k | EVENT k_stream k_seq bytes (emit_event with seq field "event_seq")
--     | ZADD_NEXT k k_counter field m (score = HINCRBY k_counter field 1: arrival order)
--
-- Returns {"OK"} | {"REPLAY", resp} | {"REQUEST_REUSED"} | {"EXISTS", pb}, or an error reply whose
-- first word is a status code name and whose second may be a [kind] for a BookingFailure.
-- Guarantees: all checks pass before the first write, so a change is whole or absent (invariant 3:
-- a state change and its event); no seat counter passes its capacity (invariant 1); a request id
-- replays its first response (invariant 2).

local arity = {
  FIELD_IN = 4, FIELD_EQ = 4, ABSENT = 1, PRESENT = 2, FITS = 2, SEAT = 5, SEAT_ADD = 5,
  HSET = 3, HDEL = 2, HINCR = 3, SADD = 2, SREM = 2, ZADD = 3, ZREM = 2, DEL = 1, EVENT = 3,
  ZADD_NEXT = 4,
}

local request_index = tonumber(ARGV[1])
if request_index > 0 then
  local seen = redis.call('HMGET', KEYS[request_index], 'fp', 'resp')
  if seen[1] then
    if seen[1] == ARGV[2] then return {'REPLAY', seen[2]} end
    return {'REQUEST_REUSED'}
  end
end

local ops = {}
local i = 7
while i <= #ARGV do
  local name = ARGV[i]
  local n = arity[name]
  if not n then return redis.error_reply('INTERNAL unknown op ' .. tostring(name)) end
  local op = {name = name}
  for j = 1, n do op[j] = ARGV[i + j] end
  ops[#ops + 1] = op
  i = i + n + 1
end

local function num(v) return tonumber(v or '0') or 0 end

-- Phase 1: checks, with the seat counters as they will be after earlier ops of this change.
local pending = {}
local function counter(k, field)
  local key = k .. '\0' .. field
  if pending[key] == nil then pending[key] = num(redis.call('HGET', KEYS[k], field)) end
  return pending[key], key
end

for _, op in ipairs(ops) do
  local name = op.name
  if name == 'FIELD_IN' then
    local value = redis.call('HGET', KEYS[tonumber(op[1])], op[2]) or ''
    local ok = false
    for allowed in string.gmatch(op[3], '[^,]+') do
      if allowed == value then ok = true end
    end
    if not ok then return redis.error_reply(op[4]) end
  elseif name == 'FIELD_EQ' then
    local value = redis.call('HGET', KEYS[tonumber(op[1])], op[2]) or ''
    if value ~= op[3] then return redis.error_reply(op[4]) end
  elseif name == 'ABSENT' then
    local k = KEYS[tonumber(op[1])]
    if redis.call('EXISTS', k) == 1 then return {'EXISTS', redis.call('HGET', k, 'pb') or ''} end
  elseif name == 'PRESENT' then
    if redis.call('EXISTS', KEYS[tonumber(op[1])]) == 0 then return redis.error_reply(op[2]) end
  elseif name == 'FITS' then
    local caps = {}
    for type, s, r in string.gmatch(op[2], '(%d+):(%d+):(%d+)') do
      caps[type] = {tonumber(s), tonumber(r)}
    end
    local use = {}
    local flat = redis.call('HGETALL', KEYS[tonumber(op[1])])
    for f = 1, #flat, 2 do
      local slot, type, kind = string.match(flat[f], '^([^:]+):(%d+):(%a)$')
      if slot then
        local u = use[slot .. ':' .. type] or {type = type, d = 0, w = 0}
        if kind == 'w' then u.w = u.w + num(flat[f + 1]) else u.d = u.d + num(flat[f + 1]) end
        use[slot .. ':' .. type] = u
      end
    end
    for where, u in pairs(use) do
      local cap = caps[u.type] or {0, 0}
      if u.d > cap[1] - cap[2] or u.d + u.w > cap[1] then
        return redis.error_reply('FAILED_PRECONDITION capacity of slot ' .. where ..
                                 ' would fall below the seats in use')
      end
    end
  elseif name == 'SEAT' then
    local ks, kd = tonumber(op[1]), tonumber(op[2])
    local slot, type, kind = op[3], op[4], op[5]
    local prefix = slot .. ':' .. type .. ':'
    local s = num(redis.call('HGET', KEYS[kd], 'seats:' .. type))
    local r = num(redis.call('HGET', KEYS[kd], 'reserve:' .. type))
    local h = counter(ks, prefix .. 'h')
    local b = counter(ks, prefix .. 'b')
    local w = counter(ks, prefix .. 'w')
    local d = h + b
    local fits
    if kind == 'w' then fits = d + w + 1 <= s else fits = d + 1 <= s - r and d + w + 1 <= s end
    if not fits then
      return redis.error_reply('RESOURCE_EXHAUSTED [slot-full] no seat left in slot ' .. slot)
    end
    local _, key = counter(ks, prefix .. kind)
    pending[key] = pending[key] + 1
  elseif name == 'SEAT_ADD' then
    local ks = tonumber(op[1])
    local value, key = counter(ks, op[2] .. ':' .. op[3] .. ':' .. op[4])
    pending[key] = value + tonumber(op[5])
    if pending[key] < 0 then
      return redis.error_reply('INTERNAL seat counter below zero in slot ' .. op[2])
    end
  end
end

-- Phase 2: writes.
for _, op in ipairs(ops) do
  local name = op.name
  if name == 'SEAT' then
    redis.call('HINCRBY', KEYS[tonumber(op[1])], op[3] .. ':' .. op[4] .. ':' .. op[5], 1)
  elseif name == 'SEAT_ADD' then
    redis.call('HINCRBY', KEYS[tonumber(op[1])], op[2] .. ':' .. op[3] .. ':' .. op[4], op[5])
  elseif name == 'HSET' then
    redis.call('HSET', KEYS[tonumber(op[1])], op[2], op[3])
  elseif name == 'HDEL' then
    redis.call('HDEL', KEYS[tonumber(op[1])], op[2])
  elseif name == 'HINCR' then
    redis.call('HINCRBY', KEYS[tonumber(op[1])], op[2], op[3])
  elseif name == 'SADD' then
    redis.call('SADD', KEYS[tonumber(op[1])], op[2])
  elseif name == 'SREM' then
    redis.call('SREM', KEYS[tonumber(op[1])], op[2])
  elseif name == 'ZADD' then
    redis.call('ZADD', KEYS[tonumber(op[1])], op[2], op[3])
  elseif name == 'ZREM' then
    redis.call('ZREM', KEYS[tonumber(op[1])], op[2])
  elseif name == 'DEL' then
    redis.call('DEL', KEYS[tonumber(op[1])])
  elseif name == 'ZADD_NEXT' then
    local order = redis.call('HINCRBY', KEYS[tonumber(op[2])], op[3], 1)
    redis.call('ZADD', KEYS[tonumber(op[1])], order, op[4])
  elseif name == 'EVENT' then
    emit_event(KEYS[tonumber(op[1])], KEYS[tonumber(op[2])], 'event_seq', ARGV[5], ARGV[6], op[3])
  end
end

if request_index > 0 then
  redis.call('HSET', KEYS[request_index], 'fp', ARGV[2], 'resp', ARGV[3])
  redis.call('EXPIRE', KEYS[request_index], ARGV[4])
end
return {'OK'}
