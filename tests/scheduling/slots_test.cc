#include "slots.h"

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace blooddrive::scheduling {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

absl::Time Utc(int y, int mo, int d, int h, int mi) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), absl::UTCTimeZone());
}

std::vector<Slot> Generate(const v1::Drive& drive, absl::string_view zone_name) {
  absl::StatusOr<absl::TimeZone> zone = LoadSiteTimeZone("site.time_zone", zone_name);
  EXPECT_TRUE(zone.ok()) << zone.status();
  absl::StatusOr<std::vector<Slot>> slots = GenerateSlots(drive, *zone);
  EXPECT_TRUE(slots.ok()) << slots.status();
  return slots.ok() ? *slots : std::vector<Slot>{};
}

std::vector<std::string> Ids(const std::vector<Slot>& slots) {
  std::vector<std::string> ids;
  for (const Slot& s : slots) ids.push_back(s.id);
  return ids;
}

// Slots never overlap, are ordered, and last 0 < d <= slot_minutes of real time.
void ExpectWellFormed(const std::vector<Slot>& slots, int slot_minutes) {
  for (size_t i = 0; i < slots.size(); ++i) {
    EXPECT_GT(slots[i].end_time, slots[i].start_time) << slots[i].id;
    EXPECT_LE(slots[i].end_time - slots[i].start_time, absl::Minutes(slot_minutes)) << slots[i].id;
    if (i > 0) {
      EXPECT_GE(slots[i].start_time, slots[i - 1].end_time) << slots[i].id;
    }
  }
}

// Hand-checked: Berlin jumps from 02:00 CET (+1) to 03:00 CEST (+2) at 01:00Z on 2025-03-30.
TEST(GenerateSlotsTest, BerlinSpringForwardSkipsTheGap) {
  const std::vector<Slot> slots =
      Generate(MakeDrive(D(2025, 3, 30), {{1, 0, 4, 0}}, 30), "Europe/Berlin");
  ASSERT_THAT(Ids(slots), ElementsAre("0100", "0130", "0300", "0330"));
  EXPECT_EQ(slots[0].start_time, Utc(2025, 3, 30, 0, 0));
  EXPECT_EQ(slots[0].end_time, Utc(2025, 3, 30, 0, 30));
  // 01:30-02:00 local: the end 02:00 is the jump itself.
  EXPECT_EQ(slots[1].start_time, Utc(2025, 3, 30, 0, 30));
  EXPECT_EQ(slots[1].end_time, Utc(2025, 3, 30, 1, 0));
  EXPECT_EQ(slots[2].start_time, Utc(2025, 3, 30, 1, 0));
  EXPECT_EQ(slots[2].end_time, Utc(2025, 3, 30, 1, 30));
  EXPECT_EQ(slots[3].start_time, Utc(2025, 3, 30, 1, 30));
  EXPECT_EQ(slots[3].local_start, absl::CivilMinute(2025, 3, 30, 3, 30));
  ExpectWellFormed(slots, 30);
}

TEST(GenerateSlotsTest, BerlinSpringForwardSlotEndingInTheGapEndsAtTheJump) {
  const std::vector<Slot> slots =
      Generate(MakeDrive(D(2025, 3, 30), {{1, 30, 3, 30}}, 60), "Europe/Berlin");
  // 02:30 does not exist, so only 01:30 is made; its end 02:30 is skipped: it ends at 01:00Z.
  ASSERT_THAT(Ids(slots), ElementsAre("0130"));
  EXPECT_EQ(slots[0].start_time, Utc(2025, 3, 30, 0, 30));
  EXPECT_EQ(slots[0].end_time, Utc(2025, 3, 30, 1, 0));
}

TEST(GenerateSlotsTest, WindowInsideTheGapHasNoSlot) {
  EXPECT_TRUE(Generate(MakeDrive(D(2025, 3, 30), {{2, 0, 3, 0}}, 15), "Europe/Berlin").empty());
}

