// A consumer of the event streams of event_stream.h: reads every stream a lister names with one
// consumer group, hands each event to a handler in stream order, and acks what the handler applied.
//
// Delivery is at least once: an event is acked only after the handler returned OK, and a consumer
// that restarts under the same consumer name first re-reads what it was given and did not ack.
// Handlers must therefore be idempotent (on event_id or on the ids the payload carries).
//
// Each Redis call names one stream (no multi-key commands), so it runs unchanged on Redis Cluster.
#pragma once

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "blooddrive/v1/events.pb.h"
#include "redis_client.h"

namespace blooddrive::platform {

class EventConsumer {
 public:
  struct Options {
    std::string group;     // the consuming service: "registry", "reminders"
    std::string consumer;  // stable across restarts of one instance, unique among instances
    absl::Duration poll_interval = absl::Milliseconds(200);
    int batch = 100;  // entries per XREADGROUP
  };
  // OK: applied, the entry is acked. Not OK: left pending and offered again on a later poll; the
  // rest of that stream waits until then, so events of a partition are applied in order.
  using Handler = std::function<absl::Status(const v1::Event& event)>;
  // The stream keys to read, asked on every poll (partitions come and go).
  using StreamLister = std::function<absl::StatusOr<std::vector<std::string>>()>;

  // `redis` must outlive this object.
  EventConsumer(RedisClient* redis, Options options, StreamLister streams, Handler handler);
  ~EventConsumer();
  EventConsumer(const EventConsumer&) = delete;
  EventConsumer& operator=(const EventConsumer&) = delete;

  // Polls on a background thread until Stop(). Redis outages are logged and retried with backoff.
  void Start();
  // Stops and joins the thread; an event being handled finishes first. Safe to call twice.
  void Stop();

  // One pass over every stream; returns how many events the handler applied (acked). Not OK when
  // the streams cannot be listed or Redis fails; streams read before the failure stay handled.
  // Passes never overlap (a call waits for the background thread's pass to finish).
  absl::StatusOr<int> PollOnce();

 private:
  // Reads and handles one stream. `handled` counts applied events even when it returns an error.
  absl::Status PollStream(const std::string& stream, int* handled)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(poll_mu_);
  // Handles the entries of one XREADGROUP reply in order. Sets *stop when a handler failed;
  // *last_id is the id of the last entry looked at.
  absl::Status HandleEntries(const std::string& stream, const RedisReply& reply, int* handled,
                             bool* stop, std::string* last_id, int* count);
  absl::StatusOr<RedisReply> ReadGroup(const std::string& stream, const std::string& from);
  absl::Status Ack(const std::string& stream, const std::string& id);
  void Run();

  RedisClient* const redis_;
  const Options options_;
  const StreamLister streams_;
  const Handler handler_;

  absl::Mutex poll_mu_;
  // Streams where this consumer has nothing pending (as far as it knows): their pending entries
  // need not be read again, which halves the calls per pass. Forgotten after any failure, e.g.
  // a Redis restart that lost acks written with appendfsync everysec.
  absl::flat_hash_set<std::string> caught_up_ ABSL_GUARDED_BY(poll_mu_);

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// Stream lister for scheduling's partitions: the event streams of the drives in
// sch:{index}:drives whose date is no earlier than today (UTC) - `lookback`, so partitions of
// drives long past are no longer polled.
EventConsumer::StreamLister SchedulingStreams(RedisClient* redis,
                                              absl::Duration lookback = absl::Hours(24 * 60));

}  // namespace blooddrive::platform
