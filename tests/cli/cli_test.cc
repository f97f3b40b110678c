#include "cli/cli.h"

#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace blooddrive::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// --- Table ------------------------------------------------------------------------------------

TEST(TableTest, AlignsCyrillicByCharactersNotBytes) {
  Table table({"DONOR", "NAME", "GROUP"});
  table.AddRow({"donors/a1", "Иванов Асхат", "O+"});
  table.AddRow({"donors/b22", "Smith Anna", "AB-"});
  std::ostringstream out;
  table.Print(out);
  EXPECT_EQ(out.str(),
            "DONOR       NAME          GROUP\n"
            "donors/a1   Иванов Асхат  O+\n"
            "donors/b22  Smith Anna    AB-\n");
}

TEST(TableTest, ShortRowsAndNoTrailingBlanks) {
  Table table({"A", "B"});
  table.AddRow({"x"});
  table.AddRow({"yy", ""});
  std::ostringstream out;
  table.Print(out);
  EXPECT_EQ(out.str(), "A   B\nx\nyy\n");
  EXPECT_FALSE(table.empty());
}

TEST(PrintFieldsTest, PadsNames) {
  std::ostringstream out;
  PrintFields(out, {{"Site", "sites/x"}, {"Time zone", "Asia/Almaty"}});
  EXPECT_EQ(out.str(), "Site:       sites/x\nTime zone:  Asia/Almaty\n");
}

TEST(ToJsonLineTest, OneLineCamelCaseWithZeros) {
  v1::Drive drive;
  drive.set_name("drives/d1");
  drive.set_display_name("Осенняя акция");
  const std::string line = ToJsonLine(drive);
  EXPECT_THAT(line, Not(HasSubstr("\n")));
  EXPECT_THAT(line, HasSubstr("\"name\":\"drives/d1\""));
  EXPECT_THAT(line, HasSubstr("\"freeSeats\":0"));
  EXPECT_THAT(line, HasSubstr("\"state\":\"DRIVE_STATE_UNSPECIFIED\""));
  EXPECT_THAT(line, HasSubstr("Осенняя акция"));
}

// --- Exit codes -------------------------------------------------------------------------------

TEST(ExitCodeForTest, EveryCode) {
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::OK), kExitOk);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::NOT_FOUND), kExitNotFound);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::FAILED_PRECONDITION), kExitRefused);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::RESOURCE_EXHAUSTED), kExitRefused);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::ALREADY_EXISTS), kExitRefused);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::ABORTED), kExitRefused);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::INVALID_ARGUMENT), kExitInvalid);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::UNAUTHENTICATED), kExitDenied);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::PERMISSION_DENIED), kExitDenied);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::UNAVAILABLE), kExitUnavailable);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::DEADLINE_EXCEEDED), kExitUnavailable);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::INTERNAL), kExitInternal);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::UNKNOWN), kExitInternal);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::UNIMPLEMENTED), kExitInternal);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::DATA_LOSS), kExitInternal);
}

// --- Describe ---------------------------------------------------------------------------------

