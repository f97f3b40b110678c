// The event streams' contract between producers (scheduling, registry) and consumers (registry,
// reminders): where the streams are, what an entry holds, how ids are made.
//
// - Scheduling writes one stream per drive partition, "sch:{d:<drive id>}:events", in the same Lua
//   script as the change (the stream shares the drive's hash tag). The partitions are listed in
//   the sorted set "sch:{index}:drives": member = drive id, score = the drive's civil date as days
//   since 1970-01-01, so a consumer can skip partitions of drives long past. The index is part of
//   this contract: consumers read it (and nothing else of scheduling's keys).
// - The registry writes one stream, "reg:{donors}:events" (partition "registry").
// - Each entry has one field, "event": a serialized blooddrive.v1.Event, complete. The producing
//   script appends event_id ("<producer>:<partition>:<sequence>") and sequence to the bytes the
//   service built, so sequence numbers are assigned in commit order.
// - Consumers read with a consumer group named after the consuming service ("registry",
//   "reminders"), created at id 0 (the whole history), ack after the event is applied, and apply
//   idempotently on event_id or on the ids the payload carries (events are delivered at least once).
#pragma once

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "platform_scripts.h"

namespace blooddrive::platform {

inline constexpr char kEventField[] = "event";
inline constexpr char kSchedulingPartitionIndexKey[] = "sch:{index}:drives";
inline constexpr char kRegistryStreamKey[] = "reg:{donors}:events";
inline constexpr char kRegistryPartition[] = "registry";

// "sch:{d:<drive id>}:events"
inline std::string SchedulingStreamKey(absl::string_view drive_id) {
  return absl::StrCat("sch:{d:", drive_id, "}:events");
}

// The source of a script that writes events: lua/event_prelude.lua (emit_event) + `body`. Keep
// the result alive as long as the LuaScript that points at it (a function-local static).
inline std::string WithEventPrelude(absl::string_view body) {
  return absl::StrCat(kEventPreludeSource, "\n", body);
}

}  // namespace blooddrive::platform
