// Issue #7's scenario, every step through the CLIs as staff would run them (--json where the test
// reads the answer), against the real processes of e2e_fixture.h:
//   a coordinator creates a site and a drive and publishes it; imports donors from a CSV; one
//   donor books; a 17-year-old is refused with the date they may donate; the slot fills, a third
//   donor is waitlisted and promoted when the first cancels; the clinic checks in and records a
//   donation, which the registry shows; the SMS gateway's out file holds the messages in each
//   donor's language; the eligible donors are invited to the next drive, once; a STOP written to
//   its in file opts the donor out.
//
// The drive is tomorrow (Asia/Almaty): in the future for booking and for the reminders service
// (whose messages expire at the slot start, on the real clock), and still a date the registry
// takes a donation for (up to its today + 1). Check-in moves only the scheduling clock to the
// slot.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "e2e_fixture.h"

namespace blooddrive::testing {
namespace {

using ::testing::HasSubstr;

// One line of --json output as `T` (fields the test does not know are ignored).
template <typename T>
T Parse(const std::string& line) {
  T message;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  const auto status = google::protobuf::util::JsonStringToMessage(line, &message, options);
  EXPECT_TRUE(status.ok()) << status.ToString() << ": " << line;
  return message;
}

// The only stdout line of a successful --json command.
template <typename T>
T Single(const CliResult& result) {
  EXPECT_EQ(result.exit_code, 0) << result.Describe();
  const std::vector<std::string> lines = result.Lines();
  EXPECT_EQ(lines.size(), 1u) << result.Describe();
  return lines.empty() ? T() : Parse<T>(lines.back());
}

std::string Day(absl::CivilDay day) { return absl::FormatCivilTime(day); }

class ScenarioTest : public E2eTest {
 protected:
  // The donor's record as `donor show --json` prints it: the Donor, then its donations.
  struct Shown {
    v1::Donor donor;
    std::vector<v1::Donation> donations;
  };
  Shown ShowDonor(const std::string& donor) {
    const CliResult shown = env().Coordinator({"donor", "show", donor, "--json"});
    EXPECT_EQ(shown.exit_code, 0) << shown.Describe();
    Shown out;
    const std::vector<std::string> lines = shown.Lines();
    if (lines.empty()) return out;
    out.donor = Parse<v1::Donor>(lines[0]);
    for (size_t i = 1; i < lines.size(); ++i) {
      if (absl::StrContains(lines[i], "\"donationDate\"")) {
        out.donations.push_back(Parse<v1::Donation>(lines[i]));
      }
    }
    return out;
  }