v1::Date D(int y, int m, int d) {
  v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

TEST(DescribeBookingFailureTest, SlotFull) {
  v1::BookingFailure failure;
  failure.set_kind(v1::BookingFailure::KIND_SLOT_FULL);
  failure.set_waitlist_length(3);
  failure.set_free_seats_in_drive(5);
  EXPECT_EQ(DescribeBookingFailure(failure, "slot full"),
            "The slot is full; 3 people are waiting for this donation type. 5 seats are free in "
            "other slots of the drive.");
  failure.set_waitlist_length(1);
  failure.set_free_seats_in_drive(0);
  EXPECT_EQ(DescribeBookingFailure(failure),
            "The slot is full; 1 person is waiting for this donation type. No seat is free in "
            "other slots of the drive.");
}

TEST(DescribeBookingFailureTest, IneligibleGivesReasonsAndNextDates) {
  v1::BookingFailure failure;
  failure.set_kind(v1::BookingFailure::KIND_INELIGIBLE);
  v1::EligibilityDecision& decision = *failure.mutable_decision();
  decision.set_donation_type(v1::DONATION_TYPE_WHOLE_BLOOD);
  *decision.mutable_date() = D(2026, 12, 1);
  v1::EligibilityReason& reason = *decision.add_reasons();
  reason.set_code(v1::ELIGIBILITY_REASON_CODE_INTERVAL_NOT_ELAPSED);
  reason.set_message("whole blood 2026-11-01; whole blood needs 60 days, until 2026-12-31");
  *reason.mutable_end_date() = D(2026, 12, 31);
  reason.set_blocking(true);
  v1::EligibilityReason& advice = *decision.add_reasons();
  advice.set_code(v1::ELIGIBILITY_REASON_CODE_DEFERRED);
  advice.set_deferral_code(v1::DEFERRAL_CODE_DENTAL_WORK);
  advice.set_message("dental work 2026-11-20");
  advice.set_blocking(false);
  v1::NextEligibleDate* next = decision.add_next_eligible_dates();
  next->set_donation_type(v1::DONATION_TYPE_WHOLE_BLOOD);
  next->set_outlook(v1::NextEligibleDate::OUTLOOK_DATE);
  *next->mutable_date() = D(2026, 12, 31);
  next = decision.add_next_eligible_dates();
  next->set_donation_type(v1::DONATION_TYPE_PLASMA);
  next->set_outlook(v1::NextEligibleDate::OUTLOOK_DATE);
  *next->mutable_date() = D(2026, 12, 15);
  next = decision.add_next_eligible_dates();
  next->set_donation_type(v1::DONATION_TYPE_PLATELETS);
  next->set_outlook(v1::NextEligibleDate::OUTLOOK_PERMANENT);

  // Types with the same answer are named together.
  v1::BookingFailure same = failure;
  same.mutable_decision()->mutable_next_eligible_dates(2)->set_outlook(
      v1::NextEligibleDate::OUTLOOK_DATE);
  *same.mutable_decision()->mutable_next_eligible_dates(2)->mutable_date() = D(2026, 12, 15);
  EXPECT_THAT(DescribeBookingFailure(same),
              HasSubstr("Other types: plasma, platelets: 2026-12-15."));

  EXPECT_EQ(DescribeBookingFailure(failure),
            "Not eligible on 2026-12-01 for whole blood: interval not elapsed: whole blood "
            "2026-11-01; whole blood needs 60 days, until 2026-12-31. "
            "Advice: deferred (dental work): dental work 2026-11-20. "
            "Next eligible date for whole blood: 2026-12-31. "
            "Other types: plasma: 2026-12-15; platelets: never under the current rules.");
}

TEST(DescribeBookingFailureTest, OtherKinds) {
  v1::BookingFailure failure;
  failure.set_kind(v1::BookingFailure::KIND_CONFLICTING_BOOKING);
  failure.set_conflicting_booking("drives/d1/bookings/b1");
  EXPECT_EQ(DescribeBookingFailure(failure),
            "The donor already has an active booking in an overlapping period: "
            "drives/d1/bookings/b1.");
  failure.set_kind(v1::BookingFailure::KIND_DRIVE_NOT_OPEN);
  EXPECT_EQ(DescribeBookingFailure(failure, "drive drives/d1 is DRAFT"),
            "The drive is not open for booking: drive drives/d1 is DRAFT");
  failure.set_kind(v1::BookingFailure::KIND_HOLD_EXPIRED);
  EXPECT_THAT(DescribeBookingFailure(failure), HasSubstr("hold has expired"));
  failure.set_kind(v1::BookingFailure::KIND_UNSPECIFIED);
  EXPECT_EQ(DescribeBookingFailure(failure, "as the server says"), "as the server says");
}

TEST(DescribeTest, LeadsPerCodeWithoutTrailer) {
  grpc::ClientContext context;
  EXPECT_EQ(Describe(grpc::Status(grpc::StatusCode::NOT_FOUND, "drives/x not found"), context),
            "Not found: drives/x not found");
  EXPECT_EQ(Describe(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "coordinator of kz-almaty"),
                     context),
            "Not allowed: coordinator of kz-almaty");
  EXPECT_THAT(Describe(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connect failed"), context),
              HasSubstr("is the stack running?"));
  EXPECT_THAT(
      Describe(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "drive.date: past"), context),
      HasSubstr("drive.date: past"));
}

