// From events to messages: what each event plans and withdraws (pure: no I/O, the caller passes
// "now"), and how a planned message is completed once the donor's phone and language are known.
//
// Per event (events.proto):
//   BookingCreated      confirmation + reminders at the offsets; a reschedule (rescheduled_from)
//                       also withdraws the old booking's unsent messages
//   WaitlistPromoted    promotion notice + reminders
//   BookingCancelled    withdraws the booking's unsent messages; a cancellation notice, or the
//                       drive-cancelled notice when the reason is DRIVE_CANCELLED (one per donor
//                       and drive); none after a cancel by SMS reply (the reply answers it)
//   BookingRescheduled  withdraws the old booking's unsent messages
//   BookingCheckedIn, BookingHoldExpired   withdraw what is left unsent
//   OutcomeRecorded     withdraws what is left; after a donation a thank-you the day after and a
//                       recall on the next eligible date (asked of Eligibility by the caller)
//   DriveCancelled      withdraws the drive's remaining unsent messages (e.g. invitations)
//   DonorSmsConsentChanged   records the consent; an opt-out suppresses unsent messages
//   BookingHeld, BookingConfirmed, DrivePublished   nothing (no SMS)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "blooddrive/v1/events.pb.h"
#include "blooddrive/v1/registry.pb.h"
#include "blooddrive/v1/reminders.pb.h"
#include "message_render.h"
#include "reminder_schedule.h"
#include "reminder_store.h"

namespace blooddrive::reminders {

struct PlannerOptions {
  ScheduleOptions schedule;
  RenderOptions render;    // render.fallback: the languages tried after the donor's
  std::string info_phone;  // {phone} in templates: where donors call to book or ask
};

// One message to plan, before the donor's phone and language are known.
struct Intent {
  std::string natural_key;  // MessageIdFor(natural_key) is its id
  v1::MessageKind kind = v1::MESSAGE_KIND_UNSPECIFIED;
  std::string donor, booking, drive;  // resource names
  std::string time_zone;
  MessageFacts facts;
  absl::Time due;
  absl::Time expire = absl::InfiniteFuture();
  bool respect_tombstone = false;  // messages that announce or remind of a booking
};

struct Withdrawal {
  std::string booking;   // "drives/d/bookings/b", or empty with drive_id set
  std::string drive_id;  // the whole drive
  std::string reason;
  std::vector<v1::MessageKind> keep;  // kinds left alone
};

// After a donation: ask Eligibility for the donor's next eligible date, then RecallIntents.
struct RecallQuery {
  std::string donor, booking, drive, time_zone;
  v1::DonationType donation_type = v1::DONATION_TYPE_UNSPECIFIED;
  absl::CivilDay donation_date;
  int volume_ml = 0;
  v1::DonationOutcome outcome = v1::DONATION_OUTCOME_DONATED;
  MessageFacts facts;
};

struct ConsentChange {
  std::string donor_id;
  bool opted_in = false;
  absl::Time at;
};

struct EventActions {
  std::vector<Withdrawal> withdrawals;  // applied before the intents are planned
  std::vector<Intent> intents;
  std::optional<RecallQuery> recall;
  std::optional<ConsentChange> consent;
  // Quiet hours pushed these past the appointment (or their expiry): recorded DROPPED under the
  // ids they would have had, so staff see them and a replayed event finds them.
  std::vector<Intent> dropped;
  int skipped = 0;  // past or redundant when planned
};

// INVALID_ARGUMENT when the event lacks what its plan needs (e.g. an unknown time zone): such an
// event can never be planned, and the caller logs and skips it.
absl::StatusOr<EventActions> PlanEvent(const v1::Event& event, absl::Time now,
                                       const PlannerOptions& options);

// The recall for the next eligible date (none when it is unknown or never).
// `dropped`, when given, receives the recall if quiet hours reach its expiry.
std::vector<Intent> RecallIntents(const RecallQuery& query, absl::CivilDay next_eligible,
                                  absl::Time now, const PlannerOptions& options,
                                  std::vector<Intent>* dropped = nullptr);

// An invitation to a drive, due at max(now, not_before) outside quiet hours, worth sending until
// the drive's day starts.
absl::StatusOr<Intent> InvitationIntent(const std::string& donor, const std::string& drive,
                                        const MessageFacts& facts, const std::string& time_zone,
                                        absl::Time not_before, absl::Time now,
                                        const PlannerOptions& options);

// The message an intent becomes for `donor` (nullptr: not in the registry): rendered in the
// donor's language (or a fallback); SUPPRESSED when the donor is unknown, has no phone or opted
// out. Fails only when no template renders.
absl::StatusOr<PlanInput> Materialize(const Intent& intent, const v1::Donor* donor,
                                      const PlannerOptions& options, absl::Time now);

// The reply to an inbound SMS (kind INBOUND_REPLY) for the action taken, in `language` or a
// fallback; nullopt for actions that get no reply (not understood, unknown phone).
std::optional<RenderedMessage> RenderReply(v1::InboundAction action, v1::Language language,
                                           const PlannerOptions& options);

}  // namespace blooddrive::reminders
