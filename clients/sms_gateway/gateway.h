// The gateway loop: lease due messages from the ReminderFeed, send each through a Provider,
// acknowledge each result.
//
// Delivery guarantees, with the feed's at-least-once leases (reminders.proto):
// - A message is acknowledged SENT only after the provider accepted it (FileProvider: fsync'd).
//   A SENT ack is retried while the feed is unreachable, since a lost one means a second SMS.
// - A crash between send and ack leaves the message leased; it comes back when the lease expires
//   and is sent again unless the provider recognises it (Provider::AlreadySent).
// - A message whose lease is too short to send it safely is released, not sent: sending it after
//   its lease ran out could race another gateway that leased it meanwhile.
// - Stop() (SIGTERM): no new lease; the message being sent is finished and acknowledged; the
//   rest of the batch is released with a TransientFailure ack ("not sent: gateway stopping",
//   retry_after 0). Released, a message no longer waits for this gateway's lease to run out: the
//   feed makes it leasable again at once (outside quiet hours) and counts no attempt for it
//   (IsRelease in services/reminders/reminder_store.h: an error that starts with "not sent:"), any
//   gateway may take it, and staff see why it was not sent. A release that fails leaves the message
//   to its lease expiry, which is the fallback that always holds (that lease does count as an
//   attempt).
// - Every call carries a deadline. A LeaseMessages that failed with UNAVAILABLE or
//   DEADLINE_EXCEEDED is retried with the same request_id, so messages the feed leased to a call
//   whose answer was lost come back to this gateway instead of waiting out their lease.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "backoff.h"
#include "blooddrive/v1/reminders.grpc.pb.h"
#include "provider.h"

namespace blooddrive::sms_gateway {

struct GatewayOptions {
  std::string gateway_id;  // [a-z0-9-], 1..64, stable across restarts
  int batch = 50;          // max_messages per lease, 1..500
  absl::Duration lease = absl::Seconds(60);
  absl::Duration max_wait = absl::Seconds(10);
  // Deadline of every call, on top of max_wait for LeaseMessages.
  absl::Duration rpc_timeout = absl::Seconds(10);
  // A message is only sent with at least this much of its lease left: the provider call must end
  // inside the lease, or the gateway that leases the message next may send it too. At least the
  // provider's timeout (the SENT ack may come later: the feed accepts it after the lease).
  absl::Duration send_margin = absl::Seconds(5);
  // Least time between two sends: providers cap the rate (e.g. 10 SMS/s). Zero: no pacing.
  absl::Duration send_interval = absl::ZeroDuration();
  BackoffPolicy backoff;
};

// INVALID_ARGUMENT naming the flag when an option is out of the feed's ranges.
absl::Status ValidateOptions(const GatewayOptions& options);

struct GatewayStats {
  long long leases = 0;         // LeaseMessages calls that returned messages
  long long leased = 0;         // messages leased
  long long sent = 0;           // acknowledged SENT (including ones the provider had already)
  long long transient = 0;      // acknowledged as transient failures
  long long permanent = 0;      // acknowledged as permanent failures
  long long released = 0;       // handed back unsent (stopping, or lease too short)
  long long feed_failures = 0;  // failed calls to the feed
};

class Gateway {
 public:
  Gateway(GatewayOptions options, std::shared_ptr<grpc::Channel> feed, Provider* provider);

  // Leases, sends and acknowledges until Stop() (and then finishes as the header says) or Abort().
  void Run();
  // Thread-safe. Stops leasing; a waiting LeaseMessages is left to return (at most max_wait) so
  // that what it leased can be released.
  void Stop();
  // Thread-safe. Gives up at once: cancels the call in flight and every retry. What is leased
  // stays leased until its lease expires.
  void Abort();

  GatewayStats stats() const;

 private:
  bool stopping() const { return stop_.HasBeenNotified(); }
  bool aborting() const { return abort_.HasBeenNotified(); }
  // Sleeps up to `delay`; false when woken because `until` was notified.
  static bool Sleep(absl::Duration delay, const absl::Notification& until);

  // One call with the deadline and registration for Abort(); `timeout` on top of now.
  template <typename Request, typename Response>
  grpc::Status CallFeed(grpc::Status (v1::ReminderFeed::Stub::*method)(grpc::ClientContext*,
                                                                       const Request&, Response*),
                        const Request& request, Response* response, absl::Duration timeout);

  void ProcessBatch(const v1::LeaseMessagesResponse& response, absl::Time local_lease_end);
  // Acknowledges `result` for `message`, retrying while the feed is unreachable: SENT acks until
  // Abort(), failure acks until `give_up` (after the lease they would be refused anyway).
  void Acknowledge(const v1::OutboundMessage& message, const SendResult& result,
                   absl::Time give_up);
  void Release(const v1::OutboundMessage& message, absl::string_view why, absl::Time give_up);

  const GatewayOptions options_;
  absl::Time last_send_ = absl::InfinitePast();  // Run's thread only
  std::unique_ptr<v1::ReminderFeed::Stub> stub_;
  Provider* const provider_;
  absl::Notification stop_;
  absl::Notification abort_;

  mutable absl::Mutex mu_;
  grpc::ClientContext* in_flight_ ABSL_GUARDED_BY(mu_) = nullptr;
  GatewayStats stats_ ABSL_GUARDED_BY(mu_);
};

// A fresh request id: `prefix`, '-', 32 random hex digits.
std::string NewRequestId(absl::string_view prefix);

}  // namespace blooddrive::sms_gateway
