#include "report.h"

#include <algorithm>
#include <map>

#include "dates.h"
#include "google/protobuf/duration.pb.h"
#include "overlap.h"
#include "state_machine.h"

namespace blooddrive::scheduling {

bool IsLateCancellation(absl::Time cancel_time, absl::Time slot_start, absl::Duration window,
                        v1::CancelReason reason) {
  if (reason == v1::CANCEL_REASON_DRIVE_CANCELLED) return false;
  return slot_start - cancel_time < window;
}

v1::DriveReport ComputeDriveReport(const v1::Drive& drive, int slot_count,
                                   absl::Span<const v1::Booking> bookings, int waitlisted,
                                   absl::Duration late_window, absl::Time now) {
  v1::DriveReport report;
  report.set_drive(drive.name());
  report.set_state(drive.state());
  *report.mutable_date() = drive.date();
  report.set_site(drive.site());
  int seats_per_slot = 0;
  for (const v1::SlotCapacity& c : drive.capacities()) seats_per_slot += c.seats();
  const int capacity = slot_count * seats_per_slot;
  report.set_capacity(capacity);
  report.set_waitlisted(waitlisted);

  std::map<int, v1::BloodGroupCollection> groups;
  for (const v1::BloodGroupTarget& t : drive.targets()) {
    groups[t.blood_group()].set_target_units(t.units());
  }
  for (const v1::Booking& b : bookings) {
    v1::BookingState state = b.state();
    if (state == v1::BOOKING_STATE_HELD && !IsActiveAt(PeriodOf(b), now)) {
      state = v1::BOOKING_STATE_HOLD_EXPIRED;
    }
    switch (state) {
      case v1::BOOKING_STATE_HELD:
        report.set_held(report.held() + 1);
        break;
      case v1::BOOKING_STATE_BOOKED:
        report.set_booked(report.booked() + 1);
        break;
      case v1::BOOKING_STATE_CONFIRMED:
        report.set_confirmed(report.confirmed() + 1);
        break;
      case v1::BOOKING_STATE_CHECKED_IN:
        report.set_checked_in(report.checked_in() + 1);
        break;
      case v1::BOOKING_STATE_DONATED:
        report.set_donated(report.donated() + 1);
        if (b.outcome().outcome() == v1::DONATION_OUTCOME_INCOMPLETE) {
          report.set_incomplete(report.incomplete() + 1);
        }
        break;
      case v1::BOOKING_STATE_DEFERRED:
        report.set_deferred(report.deferred() + 1);
        break;
      case v1::BOOKING_STATE_NO_SHOW:
        report.set_no_show(report.no_show() + 1);
        break;
      case v1::BOOKING_STATE_CANCELLED:
        report.set_cancelled(report.cancelled() + 1);
        if (b.has_cancel_time() && IsLateCancellation(platform::ToTime(b.cancel_time()),
                                                      platform::ToTime(b.slot_start_time()),
                                                      late_window, b.cancel_reason())) {
          report.set_late_cancellations(report.late_cancellations() + 1);
        }
        break;
      default:
        break;
    }
    if (!TakesSeat(state)) continue;
    if (b.walk_in()) report.set_walk_ins(report.walk_ins() + 1);
    const int group =
        b.blood_group() == v1::BLOOD_GROUP_UNSPECIFIED ? v1::BLOOD_GROUP_UNKNOWN : b.blood_group();
    v1::BloodGroupCollection& g = groups[group];
    if (IsActive(state)) g.set_active_bookings(g.active_bookings() + 1);
    if (state == v1::BOOKING_STATE_DONATED) {
      g.set_donated_units(g.donated_units() + 1);
      g.set_volume_ml(g.volume_ml() + b.outcome().volume_ml());
    }
  }
  for (auto& [group, collection] : groups) {
    collection.set_blood_group(static_cast<v1::BloodGroup>(group));
    *report.add_collections() = collection;
  }

  const int used = report.held() + report.booked() + report.confirmed() + report.checked_in() +
                   report.donated() + report.deferred() + report.no_show();
  report.set_fill_rate(capacity > 0 ? std::min(1.0, static_cast<double>(used) / capacity) : 0.0);
  const int64_t window_nanos = absl::ToInt64Nanoseconds(late_window);
  report.mutable_late_cancellation_window()->set_seconds(window_nanos / 1000000000);
  report.mutable_late_cancellation_window()->set_nanos(
      static_cast<int32_t>(window_nanos % 1000000000));
  *report.mutable_report_time() = platform::ToTimestamp(now);
  return report;
}

bool NeedsBloodGroup(const v1::BloodGroupCollection& collection) {
  return collection.target_units() > collection.active_bookings() + collection.donated_units();
}

}  // namespace blooddrive::scheduling
