#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "drive_validation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "site_validation.h"
#include "test_util.h"

namespace blooddrive::scheduling {
namespace {

using testing::HasSubstr;
using testing::StartsWith;

struct Case {
  std::string name;
  std::function<void(v1::Site&)> mutate;
  std::string field;  // the message starts with "<field>: "
};

TEST(ValidateSiteTest, ValidSite) {
  v1::CreateSiteRequest request;
  request.set_request_id("r-1");
  *request.mutable_site() = ValidSite();
  EXPECT_TRUE(ValidateCreateSiteRequest(request).ok());
  request.mutable_site()->set_rule_pack("rulePacks/kz-astana");
  request.mutable_site()->mutable_location()->set_latitude(-90);
  request.mutable_site()->mutable_location()->set_longitude(180);
  EXPECT_TRUE(ValidateCreateSiteRequest(request).ok());
}

TEST(ValidateSiteTest, EveryErrorNamesItsField) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<Case> cases = {
      {"no name", [](v1::Site& s) { s.clear_display_name(); }, "site.display_name"},
      {"long name", [](v1::Site& s) { s.set_display_name(std::string(101, 'a')); },
       "site.display_name"},
      {"no address", [](v1::Site& s) { s.set_address("  "); }, "site.address"},
      {"no location", [](v1::Site& s) { s.clear_location(); }, "site.location"},
      {"lat", [](v1::Site& s) { s.mutable_location()->set_latitude(90.5); },
       "site.location.latitude"},
      {"lat nan", [nan](v1::Site& s) { s.mutable_location()->set_latitude(nan); },
       "site.location.latitude"},
      {"lng", [](v1::Site& s) { s.mutable_location()->set_longitude(-180.01); },
       "site.location.longitude"},
      {"no zone", [](v1::Site& s) { s.clear_time_zone(); }, "site.time_zone"},
      {"bad zone", [](v1::Site& s) { s.set_time_zone("Asia/Astana-City"); }, "site.time_zone"},
      {"path zone", [](v1::Site& s) { s.set_time_zone("/etc/passwd"); }, "site.time_zone"},
      {"no branch", [](v1::Site& s) { s.clear_branch(); }, "site.branch"},
      {"branch chars", [](v1::Site& s) { s.set_branch("KZ_Astana"); }, "site.branch"},
      {"no kind", [](v1::Site& s) { s.set_kind(v1::SITE_KIND_UNSPECIFIED); }, "site.kind"},
      {"bad kind", [](v1::Site& s) { s.set_kind(static_cast<v1::SiteKind>(9)); }, "site.kind"},
      {"rule pack", [](v1::Site& s) { s.set_rule_pack("packs/kz"); }, "site.rule_pack"},
  };
  for (const Case& c : cases) {
    v1::Site site = ValidSite();
    c.mutate(site);
    const absl::Status s = ValidateSite(site);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(Message(s), StartsWith(c.field + ": ")) << c.name;
  }
}

TEST(ValidateSiteTest, RequestLevelFields) {
  v1::CreateSiteRequest create;
  *create.mutable_site() = ValidSite();
  EXPECT_THAT(Message(ValidateCreateSiteRequest(create)), StartsWith("request_id: "));
  create.set_request_id("r");
  create.clear_site();
  EXPECT_THAT(Message(ValidateCreateSiteRequest(create)), StartsWith("site: "));
}

v1::UpdateSiteRequest SiteUpdate(std::initializer_list<const char*> paths) {
  v1::UpdateSiteRequest request;
  request.set_request_id("r-2");
  *request.mutable_site() = ValidSite();
  request.mutable_site()->set_name("sites/astana-1");
  for (const char* p : paths) request.mutable_update_mask()->add_paths(p);
  return request;
}

TEST(UpdateSiteTest, MaskIsRequiredAndChecked) {
  EXPECT_THAT(Message(ValidateUpdateSiteRequest(SiteUpdate({}))), StartsWith("update_mask: "));
  EXPECT_THAT(Message(ValidateUpdateSiteRequest(SiteUpdate({"address", "etag"}))),
              StartsWith("update_mask.paths[1]: "));
  EXPECT_THAT(Message(ValidateUpdateSiteRequest(SiteUpdate({"location.latitude"}))),
              StartsWith("update_mask.paths[0]: "));
  v1::UpdateSiteRequest no_name = SiteUpdate({"address"});
  no_name.mutable_site()->clear_name();
  EXPECT_THAT(Message(ValidateUpdateSiteRequest(no_name)), StartsWith("site.name: "));
}

TEST(UpdateSiteTest, OnlyMaskedFieldsAreValidatedAndApplied) {
  v1::UpdateSiteRequest request = SiteUpdate({"address"});
  request.mutable_site()->clear_display_name();  // not in the mask: ignored
  request.mutable_site()->set_address("Mangilik El 1");
  ASSERT_TRUE(ValidateUpdateSiteRequest(request).ok());
  v1::Site current = ValidSite();
  current.set_name("sites/astana-1");
  current.set_etag("7");
  absl::StatusOr<v1::Site> updated = ApplySiteUpdate(current, request, true);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->address(), "Mangilik El 1");
  EXPECT_EQ(updated->display_name(), current.display_name());
  EXPECT_EQ(updated->etag(), "7");

