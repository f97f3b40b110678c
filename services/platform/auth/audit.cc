#include "audit.h"

#include <google/protobuf/descriptor.h>

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "log.h"

namespace blooddrive::auth {
namespace {

namespace pb = google::protobuf;

constexpr size_t kMaxQueued = 100000;
constexpr size_t kBatch = 100;

constexpr const char* kResourceFields[] = {"name", "parent", "donor",  "drive",
                                           "slot", "site",   "booking"};

// "donors/abc", "drives/x/bookings/y", "messages/m1": segments of [A-Za-z0-9-_.].
bool LooksLikeResourceName(absl::string_view s) {
  if (s.empty() || s.size() > 200 || s.front() == '/' || s.back() == '/') return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(c) && c != '/' && c != '-' && c != '_' && c != '.') return false;
  }
  return s.find('/') != absl::string_view::npos;
}

std::string StringField(const pb::Message& message, const pb::FieldDescriptor* field) {
  if (field == nullptr || field->is_repeated() ||
      field->type() != pb::FieldDescriptor::TYPE_STRING) {
    return "";
  }
  return message.GetReflection()->GetString(message, field);
}

}  // namespace

std::string ResourceOf(const pb::Message& message) {
  const pb::Descriptor* descriptor = message.GetDescriptor();
  const pb::Reflection* reflection = message.GetReflection();
  for (const char* name : kResourceFields) {
    const pb::FieldDescriptor* field = descriptor->FindFieldByName(name);
    if (field == nullptr || field->is_repeated()) continue;
    std::string value;
    if (field->type() == pb::FieldDescriptor::TYPE_STRING) {
      value = reflection->GetString(message, field);
    } else if (field->type() == pb::FieldDescriptor::TYPE_MESSAGE &&
               reflection->HasField(message, field)) {
      const pb::Message& nested = reflection->GetMessage(message, field);
      value = StringField(nested, nested.GetDescriptor()->FindFieldByName("name"));
    }
    if (value.empty()) continue;
    return LooksLikeResourceName(value) ? value : "(malformed)";
  }
  return "";
}

std::string RequestIdOf(const pb::Message& message) {
  std::string id = StringField(message, message.GetDescriptor()->FindFieldByName("request_id"));
  if (id.size() > 64) return "(malformed)";
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return "(malformed)";
  }
  return id;
}

AuditLog::AuditLog(platform::RedisClient& redis, std::string stream, long long max_len)
    : redis_(redis), stream_(std::move(stream)), max_len_(max_len) {
  writer_ = std::thread([this] { WriteLoop(); });
}

AuditLog::~AuditLog() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  writer_.join();
}

void AuditLog::Append(AuditRecord record) {
  absl::MutexLock lock(&mu_);
  if (queue_.size() >= kMaxQueued) {
    ++dropped_;
    return;
  }
  queue_.push_back(std::move(record));
}

void AuditLog::WriteLoop() {
  while (true) {
    std::vector<AuditRecord> batch;
    long long dropped = 0;
    bool stopping = false;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); };
      mu_.Await(absl::Condition(&ready));
      while (!queue_.empty() && batch.size() < kBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      dropped = std::exchange(dropped_, 0);
      stopping = stopping_ && queue_.empty();
    }
    if (dropped > 0) {
      platform::LogError("audit entries dropped: queue full",
                         {{"stream", stream_}, {"dropped", absl::StrCat(dropped)}});
    }
    if (!batch.empty()) Write(batch);
    if (stopping) return;
  }
}

void AuditLog::Write(const std::vector<AuditRecord>& batch) {
  std::vector<std::vector<std::string>> commands;
  commands.reserve(batch.size());
  for (const AuditRecord& r : batch) {
    commands.push_back({"XADD",
                        stream_,
                        "MAXLEN",
                        "~",
                        absl::StrCat(max_len_),
                        "*",  //
                        "time",
                        absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", r.time, absl::UTCTimeZone()),
                        "principal",
                        r.principal,
                        "role",
                        r.role,
                        "method",
                        r.method,  //
                        "resource",
                        r.resource,
                        "request_id",
                        r.request_id,
                        "code",
                        r.code});
  }
  absl::StatusOr<std::vector<platform::RedisReply>> replies = redis_.Pipeline(commands);
  if (!replies.ok()) {
    platform::LogError("audit write failed", {{"stream", stream_},
                                              {"entries", absl::StrCat(batch.size())},
                                              {"error", std::string(replies.status().message())}});
  }
}

}  // namespace blooddrive::auth
