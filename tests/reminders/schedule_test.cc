// Planning: the right messages at the right UTC instants for a drive in Asia/Almaty, quiet hours
// (moved, dropped past the appointment), skipped past/redundant reminders, thank-you and recall,
// and DST in Europe/Berlin.
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "reminder_schedule.h"

namespace blooddrive::reminders {
namespace {

namespace v1 = blooddrive::v1;

absl::TimeZone Zone(const char* name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(name, &zone)) << name;
  return zone;
}

absl::Time Utc(int y, int mo, int d, int h, int mi) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), absl::UTCTimeZone());
}

class AlmatyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    zone_ = Zone("Asia/Almaty");
    // Kazakhstan moved to UTC+5 on 2024-03-01; the UTC instants below assume it.
    ASSERT_EQ(zone_.At(Utc(2026, 3, 1, 0, 0)).offset, 5 * 3600) << "tzdata older than 2024a?";
  }
  absl::Time Local(int y, int mo, int d, int h, int mi) const {
    return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), zone_);
  }
  absl::TimeZone zone_;
};

TEST_F(AlmatyTest, ConfirmationAndThreeReminders) {
  const absl::Time slot = Local(2026, 3, 12, 9, 30);
  ASSERT_EQ(slot, Utc(2026, 3, 12, 4, 30));
  const absl::Time now = Utc(2026, 3, 1, 7, 0);  // 12:00 local
  const Plan plan = PlanBooking(v1::MESSAGE_KIND_BOOKING_CONFIRMATION, slot, zone_, now);
  ASSERT_EQ(plan.messages.size(), 4u);
  EXPECT_EQ(plan.messages[0].kind, v1::MESSAGE_KIND_BOOKING_CONFIRMATION);
  EXPECT_EQ(plan.messages[0].due, now);
  EXPECT_EQ(plan.messages[0].expire, slot);
  EXPECT_EQ(plan.messages[1].kind, v1::MESSAGE_KIND_REMINDER);
  EXPECT_EQ(plan.messages[1].due, Utc(2026, 3, 9, 4, 30));  // 3 days before, 09:30 local
  EXPECT_EQ(plan.messages[1].offset, absl::Hours(72));
  EXPECT_EQ(plan.messages[2].due, Utc(2026, 3, 11, 4, 30));  // 1 day before
  EXPECT_EQ(plan.messages[2].offset, absl::Hours(24));
  // 2 hours before is 07:30 local, inside quiet hours: moved to 09:00 local.
  EXPECT_EQ(plan.messages[3].due, Utc(2026, 3, 12, 4, 0));
  EXPECT_EQ(plan.messages[3].offset, absl::Hours(2));
  EXPECT_TRUE(plan.messages[3].moved_by_quiet_hours);
  EXPECT_FALSE(plan.messages[1].moved_by_quiet_hours);
  EXPECT_EQ(plan.dropped.size(), 0u);
  EXPECT_EQ(plan.skipped, 0);
}

TEST_F(AlmatyTest, ReminderMovedPastAppointmentIsDropped) {
  // 2 hours before a 09:00 slot is 07:00; the quiet hours end at 09:00, the slot start.
  const absl::Time slot = Local(2026, 3, 12, 9, 0);
  const Plan plan =
      PlanBooking(v1::MESSAGE_KIND_BOOKING_CONFIRMATION, slot, zone_, Local(2026, 3, 1, 12, 0));
  ASSERT_EQ(plan.messages.size(), 3u);
  EXPECT_EQ(plan.messages.back().offset, absl::Hours(24));
  EXPECT_EQ(plan.dropped.size(), 1u);
}

TEST_F(AlmatyTest, LateEveningBookingConfirmsInTheMorning) {
  // Booked at 22:30 for 10:00 tomorrow: the confirmation waits for 09:00; the 3- and 1-day
  // reminders are past; the 2-hour one (08:00 -> 09:00) would repeat the confirmation.
  const Plan plan = PlanBooking(v1::MESSAGE_KIND_BOOKING_CONFIRMATION, Local(2026, 3, 12, 10, 0),
                                zone_, Local(2026, 3, 11, 22, 30));
  ASSERT_EQ(plan.messages.size(), 1u);
  EXPECT_EQ(plan.messages[0].due, Local(2026, 3, 12, 9, 0));
  EXPECT_TRUE(plan.messages[0].moved_by_quiet_hours);
  EXPECT_EQ(plan.skipped, 3);
  EXPECT_EQ(plan.dropped.size(), 0u);
}

TEST_F(AlmatyTest, LateEveningBookingForAnEarlySlotSendsNothing) {
  const Plan plan = PlanBooking(v1::MESSAGE_KIND_BOOKING_CONFIRMATION, Local(2026, 3, 12, 8, 30),
                                zone_, Local(2026, 3, 11, 22, 30));
  EXPECT_TRUE(plan.messages.empty());
  EXPECT_EQ(plan.dropped.size(), 2u);  // confirmation and the 2-hour reminder
  EXPECT_EQ(plan.skipped, 2);          // 3 days and 1 day before: past
}