  request.mutable_site()->set_address("");
  EXPECT_THAT(Message(ValidateUpdateSiteRequest(request)), StartsWith("site.address: "));
}

TEST(UpdateSiteTest, EtagAndTimeZoneRules) {
  v1::Site current = ValidSite();
  current.set_etag("7");
  v1::UpdateSiteRequest request = SiteUpdate({"time_zone"});
  request.mutable_site()->set_etag("6");
  EXPECT_EQ(ApplySiteUpdate(current, request, false).status().code(), absl::StatusCode::kAborted);
  request.mutable_site()->set_etag("7");
  request.mutable_site()->set_time_zone("Asia/Qostanay");
  EXPECT_EQ(ApplySiteUpdate(current, request, true).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ApplySiteUpdate(current, request, false)->time_zone(), "Asia/Qostanay");
  request.mutable_site()->set_time_zone("Asia/Almaty");  // unchanged: fine with a published drive
  EXPECT_TRUE(ApplySiteUpdate(current, request, true).ok());
}

// ---------------------------------------------------------------------------------------------
// Drives

struct DriveCase {
  std::string name;
  std::function<void(v1::Drive&)> mutate;
  std::string field;
};

TEST(ValidateDriveTest, ValidDrives) {
  EXPECT_TRUE(ValidateDrive(ValidDrive(D(2026, 6, 1))).ok());
  v1::Drive draft = MakeDrive(D(2026, 6, 1), {}, 15);  // an incomplete draft
  EXPECT_TRUE(ValidateDrive(draft).ok());
  v1::Drive touching = ValidDrive(D(2026, 6, 1));
  touching.mutable_opening_windows(1)->mutable_start()->set_hours(13);
  touching.mutable_opening_windows(1)->mutable_end()->set_hours(24);
  EXPECT_TRUE(ValidateDrive(touching).ok());
}