// --- Vocabulary -------------------------------------------------------------------------------

TEST(ParseDateTest, AcceptsAndRefuses) {
  absl::StatusOr<v1::Date> date = ParseDate("2026-12-01");
  ASSERT_TRUE(date.ok());
  EXPECT_EQ(FormatDate(*date), "2026-12-01");
  EXPECT_EQ(FormatDate(*ParseDate(" 2028-2-29 ")), "2028-02-29");
  for (const char* bad : {"", "2026-12", "2026-13-01", "2026-02-30", "2027-02-29", "01.12.2026",
                          "2026/12/01", "26-12-01", "2026-12-01x", "1899-12-31", "tomorrow"}) {
    EXPECT_FALSE(ParseDate(bad).ok()) << bad;
  }
  EXPECT_THAT(std::string(ParseDate("01.12.2026").status().message()), HasSubstr("YYYY-MM-DD"));
}

TEST(ParseTimeOfDayTest, AcceptsAndRefuses) {
  EXPECT_EQ(FormatTimeOfDay(*ParseTimeOfDay("09:30")), "09:30");
  EXPECT_EQ(FormatTimeOfDay(*ParseTimeOfDay("9:05")), "09:05");
  EXPECT_EQ(FormatTimeOfDay(*ParseTimeOfDay("24:00", true)), "24:00");
  for (const char* bad : {"", "9", "9:5", "24:00", "25:00", "12:60", "9.30", "09:30:00", "-1:00"}) {
    EXPECT_FALSE(ParseTimeOfDay(bad).ok()) << bad;
  }
  EXPECT_FALSE(ParseTimeOfDay("24:30", true).ok());
}

TEST(ParseWindowTest, AcceptsAndRefuses) {
  EXPECT_EQ(FormatWindow(*ParseWindow("09:00-13:00")), "09:00-13:00");
  EXPECT_EQ(FormatWindow(*ParseWindow(" 9:00 - 13:00 ")), "09:00-13:00");
  EXPECT_EQ(FormatWindow(*ParseWindow("14:00\u201317:00")), "14:00-17:00");
  EXPECT_EQ(FormatWindow(*ParseWindow("18:00-24:00")), "18:00-24:00");
  for (const char* bad :
       {"", "09:00", "13:00-09:00", "09:00-09:00", "09:00-13:00-14:00", "9-13", "24:00-24:00"}) {
    EXPECT_FALSE(ParseWindow(bad).ok()) << bad;
  }
}

TEST(ParseBloodGroupTest, AcceptedSpellings) {
  const std::pair<const char*, v1::BloodGroup> cases[] = {
      {"O+", v1::BLOOD_GROUP_O_POSITIVE},
      {"o+", v1::BLOOD_GROUP_O_POSITIVE},
      {"0+", v1::BLOOD_GROUP_O_POSITIVE},
      {"o-pos", v1::BLOOD_GROUP_O_POSITIVE},
      {"O_POSITIVE", v1::BLOOD_GROUP_O_POSITIVE},
      {"opos", v1::BLOOD_GROUP_O_POSITIVE},
      {"O-", v1::BLOOD_GROUP_O_NEGATIVE},
      {"o-neg", v1::BLOOD_GROUP_O_NEGATIVE},
      {"A+", v1::BLOOD_GROUP_A_POSITIVE},
      {"a-negative", v1::BLOOD_GROUP_A_NEGATIVE},
      {"B+", v1::BLOOD_GROUP_B_POSITIVE},
      {"b-", v1::BLOOD_GROUP_B_NEGATIVE},
      {"AB+", v1::BLOOD_GROUP_AB_POSITIVE},
      {"AB-", v1::BLOOD_GROUP_AB_NEGATIVE},
      {"ab-neg", v1::BLOOD_GROUP_AB_NEGATIVE},
      {"A Rh+", v1::BLOOD_GROUP_A_POSITIVE},
      {"BLOOD_GROUP_AB_NEGATIVE", v1::BLOOD_GROUP_AB_NEGATIVE},
      {"unknown", v1::BLOOD_GROUP_UNKNOWN},
      {"Unknown", v1::BLOOD_GROUP_UNKNOWN},
  };
  for (const auto& [text, want] : cases) {
    absl::StatusOr<v1::BloodGroup> got = ParseBloodGroup(text);
    ASSERT_TRUE(got.ok()) << text << ": " << got.status();
    EXPECT_EQ(*got, want) << text;
  }
}

