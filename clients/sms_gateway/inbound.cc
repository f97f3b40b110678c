#include "inbound.h"

#include <errno.h>
#include <fcntl.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "auth/credentials.h"
#include "file_io.h"
#include "log.h"
#include "provider.h"

namespace blooddrive::sms_gateway {
namespace {

using platform::LogError;
using platform::LogInfo;
using platform::LogWarning;

// ReceiveInbound takes at most 1600 characters; with JSON escapes a line stays far below this.
constexpr long long kMaxLine = 64 * 1024;
constexpr size_t kChunk = 16 * 1024;

// Reads exactly `size` bytes at `offset` (fewer only at the end of the file).
bool ReadAt(int fd, long long offset, size_t size, std::string* out) {
  out->resize(size);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = pread(fd, out->data() + done, size - done, offset + done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  out->resize(done);
  return true;
}

// The offset of the next '\n' at or after `from`, or nullopt when the file has none (yet).
std::optional<long long> FindNewline(int fd, long long from) {
  std::string chunk;
  for (long long at = from;; at += static_cast<long long>(chunk.size())) {
    if (!ReadAt(fd, at, kChunk, &chunk) || chunk.empty()) return std::nullopt;
    if (const size_t nl = chunk.find('\n'); nl != std::string::npos) {
      return at + static_cast<long long>(nl);
    }
  }
}

std::string Dir(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

// Replaces `path` with `content` so that a crash leaves the old or the new content, never a mix.
absl::Status WriteFileDurably(const std::string& path, absl::string_view content) {
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return absl::InternalError(ErrnoText("cannot write", tmp));
  const bool written = WriteAll(fd, content) && fsync(fd) == 0;
  close(fd);
  if (!written || rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(ErrnoText("cannot write", path));
  }
  const int dir = open(Dir(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    fsync(dir);
    close(dir);
  }
  return absl::OkStatus();
}

std::string ActionName(v1::InboundAction action) {
  return std::string(absl::StripPrefix(v1::InboundAction_Name(action), "INBOUND_ACTION_"));
}

}  // namespace

absl::StatusOr<InboundLine> ParseInboundLine(absl::string_view line, long long offset) {
  google::protobuf::Struct object;
  if (!google::protobuf::util::JsonStringToMessage(std::string(line), &object).ok()) {
    return absl::InvalidArgumentError("not a JSON object");
  }
  const auto& fields = object.fields();
  auto string_field = [&](const char* key, bool required, std::string* out) -> absl::Status {
    const auto it = fields.find(key);
    if (it == fields.end() || it->second.has_null_value()) {
      return required ? absl::InvalidArgumentError(absl::StrCat("\"", key, "\" is missing"))
                      : absl::OkStatus();
    }
    if (!it->second.has_string_value()) {
      return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" is not a string"));
    }
    *out = it->second.string_value();
    if (required && out->empty()) {
      return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" is empty"));
    }
    return absl::OkStatus();
  };
  InboundLine parsed;
  std::string id;
  std::string time;
  if (absl::Status s = string_field("from", true, &parsed.from); !s.ok()) return s;
  if (absl::Status s = string_field("text", true, &parsed.text); !s.ok()) return s;
  if (absl::Status s = string_field("id", false, &id); !s.ok()) return s;
  if (absl::Status s = string_field("time", false, &time); !s.ok()) return s;
  if (id.size() > 128) return absl::InvalidArgumentError("\"id\" is longer than 128 characters");
  parsed.provider_message_id =
      id.empty()
          ? absl::StrCat("h-", auth::Sha256Hex(absl::StrCat(offset, "\n", line)).substr(0, 40))
          : id;
  if (!time.empty()) {
    absl::Time t;
    std::string error;
    if (absl::ParseTime(absl::RFC3339_full, time, &t, &error)) {
      parsed.time = t;
    } else {
      // The reply still counts (a STOP must not be lost to a bad timestamp); only its time is.
      parsed.note = "\"time\" is not RFC 3339: ignored";
    }
  }
  return parsed;
}

