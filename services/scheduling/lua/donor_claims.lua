-- donor_claims: the donor side of the claim-then-book protocol (docs/redis-keys.md). A donor's
-- bookings live in the partitions of their drives; this donor's partition holds one claim per
-- booking that is being made or is active, so that invariant 4 (no two active bookings of one
-- donor in an overlapping period) is checked in one place, atomically.
--
-- KEYS[1]  claims hash        sch:{p:<donor>}:claims    field booking name ->
--                                                       "<day>|<start ms>|<end ms>|<pending until ms>"
--                                                       (pending until 0: the booking exists)
-- KEYS[2]  bookings index     sch:{p:<donor>}:bookings  booking name -> slot start ms (every booking
--                                                       ever claimed; readers skip missing ones)
-- ARGV[1]  op: CLAIM | CONFIRM | RELEASE
-- ARGV[2]  booking name
-- CLAIM    ARGV[3] drive day number, ARGV[4] slot start ms, ARGV[5] slot end ms,
--          ARGV[6] now ms, ARGV[7] pending-until ms, ARGV[8] a booking name to ignore (the one a
--          reschedule moves) or ""
--          -> {"OK"} | {"CONFLICT", name, pending ("1"/"0"), stale ("1"/"0"), value}: the first claim of
--          another booking on the same day or with an overlapping interval. A fresh pending claim
--          is a booking in the making; a stale one or a confirmed one must be checked against its
--          drive by the caller, which releases it (RELEASE with ARGV[3] = the value seen) when its
--          booking is not active.
-- CONFIRM  marks the claim as made (pending until 0). With ARGV[3..5] (day, start ms, end ms) it
--          writes the claim even when a racing release removed it -> {"OK"} | {"GONE"}
-- RELEASE  ARGV[3] "" (any value), "pending" (only a claim still pending: a booking step that
--          failed must not drop the claim of a racing step that made the same booking), or the
--          exact value to release; ARGV[4] "1" to also drop the booking from the index
--          -> {"OK"} | {"CHANGED"}
-- Guarantees: two claims of one donor that share a day or overlap never both exist unless one
-- of them is stale or confirmed and under the caller's check; claiming the same booking twice is
-- not a conflict (a retried request).
local claims, index = KEYS[1], KEYS[2]
local op, name = ARGV[1], ARGV[2]

if op == 'CLAIM' then
  local day, start_ms, end_ms = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
  local now, ignore = tonumber(ARGV[6]), ARGV[8]
  local flat = redis.call('HGETALL', claims)
  for i = 1, #flat, 2 do
    local other = flat[i]
    if other ~= name and other ~= ignore then
      local d, s, e, p = string.match(flat[i + 1], '^(-?%d+)|(%d+)|(%d+)|(%d+)$')
      d, s, e, p = tonumber(d), tonumber(s), tonumber(e), tonumber(p)
      if d == day or (s < end_ms and start_ms < e) then
        local pending = p > 0 and '1' or '0'
        local stale = (p > 0 and p < now) and '1' or '0'
        return {'CONFLICT', other, pending, stale, flat[i + 1]}
      end
    end
  end
  if redis.call('HEXISTS', claims, name) == 0 then
    redis.call('HSET', claims, name, table.concat({ARGV[3], ARGV[4], ARGV[5], ARGV[7]}, '|'))
  end
  redis.call('ZADD', index, ARGV[4], name)
  return {'OK'}
elseif op == 'CONFIRM' then
  if ARGV[3] then
    redis.call('HSET', claims, name, table.concat({ARGV[3], ARGV[4], ARGV[5], '0'}, '|'))
    redis.call('ZADD', index, ARGV[4], name)
    return {'OK'}
  end
  local value = redis.call('HGET', claims, name)
  if not value then return {'GONE'} end
  local d, s, e = string.match(value, '^(-?%d+)|(%d+)|(%d+)|')
  redis.call('HSET', claims, name, table.concat({d, s, e, '0'}, '|'))
  return {'OK'}
elseif op == 'RELEASE' then
  local value = redis.call('HGET', claims, name)
  if ARGV[3] == 'pending' then
    if value and string.match(value, '|0$') then return {'CHANGED'} end
  elseif ARGV[3] ~= '' and value ~= ARGV[3] then
    return {'CHANGED'}
  end
  redis.call('HDEL', claims, name)
  if ARGV[4] == '1' then redis.call('ZREM', index, name) end
  return {'OK'}
end
return redis.error_reply('INTERNAL donor_claims: unknown op ' .. tostring(op))
