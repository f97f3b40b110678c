#include "report.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "dates.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace blooddrive::scheduling {
namespace {

using platform::ToTimestamp;

class ReportTest : public testing::Test {
 protected:
  ReportTest() : drive_(ValidDrive(D(2026, 6, 1))) {
    drive_.set_name("drives/d1");
    drive_.set_state(v1::DRIVE_STATE_PUBLISHED);
    EXPECT_TRUE(absl::LoadTimeZone("Asia/Almaty", &almaty_));
    slot_start_ = absl::FromCivil(absl::CivilMinute(2026, 6, 1, 10, 0), almaty_);
    now_ = slot_start_ - absl::Hours(2);
  }

  v1::Booking& Add(v1::BookingState state, v1::BloodGroup group) {
    v1::Booking& b = bookings_.emplace_back();
    b.set_name(absl::StrCat("drives/d1/bookings/", bookings_.size()));
    b.set_state(state);
    b.set_blood_group(group);
    *b.mutable_date() = drive_.date();
    *b.mutable_slot_start_time() = ToTimestamp(slot_start_);
    *b.mutable_slot_end_time() = ToTimestamp(slot_start_ + absl::Minutes(30));
    return b;
  }
  v1::Booking& Donated(v1::BloodGroup group, int volume, bool incomplete = false) {
    v1::Booking& b = Add(v1::BOOKING_STATE_DONATED, group);
    b.mutable_outcome()->set_outcome(incomplete ? v1::DONATION_OUTCOME_INCOMPLETE
                                                : v1::DONATION_OUTCOME_DONATED);
    b.mutable_outcome()->set_volume_ml(volume);
    return b;
  }
  v1::Booking& Cancelled(absl::Duration before_start, v1::CancelReason reason) {
    v1::Booking& b = Add(v1::BOOKING_STATE_CANCELLED, v1::BLOOD_GROUP_B_POSITIVE);
    *b.mutable_cancel_time() = ToTimestamp(slot_start_ - before_start);
    b.set_cancel_reason(reason);
    return b;
  }
  v1::DriveReport Report(int slots = 16, int waitlisted = 0) {
    return ComputeDriveReport(drive_, slots, bookings_, waitlisted, absl::Hours(24), now_);
  }