  std::vector<std::string> TextsTo(const std::string& phone) {
    std::vector<std::string> texts;
    for (const SentSms& sms : SentMessages()) {
      if (sms.phone == phone) texts.push_back(sms.text);
    }
    return texts;
  }
  bool SentTo(const std::string& phone, const std::string& fragment) {
    for (const std::string& text : TextsTo(phone)) {
      if (absl::StrContains(text, fragment)) return true;
    }
    return false;
  }
};

TEST_F(ScenarioTest, CoordinatorClinicRemindersAndStopThroughTheClis) {
  const absl::CivilDay drive_day = today() + 1;
  const std::string date = Day(drive_day);
  // Turns 18 ten days after the drive: 17 on the day.
  const absl::CivilDay turns_18 = drive_day + 10;
  const absl::CivilDay born(turns_18.year() - 18, turns_18.month(), turns_18.day());
  const absl::CivilDay eighteenth(born.year() + 18, born.month(), born.day());
  ASSERT_GT(eighteenth, drive_day);

  // --- The coordinator plans: a site, a drive, published.
  const v1::Site site = Single<v1::Site>(env().Coordinator(
      {"site", "create", absl::StrCat("--id=", kClinicSite), "--name",
       "Ескі қала донорлық орталығы", "--address", "Астана, Бейбітшілік көшесі, 10", "--lat",
       "51.1801", "--lng", "71.4460", "--time-zone", "Asia/Almaty", "--branch", "kz-astana",
       "--kind", "fixed", "--json"}));
  ASSERT_EQ(site.name(), absl::StrCat("sites/", kClinicSite));
  const v1::Drive draft = Single<v1::Drive>(env().Coordinator(
      {"drive", "create", "--site", kClinicSite, "--date", date, "--window", "09:00-13:00",
       "--slot-minutes", "15", "--capacity", "whole-blood=2", "--target", "O+=10", "--json"}));
  ASSERT_FALSE(draft.name().empty());
  const std::string drive = draft.name();
  const v1::Drive published =
      Single<v1::Drive>(env().Coordinator({"drive", "publish", drive, "--json"}));
  EXPECT_EQ(published.state(), v1::DRIVE_STATE_PUBLISHED);

  // --- Donors from the branch's spreadsheet: four imported, one duplicate, one rejected.
  const std::string csv = env().dir() + "/donors.csv";
  std::ofstream(csv) << Fill(
      TestData("donors.csv"),
      {{"IIN_AIGERIM", MakeIin(absl::CivilDay(1992, 4, 17), v1::SEX_FEMALE, 101)},
       {"IIN_DMITRY", MakeIin(absl::CivilDay(1988, 8, 15), v1::SEX_MALE, 102)},
       // The kz-astana pack asks foreign citizens for an IIN besides the passport.
       {"IIN_JASUR", MakeIin(absl::CivilDay(1995, 2, 28), v1::SEX_MALE, 103)},
       {"IIN_MINOR", MakeIin(born, v1::SEX_MALE, 104)},
       {"MINOR_BORN", Day(born)}});
  const CliResult imported = env().Coordinator({"donor", "import", csv, "--json"});
  EXPECT_EQ(imported.exit_code, 1) << "rows were rejected: exit 1 (partial)\n"
                                   << imported.Describe();
  std::map<int, google::protobuf::Struct> rows;
  for (const std::string& line : imported.Lines()) {
    const auto row = Parse<google::protobuf::Struct>(line);
    if (row.fields().contains("row")) {
      rows[static_cast<int>(row.fields().at("row").number_value())] = row;
    }
  }
  auto field = [&](int row, const char* key) {
    if (!rows.contains(row) || !rows[row].fields().contains(key)) return std::string();
    return rows[row].fields().at(key).string_value();
  };
  for (int row : {2, 3, 4, 5}) EXPECT_EQ(field(row, "result"), "imported") << imported.Describe();
  EXPECT_EQ(field(6, "result"), "duplicate") << imported.Describe();
  EXPECT_EQ(field(7, "result"), "rejected") << imported.Describe();
  EXPECT_EQ(field(7, "column"), "Date of birth") << imported.Describe();
  const std::string aigerim = field(2, "donor");  // kk
  const std::string dmitry = field(3, "donor");   // ru
  const std::string jasur = field(4, "donor");    // uz, a migrant: passport and IIN
  const std::string erlan = field(5, "donor");    // 17 on the day
  ASSERT_FALSE(aigerim.empty() || dmitry.empty() || jasur.empty() || erlan.empty())
      << imported.Describe();

  // --- Bookings: one books, a minor is refused with the day they turn 18, the slot fills.
  const v1::Booking first = Single<v1::Booking>(env().Coordinator(
      {"book", "--drive", drive, "--time", "09:30", "--donor", aigerim, "--json"}));
  EXPECT_EQ(first.state(), v1::BOOKING_STATE_BOOKED);
  const CliResult refused =
      env().Coordinator({"book", "--drive", drive, "--time", "09:30", "--donor", erlan});
  EXPECT_EQ(refused.exit_code, 4) << refused.Describe();
  EXPECT_THAT(refused.out + refused.err, HasSubstr(Day(eighteenth))) << refused.Describe();
  const v1::Booking second = Single<v1::Booking>(env().Coordinator(
      {"book", "--drive", drive, "--time", "09:30", "--donor", dmitry, "--json"}));
  EXPECT_EQ(second.state(), v1::BOOKING_STATE_BOOKED);
  const CliResult full =
      env().Coordinator({"book", "--drive", drive, "--time", "09:30", "--donor", jasur});
  EXPECT_EQ(full.exit_code, 4) << full.Describe();
  EXPECT_THAT(full.err, HasSubstr("The slot is full")) << full.Describe();
  const v1::WaitlistEntry waiting = Single<v1::WaitlistEntry>(env().Coordinator(
      {"book", "--drive", drive, "--time", "09:30", "--donor", jasur, "--wait-if-full", "--json"}));
  EXPECT_EQ(waiting.position(), 1);
  EXPECT_EQ(waiting.state(), v1::WAITLIST_STATE_WAITING);

  // Confirmations in each donor's language (Kazakh, Russian), through the gateway's out file;
  // waited for before the cancellation, which would withdraw one not sent yet.
  EXPECT_TRUE(Eventually([&] {
    return SentTo("+77015550101", "Қан тапсыруға жазылдыңыз") &&
           SentTo("+77015550102", "Вы записаны на сдачу крови");
  })) << "Aigerim (kk): "
      << absl::StrJoin(TextsTo("+77015550101"), " | ")
      << "\nDmitry (ru): " << absl::StrJoin(TextsTo("+77015550102"), " | ");

  // --- The first donor cancels: the waiting donor gets the seat.
  const v1::Booking cancelled = Single<v1::Booking>(
      env().Coordinator({"cancel", first.name(), "--reason", "donor-request", "--json"}));
  EXPECT_EQ(cancelled.state(), v1::BOOKING_STATE_CANCELLED);
  v1::Booking promoted;
  EXPECT_TRUE(Eventually([&] {
    const CliResult listed = env().Coordinator({"bookings", "--donor", jasur, "--json"});
    for (const std::string& line : listed.Lines()) {
      const auto booking = Parse<v1::Booking>(line);
      if (booking.state() == v1::BOOKING_STATE_BOOKED && absl::StartsWith(booking.name(), drive)) {
        promoted = booking;
        return true;
      }
    }
    return false;
  })) << "the waitlisted donor was not promoted";
  const v1::DriveReport report =
      Single<v1::DriveReport>(env().Coordinator({"report", drive, "--json"}));
  EXPECT_EQ(report.booked(), 2);
  EXPECT_EQ(report.cancelled(), 1);
  EXPECT_EQ(report.waitlisted(), 0);

  // The promotion in Uzbek (Latin), the cancellation notice in Kazakh.
  EXPECT_TRUE(Eventually([&] {
    return SentTo("+998901234567", "Siz uchun joy") && SentTo("+77015550101", "жойылды");
  })) << "Aigerim (kk): "
      << absl::StrJoin(TextsTo("+77015550101"), " | ")
      << "\nJasur (uz): " << absl::StrJoin(TextsTo("+998901234567"), " | ");
  // Nothing for the refused minor.
  EXPECT_TRUE(TextsTo("+77015550104").empty());

  // --- The day: the clinic's roster, check-in and the donation.
  env().SetSchedulingClock(LocalTime(drive_day, 9, 35));
  const CliResult roster =
      env().Clinic({"roster", "--site", kClinicSite, "--date", date, "--json"});
  ASSERT_EQ(roster.exit_code, 0) << roster.Describe();
  std::vector<std::string> on_roster;
  for (const std::string& line : roster.Lines()) {
    const auto entry = Parse<google::protobuf::Struct>(line);
    if (!entry.fields().contains("booking")) continue;
    on_roster.push_back(
        entry.fields().at("booking").struct_value().fields().at("name").string_value());
  }
  EXPECT_THAT(on_roster, ::testing::IsSupersetOf({second.name(), promoted.name()}))
      << roster.Describe();
  EXPECT_EQ(Single<v1::Booking>(env().Clinic({"check-in", second.name(), "--json"})).state(),
            v1::BOOKING_STATE_CHECKED_IN);
  EXPECT_EQ(Single<v1::Booking>(env().Clinic({"outcome", second.name(), "donated", "--volume",
                                              "450", "--hb", "140", "--json"}))
                .state(),
            v1::BOOKING_STATE_DONATED);
  Shown shown;
  EXPECT_TRUE(Eventually([&] {
    shown = ShowDonor(dmitry);
    return !shown.donations.empty();
  })) << "the registry shows no donation";
  ASSERT_EQ(shown.donations.size(), 1u);
  EXPECT_EQ(shown.donations[0].volume_ml(), 450);
  EXPECT_EQ(shown.donations[0].donation_date().day(), drive_day.day());
  EXPECT_TRUE(shown.donor.sms_consent().opted_in());

  // --- Invitations to the next drive, found by blood group through the eligibility rules: the
  // donor who just gave blood and the minor are not invited; a second run queues nothing twice.
  const v1::Drive next = Single<v1::Drive>(env().Coordinator(
      {"drive", "create", "--site", kClinicSite, "--date", Day(drive_day + 3), "--window",
       "09:00-12:00", "--slot-minutes", "15", "--capacity", "whole-blood=2", "--json"}));
  ASSERT_FALSE(next.name().empty());
  ASSERT_EQ(
      Single<v1::Drive>(env().Coordinator({"drive", "publish", next.name(), "--json"})).state(),
      v1::DRIVE_STATE_PUBLISHED);
  const auto invite_results = [&](const CliResult& run) {
    std::map<std::string, std::string> result_of;
    for (const std::string& line : run.Lines()) {
      const auto item = Parse<google::protobuf::Struct>(line);
      if (item.fields().contains("donor")) {
        result_of[item.fields().at("donor").string_value()] =
            item.fields().at("result").string_value();
      }
    }
    return result_of;
  };
  const CliResult invited = env().Coordinator({"invite", next.name(), "--groups", "O+", "--json"});
  ASSERT_EQ(invited.exit_code, 0) << invited.Describe();
  std::map<std::string, std::string> invitations = invite_results(invited);
  EXPECT_EQ(invitations[aigerim], "queued") << invited.Describe();
  EXPECT_FALSE(invitations.contains(dmitry)) << "donated on the first drive's day";
  EXPECT_FALSE(invitations.contains(erlan)) << "17 on the next drive's day";
  EXPECT_TRUE(Eventually([&] { return SentTo("+77015550101", "донор күніне шақырамыз"); }))
      << "Aigerim (kk): " << absl::StrJoin(TextsTo("+77015550101"), " | ");
  const CliResult again = env().Coordinator({"invite", next.name(), "--groups", "O+", "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.Describe();
  invitations = invite_results(again);
  EXPECT_EQ(invitations[aigerim], "already queued") << again.Describe();

  // --- STOP (Russian) to the gateway: the donor is opted out in the registry.
  env().ReceiveSms("mo-e2e-stop-1", "+7 701 555 01 02", "СТОП");
  EXPECT_TRUE(Eventually([&] {
    shown = ShowDonor(dmitry);
    return !shown.donor.sms_consent().opted_in();
  })) << "STOP did not opt the donor out";
  EXPECT_EQ(shown.donor.sms_consent().channel(), v1::CONSENT_CHANNEL_SMS_KEYWORD);
  const std::vector<std::string> results = InboundResults();
  ASSERT_FALSE(results.empty());
  EXPECT_THAT(results.back(), HasSubstr("\"action\":\"OPTED_OUT\""));
  EXPECT_THAT(results.back(), HasSubstr(dmitry));
}

TEST_F(ScenarioTest, ExitCodesScriptsCanRelyOn) {
  // NOT_FOUND: 3, with a sentence rather than a status code.
  const CliResult missing = env().Coordinator({"drive", "show", "drives/no-such-drive"});
  EXPECT_EQ(missing.exit_code, 3) << missing.Describe();
  EXPECT_THAT(missing.err, HasSubstr("no-such-drive")) << missing.Describe();
  // --json puts the error on stdout as an object.
  const CliResult missing_json =
      env().Coordinator({"drive", "show", "drives/no-such-drive", "--json"});
  EXPECT_EQ(missing_json.exit_code, 3) << missing_json.Describe();
  ASSERT_FALSE(missing_json.Lines().empty()) << missing_json.Describe();
  EXPECT_TRUE(
      Parse<google::protobuf::Struct>(missing_json.Lines().back()).fields().contains("error"))
      << missing_json.Describe();
  // A bad command line: 2, nothing sent.
  EXPECT_EQ(env().Coordinator({"drive", "create", "--site", kClinicSite}).exit_code, 2);
  // A token the services do not know: 6.
  const std::string bad_token = env().dir() + "/unknown.token";
  std::ofstream(bad_token) << "not-a-token\n";
  chmod(bad_token.c_str(), 0600);
  const CliResult denied =
      env().CoordinatorWith({{"BLOODDRIVE_TOKEN_FILE", bad_token}}, {"site", "list"});
  EXPECT_EQ(denied.exit_code, 6) << denied.Describe();
  // Nothing listening: 7, safe to retry.
  const CliResult down = env().CoordinatorWith(
      {{"BLOODDRIVE_SCHEDULING", absl::StrCat("127.0.0.1:", FreeLoopbackPort())}},
      {"site", "list"});
  EXPECT_EQ(down.exit_code, 7) << down.Describe();
}

}  // namespace
}  // namespace blooddrive::testing