TEST(ParseBloodGroupTest, RefusedSpellings) {
  for (const char* bad : {"", "O", "AB", "C+", "O++", "A+-", "BA+", "unspecified",
                          "BLOOD_GROUP_UNSPECIFIED", "O+ x"}) {
    EXPECT_FALSE(ParseBloodGroup(bad).ok()) << bad;
  }
  EXPECT_THAT(std::string(ParseBloodGroup("C+").status().message()), HasSubstr("O+, O-"));
}

TEST(ParseBloodGroupTest, RoundTripsFormat) {
  for (int g = v1::BLOOD_GROUP_UNKNOWN; g <= v1::BLOOD_GROUP_AB_NEGATIVE; ++g) {
    const auto group = static_cast<v1::BloodGroup>(g);
    EXPECT_EQ(*ParseBloodGroup(FormatBloodGroup(group)), group) << FormatBloodGroup(group);
  }
}

TEST(ParseDonationTypeTest, AcceptsAndRefuses) {
  EXPECT_EQ(*ParseDonationType("whole-blood"), v1::DONATION_TYPE_WHOLE_BLOOD);
  EXPECT_EQ(*ParseDonationType("whole_blood"), v1::DONATION_TYPE_WHOLE_BLOOD);
  EXPECT_EQ(*ParseDonationType("Whole Blood"), v1::DONATION_TYPE_WHOLE_BLOOD);
  EXPECT_EQ(*ParseDonationType("platelets"), v1::DONATION_TYPE_PLATELETS);
  EXPECT_EQ(*ParseDonationType("plasma"), v1::DONATION_TYPE_PLASMA);
  EXPECT_EQ(*ParseDonationType("double-red-cells"), v1::DONATION_TYPE_DOUBLE_RED_CELLS);
  EXPECT_EQ(*ParseDonationType("DONATION_TYPE_PLASMA"), v1::DONATION_TYPE_PLASMA);
  for (const char* bad : {"", "blood", "wholeblood", "unspecified", "red-cells", "plasma2"}) {
    EXPECT_FALSE(ParseDonationType(bad).ok()) << bad;
  }
  EXPECT_THAT(std::string(ParseDonationType("blood").status().message()),
              HasSubstr("whole-blood, double-red-cells, platelets or plasma"));
  for (int t = v1::DONATION_TYPE_WHOLE_BLOOD; t <= v1::DONATION_TYPE_PLASMA; ++t) {
    const auto type = static_cast<v1::DonationType>(t);
    EXPECT_EQ(*ParseDonationType(FormatDonationType(type)), type);
  }
}

