// ReminderStore owns every Redis key under "rem:" (layout and scripts: docs/redis-keys.md and
// docs/reminders.md). The whole outbox shares one hash tag, {outbox}: leasing takes the oldest due
// messages of all donors and drives in one atomic step, and withdrawing or suppressing walks an
// index and ends its messages in one step, so those scripts derive message keys from index
// members and need them in their own slot. The outbox is small (a few messages per booking) and
// its load is the gateways' polling, which one Redis node serves many times over.
//
// A message's planned content (texts, phone, names) is one serialized OutboundMessage that never
// changes; its state, due time, lease and receipts are hash fields the scripts change.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "blooddrive/v1/reminders.pb.h"
#include "redis_client.h"
#include "reminder_schedule.h"

namespace blooddrive::reminders {

// The message id for a natural key such as "booking|drives/d/bookings/b|REMINDER|86400": 32
// lower-case hex characters of its SHA-256, so the same message planned again gets the same id.
std::string MessageIdFor(absl::string_view natural_key);

struct StoredMessage {
  v1::OutboundMessage message;  // everything, phone and text included
  std::string time_zone;        // the site's (for quiet hours on retries)
};

struct PlanInput {
  std::string id;               // MessageIdFor(...)
  v1::OutboundMessage content;  // kind, donor, booking, drive, phone, text, encoding, ...
  v1::MessageState state = v1::MESSAGE_STATE_PENDING;  // PENDING, SUPPRESSED or DROPPED
  absl::Time due;
  absl::Time expire = absl::InfiniteFuture();
  std::string reason;         // state_reason
  bool honour_optout = true;  // false only for the reply to an inbound SMS
  // Booking messages: refused once the booking was withdrawn (tombstone).
  bool respect_tombstone = false;
  std::string time_zone;
};

enum class PlanOutcome { kCreated, kExists, kGone };

struct LeaseRequest {
  std::string request_id;
  std::string fingerprint;
  std::string gateway_id;
  int max_messages = 1;
  absl::Duration lease = absl::Seconds(60);
};

struct ListQuery {
  std::string donor_id, drive_id, booking_id;  // empty: any (booking needs drive)
  v1::MessageKind kind = v1::MESSAGE_KIND_UNSPECIFIED;
  std::vector<v1::MessageState> states;
  int page_size = 50;
  std::string page_token;
};

struct ListPage {
  std::vector<v1::OutboundMessage> messages;
  std::string next_page_token;
};

// The start of a TransientFailure error that says the gateway never handed the message to its
// provider ("not sent: gateway stopping", "not sent: http status 401 ..."): a release.
inline constexpr absl::string_view kNotSentPrefix = "not sent:";

// A release: a transient failure whose error starts with kNotSentPrefix, as the gateway
// (clients/sms_gateway/gateway.cc) writes when it stops or a lease is too short to send in.
// Nothing reached a provider, so the message is due again without backoff
// (at once, or after retry_after; out of quiet hours) and the lease does not count as an attempt:
// a message released any number of times is never FAILED for it (its expiry still DROPs it).
bool IsRelease(absl::string_view error);

class ReminderStore {
 public:
  struct Options {
    int max_attempts = 8;  // leases per message before FAILED (a release gives its lease back)
    absl::Duration retry_base = absl::Seconds(30);  // first backoff after a transient failure
    absl::Duration retry_max = absl::Hours(1);      // backoff cap
    absl::Duration tombstone_ttl = absl::Hours(24 * 400);
    absl::Duration provider_ref_ttl = absl::Hours(24 * 30);
    QuietHours quiet;  // retries move out of them too
  };

  explicit ReminderStore(platform::RedisClient& redis) : ReminderStore(redis, Options()) {}
  ReminderStore(platform::RedisClient& redis, Options options) : redis_(redis), options_(options) {}

  // Writes the message unless one with its id exists (then nothing changes). The state actually
  // planned comes back (SUPPRESSED when the donor's opt-out was recorded here).
  absl::StatusOr<std::pair<PlanOutcome, v1::MessageState>> Plan(const PlanInput& input,
                                                                absl::Time now);