TEST_F(AlmatyTest, ShortNoticeBookings) {
  const absl::Time slot = Local(2026, 3, 12, 14, 30);
  // 36 hours ahead: no 3-day reminder.
  Plan plan =
      PlanBooking(v1::MESSAGE_KIND_BOOKING_CONFIRMATION, slot, zone_, slot - absl::Hours(36));
  ASSERT_EQ(plan.messages.size(), 3u);
  EXPECT_EQ(plan.messages[1].offset, absl::Hours(24));
  EXPECT_EQ(plan.messages[2].due, Local(2026, 3, 12, 12, 30));
  EXPECT_EQ(plan.skipped, 1);
  // 2.5 hours ahead: the 2-hour reminder would come 30 minutes after the confirmation.
  plan = PlanBooking(v1::MESSAGE_KIND_BOOKING_CONFIRMATION, slot, zone_, slot - absl::Minutes(150));
  ASSERT_EQ(plan.messages.size(), 1u);
  EXPECT_EQ(plan.skipped, 3);
  // Walk-in at the slot start: nothing to announce.
  plan = PlanBooking(v1::MESSAGE_KIND_BOOKING_CONFIRMATION, slot, zone_, slot);
  EXPECT_TRUE(plan.messages.empty());
}

TEST_F(AlmatyTest, WaitlistPromotionAndCustomOffsets) {
  ScheduleOptions options;
  options.reminder_offsets = {absl::Hours(3), absl::Hours(48), absl::Hours(3)};  // dup ignored
  const absl::Time slot = Local(2026, 3, 12, 11, 0);
  const Plan plan = PlanBooking(v1::MESSAGE_KIND_WAITLIST_PROMOTION, slot, zone_,
                                Local(2026, 3, 5, 15, 0), options);
  ASSERT_EQ(plan.messages.size(), 3u);
  EXPECT_EQ(plan.messages[0].kind, v1::MESSAGE_KIND_WAITLIST_PROMOTION);
  EXPECT_EQ(plan.messages[1].due, Local(2026, 3, 10, 11, 0));
  EXPECT_EQ(plan.messages[2].due, Local(2026, 3, 12, 9, 0));  // 08:00 moved to 09:00
  // Without an announcement, reminders only.
  const Plan reminders_only =
      PlanBooking(v1::MESSAGE_KIND_UNSPECIFIED, slot, zone_, Local(2026, 3, 5, 15, 0), options);
  EXPECT_EQ(reminders_only.messages.size(), 2u);
}

TEST_F(AlmatyTest, Notices) {
  const absl::Time slot = Local(2026, 3, 12, 8, 30);
  // Cancelled at 15:00: notice now.
  Plan plan = PlanNotice(v1::MESSAGE_KIND_CANCELLATION, absl::InfinitePast(), slot, zone_,
                         Local(2026, 3, 11, 15, 0));
  ASSERT_EQ(plan.messages.size(), 1u);
  EXPECT_EQ(plan.messages[0].due, Local(2026, 3, 11, 15, 0));
  // Drive called off at 23:00 for 08:30: 09:00 is too late, dropped and counted.
  plan = PlanNotice(v1::MESSAGE_KIND_DRIVE_CANCELLED, absl::InfinitePast(), slot, zone_,
                    Local(2026, 3, 11, 23, 0));
  EXPECT_TRUE(plan.messages.empty());
  EXPECT_EQ(plan.dropped.size(), 1u);
  // After the slot: skipped.
  plan = PlanNotice(v1::MESSAGE_KIND_CANCELLATION, absl::InfinitePast(), slot, zone_, slot);
  EXPECT_EQ(plan.skipped, 1);
  // Invitation with a send time at 20:59 local: sent then; at 21:00 it waits for the morning.
  plan = PlanNotice(v1::MESSAGE_KIND_INVITATION, Local(2026, 3, 5, 20, 59), absl::InfiniteFuture(),
                    zone_, Local(2026, 3, 5, 12, 0));
  EXPECT_EQ(plan.messages.at(0).due, Local(2026, 3, 5, 20, 59));
  plan = PlanNotice(v1::MESSAGE_KIND_INVITATION, Local(2026, 3, 5, 21, 0), absl::InfiniteFuture(),
                    zone_, Local(2026, 3, 5, 12, 0));
  EXPECT_EQ(plan.messages.at(0).due, Local(2026, 3, 6, 9, 0));
}