TEST(ValidateDriveTest, EveryErrorNamesItsField) {
  const std::vector<DriveCase> cases = {
      {"site", [](v1::Drive& d) { d.set_site("drives/x"); }, "drive.site"},
      {"no site", [](v1::Drive& d) { d.clear_site(); }, "drive.site"},
      {"name", [](v1::Drive& d) { d.set_display_name(std::string(101, 'x')); },
       "drive.display_name"},
      {"sponsor", [](v1::Drive& d) { d.set_sponsor(std::string(201, 'x')); }, "drive.sponsor"},
      {"venue", [](v1::Drive& d) { d.set_venue(" "); }, "drive.venue"},
      {"location", [](v1::Drive& d) { d.mutable_location()->set_latitude(-91); },
       "drive.location.latitude"},
      {"no date", [](v1::Drive& d) { d.clear_date(); }, "drive.date"},
      {"bad date", [](v1::Drive& d) { *d.mutable_date() = D(2026, 2, 29); }, "drive.date"},
      {"9 windows",
       [](v1::Drive& d) {
         d.clear_opening_windows();
         for (int h = 0; h < 9; ++h) {
           v1::OpeningWindow* w = d.add_opening_windows();
           w->mutable_start()->set_hours(h * 2);
           w->mutable_end()->set_hours(h * 2 + 1);
         }
       },
       "drive.opening_windows"},
      {"no start", [](v1::Drive& d) { d.mutable_opening_windows(0)->clear_start(); },
       "drive.opening_windows[0].start"},
      {"no end", [](v1::Drive& d) { d.mutable_opening_windows(1)->clear_end(); },
       "drive.opening_windows[1].end"},
      {"start 24",
       [](v1::Drive& d) { d.mutable_opening_windows(0)->mutable_start()->set_hours(24); },
       "drive.opening_windows[0].start.hours"},
      {"end 25", [](v1::Drive& d) { d.mutable_opening_windows(1)->mutable_end()->set_hours(25); },
       "drive.opening_windows[1].end.hours"},
      {"minutes",
       [](v1::Drive& d) { d.mutable_opening_windows(0)->mutable_start()->set_minutes(60); },
       "drive.opening_windows[0].start.minutes"},
      {"24:30",
       [](v1::Drive& d) {
         d.mutable_opening_windows(1)->mutable_end()->set_hours(24);
         d.mutable_opening_windows(1)->mutable_end()->set_minutes(30);
       },
       "drive.opening_windows[1].end.minutes"},
      {"end before start",
       [](v1::Drive& d) { d.mutable_opening_windows(0)->mutable_end()->set_hours(8); },
       "drive.opening_windows[0].end"},
      {"across midnight",
       [](v1::Drive& d) {
         d.mutable_opening_windows(1)->mutable_start()->set_hours(22);
         d.mutable_opening_windows(1)->mutable_end()->set_hours(2);
       },
       "drive.opening_windows[1].end"},
      {"overlap",
       [](v1::Drive& d) { d.mutable_opening_windows(1)->mutable_start()->set_hours(12); },
       "drive.opening_windows[1].start"},
      {"unsorted", [](v1::Drive& d) { d.mutable_opening_windows()->SwapElements(0, 1); },
       "drive.opening_windows[1].start"},
      {"slot 4", [](v1::Drive& d) { d.set_slot_minutes(4); }, "drive.slot_minutes"},
      {"slot 241", [](v1::Drive& d) { d.set_slot_minutes(241); }, "drive.slot_minutes"},
      {"window too short",
       [](v1::Drive& d) {  // 13:45-14:00 holds no 30-minute slot
         d.mutable_opening_windows(1)->mutable_start()->set_hours(13);
         d.mutable_opening_windows(1)->mutable_start()->set_minutes(45);
         d.mutable_opening_windows(1)->mutable_end()->set_hours(14);
       },
       "drive.opening_windows[1]"},
      {"no type", [](v1::Drive& d) { d.mutable_capacities(0)->clear_donation_type(); },
       "drive.capacities[0].donation_type"},
      {"bad type",
       [](v1::Drive& d) {
         d.mutable_capacities(0)->set_donation_type(static_cast<v1::DonationType>(7));
       },
       "drive.capacities[0].donation_type"},
      {"dup type",
       [](v1::Drive& d) {
         d.mutable_capacities(1)->set_donation_type(v1::DONATION_TYPE_WHOLE_BLOOD);
       },
       "drive.capacities[1].donation_type"},
      {"seats 0", [](v1::Drive& d) { d.mutable_capacities(1)->set_seats(0); },
       "drive.capacities[1].seats"},
      {"seats 101", [](v1::Drive& d) { d.mutable_capacities(0)->set_seats(101); },
       "drive.capacities[0].seats"},
      {"reserve > seats", [](v1::Drive& d) { d.mutable_capacities(0)->set_walk_in_reserve(5); },
       "drive.capacities[0].walk_in_reserve"},
      {"reserve < 0", [](v1::Drive& d) { d.mutable_capacities(1)->set_walk_in_reserve(-1); },
       "drive.capacities[1].walk_in_reserve"},
      {"5 capacities",
       [](v1::Drive& d) {
         for (int i = 0; i < 3; ++i) *d.add_capacities() = d.capacities(0);
       },
       "drive.capacities"},
      {"target group", [](v1::Drive& d) { d.mutable_targets(0)->clear_blood_group(); },
       "drive.targets[0].blood_group"},
      {"target unknown",
       [](v1::Drive& d) { d.mutable_targets(1)->set_blood_group(v1::BLOOD_GROUP_UNKNOWN); },
       "drive.targets[1].blood_group"},
      {"target dup",
       [](v1::Drive& d) { d.mutable_targets(1)->set_blood_group(v1::BLOOD_GROUP_O_POSITIVE); },
       "drive.targets[1].blood_group"},
      {"units 0", [](v1::Drive& d) { d.mutable_targets(0)->set_units(0); },
       "drive.targets[0].units"},
      {"units -3", [](v1::Drive& d) { d.mutable_targets(1)->set_units(-3); },
       "drive.targets[1].units"},
      {"units 10001", [](v1::Drive& d) { d.mutable_targets(1)->set_units(10001); },
       "drive.targets[1].units"},
  };
  for (const DriveCase& c : cases) {
    v1::Drive drive = ValidDrive(D(2026, 6, 1));
    c.mutate(drive);
    const absl::Status s = ValidateDrive(drive);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(Message(s), StartsWith(c.field + ": ")) << c.name << ": " << Message(s);
  }
}

