#include "event_consumer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "event_stream.h"
#include "log.h"

namespace blooddrive::platform {
namespace {

// A pass reads at most this many batches of new entries per stream, so one busy partition cannot
// starve the others; the rest comes on the next pass, which follows at once.
constexpr int kMaxBatchesPerPass = 10;
constexpr absl::Duration kMaxBackoff = absl::Seconds(5);

// RedisClient turns error replies it has no status code for into "redis: <reply>".
bool IsErrorReply(const absl::Status& status, absl::string_view prefix) {
  return absl::StartsWith(status.message(), absl::StrCat("redis: ", prefix));
}

std::string CodeName(const absl::Status& status) { return absl::StatusCodeToString(status.code()); }

}  // namespace

EventConsumer::EventConsumer(RedisClient* redis, Options options, StreamLister streams,
                             Handler handler)
    : redis_(redis),
      options_(std::move(options)),
      streams_(std::move(streams)),
      handler_(std::move(handler)) {}

EventConsumer::~EventConsumer() { Stop(); }

void EventConsumer::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void EventConsumer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void EventConsumer::Run() {
  absl::Duration delay = options_.poll_interval;
  for (;;) {
    absl::StatusOr<int> handled = PollOnce();
    absl::Duration wait = options_.poll_interval;
    if (!handled.ok()) {
      LogWarning("event poll failed", {{"group", options_.group},
                                       {"code", CodeName(handled.status())},
                                       {"retry_in", absl::FormatDuration(delay)}});
      wait = delay;
      delay = std::min(delay * 2, std::max(kMaxBackoff, options_.poll_interval));
    } else {
      delay = options_.poll_interval;
      // A pass that applied something may have left more behind (the per-pass cap).
      if (*handled > 0) wait = absl::ZeroDuration();
    }
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), wait);
    if (stopping_) return;
  }
}

absl::StatusOr<int> EventConsumer::PollOnce() {
  absl::MutexLock lock(&poll_mu_);
  absl::StatusOr<std::vector<std::string>> streams = streams_();
  if (!streams.ok()) {
    caught_up_.clear();
    return streams.status();
  }
  int handled = 0;
  for (const std::string& stream : *streams) {
    absl::Status status = PollStream(stream, &handled);
    if (status.ok()) continue;
    // Redis down: the other streams would fail the same way.
    if (status.code() == absl::StatusCode::kUnavailable) {
      caught_up_.clear();
      return status;
    }
    // Anything else (an ACL refusal, a key of the wrong type) concerns this stream only.
    LogWarning("event stream skipped",
               {{"group", options_.group}, {"stream", stream}, {"code", CodeName(status)}});
  }
  if (caught_up_.size() > streams->size()) {  // forget partitions no longer listed
    absl::flat_hash_set<std::string> listed;
    for (std::string& stream : *streams) {
      if (caught_up_.contains(stream)) listed.insert(std::move(stream));
    }
    caught_up_ = std::move(listed);
  }
  return handled;
}

absl::StatusOr<RedisReply> EventConsumer::ReadGroup(const std::string& stream,
                                                    const std::string& from) {
  const std::vector<std::string> read = {"XREADGROUP",      "GROUP", options_.group,
                                         options_.consumer, "COUNT", absl::StrCat(options_.batch),
                                         "STREAMS",         stream,  from};
  absl::StatusOr<RedisReply> reply = redis_->Command(read);
  if (reply.ok() || !IsErrorReply(reply.status(), "NOGROUP")) return reply;
  // No group yet (or no stream). The group starts at 0, the whole history. Without MKSTREAM:
  // a consumer never creates a producer's stream; a missing one is simply not there yet.
  absl::StatusOr<RedisReply> created =
      redis_->Command({"XGROUP", "CREATE", stream, options_.group, "0"});
  if (!created.ok()) {
    if (IsErrorReply(created.status(), "ERR") &&
        absl::StrContains(created.status().message(), "requires the key to exist")) {
      return RedisReply();  // nil: nothing to read
    }
    if (!IsErrorReply(created.status(), "BUSYGROUP")) return created.status();
  }
  return redis_->Command(read);
}

