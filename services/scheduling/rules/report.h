// DriveReport arithmetic (GetDriveReport) and the late-cancellation rule.
//
// - capacity = number of slots (as generated, so a clock change's gap counts) x the sum of
//   seats over donation types, walk-in reserve included.
// - Counts are by current state; a HELD booking whose hold has expired at `now` (not yet swept
//   by the store) counts nowhere, like HOLD_EXPIRED. RESCHEDULED counts nowhere (its
//   replacement counts where it is). donated = DONATED state (outcome DONATED or INCOMPLETE);
//   incomplete = of those, outcome INCOMPLETE.
// - Late cancellation: cancelled less than `window` before the slot's start, or after it; never
//   when the reason is DRIVE_CANCELLED (not the donor's doing). Cancelling exactly `window`
//   before is on time. The service sets Booking.late_cancellation with IsLateCancellation and
//   the same window, and the report recomputes it from cancel_time with its own window so the
//   report and its late_cancellation_window always agree.
// - walk_ins: walk-in bookings that use their seat (active or completed).
// - fill_rate = (held + booked + confirmed + checked_in + donated + deferred + no_show) /
//   capacity, clamped to 0..1; 0 when capacity is 0.
// - collections: one per blood group with a target or with a seat-taking booking, ordered by
//   the BloodGroup enum; bookings without a group count as UNKNOWN. active_bookings = HELD
//   (unexpired), BOOKED, CONFIRMED, CHECKED_IN; donated_units and volume_ml from DONATED.
#pragma once

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "blooddrive/v1/scheduling.pb.h"

namespace blooddrive::scheduling {

namespace v1 = ::blooddrive::v1;

inline constexpr absl::Duration kDefaultLateCancellationWindow = absl::Hours(24);

bool IsLateCancellation(absl::Time cancel_time, absl::Time slot_start, absl::Duration window,
                        v1::CancelReason reason);

// `bookings`: every booking of the drive, in any state. `waitlisted`: entries still WAITING.
v1::DriveReport ComputeDriveReport(const v1::Drive& drive, int slot_count,
                                   absl::Span<const v1::Booking> bookings, int waitlisted,
                                   absl::Duration late_window, absl::Time now);

// ListDrives' needing_blood_group: a target not yet met by active bookings and donations.
bool NeedsBloodGroup(const v1::BloodGroupCollection& collection);

}  // namespace blooddrive::scheduling
