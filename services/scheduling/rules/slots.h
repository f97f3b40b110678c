// Slot arithmetic: a drive's slots in the site's local time and as UTC instants, and how the seats
// of one slot and donation type are counted.
//
// Slots (scheduling.proto, OpeningWindow):
// - Each window [start, end) is cut into slots of slot_minutes on the wall clock, from `start`;
//   a last slot that would end after `end` is not made. Windows cannot cross midnight; 24:00 is
//   allowed as the end of the day.
// - A slot's id is its local start "HHMM" (e.g. "0930"). Windows never overlap and a repeated
//   local time gives slots only once, so ids are unique in a drive and never change once the drive
//   is published (date, windows and slot_minutes are frozen then).
// - Let F(L) be the first instant at which the site's wall clock reads L or later. Then
//     start_time = F(local_start), end_time = min(F(local_end), start_time + slot_minutes).
//   Consequences on clock-change days:
//   * Spring forward (a skipped local hour, e.g. Europe/Berlin 2025-03-30 02:00-03:00): a slot
//     whose local start is skipped is not made. A slot whose end is skipped ends when the clock
//     jumps (01:30-02:30 lasts 30 real minutes, 00:30Z-01:00Z).
//   * Fall back (a repeated hour, e.g. Europe/Berlin 2025-10-26 02:00-03:00): slots start in the
//     first occurrence only; the second occurrence has no slot. A slot never lasts longer than
//     slot_minutes of real time, so 02:30-03:00 ends when the clock turns back (00:30Z-01:00Z)
//     and the next slot, 03:00, starts an hour of real time later (02:00Z).
//   So every slot has 0 < end_time - start_time <= slot_minutes, and slots never overlap in UTC.
//
// Seats (SlotCapacity), per slot and per donation type. S = seats, R = walk_in_reserve:
// - Donor-facing bookings and holds (d of them) may use S - R seats. Walk-in bookings (w) use the
//   reserve first and then any free seat. Hence: d <= S - R and d + w <= S.
// - Seats are taken by HELD (unexpired), BOOKED, CONFIRMED, CHECKED_IN and by completed bookings
//   (DONATED, DEFERRED, NO_SHOW); CANCELLED, HOLD_EXPIRED and RESCHEDULED give theirs back.
// - TypeAvailability: held = donor-facing holds; booked = every other seat-taking booking,
//   walk-ins included; walk_in_left = max(0, R - w); available = S - held - booked - walk_in_left.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "blooddrive/v1/common.pb.h"
#include "blooddrive/v1/scheduling.pb.h"

namespace blooddrive::scheduling {

namespace v1 = ::blooddrive::v1;

struct Slot {
  std::string id;                 // local start "HHMM"
  absl::CivilMinute local_start;  // wall clock at the site
  absl::CivilMinute local_end;    // nominal wall-clock end (start + slot_minutes)
  absl::Time start_time;          // UTC, see F above
  absl::Time end_time;
};

// Loads an IANA zone by name for a site. INVALID_ARGUMENT naming `field` when the name is not of
// the shape Area/Location (letters, digits, '_', '+', '-', '/'; no "..", no leading '/'; not
// "localtime"), or the system's tzdata does not know it. "UTC" and "Etc/..." are accepted.
absl::StatusOr<absl::TimeZone> LoadSiteTimeZone(absl::string_view field, absl::string_view name);

// Minutes since local midnight of a TimeOfDay (24:00 -> 1440). The value must be valid.
int MinuteOfDay(const v1::TimeOfDay& t);
v1::TimeOfDay ToTimeOfDay(absl::CivilMinute m);

// "0930" for 09:30.
std::string SlotId(absl::CivilMinute local_start);
// The minute of day of a slot id ("0930" -> 570); nullopt when not of the form HHMM, 0000..2359.
std::optional<int> ParseSlotId(absl::string_view id);

// The slots of `drive` (its date, opening_windows and slot_minutes) at a site in `zone`, ordered
// by start_time. INVALID_ARGUMENT (naming the drive field) when the drive would fail validation
// in a way that makes slots undefined; a drive with no window gives no slot.
absl::StatusOr<std::vector<Slot>> GenerateSlots(const v1::Drive& drive, absl::TimeZone zone);

// The slot with this id, or nullptr.
const Slot* FindSlot(absl::Span<const Slot> slots, absl::string_view id);

// Whether a waitlist entry's optional local window [earliest_start, start_before) admits the slot.
bool WaitlistAdmits(const v1::WaitlistEntry& entry, const Slot& slot);

// The seats of one slot and type that bookings already use (see the header comment).
struct SeatUse {
  int held = 0;     // donor-facing HELD, unexpired
  int booked = 0;   // donor-facing BOOKED, CONFIRMED, CHECKED_IN or completed
  int walk_in = 0;  // walk-in bookings that take a seat (any of the above states)
};

// available + held + booked + walk_in_left == seats whenever the use fits the capacity.
v1::TypeAvailability SeatAvailability(const v1::SlotCapacity& capacity, const SeatUse& use);

// Whether one more booking fits: a donor-facing one needs d + 1 <= S - R and d + w + 1 <= S; a
// walk-in needs d + w + 1 <= S.
bool HasSeat(const v1::SlotCapacity& capacity, const SeatUse& use, bool walk_in);

// Whether `use` fits within `capacity` (d <= S - R and d + w <= S). A type that the drive no
// longer offers has S = R = 0.
bool UseFits(const v1::SlotCapacity& capacity, const SeatUse& use);

}  // namespace blooddrive::scheduling