TEST(ValidateDriveTest, CreateRequest) {
  v1::CreateDriveRequest request;
  request.set_request_id("r");
  EXPECT_THAT(Message(ValidateCreateDriveRequest(request)), StartsWith("drive: "));
  *request.mutable_drive() = ValidDrive(D(2026, 6, 1));
  request.mutable_drive()->set_state(v1::DRIVE_STATE_CLOSED);  // output only: ignored
  EXPECT_TRUE(ValidateCreateDriveRequest(request).ok());
}

absl::TimeZone Almaty() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Asia/Almaty", &zone));
  return zone;
}

TEST(DriveDateTest, PastIsRelativeToTheSite) {
  const absl::TimeZone almaty = Almaty();
  // 20:30 UTC on 31 May is already 1 June in Almaty.
  const absl::Time now =
      absl::FromCivil(absl::CivilMinute(2026, 5, 31, 20, 30), absl::UTCTimeZone());
  ASSERT_EQ(absl::ToCivilDay(now, almaty), absl::CivilDay(2026, 6, 1));
  EXPECT_TRUE(CheckDateNotPast("drive.date", D(2026, 6, 1), almaty, now).ok());
  const absl::Status s = CheckDateNotPast("drive.date", D(2026, 5, 31), almaty, now);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Message(s), StartsWith("drive.date: "));
  EXPECT_TRUE(CheckDateNotPast("drive.date", D(2026, 5, 31), absl::UTCTimeZone(), now).ok());
}

v1::UpdateDriveRequest DriveUpdate(const v1::Drive& drive,
                                   std::initializer_list<const char*> paths) {
  v1::UpdateDriveRequest request;
  request.set_request_id("r-3");
  *request.mutable_drive() = drive;
  request.mutable_drive()->set_name("drives/d1");
  for (const char* p : paths) request.mutable_update_mask()->add_paths(p);
  return request;
}

class UpdateDriveTest : public testing::Test {
 protected:
  UpdateDriveTest() : current_(ValidDrive(D(2026, 6, 10))) {
    current_.set_name("drives/d1");
    current_.set_state(v1::DRIVE_STATE_DRAFT);
    current_.set_etag("3");
  }
  absl::StatusOr<v1::Drive> Apply(const v1::UpdateDriveRequest& request,
                                  std::vector<SlotTypeUse> use = {}) {
    EXPECT_TRUE(ValidateUpdateDriveRequest(request).ok()) << ValidateUpdateDriveRequest(request);
    return ApplyDriveUpdate(current_, request, Almaty(), now_, use);
  }
  v1::Drive current_;
  absl::Time now_ = absl::FromCivil(absl::CivilMinute(2026, 6, 1, 6, 0), absl::UTCTimeZone());
};

TEST_F(UpdateDriveTest, RequestShape) {
  EXPECT_THAT(Message(ValidateUpdateDriveRequest(DriveUpdate(current_, {}))),
              StartsWith("update_mask: "));
  EXPECT_THAT(Message(ValidateUpdateDriveRequest(DriveUpdate(current_, {"site"}))),
              StartsWith("update_mask.paths[0]: "));
  EXPECT_THAT(Message(ValidateUpdateDriveRequest(DriveUpdate(current_, {"sponsor", "state"}))),
              StartsWith("update_mask.paths[1]: "));
  v1::UpdateDriveRequest bad = DriveUpdate(current_, {"slot_minutes"});
  bad.mutable_drive()->set_slot_minutes(1000);
  EXPECT_THAT(Message(ValidateUpdateDriveRequest(bad)), StartsWith("drive.slot_minutes: "));
  bad.mutable_drive()->set_name("sites/d1");
  EXPECT_THAT(Message(ValidateUpdateDriveRequest(bad)), StartsWith("drive.name: "));
}