// Hand-checked: Berlin turns back from 03:00 CEST (+2) to 02:00 CET (+1) at 01:00Z on 2025-10-26.
TEST(GenerateSlotsTest, BerlinFallBackUsesTheFirstOccurrence) {
  const std::vector<Slot> slots =
      Generate(MakeDrive(D(2025, 10, 26), {{1, 0, 4, 0}}, 30), "Europe/Berlin");
  ASSERT_THAT(Ids(slots), ElementsAre("0100", "0130", "0200", "0230", "0300", "0330"));
  EXPECT_EQ(slots[0].start_time, Utc(2025, 10, 25, 23, 0));
  EXPECT_EQ(slots[1].end_time, Utc(2025, 10, 26, 0, 0));
  EXPECT_EQ(slots[2].start_time, Utc(2025, 10, 26, 0, 0));  // 02:00 CEST
  EXPECT_EQ(slots[3].start_time, Utc(2025, 10, 26, 0, 30));
  EXPECT_EQ(slots[3].end_time, Utc(2025, 10, 26, 1, 0));    // the clock turns back
  EXPECT_EQ(slots[4].start_time, Utc(2025, 10, 26, 2, 0));  // 03:00 CET: an hour later
  EXPECT_EQ(slots[4].end_time, Utc(2025, 10, 26, 2, 30));
  ExpectWellFormed(slots, 30);
}

TEST(GenerateSlotsTest, FallBackCapsASlotAtItsLength) {
  const std::vector<Slot> slots =
      Generate(MakeDrive(D(2025, 10, 26), {{1, 0, 5, 0}}, 120), "Europe/Berlin");
  ASSERT_THAT(Ids(slots), ElementsAre("0100", "0300"));
  EXPECT_EQ(slots[0].start_time, Utc(2025, 10, 25, 23, 0));
  EXPECT_EQ(slots[0].end_time, Utc(2025, 10, 26, 1, 0));  // 120 real minutes, not 180
  EXPECT_EQ(slots[1].start_time, Utc(2025, 10, 26, 2, 0));
  EXPECT_EQ(slots[1].end_time, Utc(2025, 10, 26, 4, 0));
}

TEST(GenerateSlotsTest, BerlinSummerDay) {
  const std::vector<Slot> slots =
      Generate(MakeDrive(D(2025, 6, 1), {{9, 0, 10, 0}}, 30), "Europe/Berlin");
  ASSERT_EQ(slots.size(), 2u);
  EXPECT_EQ(slots[0].start_time, Utc(2025, 6, 1, 7, 0));
  EXPECT_EQ(slots[1].end_time, Utc(2025, 6, 1, 8, 0));
}

// Expectations from the system's tzdata (Kazakhstan changed its offset in 2024).
TEST(GenerateSlotsTest, AlmatyFollowsTheZoneEveryDay) {
  absl::TimeZone almaty;
  ASSERT_TRUE(absl::LoadTimeZone("Asia/Almaty", &almaty));
  for (const v1::Date& date : {D(2024, 2, 29), D(2024, 3, 1), D(2025, 3, 30), D(2025, 10, 26)}) {
    const std::vector<Slot> slots =
        Generate(MakeDrive(date, {{8, 0, 12, 0}, {13, 0, 17, 30}}, 20), "Asia/Almaty");
    ASSERT_EQ(slots.size(), 12u + 13u);
    for (const Slot& slot : slots) {
      EXPECT_EQ(slot.start_time, absl::FromCivil(slot.local_start, almaty)) << slot.id;
      EXPECT_EQ(slot.end_time - slot.start_time, absl::Minutes(20)) << slot.id;
      EXPECT_EQ(absl::ToCivilMinute(slot.start_time, almaty), slot.local_start);
    }
    EXPECT_EQ(slots.front().id, "0800");
    EXPECT_EQ(slots[12].id, "1300");
    EXPECT_EQ(slots.back().id, "1700");
  }
}

