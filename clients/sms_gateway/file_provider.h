// A provider that "sends" by appending each message as one JSON line to a file, for the local
// stack and the tests:
//   {"name":"messages/…","phone":"+7701…","text":"…","encoding":"UCS2","segments":2,
//    "sent_time":"2026-11-28T02:10:00.123Z","provider_message_id":"file-…"}
// Each line is fsync'd before Send returns kSent, so a message acknowledged as SENT is on disk.
//
// The file holds phone numbers and texts (personal data): it is created with mode 0600.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "provider.h"

namespace blooddrive::sms_gateway {

class FileProvider : public Provider {
 public:
  struct Options {
    std::string path;
    // Remember the names already in the file, so a message leased again after a crash between
    // the write and the ack is acknowledged with its first id instead of being written twice.
    bool deduplicate = true;
  };

  // Opens (creating) the file for appending. A torn last line left by a crash mid-write is closed
  // with a newline, so the next message starts a line of its own.
  static absl::StatusOr<std::unique_ptr<FileProvider>> Open(const Options& options);
  ~FileProvider() override;

  SendResult Send(const v1::OutboundMessage& message) override;
  std::optional<SendResult> AlreadySent(const std::string& name) override;

 private:
  FileProvider(Options options, int fd) : options_(std::move(options)), fd_(fd) {}
  // Reads the existing lines into sent_ and reports whether the file ends inside a line.
  absl::StatusOr<bool> LoadExisting();

  const Options options_;
  const int fd_;
  absl::Mutex mu_;
  bool needs_newline_ ABSL_GUARDED_BY(mu_) = false;
  long long counter_ ABSL_GUARDED_BY(mu_) = 0;
  // name -> (provider_message_id, sent_time) of every line in the file (deduplicate only).
  absl::flat_hash_map<std::string, std::pair<std::string, absl::Time>> sent_ ABSL_GUARDED_BY(mu_);
};

}  // namespace blooddrive::sms_gateway