TEST_F(UpdateDriveTest, DraftMayChangeEverything) {
  v1::Drive wanted = MakeDrive(D(2026, 6, 12), {{10, 0, 11, 0}}, 60);
  v1::UpdateDriveRequest request =
      DriveUpdate(wanted, {"date", "opening_windows", "slot_minutes", "capacities", "targets",
                           "display_name", "sponsor", "venue", "location"});
  absl::StatusOr<v1::Drive> out = Apply(request);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->slot_minutes(), 60);
  EXPECT_EQ(out->date().day(), 12);
  EXPECT_EQ(out->capacities_size(), 0);
  EXPECT_EQ(out->site(), current_.site());
  EXPECT_EQ(out->state(), v1::DRIVE_STATE_DRAFT);
}

TEST_F(UpdateDriveTest, CrossFieldAndDateChecksOnTheMergedDrive) {
  v1::Drive wanted = current_;
  wanted.set_slot_minutes(240);  // exactly the 4-hour windows
  absl::StatusOr<v1::Drive> out = Apply(DriveUpdate(wanted, {"slot_minutes"}));
  ASSERT_TRUE(out.ok()) << out.status();
  current_ = *out;
  // Shortening a window under the stored slot length names the window.
  wanted = current_;
  wanted.mutable_opening_windows(0)->mutable_end()->set_hours(12);
  EXPECT_THAT(Message(Apply(DriveUpdate(wanted, {"opening_windows"})).status()),
              StartsWith("drive.opening_windows[0]: "));
  // Lengthening the slots past a stored window names slot_minutes.
  wanted = current_;
  wanted.set_slot_minutes(30);
  wanted.mutable_opening_windows(1)->mutable_end()->set_hours(15);
  out = Apply(DriveUpdate(wanted, {"opening_windows", "slot_minutes"}));
  ASSERT_TRUE(out.ok()) << out.status();
  current_ = *out;
  wanted = current_;
  wanted.set_slot_minutes(120);
  EXPECT_THAT(Message(Apply(DriveUpdate(wanted, {"slot_minutes"})).status()),
              StartsWith("drive.slot_minutes: "));
  // A new date must not be in the past at the site; an unchanged one is not re-checked.
  wanted = current_;
  *wanted.mutable_date() = D(2026, 5, 31);
  EXPECT_EQ(Apply(DriveUpdate(wanted, {"date"})).status().code(),
            absl::StatusCode::kFailedPrecondition);
  now_ = absl::FromCivil(absl::CivilDay(2026, 7, 1), absl::UTCTimeZone());
  EXPECT_TRUE(Apply(DriveUpdate(current_, {"date", "sponsor"})).ok());
}

TEST_F(UpdateDriveTest, StaleEtagAborts) {
  v1::UpdateDriveRequest request = DriveUpdate(current_, {"sponsor"});
  request.mutable_drive()->set_etag("2");
  EXPECT_EQ(Apply(request).status().code(), absl::StatusCode::kAborted);
}

TEST_F(UpdateDriveTest, PublishedFreezesTheSlots) {
  current_.set_state(v1::DRIVE_STATE_PUBLISHED);
  EXPECT_TRUE(Apply(DriveUpdate(current_, {"date", "opening_windows", "slot_minutes"})).ok());
  struct Change {
    const char* path;
    std::function<void(v1::Drive&)> mutate;
  };
  for (const Change& c : std::vector<Change>{
           {"date", [](v1::Drive& d) { *d.mutable_date() = D(2026, 6, 11); }},
           {"opening_windows", [](v1::Drive& d) { d.mutable_opening_windows()->RemoveLast(); }},
           {"slot_minutes", [](v1::Drive& d) { d.set_slot_minutes(20); }}}) {
    v1::Drive wanted = current_;
    c.mutate(wanted);
    const absl::Status s = Apply(DriveUpdate(wanted, {c.path})).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << c.path;
    EXPECT_THAT(Message(s), StartsWith(std::string("drive.") + c.path + ": "));
  }
  v1::Drive wanted = current_;
  wanted.set_sponsor("Kazakhtelecom");
  wanted.mutable_targets(0)->set_units(30);
  EXPECT_TRUE(Apply(DriveUpdate(wanted, {"sponsor", "targets"})).ok());
}