TEST_F(AlmatyTest, ThankYouAndRecall) {
  Plan plan = PlanThankYou(absl::CivilDay(2026, 3, 12), zone_, Local(2026, 3, 12, 13, 0));
  ASSERT_EQ(plan.messages.size(), 1u);
  EXPECT_EQ(plan.messages[0].kind, v1::MESSAGE_KIND_THANK_YOU);
  EXPECT_EQ(plan.messages[0].due, Utc(2026, 3, 13, 5, 0));  // 10:00 local
  EXPECT_EQ(plan.messages[0].expire, Utc(2026, 3, 15, 5, 0));
  // Planned late in the evening of the day after: next morning, still before the TTL.
  plan = PlanThankYou(absl::CivilDay(2026, 3, 12), zone_, Local(2026, 3, 13, 22, 0));
  EXPECT_EQ(plan.messages.at(0).due, Local(2026, 3, 14, 9, 0));
  // Past the TTL: skipped.
  plan = PlanThankYou(absl::CivilDay(2026, 3, 12), zone_, Local(2026, 3, 20, 12, 0));
  EXPECT_TRUE(plan.messages.empty());
  EXPECT_EQ(plan.skipped, 1);

  plan = PlanRecall(absl::CivilDay(2026, 5, 7), zone_, Local(2026, 3, 12, 13, 0));
  ASSERT_EQ(plan.messages.size(), 1u);
  EXPECT_EQ(plan.messages[0].kind, v1::MESSAGE_KIND_RECALL);
  EXPECT_EQ(plan.messages[0].due, Utc(2026, 5, 7, 5, 0));
}

TEST_F(AlmatyTest, QuietHoursEdges) {
  const QuietHours quiet;  // 21:00-09:00
  EXPECT_FALSE(InQuietHours(Local(2026, 3, 5, 20, 59), zone_, quiet));
  EXPECT_TRUE(InQuietHours(Local(2026, 3, 5, 21, 0), zone_, quiet));
  EXPECT_TRUE(InQuietHours(Local(2026, 3, 6, 0, 0), zone_, quiet));
  EXPECT_TRUE(InQuietHours(Local(2026, 3, 6, 8, 59), zone_, quiet));
  EXPECT_FALSE(InQuietHours(Local(2026, 3, 6, 9, 0), zone_, quiet));
  EXPECT_EQ(ApplyQuietHours(Local(2026, 3, 6, 3, 17), zone_, quiet), Local(2026, 3, 6, 9, 0));
  // A daytime window that does not wrap midnight.
  const QuietHours lunch{{13, 0}, {14, 0}};
  EXPECT_EQ(ApplyQuietHours(Local(2026, 3, 6, 13, 30), zone_, lunch), Local(2026, 3, 6, 14, 0));
  EXPECT_EQ(ApplyQuietHours(Local(2026, 3, 6, 12, 30), zone_, lunch), Local(2026, 3, 6, 12, 30));
  // start == end: none.
  EXPECT_FALSE(InQuietHours(Local(2026, 3, 6, 3, 0), zone_, QuietHours{{0, 0}, {0, 0}}));
}

TEST(DstTest, DayOffsetsKeepLocalWallTime) {
  const absl::TimeZone berlin = Zone("Europe/Berlin");
  // Clocks go forward on Sunday 2026-03-29; the slot is Monday 09:30 CEST (07:30 UTC).
  const absl::Time slot = Utc(2026, 3, 30, 7, 30);
  const Plan plan =
      PlanBooking(v1::MESSAGE_KIND_UNSPECIFIED, slot, berlin, Utc(2026, 3, 20, 12, 0));
  ASSERT_EQ(plan.messages.size(), 3u);
  EXPECT_EQ(plan.messages[0].due, Utc(2026, 3, 27, 8, 30));  // Friday 09:30 CET
  EXPECT_EQ(plan.messages[1].due, Utc(2026, 3, 29, 7, 30));  // Sunday 09:30 CEST (23 h before)
  EXPECT_EQ(plan.messages[2].due, Utc(2026, 3, 30, 7, 0));   // 07:30 CEST -> 09:00 CEST
}

TEST(DstTest, QuietHoursEndingInAGapOrInARepeatedHour) {
  const absl::TimeZone berlin = Zone("Europe/Berlin");
  const QuietHours quiet{{22, 0}, {2, 30}};
  // 02:30 does not exist on 2026-03-29: the quiet hours end when the clock jumps (01:00 UTC).
  EXPECT_EQ(ApplyQuietHours(Utc(2026, 3, 28, 22, 0), berlin, quiet), Utc(2026, 3, 29, 1, 0));
  // 02:30 happens twice on 2026-10-25 (00:30 and 01:30 UTC).
  EXPECT_EQ(ApplyQuietHours(Utc(2026, 10, 24, 21, 0), berlin, quiet), Utc(2026, 10, 25, 0, 30));
  // 02:10 CET (the second 02:10) is quiet again; it ends at the second 02:30.
  EXPECT_EQ(ApplyQuietHours(Utc(2026, 10, 25, 1, 10), berlin, quiet), Utc(2026, 10, 25, 1, 30));
}

TEST(ScheduleOptionsTest, Checks) {
  EXPECT_TRUE(CheckScheduleOptions({}).ok());
  ScheduleOptions bad;
  bad.reminder_offsets = {absl::Hours(24), absl::ZeroDuration()};
  EXPECT_EQ(CheckScheduleOptions(bad).message(), "reminder_offsets[1]: must be positive");
  bad = {};
  bad.quiet.end = {24, 0};
  EXPECT_EQ(CheckScheduleOptions(bad).message(), "quiet.end: not a time of day");
  bad = {};
  bad.recall_ttl = absl::ZeroDuration();
  EXPECT_FALSE(CheckScheduleOptions(bad).ok());
}

}  // namespace
}  // namespace blooddrive::reminders