TEST(EnumLabelTest, StripsPrefixAndParsesBack) {
  EXPECT_EQ(EnumLabel(v1::BookingState_descriptor(), v1::BOOKING_STATE_CHECKED_IN), "checked in");
  EXPECT_EQ(EnumLabel(v1::BookingFailure::Kind_descriptor(), v1::BookingFailure::KIND_SLOT_FULL),
            "slot full");
  EXPECT_EQ(EnumLabel(v1::EligibilityReasonCode_descriptor(),
                      v1::ELIGIBILITY_REASON_CODE_INTERVAL_NOT_ELAPSED),
            "interval not elapsed");
  EXPECT_EQ(EnumLabel(v1::DriveState_descriptor(), 99), "99");

  for (const char* text : {"donor-request", "donor request", "DONOR_REQUEST",
                           "CANCEL_REASON_DONOR_REQUEST", " Donor-Request "}) {
    absl::StatusOr<int> got = ParseEnumLabel(v1::CancelReason_descriptor(), text);
    ASSERT_TRUE(got.ok()) << text;
    EXPECT_EQ(*got, v1::CANCEL_REASON_DONOR_REQUEST) << text;
  }
  EXPECT_EQ(*ParseEnumLabel(v1::SiteKind_descriptor(), "mobile"), v1::SITE_KIND_MOBILE);
  EXPECT_EQ(*ParseEnumLabel(v1::DriveState_descriptor(), "published"), v1::DRIVE_STATE_PUBLISHED);
  EXPECT_EQ(*ParseEnumLabel(v1::DocumentType_descriptor(), "residence-permit"),
            v1::DOCUMENT_TYPE_RESIDENCE_PERMIT);
  for (const char* bad : {"", "unspecified", "CANCEL_REASON_UNSPECIFIED", "donor", "request"}) {
    EXPECT_FALSE(ParseEnumLabel(v1::CancelReason_descriptor(), bad).ok()) << bad;
  }
  EXPECT_THAT(std::string(ParseEnumLabel(v1::CancelReason_descriptor(), "x").status().message()),
              HasSubstr("donor-request, donor-sms-reply"));
}

TEST(VocabularyTest, ResourceNameFormatLocalAndRequestId) {
  EXPECT_EQ(ResourceName("sites", "astana-old-town"), "sites/astana-old-town");
  EXPECT_EQ(ResourceName("sites", "sites/astana-old-town"), "sites/astana-old-town");
  EXPECT_EQ(ResourceName("drives", " d1/ "), "drives/d1");

  absl::TimeZone almaty;
  ASSERT_TRUE(absl::LoadTimeZone("Asia/Almaty", &almaty));
  google::protobuf::Timestamp t;
  t.set_seconds(absl::ToUnixSeconds(
      absl::FromCivil(absl::CivilMinute(2026, 12, 1, 4, 30), absl::UTCTimeZone())));
  // Almaty is UTC+5 since March 2024.
  EXPECT_EQ(FormatLocal(t, almaty), "2026-12-01 09:30");

  const std::string a = NewRequestId();
  const std::string b = NewRequestId();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

// --- Command hints ----------------------------------------------------------------------------

// The hint for argv (after the program name) on a small tree: tool {site {create, list}, drive}.
std::string HintFor(std::vector<std::string> args) {
  CLI::App app("test", "tool");
  app.fallthrough();
  app.require_subcommand(1);
  CLI::App* site = app.add_subcommand("site", "Sites");
  site->require_subcommand(1);
  site->add_subcommand("create", "Create");
  site->add_subcommand("list", "List");
  app.add_subcommand("drive", "Drives");
  std::vector<char*> argv = {const_cast<char*>("tool")};
  for (std::string& arg : args) argv.push_back(arg.data());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    return CommandHint(app, e);
  }
  return "(parsed)";
}

TEST(CommandHintTest, NamesTheCommandsWhenMissingOrUnknown) {
  EXPECT_EQ(HintFor({}), "No command given. Commands: site, drive; run with --help");
  EXPECT_EQ(HintFor({"sit"}), "Unknown command 'sit'. Commands: site, drive; run with --help");
  EXPECT_EQ(HintFor({"site"}),
            "No command given after 'site'. Commands: create, list; run with 'tool site --help'");
  EXPECT_EQ(HintFor({"site", "show"}),
            "Unknown command 'site show'. Commands of site: create, list; run with "
            "'tool site --help'");
}

TEST(CommandHintTest, LeavesOtherErrorsToCli11) {
  EXPECT_EQ(HintFor({"drive", "extra"}), "");
  EXPECT_EQ(HintFor({"site", "list"}), "(parsed)");
}

}  // namespace
}  // namespace blooddrive::cli