absl::Status EventConsumer::Ack(const std::string& stream, const std::string& id) {
  return redis_->Command({"XACK", stream, options_.group, id}).status();
}

absl::Status EventConsumer::HandleEntries(const std::string& stream, const RedisReply& reply,
                                          int* handled, bool* stop, std::string* last_id,
                                          int* count) {
  *count = 0;
  // Reply: nil (nothing new) or [[stream, [[id, [field, value, ...] or nil], ...]]].
  if (reply.is_nil() || reply.elements.empty() || reply.elements[0].elements.size() < 2) {
    return absl::OkStatus();
  }
  for (const RedisReply& entry : reply.elements[0].elements[1].elements) {
    if (entry.elements.empty()) continue;
    ++*count;
    const std::string& id = entry.elements[0].str;
    *last_id = id;
    const RedisReply* bytes = nullptr;
    if (entry.elements.size() > 1) {
      const std::vector<RedisReply>& fields = entry.elements[1].elements;
      for (size_t i = 0; i + 1 < fields.size(); i += 2) {
        if (fields[i].str == kEventField) bytes = &fields[i + 1];
      }
    }
    v1::Event event;
    if (bytes == nullptr ||
        !event.ParseFromArray(bytes->str.data(), static_cast<int>(bytes->str.size()))) {
      // A poison entry (or one trimmed away while pending) must not block its partition forever.
      LogError("event entry skipped: no parsable event",
               {{"group", options_.group}, {"stream", stream}, {"entry", id}});
      if (absl::Status s = Ack(stream, id); !s.ok()) return s;
      continue;
    }
    const absl::Status applied = handler_(event);
    if (!applied.ok()) {
      LogWarning("event not applied; will retry", {{"group", options_.group},
                                                   {"stream", stream},
                                                   {"entry", id},
                                                   {"event_id", event.event_id()},
                                                   {"code", CodeName(applied)}});
      *stop = true;
      return absl::OkStatus();
    }
    if (absl::Status s = Ack(stream, id); !s.ok()) return s;
    ++*handled;
  }
  return absl::OkStatus();
}

absl::Status EventConsumer::PollStream(const std::string& stream, int* handled) {
  bool stop = false;
  // Marked again only when this pass leaves nothing pending.
  const bool caught_up = caught_up_.erase(stream) > 0;
  // This consumer's pending entries first: delivered before (e.g. before a restart, or to a
  // handler that failed) and not acked. Explicit ids return pending entries after that id.
  std::string from = "0";
  while (!caught_up) {
    absl::StatusOr<RedisReply> reply = ReadGroup(stream, from);
    if (!reply.ok()) return reply.status();
    int count = 0;
    if (absl::Status s = HandleEntries(stream, *reply, handled, &stop, &from, &count); !s.ok()) {
      return s;
    }
    if (stop) return absl::OkStatus();
    if (count < options_.batch) break;
  }
  for (int batch = 0; batch < kMaxBatchesPerPass; ++batch) {
    absl::StatusOr<RedisReply> reply = ReadGroup(stream, ">");
    if (!reply.ok()) return reply.status();
    int count = 0;
    std::string last_id;
    if (absl::Status s = HandleEntries(stream, *reply, handled, &stop, &last_id, &count); !s.ok()) {
      return s;
    }
    if (stop) return absl::OkStatus();
    if (count < options_.batch) break;
  }
  caught_up_.insert(stream);
  return absl::OkStatus();
}

EventConsumer::StreamLister SchedulingStreams(RedisClient* redis, absl::Duration lookback) {
  return [redis, lookback]() -> absl::StatusOr<std::vector<std::string>> {
    const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
    const int64_t first_day =
        (today - absl::CivilDay(1970, 1, 1)) - absl::ToInt64Hours(lookback) / 24;
    absl::StatusOr<RedisReply> drives = redis->Command(
        {"ZRANGEBYSCORE", kSchedulingPartitionIndexKey, absl::StrCat(first_day), "+inf"});
    if (!drives.ok()) return drives.status();
    std::vector<std::string> streams;
    streams.reserve(drives->elements.size());
    for (const RedisReply& drive : drives->elements) {
      streams.push_back(SchedulingStreamKey(drive.str));
    }
    return streams;
  };
}

}  // namespace blooddrive::platform
