#include "overlap.h"

#include "dates.h"
#include "state_machine.h"

namespace blooddrive::scheduling {

BookingPeriod PeriodOf(const v1::Booking& booking) {
  BookingPeriod period;
  period.name = booking.name();
  period.state = booking.state();
  if (platform::IsSet(booking.date())) period.date = platform::ToCivilDay(booking.date());
  period.start_time = platform::ToTime(booking.slot_start_time());
  period.end_time = platform::ToTime(booking.slot_end_time());
  if (booking.has_hold_expire_time()) {
    period.hold_expire_time = platform::ToTime(booking.hold_expire_time());
  }
  return period;
}

bool IsActiveAt(const BookingPeriod& booking, absl::Time now) {
  if (booking.state == v1::BOOKING_STATE_HELD) return now < booking.hold_expire_time;
  return IsActive(booking.state);
}

bool SamePeriod(const BookingPeriod& a, const BookingPeriod& b) {
  if (a.date == b.date) return true;
  return a.start_time < b.end_time && b.start_time < a.end_time;
}

const BookingPeriod* FindConflict(const BookingPeriod& candidate,
                                  absl::Span<const BookingPeriod> existing, absl::Time now,
                                  absl::string_view ignore) {
  for (const BookingPeriod& other : existing) {
    if (!ignore.empty() && other.name == ignore) continue;
    if (!IsActiveAt(other, now)) continue;
    if (SamePeriod(candidate, other)) return &other;
  }
  return nullptr;
}

}  // namespace blooddrive::scheduling
