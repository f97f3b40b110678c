#include "overlap.h"

#include <vector>

#include "dates.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace blooddrive::scheduling {
namespace {

absl::TimeZone Zone(const char* name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(name, &zone));
  return zone;
}

BookingPeriod At(const char* name, v1::BookingState state, absl::CivilMinute local, int minutes,
                 absl::TimeZone zone) {
  BookingPeriod p;
  p.name = name;
  p.state = state;
  p.date = absl::CivilDay(local);
  p.start_time = absl::FromCivil(local, zone);
  p.end_time = p.start_time + absl::Minutes(minutes);
  return p;
}

class OverlapTest : public testing::Test {
 protected:
  absl::TimeZone almaty_ = Zone("Asia/Almaty");
  absl::TimeZone berlin_ = Zone("Europe/Berlin");
  absl::Time now_ = absl::FromCivil(absl::CivilDay(2026, 5, 1), absl::UTCTimeZone());
};

TEST_F(OverlapTest, SameDateConflictsWhateverTheTimeSiteOrType) {
  const BookingPeriod morning = At("drives/a/bookings/1", v1::BOOKING_STATE_BOOKED,
                                   absl::CivilMinute(2026, 6, 1, 9, 0), 30, almaty_);
  const BookingPeriod evening =
      At("", v1::BOOKING_STATE_UNSPECIFIED, absl::CivilMinute(2026, 6, 1, 17, 0), 30, almaty_);
  EXPECT_TRUE(SamePeriod(morning, evening));
  const std::vector<BookingPeriod> existing = {morning};
  EXPECT_EQ(FindConflict(evening, existing, now_), &existing[0]);
}

TEST_F(OverlapTest, DifferentDatesDoNotConflictUnlessTheirSlotsOverlap) {
  const BookingPeriod monday =
      At("b1", v1::BOOKING_STATE_CONFIRMED, absl::CivilMinute(2026, 6, 1, 9, 0), 30, almaty_);
  const BookingPeriod tuesday =
      At("", v1::BOOKING_STATE_UNSPECIFIED, absl::CivilMinute(2026, 6, 2, 9, 0), 30, almaty_);
  EXPECT_FALSE(SamePeriod(monday, tuesday));
  // 23:30 on 31 May in Berlin (21:30Z) is 02:30 on 1 June in Almaty (+5): different dates at
  // their sites, but the intervals coincide.
  const BookingPeriod late_berlin =
      At("", v1::BOOKING_STATE_UNSPECIFIED, absl::CivilMinute(2026, 5, 31, 23, 30), 30, berlin_);
  const BookingPeriod early_almaty =
      At("b2", v1::BOOKING_STATE_BOOKED,
         absl::ToCivilMinute(late_berlin.start_time + absl::Minutes(15), almaty_), 30, almaty_);
  EXPECT_NE(early_almaty.date, late_berlin.date);
  EXPECT_TRUE(SamePeriod(late_berlin, early_almaty));
  BookingPeriod adjacent = early_almaty;
  adjacent.start_time = late_berlin.end_time;  // touching intervals do not overlap
  adjacent.end_time = adjacent.start_time + absl::Minutes(30);
  EXPECT_FALSE(SamePeriod(late_berlin, adjacent));
}

TEST_F(OverlapTest, OnlyActiveBookingsCount) {
  const BookingPeriod candidate =
      At("", v1::BOOKING_STATE_UNSPECIFIED, absl::CivilMinute(2026, 6, 1, 10, 0), 30, almaty_);
  for (v1::BookingState state : {v1::BOOKING_STATE_DONATED, v1::BOOKING_STATE_DEFERRED,
                                 v1::BOOKING_STATE_NO_SHOW, v1::BOOKING_STATE_CANCELLED,
                                 v1::BOOKING_STATE_HOLD_EXPIRED, v1::BOOKING_STATE_RESCHEDULED}) {
    const std::vector<BookingPeriod> existing = {
        At("x", state, absl::CivilMinute(2026, 6, 1, 10, 0), 30, almaty_)};
    EXPECT_EQ(FindConflict(candidate, existing, now_), nullptr) << state;
  }
  for (v1::BookingState state : {v1::BOOKING_STATE_HELD, v1::BOOKING_STATE_BOOKED,
                                 v1::BOOKING_STATE_CONFIRMED, v1::BOOKING_STATE_CHECKED_IN}) {
    const std::vector<BookingPeriod> existing = {
        At("x", state, absl::CivilMinute(2026, 6, 1, 12, 0), 30, almaty_)};
    EXPECT_NE(FindConflict(candidate, existing, now_), nullptr) << state;
  }
}

TEST_F(OverlapTest, AnExpiredHoldDoesNotCount) {
  const BookingPeriod candidate =
      At("", v1::BOOKING_STATE_UNSPECIFIED, absl::CivilMinute(2026, 6, 1, 10, 0), 30, almaty_);
  BookingPeriod hold =
      At("h", v1::BOOKING_STATE_HELD, absl::CivilMinute(2026, 6, 1, 10, 0), 30, almaty_);
  hold.hold_expire_time = now_;
  const std::vector<BookingPeriod> existing = {hold};
  EXPECT_EQ(FindConflict(candidate, existing, now_), nullptr);
  EXPECT_NE(FindConflict(candidate, existing, now_ - absl::Seconds(1)), nullptr);
}

TEST_F(OverlapTest, RescheduleIgnoresTheMovedBooking) {
  const std::vector<BookingPeriod> existing = {
      At("drives/a/bookings/1", v1::BOOKING_STATE_BOOKED, absl::CivilMinute(2026, 6, 1, 9, 0), 30,
         almaty_),
      At("drives/b/bookings/7", v1::BOOKING_STATE_BOOKED, absl::CivilMinute(2026, 6, 3, 9, 0), 30,
         almaty_)};
  const BookingPeriod later_same_day =
      At("", v1::BOOKING_STATE_UNSPECIFIED, absl::CivilMinute(2026, 6, 1, 15, 0), 30, almaty_);
  EXPECT_EQ(FindConflict(later_same_day, existing, now_, "drives/a/bookings/1"), nullptr);
  const BookingPeriod onto_other =
      At("", v1::BOOKING_STATE_UNSPECIFIED, absl::CivilMinute(2026, 6, 3, 15, 0), 30, almaty_);
  EXPECT_EQ(FindConflict(onto_other, existing, now_, "drives/a/bookings/1"), &existing[1]);
}

TEST_F(OverlapTest, PeriodOfABooking) {
  v1::Booking b;
  b.set_name("drives/a/bookings/1");
  b.set_state(v1::BOOKING_STATE_HELD);
  *b.mutable_date() = D(2026, 6, 1);
  const absl::Time start = absl::FromCivil(absl::CivilMinute(2026, 6, 1, 9, 0), almaty_);
  *b.mutable_slot_start_time() = platform::ToTimestamp(start);
  *b.mutable_slot_end_time() = platform::ToTimestamp(start + absl::Minutes(30));
  *b.mutable_hold_expire_time() = platform::ToTimestamp(now_ + absl::Minutes(5));
  const BookingPeriod p = PeriodOf(b);
  EXPECT_EQ(p.date, absl::CivilDay(2026, 6, 1));
  EXPECT_EQ(p.start_time, start);
  EXPECT_EQ(p.end_time - p.start_time, absl::Minutes(30));
  EXPECT_TRUE(IsActiveAt(p, now_));
  EXPECT_FALSE(IsActiveAt(p, now_ + absl::Minutes(5)));
}

}  // namespace
}  // namespace blooddrive::scheduling
