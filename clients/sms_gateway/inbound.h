// Inbound SMS (MO) for the file provider: the gateway tails a JSON-lines file that stands in for
// the provider's inbound feed,
//   {"id": "mo-123", "from": "+77015550123", "text": "СТОП", "time": "2026-11-28T05:00:00Z"}
// ("id" and "time" optional), and forwards each complete line with ReminderFeed.ReceiveInbound.
// Each result is appended as a JSON line to the result log (or logged when there is none).
//
// Guarantees:
// - The read offset is kept in a file (default: the inbox's path + ".offset") and advanced, with
//   fsync, only after the line was answered (or found malformed / rejected): a restart neither
//   loses a line nor skips one. A crash between the call and the offset write sends that line
//   again, which ReceiveInbound answers with its first result (it is idempotent on the gateway
//   and provider message id, and the ids here are deterministic), so the only trace is a
//   duplicate line in the result log.
// - A line is read only once it ends with '\n': a writer caught mid-line is waited for.
// - A malformed line (not JSON, missing "from"/"text", longer than 64 KiB) or one the feed
//   refuses as INVALID_ARGUMENT (e.g. an unusable phone number) is logged and skipped. Any other
//   failure (feed down, credentials) is retried with backoff, and the line is not skipped.
// - A line without "id" gets a provider message id hashed from its byte offset and content, so
//   it is the same after a restart and two identical texts at different places stay distinct.
// - A file that shrinks or is replaced (another inode) is read again from its start.
//
// The inbox and the result log hold phone numbers and texts (personal data): the log is created
// with mode 0600, and the process log gets only offsets, ids and codes.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "backoff.h"
#include "blooddrive/v1/reminders.grpc.pb.h"

namespace blooddrive::sms_gateway {

// One parsed inbox line.
struct InboundLine {
  std::string provider_message_id;  // the line's "id", or "h-" + a hash
  std::string from;
  std::string text;
  std::optional<absl::Time> time;
  std::string note;  // what was ignored (e.g. an unreadable "time"), for the result log
};

// Parses one line (without its '\n'); `offset` is where it starts in the file. INVALID_ARGUMENT
// saying what is wrong, without quoting the content.
absl::StatusOr<InboundLine> ParseInboundLine(absl::string_view line, long long offset);

// The ReceiveInbound request for a line. request_id is derived from the gateway and provider
// message ids, so a line sent again is recognised by either.
v1::ReceiveInboundRequest InboundRequest(const InboundLine& line, absl::string_view gateway_id);

struct InboundOptions {
  std::string path;         // the inbox (JSON lines); need not exist yet
  std::string offset_path;  // empty: path + ".offset"
  std::string log_path;     // results as JSON lines; empty: the process log only
  std::string gateway_id;
  absl::Duration poll_interval = absl::Milliseconds(500);
  absl::Duration rpc_timeout = absl::Seconds(10);
  BackoffPolicy backoff;
};

struct InboundStats {
  long long forwarded = 0;      // answered by the feed
  long long malformed = 0;      // skipped as unreadable
  long long rejected = 0;       // refused by the feed as INVALID_ARGUMENT
  long long feed_failures = 0;  // failed calls (retried)
  long long offset = 0;         // bytes of the inbox done
};

class InboundReader {
 public:
  // Reads the offset file (a missing one means the start; an unreadable one is an error, since
  // guessing could skip lines) and opens the result log.
  static absl::StatusOr<std::unique_ptr<InboundReader>> Create(InboundOptions options,
                                                               std::shared_ptr<grpc::Channel> feed);
  ~InboundReader();

  // Polls the inbox and forwards new lines until Stop() or Abort().
  void Run();
  // Thread-safe. Stops after the line in flight is answered; a line whose call keeps failing is
  // left for the next start.
  void Stop();
  // Thread-safe. Cancels the call in flight too (its line is sent again at the next start).
  void Abort();
  // One pass over what is in the inbox now (Run() without the loop), for tests.
  void PollOnce();

  InboundStats stats() const;

 private:
  InboundReader(InboundOptions options, std::shared_ptr<grpc::Channel> feed, int log_fd,
                long long offset, unsigned long long inode);

  enum class Outcome { kDone, kStopped };
  Outcome Forward(const InboundLine& line, long long offset);
  // Records the offset after a handled line, durably.
  void Advance(long long next);
  void WriteResult(const std::string& json_line);
  void Skip(long long offset, long long next, absl::string_view provider_message_id,
            absl::string_view error, bool rejected);

  const InboundOptions options_;
  std::unique_ptr<v1::ReminderFeed::Stub> stub_;
  const int log_fd_;  // -1: none
  absl::Notification stop_;
  absl::Notification abort_;

  // Run's thread only.
  long long offset_;
  unsigned long long inode_;  // 0: not known yet (no offset file)

  mutable absl::Mutex mu_;
  grpc::ClientContext* in_flight_ ABSL_GUARDED_BY(mu_) = nullptr;
  InboundStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace blooddrive::sms_gateway
