-- add_record: appends a record (a donation or a deferral) to a donor's history, once per external
-- reference, and records the outcome under the request id.
--
-- KEYS[1]  donor hash          reg:{donors}:donor:<id>
-- KEYS[2]  records hash        reg:{donors}:donations:<id> or reg:{donors}:deferrals:<id>
--                              (record id -> record bytes)
-- KEYS[3]  references hash     the records hash's name + ":refs" (external_ref -> record id)
-- KEYS[4]  request record      reg:{donors}:req:<request_id>
-- ARGV[1]  request fingerprint
-- ARGV[2]  seconds to keep the request record
-- ARGV[3]  record id
-- ARGV[4]  record bytes (also the response)
-- ARGV[5]  external reference ("" = none)
--
-- Returns {"OK", bytes} | {"REPLAY", bytes} | {"EXISTING", bytes} (same external reference seen
-- before: the first record) | {"REQUEST_REUSED"} | {"NOT_FOUND"} (no such donor)
-- Guarantees: a reference maps to one record; the record, its reference and the request record
-- are written together or not at all.
local donor_key, records_key, refs_key, request_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]

local seen = redis.call('HMGET', request_key, 'fp', 'resp')
if seen[1] then
  if seen[1] == ARGV[1] then return {'REPLAY', seen[2]} end
  return {'REQUEST_REUSED'}
end
if redis.call('EXISTS', donor_key) == 0 then return {'NOT_FOUND'} end

local result = {'OK', ARGV[4]}
local existing_id = ARGV[5] ~= '' and redis.call('HGET', refs_key, ARGV[5])
if existing_id then
  result = {'EXISTING', redis.call('HGET', records_key, existing_id)}
else
  redis.call('HSET', records_key, ARGV[3], ARGV[4])
  if ARGV[5] ~= '' then redis.call('HSET', refs_key, ARGV[5], ARGV[3]) end
end
redis.call('HSET', request_key, 'fp', ARGV[1], 'resp', result[2])
redis.call('EXPIRE', request_key, ARGV[2])
return result