  // Ends the PENDING and LEASED messages of a booking ("drives/d/bookings/b") and tombstones it;
  // kinds in `keep` are left alone. Returns how many ended.
  absl::StatusOr<int> WithdrawBooking(absl::string_view booking, absl::string_view reason,
                                      const std::vector<v1::MessageKind>& keep, absl::Time now);
  absl::StatusOr<int> WithdrawDrive(absl::string_view drive_id, absl::string_view reason,
                                    const std::vector<v1::MessageKind>& keep, absl::Time now);
  // Records the donor's consent as of `at` (older than the recorded one: ignored); an opt-out
  // suppresses the donor's unsent messages except INBOUND_REPLY. Returns how many were suppressed.
  absl::StatusOr<int> RecordConsent(absl::string_view donor_id, bool opted_in, absl::Time at,
                                    absl::Time now);

  // Leases due messages; the same request again returns the first lease's messages that it still
  // holds. INVALID_ARGUMENT when the request_id was used for another request.
  absl::StatusOr<std::vector<v1::OutboundMessage>> Lease(const LeaseRequest& request,
                                                         absl::Time now);

  absl::StatusOr<v1::OutboundMessage> Ack(const std::string& request_id,
                                          const std::string& fingerprint,
                                          const v1::AckMessageRequest& ack,
                                          const std::string& message_id, absl::Time now);
  absl::StatusOr<v1::OutboundMessage> Receipt(const std::string& request_id,
                                              const std::string& fingerprint,
                                              const std::string& message_id,
                                              v1::DeliveryStatus status,
                                              absl::string_view provider_status, absl::Time now);
  // The message a gateway's provider id names; NOT_FOUND when none.
  absl::StatusOr<std::string> FindByProvider(absl::string_view gateway_id,
                                             absl::string_view provider_message_id);

  absl::StatusOr<StoredMessage> Get(absl::string_view id);
  absl::StatusOr<ListPage> List(const ListQuery& query);

  // request_id idempotency for RPCs made of several idempotent steps: the response kept for
  // `request_id` (or, when `second_key` is set, for that key), nullopt when none.
  // INVALID_ARGUMENT when the request_id was used with another fingerprint.
  absl::StatusOr<std::optional<std::string>> Replayed(absl::string_view request_id,
                                                      absl::string_view fingerprint,
                                                      absl::string_view second_key = {});
  // Keeps `response` for the request (and `second_key`); returns the response to give, which is
  // an earlier one if a concurrent retry kept its own first.
  absl::StatusOr<std::string> Remember(absl::string_view request_id, absl::string_view fingerprint,
                                       const std::string& response,
                                       absl::string_view second_key = {});
  // "rem:{outbox}:inbound:<gateway>:<provider id>"
  static std::string InboundKey(absl::string_view gateway_id,
                                absl::string_view provider_message_id);

  // The due time of a retry after a transient failure of a message leased `attempts` times.
  absl::Time RetryDue(int attempts, absl::Duration retry_after, absl::string_view time_zone,
                      absl::Time now) const;
  // The due time of a released message: its own due time when it may go at once (so it keeps
  // its place in the queue), else now + retry_after; out of quiet hours either way.
  absl::Time ReleaseDue(const v1::OutboundMessage& message, absl::Duration retry_after,
                        absl::string_view time_zone, absl::Time now) const;

 private:
  absl::StatusOr<std::vector<StoredMessage>> GetMany(const std::vector<std::string>& ids);
  absl::StatusOr<int> Withdraw(const std::string& index, const std::string& tombstone,
                               absl::string_view reason, const std::vector<v1::MessageKind>& keep,
                               absl::Time now, absl::Duration tombstone_ttl);

  platform::RedisClient& redis_;
  const Options options_;
};

// "drives/d/bookings/b" -> {"d", "b"}; empty strings when the name has another shape.
std::pair<std::string, std::string> SplitBookingName(absl::string_view booking);

}  // namespace blooddrive::reminders