  v1::Drive drive_;
  absl::TimeZone almaty_;
  absl::Time slot_start_;
  absl::Time now_;
  std::vector<v1::Booking> bookings_;
};

TEST_F(ReportTest, EmptyDrive) {
  const v1::DriveReport r = Report(16, 3);
  EXPECT_EQ(r.drive(), "drives/d1");
  EXPECT_EQ(r.state(), v1::DRIVE_STATE_PUBLISHED);
  EXPECT_EQ(r.site(), "sites/astana-1");
  EXPECT_EQ(r.date().day(), 1);
  EXPECT_EQ(r.capacity(), 16 * (4 + 2));  // walk-in reserve included
  EXPECT_EQ(r.waitlisted(), 3);
  EXPECT_EQ(r.fill_rate(), 0.0);
  ASSERT_EQ(r.collections_size(), 2);  // the targets, in enum order
  EXPECT_EQ(r.collections(0).blood_group(), v1::BLOOD_GROUP_O_POSITIVE);
  EXPECT_EQ(r.collections(0).target_units(), 20);
  EXPECT_EQ(r.collections(1).blood_group(), v1::BLOOD_GROUP_A_NEGATIVE);
  EXPECT_EQ(r.late_cancellation_window().seconds(), 24 * 3600);
  EXPECT_EQ(platform::ToTime(r.report_time()), now_);
}

TEST_F(ReportTest, CountsEveryState) {
  Add(v1::BOOKING_STATE_HELD, v1::BLOOD_GROUP_O_POSITIVE)
      .mutable_hold_expire_time()
      ->set_seconds(absl::ToUnixSeconds(now_) + 60);
  Add(v1::BOOKING_STATE_HELD, v1::BLOOD_GROUP_O_POSITIVE)  // expired, not yet swept
      .mutable_hold_expire_time()
      ->set_seconds(absl::ToUnixSeconds(now_) - 60);
  Add(v1::BOOKING_STATE_BOOKED, v1::BLOOD_GROUP_O_POSITIVE);
  Add(v1::BOOKING_STATE_BOOKED, v1::BLOOD_GROUP_UNSPECIFIED);
  Add(v1::BOOKING_STATE_CONFIRMED, v1::BLOOD_GROUP_A_NEGATIVE);
  Add(v1::BOOKING_STATE_CHECKED_IN, v1::BLOOD_GROUP_UNKNOWN).set_walk_in(true);
  Donated(v1::BLOOD_GROUP_O_POSITIVE, 450);
  Donated(v1::BLOOD_GROUP_O_POSITIVE, 200, /*incomplete=*/true).set_walk_in(true);
  Donated(v1::BLOOD_GROUP_AB_NEGATIVE, 470);
  Add(v1::BOOKING_STATE_DEFERRED, v1::BLOOD_GROUP_A_NEGATIVE);
  Add(v1::BOOKING_STATE_NO_SHOW, v1::BLOOD_GROUP_O_POSITIVE);
  Add(v1::BOOKING_STATE_HOLD_EXPIRED, v1::BLOOD_GROUP_O_POSITIVE);
  Add(v1::BOOKING_STATE_RESCHEDULED, v1::BLOOD_GROUP_O_POSITIVE).set_walk_in(true);
  Cancelled(absl::Hours(48), v1::CANCEL_REASON_DONOR_REQUEST).set_walk_in(true);

  const v1::DriveReport r = Report(10);
  EXPECT_EQ(r.held(), 1);
  EXPECT_EQ(r.booked(), 2);
  EXPECT_EQ(r.confirmed(), 1);
  EXPECT_EQ(r.checked_in(), 1);
  EXPECT_EQ(r.donated(), 3);
  EXPECT_EQ(r.incomplete(), 1);
  EXPECT_EQ(r.deferred(), 1);
  EXPECT_EQ(r.no_show(), 1);
  EXPECT_EQ(r.cancelled(), 1);
  EXPECT_EQ(r.walk_ins(), 2);  // not the rescheduled or cancelled ones
  EXPECT_EQ(r.capacity(), 60);
  EXPECT_DOUBLE_EQ(r.fill_rate(), 10.0 / 60.0);

  ASSERT_EQ(r.collections_size(), 4);
  const v1::BloodGroupCollection& unknown = r.collections(0);
  EXPECT_EQ(unknown.blood_group(), v1::BLOOD_GROUP_UNKNOWN);
  EXPECT_EQ(unknown.active_bookings(), 2);  // the UNSPECIFIED booking counts as UNKNOWN
  EXPECT_EQ(unknown.target_units(), 0);
  const v1::BloodGroupCollection& o_pos = r.collections(1);
  EXPECT_EQ(o_pos.blood_group(), v1::BLOOD_GROUP_O_POSITIVE);
  EXPECT_EQ(o_pos.target_units(), 20);
  EXPECT_EQ(o_pos.active_bookings(), 2);  // the live hold and the booking
  EXPECT_EQ(o_pos.donated_units(), 2);
  EXPECT_EQ(o_pos.volume_ml(), 650);
  EXPECT_TRUE(NeedsBloodGroup(o_pos));
  const v1::BloodGroupCollection& a_neg = r.collections(2);
  EXPECT_EQ(a_neg.blood_group(), v1::BLOOD_GROUP_A_NEGATIVE);
  EXPECT_EQ(a_neg.active_bookings(), 1);
  EXPECT_EQ(a_neg.donated_units(), 0);
  const v1::BloodGroupCollection& ab_neg = r.collections(3);
  EXPECT_EQ(ab_neg.blood_group(), v1::BLOOD_GROUP_AB_NEGATIVE);
  EXPECT_EQ(ab_neg.donated_units(), 1);
  EXPECT_EQ(ab_neg.volume_ml(), 470);
  EXPECT_FALSE(NeedsBloodGroup(ab_neg));
}

TEST_F(ReportTest, LateCancellations) {
  Cancelled(absl::Hours(48), v1::CANCEL_REASON_DONOR_REQUEST);
  Cancelled(absl::Hours(24), v1::CANCEL_REASON_DONOR_SMS_REPLY);  // exactly 24 h: on time
  Cancelled(absl::Hours(24) - absl::Seconds(1), v1::CANCEL_REASON_DONOR_SMS_REPLY);
  Cancelled(absl::Hours(1), v1::CANCEL_REASON_CLINIC);
  Cancelled(-absl::Minutes(10), v1::CANCEL_REASON_DONOR_REQUEST);  // after the start
  Cancelled(absl::Hours(1), v1::CANCEL_REASON_DRIVE_CANCELLED);    // not the donor's doing
  const v1::DriveReport r = Report();
  EXPECT_EQ(r.cancelled(), 6);
  EXPECT_EQ(r.late_cancellations(), 3);
  const v1::DriveReport strict =
      ComputeDriveReport(drive_, 16, bookings_, 0, absl::Hours(72), now_);
  EXPECT_EQ(strict.late_cancellations(), 5);
  EXPECT_EQ(strict.late_cancellation_window().seconds(), 72 * 3600);
}

TEST(IsLateCancellationTest, Boundaries) {
  const absl::Time start = absl::FromUnixSeconds(1'800'000'000);
  const auto reason = v1::CANCEL_REASON_DONOR_REQUEST;
  EXPECT_FALSE(IsLateCancellation(start - absl::Hours(24), start, absl::Hours(24), reason));
  EXPECT_TRUE(IsLateCancellation(start - absl::Hours(23), start, absl::Hours(24), reason));
  EXPECT_TRUE(IsLateCancellation(start + absl::Hours(1), start, absl::ZeroDuration(), reason));
  EXPECT_FALSE(IsLateCancellation(start - absl::Seconds(1), start, absl::ZeroDuration(), reason));
  EXPECT_FALSE(
      IsLateCancellation(start, start, absl::Hours(24), v1::CANCEL_REASON_DRIVE_CANCELLED));
}

TEST_F(ReportTest, FillRateIsClampedAndZeroWithoutCapacity) {
  for (int i = 0; i < 10; ++i) Add(v1::BOOKING_STATE_BOOKED, v1::BLOOD_GROUP_O_POSITIVE);
  EXPECT_DOUBLE_EQ(Report(1).fill_rate(), 1.0);  // 6 seats, 10 bookings (data from a shrink)
  drive_.clear_capacities();
  EXPECT_EQ(Report(16).capacity(), 0);
  EXPECT_EQ(Report(16).fill_rate(), 0.0);
}

}  // namespace
}  // namespace blooddrive::scheduling