TEST(GenerateSlotsTest, RemainderOfAWindowIsUnused) {
  const std::vector<Slot> slots = Generate(MakeDrive(D(2025, 6, 1), {{9, 0, 10, 0}}, 25), "UTC");
  EXPECT_THAT(Ids(slots), ElementsAre("0900", "0925"));
}

TEST(GenerateSlotsTest, WindowMayEndAtMidnight) {
  const std::vector<Slot> slots =
      Generate(MakeDrive(D(2025, 12, 31), {{22, 0, 24, 0}}, 60), "Asia/Almaty");
  ASSERT_THAT(Ids(slots), ElementsAre("2200", "2300"));
  EXPECT_EQ(slots[1].local_end, absl::CivilMinute(2026, 1, 1, 0, 0));
}

TEST(GenerateSlotsTest, RefusesWhatWouldMakeSlotsUndefined) {
  absl::TimeZone utc = absl::UTCTimeZone();
  EXPECT_FALSE(GenerateSlots(MakeDrive(D(2025, 6, 1), {{9, 0, 10, 0}}, 0), utc).ok());
  EXPECT_FALSE(GenerateSlots(MakeDrive(D(2025, 6, 1), {{10, 0, 9, 0}}, 30), utc).ok());
  EXPECT_FALSE(GenerateSlots(MakeDrive(D(2025, 6, 1), {{22, 0, 2, 0}}, 30), utc).ok());
  EXPECT_FALSE(
      GenerateSlots(MakeDrive(D(2025, 6, 1), {{9, 0, 12, 0}, {11, 0, 13, 0}}, 30), utc).ok());
  EXPECT_FALSE(GenerateSlots(MakeDrive(D(2025, 2, 30), {{9, 0, 10, 0}}, 30), utc).ok());
  EXPECT_TRUE(GenerateSlots(MakeDrive(D(2025, 6, 1), {}, 30), utc)->empty());
}

TEST(SlotIdTest, RoundTrips) {
  EXPECT_EQ(SlotId(absl::CivilMinute(2025, 1, 1, 9, 5)), "0905");
  EXPECT_EQ(ParseSlotId("0905"), 545);
  EXPECT_EQ(ParseSlotId("2359"), 23 * 60 + 59);
  EXPECT_EQ(ParseSlotId("2400"), std::nullopt);
  EXPECT_EQ(ParseSlotId("0960"), std::nullopt);
  EXPECT_EQ(ParseSlotId("930"), std::nullopt);
  EXPECT_EQ(ParseSlotId("09a0"), std::nullopt);
  const std::vector<Slot> slots = Generate(MakeDrive(D(2025, 6, 1), {{9, 0, 10, 0}}, 30), "UTC");
  ASSERT_NE(FindSlot(slots, "0930"), nullptr);
  EXPECT_EQ(FindSlot(slots, "0930")->start_time, Utc(2025, 6, 1, 9, 30));
  EXPECT_EQ(FindSlot(slots, "1000"), nullptr);
}

TEST(LoadSiteTimeZoneTest, AcceptsIanaNames) {
  EXPECT_TRUE(LoadSiteTimeZone("f", "Asia/Almaty").ok());
  EXPECT_TRUE(LoadSiteTimeZone("f", "America/Argentina/Buenos_Aires").ok());
  EXPECT_TRUE(LoadSiteTimeZone("f", "UTC").ok());
  EXPECT_TRUE(LoadSiteTimeZone("f", "Etc/GMT-5").ok());
}

