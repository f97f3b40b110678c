#include "file_provider.h"

#include <errno.h>
#include <fcntl.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "file_io.h"

namespace blooddrive::sms_gateway {
namespace {

// The directory entry of a new file must reach the disk too, or a crash could lose the file.
void SyncParentDirectory(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  fsync(fd);
  close(fd);
}

}  // namespace

absl::StatusOr<std::unique_ptr<FileProvider>> FileProvider::Open(const Options& options) {
  if (options.path.empty()) return absl::InvalidArgumentError("--out_file: empty");
  struct stat before;
  const bool existed = stat(options.path.c_str(), &before) == 0;
  const int fd = open(options.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return absl::FailedPreconditionError(ErrnoText("cannot open", options.path));
  if (!existed) SyncParentDirectory(options.path);
  std::unique_ptr<FileProvider> provider(new FileProvider(options, fd));
  absl::StatusOr<bool> torn = provider->LoadExisting();
  if (!torn.ok()) return torn.status();
  absl::MutexLock lock(&provider->mu_);
  provider->needs_newline_ = *torn;
  return provider;
}

FileProvider::~FileProvider() { close(fd_); }

absl::StatusOr<bool> FileProvider::LoadExisting() {
  std::ifstream in(options_.path, std::ios::binary);
  if (!in) return absl::FailedPreconditionError(ErrnoText("cannot read", options_.path));
  std::string line;
  bool torn = false;
  absl::MutexLock lock(&mu_);
  while (std::getline(in, line)) {
    torn = in.eof();  // getline hit the end before a '\n'
    if (!options_.deduplicate || line.empty()) continue;
    google::protobuf::Struct object;
    if (!google::protobuf::util::JsonStringToMessage(line, &object).ok()) continue;  // torn line
    const auto& fields = object.fields();
    const auto name = fields.find("name");
    const auto id = fields.find("provider_message_id");
    if (name == fields.end() || id == fields.end()) continue;
    absl::Time sent_time = absl::Now();
    if (const auto when = fields.find("sent_time"); when != fields.end()) {
      std::string error;
      absl::ParseTime(absl::RFC3339_full, when->second.string_value(), &sent_time, &error);
    }
    // The first line of a name is the one a receipt may already have been matched against.
    sent_.try_emplace(name->second.string_value(), id->second.string_value(), sent_time);
  }
  return torn;
}

std::optional<SendResult> FileProvider::AlreadySent(const std::string& name) {
  if (!options_.deduplicate) return std::nullopt;
  absl::MutexLock lock(&mu_);
  const auto it = sent_.find(name);
  if (it == sent_.end()) return std::nullopt;
  return SendResult::Sent(it->second.first, it->second.second);
}

SendResult FileProvider::Send(const v1::OutboundMessage& message) {
  absl::MutexLock lock(&mu_);
  const absl::Time now = absl::Now();
  const std::string id =
      absl::StrFormat("file-%x-%x-%d", absl::ToUnixNanos(now), getpid(), ++counter_);
  std::string line = needs_newline_ ? "\n" : "";
  absl::StrAppend(
      &line,
      MessageJson(message).Add("sent_time", Rfc3339(now)).Add("provider_message_id", id).Build(),
      "\n");
  if (!WriteAll(fd_, line)) {
    // Part of the line may be in the file: start the next one on a fresh line.
    needs_newline_ = true;
    return SendResult::Transient(absl::StrCat("file provider: write failed: ", strerror(errno)));
  }
  needs_newline_ = false;
  if (fdatasync(fd_) != 0) {
    // The line may not survive a crash, so it must not be acknowledged; a later attempt writes it
    // again (a duplicate line is allowed, a lost acknowledged one is not).
    return SendResult::Transient(absl::StrCat("file provider: fsync failed: ", strerror(errno)));
  }
  if (options_.deduplicate) sent_.try_emplace(message.name(), id, now);
  return SendResult::Sent(id, now);
}

}  // namespace blooddrive::sms_gateway
