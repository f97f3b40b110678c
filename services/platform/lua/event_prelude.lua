-- Prelude of every script that writes an event (services/platform/event_stream.h): the service
-- prepends this file to the script's source, so the functions below are local to the script.
--
-- emit_event(stream, seq_key, seq_field, producer, partition, event_bytes)
--   KEYS it touches: stream (XADD) and seq_key (HINCRBY seq_field), both in the caller's hash slot.
--   event_bytes: a serialized blooddrive.v1.Event without event_id and sequence.
--   Guarantees: sequence numbers of a partition increase by one per event in commit order, and
--   the stored event is complete: appending fields to protobuf bytes is a valid encoding (a later
--   scalar wins), so event_id (field 1) and sequence (field 5) are added here. Returns the sequence.

local function pb_varint(n)
  local out = {}
  while n >= 128 do
    out[#out + 1] = string.char(n % 128 + 128)
    n = math.floor(n / 128)
  end
  out[#out + 1] = string.char(n)
  return table.concat(out)
end

local function emit_event(stream, seq_key, seq_field, producer, partition, event_bytes)
  local seq = redis.call('HINCRBY', seq_key, seq_field, 1)
  local id = producer .. ':' .. partition .. ':' .. seq
  -- Field 1 (event_id, length-delimited): tag 10. Field 5 (sequence, varint): tag 40.
  local tail = string.char(10) .. pb_varint(#id) .. id .. string.char(40) .. pb_varint(seq)
  redis.call('XADD', stream, '*', 'event', event_bytes .. tail)
  return seq
end

-- End of the prelude.
