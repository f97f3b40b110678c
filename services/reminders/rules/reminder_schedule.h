// When to send each message of a booking, as UTC instants, honouring quiet hours in the site's
// local wall time. Pure: the caller passes "now" and the loaded time zone.
//
// Rules:
// - An announcement (booking confirmation, waitlist promotion) and one-off notices are due now.
// - A reminder is due at each offset before the slot. An offset of whole days keeps the local
//   wall time ("1 day before a 09:30 slot" is 09:30 the day before, even across a DST change);
//   other offsets are absolute ("2 hours before").
// - A message due inside quiet hours moves to the first instant they end (the next allowed
//   minute). If that is at or after its expiry (for booking messages: the slot start), it is
//   dropped: listed in Plan::dropped, so the caller can record it for staff.
// - A reminder already past when planned, or due less than min_reminder_lead after the
//   announcement (or now) or after the previous reminder, is skipped and counted: the donor has
//   just been told the same.
// - Thank-you: the day after the donation at a local morning time; recall: on the next eligible
//   date at a local morning time. Each expires after a TTL; one planned late goes out now.
// A local time that does not exist (DST gap) means the first instant after the gap; one that
// occurs twice means the first occurrence.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "blooddrive/v1/reminders.pb.h"

namespace blooddrive::reminders {

struct LocalTimeOfDay {
  int hour = 0;    // 0..23
  int minute = 0;  // 0..59
};

// [start, end) in local wall time; wraps midnight when start > end; start == end: none.
struct QuietHours {
  LocalTimeOfDay start{21, 0};
  LocalTimeOfDay end{9, 0};
};

struct ScheduleOptions {
  // Each > 0; duplicates are ignored.
  std::vector<absl::Duration> reminder_offsets = {absl::Hours(72), absl::Hours(24), absl::Hours(2)};
  QuietHours quiet;
  absl::Duration min_reminder_lead = absl::Hours(1);  // >= 0
  LocalTimeOfDay thank_you_time{10, 0};
  absl::Duration thank_you_ttl = absl::Hours(48);  // > 0
  LocalTimeOfDay recall_time{10, 0};
  absl::Duration recall_ttl = absl::Hours(14 * 24);  // > 0
};

// INVALID_ARGUMENT naming the first bad field ("reminder_offsets[1]: must be positive").
absl::Status CheckScheduleOptions(const ScheduleOptions& options);

struct PlannedMessage {
  blooddrive::v1::MessageKind kind = blooddrive::v1::MESSAGE_KIND_UNSPECIFIED;
  absl::Time due;     // after quiet hours
  absl::Time expire;  // not worth sending from this instant on
  // REMINDER: the offset before the slot it stands for (stable across replays, so it can be
  // part of the message's id); zero for other kinds.
  absl::Duration offset = absl::ZeroDuration();
  bool moved_by_quiet_hours = false;
};

struct Plan {
  std::vector<PlannedMessage> messages;  // in due order
  // Quiet hours pushed these to or past their expiry; `due` is when each was meant to go.
  std::vector<PlannedMessage> dropped;
  int skipped = 0;  // past, expired or redundant when planned
};

bool InQuietHours(absl::Time t, const absl::TimeZone& zone, const QuietHours& quiet);
// `due` itself when outside quiet hours, else the first instant at which they end.
absl::Time ApplyQuietHours(absl::Time due, const absl::TimeZone& zone, const QuietHours& quiet);

// A new booking: `announce` (BOOKING_CONFIRMATION or WAITLIST_PROMOTION; UNSPECIFIED for none)
// due now, then a REMINDER per offset. Everything expires at slot_start.
Plan PlanBooking(blooddrive::v1::MessageKind announce, absl::Time slot_start,
                 const absl::TimeZone& zone, absl::Time now, const ScheduleOptions& options = {});

// A one-off message (CANCELLATION, DRIVE_CANCELLED, INVITATION, ...) due at max(now,
// not_before), worth sending before `expire` (absl::InfiniteFuture() for no limit).
Plan PlanNotice(blooddrive::v1::MessageKind kind, absl::Time not_before, absl::Time expire,
                const absl::TimeZone& zone, absl::Time now, const ScheduleOptions& options = {});

// THANK_YOU the local day after `donation_date` at thank_you_time.
Plan PlanThankYou(absl::CivilDay donation_date, const absl::TimeZone& zone, absl::Time now,
                  const ScheduleOptions& options = {});

// RECALL on `next_eligible_date` at recall_time.
Plan PlanRecall(absl::CivilDay next_eligible_date, const absl::TimeZone& zone, absl::Time now,
                const ScheduleOptions& options = {});

// The first instant at which the local wall clock in `zone` reads `local` or later.
absl::Time LocalInstant(absl::CivilSecond local, const absl::TimeZone& zone);

}  // namespace blooddrive::reminders