TEST(LoadSiteTimeZoneTest, RefusesOthersNamingTheField) {
  for (const char* name :
       {"", "Mars/Olympus_Mons", "/etc/passwd", "../../etc/passwd", "Asia/../Asia/Almaty",
        "localtime", "Fixed/UTC+05:00:00", "Asia/Almaty ", "Asia//Almaty", "Asia/"}) {
    absl::StatusOr<absl::TimeZone> zone = LoadSiteTimeZone("site.time_zone", name);
    EXPECT_EQ(zone.status().code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_THAT(std::string(zone.status().message()), testing::StartsWith("site.time_zone: "))
        << name;
  }
  EXPECT_THAT(std::string(LoadSiteTimeZone("f", "Mars/Olympus_Mons").status().message()),
              HasSubstr("tzdata"));
}

TEST(WaitlistAdmitsTest, OptionalLocalWindow) {
  const std::vector<Slot> slots =
      Generate(MakeDrive(D(2025, 6, 1), {{9, 0, 12, 0}}, 60), "Asia/Almaty");
  v1::WaitlistEntry any;
  EXPECT_TRUE(WaitlistAdmits(any, slots[0]));
  v1::WaitlistEntry entry;
  entry.mutable_earliest_start()->set_hours(10);
  entry.mutable_start_before()->set_hours(11);
  EXPECT_FALSE(WaitlistAdmits(entry, slots[0]));  // 09:00
  EXPECT_TRUE(WaitlistAdmits(entry, slots[1]));   // 10:00
  EXPECT_FALSE(WaitlistAdmits(entry, slots[2]));  // 11:00: the bound is exclusive
}

v1::SlotCapacity Cap(int seats, int reserve) {
  v1::SlotCapacity c;
  c.set_donation_type(v1::DONATION_TYPE_WHOLE_BLOOD);
  c.set_seats(seats);
  c.set_walk_in_reserve(reserve);
  return c;
}

void ExpectSeatsAddUp(const v1::SlotCapacity& cap, const SeatUse& use) {
  const v1::TypeAvailability a = SeatAvailability(cap, use);
  EXPECT_EQ(a.available() + a.held() + a.booked() + a.walk_in_left(), a.seats());
}

TEST(SeatsTest, DonorFacingBookingsLeaveTheReserve) {
  const v1::SlotCapacity cap = Cap(10, 2);
  SeatUse use;
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(HasSeat(cap, use, false)) << i;
    if (i % 2 == 0)
      ++use.held;
    else
      ++use.booked;
    ExpectSeatsAddUp(cap, use);
  }
  EXPECT_FALSE(HasSeat(cap, use, false));
  const v1::TypeAvailability a = SeatAvailability(cap, use);
  EXPECT_EQ(a.available(), 0);
  EXPECT_EQ(a.walk_in_left(), 2);
  EXPECT_TRUE(HasSeat(cap, use, true));
  ++use.walk_in;
  EXPECT_TRUE(HasSeat(cap, use, true));
  ++use.walk_in;
  EXPECT_FALSE(HasSeat(cap, use, true));
  EXPECT_EQ(SeatAvailability(cap, use).booked(), 4 + 2);
  ExpectSeatsAddUp(cap, use);
}

TEST(SeatsTest, WalkInsUseTheReserveFirstThenFreeSeats) {
  const v1::SlotCapacity cap = Cap(4, 1);
  SeatUse use;
  use.walk_in = 2;  // one from the reserve, one from the 3 general seats
  v1::TypeAvailability a = SeatAvailability(cap, use);
  EXPECT_EQ(a.walk_in_left(), 0);
  EXPECT_EQ(a.available(), 2);
  ExpectSeatsAddUp(cap, use);
  use.booked = 2;
  EXPECT_TRUE(UseFits(cap, use));
  EXPECT_FALSE(HasSeat(cap, use, false));
  EXPECT_FALSE(HasSeat(cap, use, true));
  use.booked = 3;  // 3 donor-facing fit S - R, but not beside 2 walk-ins
  EXPECT_FALSE(UseFits(cap, use));
}

TEST(SeatsTest, AllReservedAndRemovedTypes) {
  EXPECT_FALSE(HasSeat(Cap(3, 3), SeatUse{}, false));
  EXPECT_TRUE(HasSeat(Cap(3, 3), SeatUse{}, true));
  EXPECT_TRUE(UseFits(v1::SlotCapacity(), SeatUse{}));
  EXPECT_FALSE(UseFits(v1::SlotCapacity(), SeatUse{0, 0, 1}));
}

}  // namespace
}  // namespace blooddrive::scheduling
