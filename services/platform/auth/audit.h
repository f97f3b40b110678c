// The audit log: one entry per mutating call (allowed or refused) on a Redis Stream under the
// service's own key prefix, capped with XADD MAXLEN ~. Entries hold ids and codes only: the
// principal, its role, the RPC, the resource name, the request id, the time and the outcome code;
// never a name, phone or document.
//
//   redis-cli XREVRANGE reg:audit + - COUNT 10
#pragma once

#include <google/protobuf/message.h>

#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "redis_client.h"

namespace blooddrive::auth {

struct AuditRecord {
  absl::Time time;
  std::string principal;  // "-" when unauthenticated
  std::string role;
  std::string method;  // gRPC path
  std::string resource;
  std::string request_id;
  std::string code;  // canonical status code name
};

// Entries are written by a background thread, so an audit write never delays an answer or holds
// a handler while Redis is slow or down. A crash of the service can lose the entries still
// queued (at most a few milliseconds' worth); a full queue (Redis down for long) drops entries
// and logs how many.
class AuditLog {
 public:
  AuditLog(platform::RedisClient& redis, std::string stream, long long max_len);
  // Writes what is still queued (bounded by the Redis command timeout), then stops.
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  void Append(AuditRecord record);

  const std::string& stream() const { return stream_; }

 private:
  void WriteLoop();
  void Write(const std::vector<AuditRecord>& batch);

  platform::RedisClient& redis_;
  const std::string stream_;
  const long long max_len_;
  absl::Mutex mu_;
  std::deque<AuditRecord> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  long long dropped_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread writer_;
};

// The resource a request acts on, by reflection: the first set string field among name, parent,
// donor, drive, slot, site, booking (or the `name` of a message field such as UpdateDonor's
// donor). Only text that looks like a resource name is returned, so a malformed request cannot
// carry personal data into the log; "" when there is none, "(malformed)" for anything else.
std::string ResourceOf(const google::protobuf::Message& message);
// The request_id field when it is printable ASCII of at most 64 characters, else "".
std::string RequestIdOf(const google::protobuf::Message& message);

}  // namespace blooddrive::auth
