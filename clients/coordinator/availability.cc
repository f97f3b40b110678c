// `availability DRIVE` and `report DRIVE`: how full a drive is.
//
// Output (stable; tests/e2e reads it):
//   availability   table TIME | <TYPE>... | SLOT, one row per slot in start order. TIME is the
//                  slot's span on the site's wall clock ("09:30-09:45"); one column per donation
//                  type the drive offers, headed by its label in capitals ("WHOLE BLOOD"), each
//                  cell "{available}/{seats}" plus " +{n} walk-in" while walk-in seats are left;
//                  SLOT is the name to book with ("drives/{id}/slots/0930"). Then the line
//                  "Waiting: whole blood 3, plasma 1" when anyone waits.
//                  --json: the DriveAvailability on one line.
//   report         "Field:  value" lines: Drive, Site, Date, State, Capacity, Held, Booked,
//                  Confirmed, Checked in, Donated, Incomplete, Deferred, No-show, Cancelled,
//                  Late cancellations, Walk-ins, Waitlisted, Fill rate ("62.5%"); a blank line;
//                  table GROUP | TARGET | BOOKED | DONATED | VOLUME ML | OF TARGET, where BOOKED
//                  counts active bookings and OF TARGET is (booked + donated) / target as a
//                  percentage ("-" without a target). --json: the DriveReport on one line.
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "coordinator.h"

namespace blooddrive::coordinator {
namespace {

using cli::Session;

struct AvailabilityOptions {
  std::string drive;
  std::string type;
  bool free_only = false;
};

void ShowAvailability(Session& session, const AvailabilityOptions& o) {
  v1::GetAvailabilityRequest request;
  request.set_drive(cli::ResourceName("drives", o.drive));
  if (!o.type.empty()) {
    v1::DonationType type;
    if (!Parsed(session, cli::ParseDonationType(o.type), &type)) return;
    request.set_donation_type(type);
  }
  request.set_only_free(o.free_only);
  v1::DriveAvailability availability;
  if (!cli::CallOrFail(session, session.scheduling(), &v1::DriveScheduling::Stub::GetAvailability,
                       request, &availability)) {
    return;
  }
  if (session.json()) return PrintJson(availability);

  const absl::TimeZone zone = LoadZoneOrUtc(availability.time_zone());
  std::map<int, int> waiting;  // donation type -> waitlisted, ordered by type
  for (const v1::SlotAvailability& slot : availability.slots()) {
    for (const v1::TypeAvailability& t : slot.types()) waiting[t.donation_type()] = t.waitlisted();
  }
  std::vector<std::string> headers = {"TIME"};
  for (const auto& [type, unused] : waiting) {
    headers.push_back(
        absl::AsciiStrToUpper(cli::FormatDonationType(static_cast<v1::DonationType>(type))));
  }
  headers.push_back("SLOT");
  cli::Table table(headers);
  for (const v1::SlotAvailability& slot : availability.slots()) {
    std::vector<std::string> row = {LocalSpan(slot.start_time(), slot.end_time(), zone)};
    for (const auto& [type, unused] : waiting) {
      std::string cell = "-";
      for (const v1::TypeAvailability& t : slot.types()) {
        if (t.donation_type() != type) continue;
        cell = absl::StrCat(t.available(), "/", t.seats());
        if (t.walk_in_left() > 0) absl::StrAppend(&cell, " +", t.walk_in_left(), " walk-in");
      }
      row.push_back(cell);
    }
    row.push_back(slot.slot());
    table.AddRow(std::move(row));
  }
  std::cout << availability.drive() << " ("
            << cli::EnumLabel(v1::DriveState_descriptor(), availability.state()) << "), times in "
            << availability.time_zone() << "\n";
  table.Print(std::cout);
  std::vector<std::string> waits;
  for (const auto& [type, n] : waiting) {
    if (n > 0) {
      waits.push_back(
          absl::StrCat(cli::FormatDonationType(static_cast<v1::DonationType>(type)), " ", n));
    }
  }
  if (!waits.empty()) std::cout << "Waiting: " << absl::StrJoin(waits, ", ") << std::endl;
}

std::string Percent(double fraction) { return absl::StrFormat("%.1f%%", fraction * 100.0); }

void ShowReport(Session& session, const std::string& drive) {
  v1::GetDriveReportRequest request;
  request.set_drive(cli::ResourceName("drives", drive));
  v1::DriveReport report;
  if (!cli::CallOrFail(session, session.scheduling(), &v1::DriveScheduling::Stub::GetDriveReport,
                       request, &report)) {
    return;
  }
  if (session.json()) return PrintJson(report);
  cli::PrintFields(std::cout,
                   {{"Drive", report.drive()},
                    {"Site", report.site()},
                    {"Date", cli::FormatDate(report.date())},
                    {"State", cli::EnumLabel(v1::DriveState_descriptor(), report.state())},
                    {"Capacity", absl::StrCat(report.capacity())},
                    {"Held", absl::StrCat(report.held())},
                    {"Booked", absl::StrCat(report.booked())},
                    {"Confirmed", absl::StrCat(report.confirmed())},
                    {"Checked in", absl::StrCat(report.checked_in())},
                    {"Donated", absl::StrCat(report.donated())},
                    {"Incomplete", absl::StrCat(report.incomplete())},
                    {"Deferred", absl::StrCat(report.deferred())},
                    {"No-show", absl::StrCat(report.no_show())},
                    {"Cancelled", absl::StrCat(report.cancelled())},
                    {"Late cancellations", absl::StrCat(report.late_cancellations())},
                    {"Walk-ins", absl::StrCat(report.walk_ins())},
                    {"Waitlisted", absl::StrCat(report.waitlisted())},
                    {"Fill rate", Percent(report.fill_rate())}});
  std::cout << "\n";
  cli::Table table({"GROUP", "TARGET", "BOOKED", "DONATED", "VOLUME ML", "OF TARGET"});
  for (const v1::BloodGroupCollection& c : report.collections()) {
    table.AddRow({cli::FormatBloodGroup(c.blood_group()),
                  c.target_units() > 0 ? absl::StrCat(c.target_units()) : "-",
                  absl::StrCat(c.active_bookings()), absl::StrCat(c.donated_units()),
                  absl::StrCat(c.volume_ml()),
                  c.target_units() > 0
                      ? Percent(static_cast<double>(c.active_bookings() + c.donated_units()) /
                                c.target_units())
                      : "-"});
  }
  table.Print(std::cout);
}

}  // namespace

void AddAvailabilityCommands(CLI::App& app, Session& session) {
  auto o = std::make_shared<AvailabilityOptions>();
  CLI::App* a = app.add_subcommand("availability", "Free seats per slot of a drive");
  a->add_option("drive", o->drive, "DRIVE: {id} or drives/{id}")->required();
  a->add_option("--type", o->type, "Only this donation type");
  a->add_flag("--free-only", o->free_only, "Only slots with a free seat");
  a->callback([&session, o] { ShowAvailability(session, *o); });

  auto drive = std::make_shared<std::string>();
  CLI::App* r = app.add_subcommand(
      "report", "Fill rate and collections by blood group against the drive's targets");
  r->add_option("drive", *drive, "DRIVE: {id} or drives/{id}")->required();
  r->callback([&session, drive] { ShowReport(session, *drive); });
}

}  // namespace blooddrive::coordinator