v1::ReceiveInboundRequest InboundRequest(const InboundLine& line, absl::string_view gateway_id) {
  v1::ReceiveInboundRequest request;
  // request_id: at most 64 printable characters, whatever the provider's id looks like.
  request.set_request_id(absl::StrCat(
      "in-",
      auth::Sha256Hex(absl::StrCat(gateway_id, "|", line.provider_message_id)).substr(0, 40)));
  request.set_gateway_id(std::string(gateway_id));
  request.set_provider_message_id(line.provider_message_id);
  request.set_from_phone(line.from);
  request.set_text(line.text);
  if (line.time.has_value()) {
    const int64_t nanos = absl::ToUnixNanos(*line.time);
    request.mutable_receive_time()->set_seconds(
        static_cast<int64_t>(absl::ToUnixSeconds(*line.time)));
    request.mutable_receive_time()->set_nanos(
        static_cast<int32_t>(nanos - absl::ToUnixSeconds(*line.time) * 1000000000));
  }
  return request;
}

absl::StatusOr<std::unique_ptr<InboundReader>> InboundReader::Create(
    InboundOptions options, std::shared_ptr<grpc::Channel> feed) {
  if (options.path.empty()) return absl::InvalidArgumentError("--in_file: empty");
  if (options.offset_path.empty()) options.offset_path = options.path + ".offset";
  if (options.poll_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--in_poll_interval: must be positive");
  }
  long long offset = 0;
  unsigned long long inode = 0;
  if (std::ifstream in(options.offset_path); in) {
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::vector<std::string> parts =
        absl::StrSplit(absl::StripAsciiWhitespace(content), ' ', absl::SkipEmpty());
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &offset) || offset < 0 ||
        !absl::SimpleAtoi(parts[1], &inode)) {
      return absl::FailedPreconditionError(
          absl::StrCat(options.offset_path,
                       ": not \"<offset> <inode>\"; remove it to read the inbox from its start "
                       "(lines already answered are answered the same again)"));
    }
  }
  int log_fd = -1;
  if (!options.log_path.empty()) {
    log_fd = open(options.log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (log_fd < 0) {
      return absl::FailedPreconditionError(
          ErrnoText("--in_log_file: cannot open", options.log_path));
    }
  }
  return std::unique_ptr<InboundReader>(
      new InboundReader(std::move(options), std::move(feed), log_fd, offset, inode));
}

InboundReader::InboundReader(InboundOptions options, std::shared_ptr<grpc::Channel> feed,
                             int log_fd, long long offset, unsigned long long inode)
    : options_(std::move(options)),
      stub_(v1::ReminderFeed::NewStub(std::move(feed))),
      log_fd_(log_fd),
      offset_(offset),
      inode_(inode) {
  stats_.offset = offset;
}

InboundReader::~InboundReader() {
  if (log_fd_ >= 0) close(log_fd_);
}

void InboundReader::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
}

void InboundReader::Abort() {
  Stop();
  absl::MutexLock lock(&mu_);
  if (!abort_.HasBeenNotified()) abort_.Notify();
  if (in_flight_ != nullptr) in_flight_->TryCancel();
}

InboundStats InboundReader::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void InboundReader::Run() {
  LogInfo("reading inbound SMS", {{"in_file", options_.path}, {"offset", absl::StrCat(offset_)}});
  while (!stop_.HasBeenNotified()) {
    PollOnce();
    stop_.WaitForNotificationWithTimeout(options_.poll_interval);
  }
}

void InboundReader::PollOnce() {
  const int fd = open(options_.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) LogWarning("cannot read --in_file", {{"error", strerror(errno)}});
    return;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return;
  }
  const unsigned long long inode = st.st_ino;
  if ((inode_ != 0 && inode != inode_) || st.st_size < offset_) {
    LogWarning("--in_file was replaced or truncated: reading it from the start",
               {{"offset", absl::StrCat(offset_)}, {"size", absl::StrCat(st.st_size)}});
    offset_ = 0;
  }
  if (inode_ != inode) {
    inode_ = inode;
    Advance(offset_);
  }
  while (!stop_.HasBeenNotified()) {
    const std::optional<long long> newline = FindNewline(fd, offset_);
    if (!newline.has_value()) break;  // nothing more, or a line still being written
    const long long start = offset_;
    const long long next = *newline + 1;
    if (*newline - start > kMaxLine) {
      Skip(start, next, "", absl::StrCat("line longer than ", kMaxLine, " bytes"), false);
      continue;
    }
    std::string line;
    if (!ReadAt(fd, start, static_cast<size_t>(*newline - start), &line)) break;
    absl::string_view view = absl::StripSuffix(line, "\r");
    if (absl::StripAsciiWhitespace(view).empty()) {  // blank lines are no messages
      Advance(next);
      continue;
    }
    absl::StatusOr<InboundLine> parsed = ParseInboundLine(view, start);
    if (!parsed.ok()) {
      Skip(start, next, "", parsed.status().message(), false);
      continue;
    }
    if (Forward(*parsed, start) == Outcome::kStopped) break;
    Advance(next);
  }
  close(fd);
}