TEST_F(UpdateDriveTest, PublishedCapacityNeverBelowActiveBookings) {
  current_.set_state(v1::DRIVE_STATE_PUBLISHED);
  const std::vector<SlotTypeUse> use = {
      {"0930", v1::DONATION_TYPE_WHOLE_BLOOD, SeatUse{1, 2, 1}},  // 3 donor + 1 walk-in
      {"1000", v1::DONATION_TYPE_PLASMA, SeatUse{0, 0, 0}},
  };
  v1::Drive wanted = current_;
  wanted.mutable_capacities(0)->set_walk_in_reserve(0);  // 4 seats, 3 + 1 fit
  EXPECT_TRUE(Apply(DriveUpdate(wanted, {"capacities"}), use).ok());
  wanted.mutable_capacities(0)->set_walk_in_reserve(2);  // 4 - 2 < 3 donor bookings
  absl::Status s = Apply(DriveUpdate(wanted, {"capacities"}), use).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Message(s), StartsWith("drive.capacities: slot 0930 "));
  wanted.mutable_capacities(0)->set_walk_in_reserve(0);
  wanted.mutable_capacities(0)->set_seats(3);
  EXPECT_EQ(Apply(DriveUpdate(wanted, {"capacities"}), use).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Removing plasma, unused, is fine; removing whole blood is not.
  wanted = current_;
  wanted.mutable_capacities()->RemoveLast();
  EXPECT_TRUE(Apply(DriveUpdate(wanted, {"capacities"}), use).ok());
  wanted = current_;
  wanted.mutable_capacities()->DeleteSubrange(0, 1);
  EXPECT_EQ(Apply(DriveUpdate(wanted, {"capacities"}), use).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(UpdateDriveTest, ClosedAndCancelledRefuse) {
  for (v1::DriveState state : {v1::DRIVE_STATE_CLOSED, v1::DRIVE_STATE_CANCELLED}) {
    current_.set_state(state);
    EXPECT_EQ(Apply(DriveUpdate(current_, {"sponsor"})).status().code(),
              absl::StatusCode::kFailedPrecondition);
  }
}

TEST(PublishTest, Preconditions) {
  const absl::TimeZone almaty = Almaty();
  const absl::Time now = absl::FromCivil(absl::CivilMinute(2026, 6, 1, 9, 45), almaty);
  v1::Drive drive = ValidDrive(D(2026, 6, 1));
  drive.set_state(v1::DRIVE_STATE_DRAFT);
  EXPECT_TRUE(CheckPublishable(drive, almaty, now).ok());  // later slots today remain

  auto expect = [&](const v1::Drive& d, absl::Time at, const std::string& text) {
    const absl::Status s = CheckPublishable(d, almaty, at);
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << text;
    EXPECT_THAT(Message(s), HasSubstr(text));
  };
  expect(drive, absl::FromCivil(absl::CivilMinute(2026, 6, 1, 17, 30), almaty), "no slot");
  expect(drive, absl::FromCivil(absl::CivilMinute(2026, 6, 2, 8, 0), almaty), "drive.date");
  v1::Drive no_windows = drive;
  no_windows.clear_opening_windows();
  expect(no_windows, now, "drive.opening_windows");
  v1::Drive no_seats = drive;
  no_seats.clear_capacities();
  expect(no_seats, now, "drive.capacities");
  v1::Drive published = drive;
  published.set_state(v1::DRIVE_STATE_PUBLISHED);
  expect(published, now, "only a DRAFT");

  absl::TimeZone berlin;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Berlin", &berlin));
  v1::Drive gap = ValidDrive(D(2025, 3, 30));
  gap.clear_opening_windows();
  gap.set_slot_minutes(30);
  v1::OpeningWindow* w = gap.add_opening_windows();
  w->mutable_start()->set_hours(2);
  w->mutable_end()->set_hours(3);
  const absl::Status s =
      CheckPublishable(gap, berlin, absl::FromCivil(absl::CivilDay(2025, 3, 1), berlin));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace blooddrive::scheduling
