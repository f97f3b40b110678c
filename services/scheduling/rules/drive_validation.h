// Validation of drives (CreateDrive, UpdateDrive, PublishDrive), naming the offending field
// ("drive.opening_windows[1].end: must be after start").
//
// Decisions beyond the proto comments:
// - A DRAFT may be incomplete: opening_windows (0..8) and capacities (0..4) may be empty; each one
//   given is fully checked. PublishDrive needs at least one of each (FAILED_PRECONDITION).
// - Windows are in local time, ordered, non-overlapping (touching is fine: 09-13 and 13-17), end
//   after start, never across midnight (24:00 ends the day). Each window must hold at least one
//   slot (length >= slot_minutes); slot_minutes need not divide it, the remainder is unused.
// - Capacity: seats 1..100, walk_in_reserve 0..seats, one entry per donation type. Targets:
//   blood group typed (not UNSPECIFIED/UNKNOWN), one per group, units 1..10000.
// - "In the past" means a date before the site's local today (today is allowed): CreateDrive,
//   an UpdateDrive that changes the date, and PublishDrive fail with FAILED_PRECONDITION.
// - UpdateDrive once PUBLISHED: date, opening_windows and slot_minutes may be in the mask only with
//   their current value (a client sending a full mask is not punished); a different value is
//   FAILED_PRECONDITION. Capacities may change while every slot's active use still fits
//   (UseFits in slots.h), removing a type included. CLOSED or CANCELLED: FAILED_PRECONDITION.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "blooddrive/v1/scheduling.pb.h"
#include "slots.h"

namespace blooddrive::scheduling {

// Every field of a drive payload (site, display_name, sponsor, venue, location, date, windows,
// slot_minutes, capacities, targets) and the window/slot_minutes fit. Output-only fields are
// ignored.
absl::Status ValidateDrive(const v1::Drive& drive);

absl::Status ValidateCreateDriveRequest(const v1::CreateDriveRequest& request);

// FAILED_PRECONDITION "<field>: ..." when `date` is before today at the site.
absl::Status CheckDateNotPast(absl::string_view field, const v1::Date& date, absl::TimeZone zone,
                              absl::Time now);

// request_id, drive.name ("drives/{id}"), update_mask (required; display_name, sponsor, venue,
// location, date, opening_windows, slot_minutes, capacities, targets) and each masked value.
absl::Status ValidateUpdateDriveRequest(const v1::UpdateDriveRequest& request);

// Seats in use in one slot for one donation type, as the store counts them.
struct SlotTypeUse {
  std::string slot_id;
  v1::DonationType donation_type = v1::DONATION_TYPE_UNSPECIFIED;
  SeatUse use;
};

// Applies a validated UpdateDriveRequest to the stored drive and returns the result (the caller
// sets update_time and etag). ABORTED: stale etag. FAILED_PRECONDITION: the state forbids the
// change, a new date in the past, or capacities below `use`. INVALID_ARGUMENT: the merged drive's
// windows do not fit its slot_minutes.
absl::StatusOr<v1::Drive> ApplyDriveUpdate(const v1::Drive& current,
                                           const v1::UpdateDriveRequest& request,
                                           absl::TimeZone zone, absl::Time now,
                                           absl::Span<const SlotTypeUse> use);

// PublishDrive's preconditions: DRAFT, at least one window and capacity, a date not in the past,
// and at least one slot that has not started (a window may vanish in a clock change's gap).
absl::Status CheckPublishable(const v1::Drive& drive, absl::TimeZone zone, absl::Time now);

}  // namespace blooddrive::scheduling
