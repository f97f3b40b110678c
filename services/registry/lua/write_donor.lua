-- write_donor: creates or replaces one donor record together with every index entry that changes,
-- in one atomic step, and records the outcome under the request id.
--
-- KEYS[1]      donor hash              reg:{donors}:donor:<id>       fields pb (Donor bytes), rev
-- KEYS[2]      request record          reg:{donors}:req:<request_id> fields fp, resp
-- KEYS[3]      registry event stream   reg:{donors}:events
-- KEYS[4]      registry counters       reg:{donors}:meta             field event_seq
-- KEYS[5..]    then, in this order, claim_count document keys to own (value: donor id),
--              release_count document keys to delete, add_count sorted-set keys, remove_count
--              sorted-set keys (a key repeats when it gets several members)
-- ARGV[1]      request fingerprint (method + request bytes)
-- ARGV[2]      response bytes to keep for replays
-- ARGV[3]      seconds to keep the request record
-- ARGV[4]      rev the caller read: "0" means create (the donor must not exist)
-- ARGV[5]      etag sent by the client ("" = any)
-- ARGV[6]      new Donor bytes
-- ARGV[7]      donor id
-- ARGV[8..11]  claim_count, release_count, add_count, remove_count
-- ARGV[12]     Event bytes to emit with the change (a DonorSmsConsentChanged), "" for none
-- ARGV[13..]   one member per sorted-set key to add, then one per key to remove (score 0: lex order)
--
-- The service prepends the event prelude (services/platform/lua/event_prelude.lua) to this file.
-- Returns {"OK", new_rev} | {"REPLAY", resp} | {"REQUEST_REUSED"} | {"ID_TAKEN"} | {"NOT_FOUND"}
--       | {"STALE_ETAG"} | {"CHANGED"} (rev moved since the caller read it: read again)
--       | {"DOC_TAKEN", claim_index, owner_id}
-- Guarantees: either every key changes or none does; a document key only ever names one donor;
-- the event is written if and only if the change is (a replay writes none).
local donor_key, request_key = KEYS[1], KEYS[2]

local seen = redis.call('HMGET', request_key, 'fp', 'resp')
if seen[1] then
  if seen[1] == ARGV[1] then return {'REPLAY', seen[2]} end
  return {'REQUEST_REUSED'}
end

local read_rev = tonumber(ARGV[4])
local current_rev = tonumber(redis.call('HGET', donor_key, 'rev') or '0')
if read_rev == 0 then
  if current_rev ~= 0 then return {'ID_TAKEN'} end
else
  if current_rev == 0 then return {'NOT_FOUND'} end
  if ARGV[5] ~= '' and ARGV[5] ~= tostring(current_rev) then return {'STALE_ETAG'} end
  if current_rev ~= read_rev then return {'CHANGED'} end
end

local id = ARGV[7]
local claims, releases = tonumber(ARGV[8]), tonumber(ARGV[9])
local adds, removes = tonumber(ARGV[10]), tonumber(ARGV[11])
local first_claim = 5
for i = 0, claims - 1 do
  local owner = redis.call('GET', KEYS[first_claim + i])
  if owner and owner ~= id then return {'DOC_TAKEN', i, owner} end
end

for i = 0, claims - 1 do redis.call('SET', KEYS[first_claim + i], id) end
local first_release = first_claim + claims
for i = 0, releases - 1 do redis.call('DEL', KEYS[first_release + i]) end
local first_add = first_release + releases
for i = 0, adds - 1 do redis.call('ZADD', KEYS[first_add + i], 0, ARGV[13 + i]) end
local first_remove = first_add + adds
for i = 0, removes - 1 do redis.call('ZREM', KEYS[first_remove + i], ARGV[13 + adds + i]) end

local new_rev = current_rev + 1
redis.call('HSET', donor_key, 'pb', ARGV[6], 'rev', new_rev)
redis.call('HSET', request_key, 'fp', ARGV[1], 'resp', ARGV[2])
redis.call('EXPIRE', request_key, ARGV[3])
if ARGV[12] ~= '' then
  emit_event(KEYS[3], KEYS[4], 'event_seq', 'registry', 'registry', ARGV[12])
end
return {'OK', new_rev}
