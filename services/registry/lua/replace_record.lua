-- replace_record: compare-and-set of one record in a donor's history (lifting a deferral), and
-- records the outcome under the request id.
--
-- KEYS[1]  records hash        reg:{donors}:deferrals:<id>
-- KEYS[2]  request record      reg:{donors}:req:<request_id>
-- ARGV[1]  request fingerprint
-- ARGV[2]  seconds to keep the request record
-- ARGV[3]  record id
-- ARGV[4]  the record bytes the caller read
-- ARGV[5]  the new record bytes (also the response)
--
-- Returns {"OK"} | {"REPLAY", bytes} | {"REQUEST_REUSED"} | {"NOT_FOUND"}
--       | {"CHANGED"} (the record is no longer what the caller read: read again)
local records_key, request_key = KEYS[1], KEYS[2]

local seen = redis.call('HMGET', request_key, 'fp', 'resp')
if seen[1] then
  if seen[1] == ARGV[1] then return {'REPLAY', seen[2]} end
  return {'REQUEST_REUSED'}
end
local current = redis.call('HGET', records_key, ARGV[3])
if not current then return {'NOT_FOUND'} end
if current ~= ARGV[4] then return {'CHANGED'} end
redis.call('HSET', records_key, ARGV[3], ARGV[5])
redis.call('HSET', request_key, 'fp', ARGV[1], 'resp', ARGV[5])
redis.call('EXPIRE', request_key, ARGV[2])
return {'OK'}
