// Slot instants: slots are made on the site's wall clock and stored as UTC instants. The expected
// instants are literals worked out by hand from tzdata (zdump -v Asia/Almaty Europe/Berlin):
// Asia/Almaty is UTC+5 since 2024-03-01; Europe/Berlin goes 02:00 CET -> 03:00 CEST at 01:00Z on
// 2027-03-28 and 03:00 CEST -> 02:00 CET at 01:00Z on 2027-10-31.
#include <gmock/gmock.h>

#include "scheduling_fixture.h"

namespace blooddrive::testing {
namespace {

struct ExpectedSlot {
  std::string id;
  std::string start;  // RFC 3339, UTC
  std::string end;
  int local_hours;
  int local_minutes;
};

class SlotsTest : public SchedulingTest {
 protected:
  v1::Site BerlinSite() {
    v1::Site site;
    site.set_display_name("Blutspendedienst Berlin-Mitte");
    site.set_address("Invalidenstraße 1, 10115 Berlin");
    site.mutable_location()->set_latitude(52.5303);
    site.mutable_location()->set_longitude(13.3849);
    site.set_time_zone("Europe/Berlin");
    site.set_branch("de-berlin");
    site.set_kind(v1::SITE_KIND_FIXED);
    return site;
  }

  // Creates and publishes a drive and compares GetAvailability's slots with `expected`.
  void ExpectSlots(const v1::Drive& draft, const std::string& zone,
                   const std::vector<ExpectedSlot>& expected) {
    const v1::Drive created = MustCreateDrive(draft);
    ASSERT_FALSE(created.name().empty());
    const v1::Drive published = MustPublish(created.name());
    EXPECT_EQ(published.state(), v1::DRIVE_STATE_PUBLISHED);
    const v1::DriveAvailability availability = MustAvailability(created.name());
    EXPECT_EQ(availability.drive(), created.name());
    EXPECT_EQ(availability.time_zone(), zone);
    std::vector<std::string> got_ids;
    for (const v1::SlotAvailability& slot : availability.slots()) {
      got_ids.push_back(slot.slot().substr(slot.slot().rfind('/') + 1));
    }
    std::vector<std::string> want_ids;
    for (const ExpectedSlot& slot : expected) want_ids.push_back(slot.id);
    ASSERT_EQ(got_ids, want_ids) << availability.DebugString();
    for (size_t i = 0; i < expected.size(); ++i) {
      const v1::SlotAvailability& slot = availability.slots(static_cast<int>(i));
      SCOPED_TRACE(slot.slot());
      EXPECT_EQ(slot.slot(), SlotName(created.name(), expected[i].id));
      EXPECT_EQ(Rfc3339(FromProto(slot.start_time())), expected[i].start);
      EXPECT_EQ(Rfc3339(FromProto(slot.end_time())), expected[i].end);
      EXPECT_EQ(slot.local_start().hours(), expected[i].local_hours);
      EXPECT_EQ(slot.local_start().minutes(), expected[i].local_minutes);
      ASSERT_EQ(slot.types_size(), 1);
      EXPECT_EQ(slot.types(0).seats(), 2);
      EXPECT_EQ(slot.types(0).available(), 2);
    }
    // The report's capacity counts the slots as made: a skipped hour has no seats.
    EXPECT_EQ(MustReport(created.name()).capacity(), 2 * static_cast<int>(expected.size()));
  }
};

TEST_F(SlotsTest, AstanaIsUtcPlusFiveAllYear) {
  const v1::Site site = MustCreateSite(AstanaSite());
  v1::Drive drive = DriveOn(site.name(), absl::CivilDay(2027, 1, 15), Tod(9, 0), Tod(10, 0), 30, 2);
  v1::OpeningWindow* evening = drive.add_opening_windows();
  *evening->mutable_start() = Tod(23, 0);
  *evening->mutable_end() = Tod(24, 0);  // 24:00 ends the day
  ExpectSlots(drive, "Asia/Almaty",
              {{"0900", "2027-01-15T04:00:00Z", "2027-01-15T04:30:00Z", 9, 0},
               {"0930", "2027-01-15T04:30:00Z", "2027-01-15T05:00:00Z", 9, 30},
               {"2300", "2027-01-15T18:00:00Z", "2027-01-15T18:30:00Z", 23, 0},
               {"2330", "2027-01-15T18:30:00Z", "2027-01-15T19:00:00Z", 23, 30}});
  // Midsummer: still +05 (no daylight saving since 2005).
  ExpectSlots(DriveOn(site.name(), absl::CivilDay(2027, 7, 1), Tod(8, 0), Tod(9, 0), 60, 2),
              "Asia/Almaty", {{"0800", "2027-07-01T03:00:00Z", "2027-07-01T04:00:00Z", 8, 0}});
}

TEST_F(SlotsTest, BerlinSpringForwardSkipsTheMissingHour) {
  const v1::Site site = MustCreateSite(BerlinSite());
  // 60-minute slots from 00:30: 02:30 does not exist; 01:30 ends when the clock jumps.
  ExpectSlots(DriveOn(site.name(), absl::CivilDay(2027, 3, 28), Tod(0, 30), Tod(5, 30), 60, 2),
              "Europe/Berlin",
              {{"0030", "2027-03-27T23:30:00Z", "2027-03-28T00:30:00Z", 0, 30},
               {"0130", "2027-03-28T00:30:00Z", "2027-03-28T01:00:00Z", 1, 30},
               {"0330", "2027-03-28T01:30:00Z", "2027-03-28T02:30:00Z", 3, 30},
               {"0430", "2027-03-28T02:30:00Z", "2027-03-28T03:30:00Z", 4, 30}});
}

TEST_F(SlotsTest, BerlinSpringForwardThirtyMinuteSlots) {
  const v1::Site site = MustCreateSite(BerlinSite());
  ExpectSlots(DriveOn(site.name(), absl::CivilDay(2027, 3, 28), Tod(1, 0), Tod(4, 0), 30, 2),
              "Europe/Berlin",
              {{"0100", "2027-03-28T00:00:00Z", "2027-03-28T00:30:00Z", 1, 0},
               {"0130", "2027-03-28T00:30:00Z", "2027-03-28T01:00:00Z", 1, 30},
               {"0300", "2027-03-28T01:00:00Z", "2027-03-28T01:30:00Z", 3, 0},
               {"0330", "2027-03-28T01:30:00Z", "2027-03-28T02:00:00Z", 3, 30}});
}

TEST_F(SlotsTest, BerlinFallBackUsesTheFirstOccurrenceOnly) {
  const v1::Site site = MustCreateSite(BerlinSite());
  // 02:00-03:00 happens twice; slots start in the first (CEST) pass, and 02:30 ends at the
  // turn back; 03:00 CET comes an hour of real time later.
  ExpectSlots(DriveOn(site.name(), absl::CivilDay(2027, 10, 31), Tod(2, 0), Tod(4, 0), 30, 2),
              "Europe/Berlin",
              {{"0200", "2027-10-31T00:00:00Z", "2027-10-31T00:30:00Z", 2, 0},
               {"0230", "2027-10-31T00:30:00Z", "2027-10-31T01:00:00Z", 2, 30},
               {"0300", "2027-10-31T02:00:00Z", "2027-10-31T02:30:00Z", 3, 0},
               {"0330", "2027-10-31T02:30:00Z", "2027-10-31T03:00:00Z", 3, 30}});
}

TEST_F(SlotsTest, BerlinFallBackHourLongSlotsNeverLastLonger) {
  const v1::Site site = MustCreateSite(BerlinSite());
  ExpectSlots(DriveOn(site.name(), absl::CivilDay(2027, 10, 31), Tod(0, 30), Tod(5, 30), 60, 2),
              "Europe/Berlin",
              {{"0030", "2027-10-30T22:30:00Z", "2027-10-30T23:30:00Z", 0, 30},
               {"0130", "2027-10-30T23:30:00Z", "2027-10-31T00:30:00Z", 1, 30},
               {"0230", "2027-10-31T00:30:00Z", "2027-10-31T01:30:00Z", 2, 30},
               {"0330", "2027-10-31T02:30:00Z", "2027-10-31T03:30:00Z", 3, 30},
               {"0430", "2027-10-31T03:30:00Z", "2027-10-31T04:30:00Z", 4, 30}});
}

TEST_F(SlotsTest, BookedSlotCarriesTheSameInstants) {
  // A booking copies its slot's instants and the drive's civil date.
  const v1::Drive drive = MustPublishedDrive(today() + 1, 2);
  ASSERT_FALSE(drive.name().empty());
  const v1::Donor donor = MustCreateDonor();
  const v1::Booking booking = MustBook(SlotName(drive.name(), "0930"), donor.name());
  EXPECT_EQ(FromProto(booking.slot_start_time()), LocalTime(today() + 1, 9, 30));
  EXPECT_EQ(FromProto(booking.slot_end_time()), LocalTime(today() + 1, 10, 0));
  EXPECT_EQ(DayOf(booking.date()), today() + 1);
  EXPECT_EQ(booking.site(), drive.site());
}

}  // namespace
}  // namespace blooddrive::testing