InboundReader::Outcome InboundReader::Forward(const InboundLine& line, long long offset) {
  const v1::ReceiveInboundRequest request = InboundRequest(line, options_.gateway_id);
  Backoff backoff(options_.backoff);
  while (true) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + options_.rpc_timeout));
    {
      absl::MutexLock lock(&mu_);
      if (abort_.HasBeenNotified()) return Outcome::kStopped;
      in_flight_ = &context;
    }
    v1::ReceiveInboundResponse response;
    const grpc::Status status = stub_->ReceiveInbound(&context, request, &response);
    {
      absl::MutexLock lock(&mu_);
      in_flight_ = nullptr;
      if (status.ok()) ++stats_.forwarded;
      if (!status.ok() && status.error_code() != grpc::StatusCode::INVALID_ARGUMENT) {
        ++stats_.feed_failures;
      }
    }
    if (status.ok()) {
      JsonObject json;
      json.Add("offset", offset)
          .Add("provider_message_id", line.provider_message_id)
          .Add("from", line.from)
          .Add("action", ActionName(response.action()));
      std::string donors = "[";
      for (const std::string& donor : response.donors()) {
        if (donors.size() > 1) donors.push_back(',');
        AppendJsonString(&donors, donor);
      }
      donors.push_back(']');
      json.AddRaw("donors", donors)
          .Add("booking", response.booking())
          .Add("reply", response.reply())
          .Add("time", Rfc3339(absl::Now()));
      if (!line.note.empty()) json.Add("note", line.note);
      WriteResult(json.Build());
      LogInfo("inbound SMS forwarded", {{"offset", absl::StrCat(offset)},
                                        {"provider_message_id", line.provider_message_id},
                                        {"action", ActionName(response.action())}});
      return Outcome::kDone;
    }
    if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
      Skip(offset, -1, line.provider_message_id,
           absl::StrCat("refused by the feed: ", status.error_message()), true);
      return Outcome::kDone;
    }
    const absl::Duration delay = backoff.Next();
    LogWarning("inbound SMS: feed call failed, will retry",
               {{"offset", absl::StrCat(offset)},
                {"code", absl::StrCat(static_cast<int>(status.error_code()))},
                {"error", status.error_message()},
                {"retry_in", absl::FormatDuration(delay)}});
    if (stop_.WaitForNotificationWithTimeout(delay)) return Outcome::kStopped;
  }
}

void InboundReader::Skip(long long offset, long long next, absl::string_view provider_message_id,
                         absl::string_view error, bool rejected) {
  {
    absl::MutexLock lock(&mu_);
    ++(rejected ? stats_.rejected : stats_.malformed);
  }
  LogWarning(
      rejected ? "inbound SMS refused by the feed: skipped" : "malformed inbound line: skipped",
      {{"offset", absl::StrCat(offset)}, {"error", std::string(error)}});
  JsonObject json;
  json.Add("offset", offset);
  if (!provider_message_id.empty()) json.Add("provider_message_id", provider_message_id);
  json.Add("error", error).Add("time", Rfc3339(absl::Now()));
  WriteResult(json.Build());
  if (next >= 0) Advance(next);
}

void InboundReader::WriteResult(const std::string& json_line) {
  if (log_fd_ < 0) return;  // LogInfo/LogWarning said it already
  // The offset is written after this: a result may be logged twice after a crash, never lost.
  if (!WriteAll(log_fd_, json_line + "\n") || fdatasync(log_fd_) != 0) {
    LogError("cannot write --in_log_file", {{"error", strerror(errno)}});
  }
}

void InboundReader::Advance(long long next) {
  offset_ = next;
  if (absl::Status s =
          WriteFileDurably(options_.offset_path, absl::StrCat(next, " ", inode_, "\n"));
      !s.ok()) {
    // The line was handled; repeating it after a restart is harmless (ReceiveInbound is
    // idempotent), so reading goes on.
    LogError("cannot record the inbound offset", {{"error", std::string(s.message())}});
  }
  absl::MutexLock lock(&mu_);
  stats_.offset = next;
}

}  // namespace blooddrive::sms_gateway
