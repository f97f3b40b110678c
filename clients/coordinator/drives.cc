// `drive create|publish|close|cancel|list|show`: planning drives at sites.
//
// Output (stable; tests/e2e reads it):
//   drive create   "Created drive drives/{id} (draft) at sites/{site} on YYYY-MM-DD, HH:MM-HH:MM[,
//   ...]."
//                  then "Next: blooddrive-coordinator drive publish drives/{id}"; --json: the
//                  Drive.
//   drive publish  "Published drives/{id}: N seats bookable."     --json: the Drive.
//   drive close    "Closed drives/{id}."                           --json: the Drive.
//   drive cancel   "Cancelled drives/{id}: {reason}"               --json: the Drive.
//   drive list     table DRIVE | DATE | HOURS | SITE | STATE | FREE | NAME, ordered by date and
//                  opening time; DRIVE as "drives/{id}", HOURS "09:00-13:00, 14:00-17:00", FREE the
//                  bookable seats now; --json: one Drive per line.
//   drive show     "Field:  value" lines: Drive, Name, Site, State, Date, Hours, Slot minutes,
//                  Capacity, Targets, Sponsor, Venue, Free seats, Cancel reason; --json: the Drive.
// A drive is given as "{id}" or "drives/{id}"; a site as "{id}" or "sites/{id}".
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "coordinator.h"

namespace blooddrive::coordinator {
namespace {

using cli::Session;

struct CreateDriveOptions {
  std::string site;
  std::string date;
  std::vector<std::string> windows;
  int slot_minutes = 15;
  std::vector<std::string> capacities;
  std::vector<std::string> walk_in_reserves;
  std::vector<std::string> targets;
  std::string sponsor;
  std::string venue;
  std::string name;
  std::vector<double> venue_location;
  std::string request_id;
};

struct ListDrivesOptions {
  std::string site;
  std::string branch;
  std::string from;
  std::string to;
  std::vector<std::string> states;
  bool free_only = false;
  std::string needing;
  std::string type;
};

struct StateChangeOptions {
  std::string drive;
  std::string reason;
  std::string request_id;
};

// "whole-blood=4" -> (key, 4).
absl::StatusOr<std::pair<std::string, int>> ParseAssignment(absl::string_view text,
                                                            absl::string_view what) {
  std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits('=', 1));
  int n = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &n) || n < 0) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not ", what, "=NUMBER, e.g. ",
                                                   what == "TYPE" ? "whole-blood=4" : "O+=10"));
  }
  return std::make_pair(parts[0], n);
}

std::string Hours(const v1::Drive& drive) {
  std::vector<std::string> windows;
  for (const v1::OpeningWindow& w : drive.opening_windows())
    windows.push_back(cli::FormatWindow(w));
  return absl::StrJoin(windows, ", ");
}

std::string StateLabel(v1::DriveState state) {
  return cli::EnumLabel(v1::DriveState_descriptor(), state);
}

std::string Capacities(const v1::Drive& drive) {
  std::vector<std::string> parts;
  for (const v1::SlotCapacity& c : drive.capacities()) {
    std::string part = absl::StrCat(cli::FormatDonationType(c.donation_type()), " ", c.seats());
    if (c.walk_in_reserve() > 0) absl::StrAppend(&part, " (", c.walk_in_reserve(), " walk-in)");
    parts.push_back(part);
  }
  return absl::StrCat(absl::StrJoin(parts, ", "), parts.empty() ? "" : " per slot");
}

std::string Targets(const v1::Drive& drive) {
  std::vector<std::string> parts;
  for (const v1::BloodGroupTarget& t : drive.targets()) {
    parts.push_back(absl::StrCat(cli::FormatBloodGroup(t.blood_group()), " ", t.units()));
  }
  return parts.empty() ? "none" : absl::StrJoin(parts, ", ");
}

void CreateDrive(Session& session, const CreateDriveOptions& o) {
  v1::CreateDriveRequest request;
  request.set_request_id(RequestIdOrNew(o.request_id));
  v1::Drive& drive = *request.mutable_drive();
  drive.set_site(cli::ResourceName("sites", o.site));
  if (!Parsed(session, cli::ParseDate(o.date), drive.mutable_date())) return;
  for (const std::string& w : o.windows) {
    if (!Parsed(session, cli::ParseWindow(w), drive.add_opening_windows())) return;
  }
  drive.set_slot_minutes(o.slot_minutes);
  for (const std::string& c : o.capacities) {
    std::pair<std::string, int> kv;
    if (!Parsed(session, ParseAssignment(c, "TYPE"), &kv)) return;
    v1::DonationType type;
    if (!Parsed(session, cli::ParseDonationType(kv.first), &type)) return;
    v1::SlotCapacity* capacity = drive.add_capacities();
    capacity->set_donation_type(type);
    capacity->set_seats(kv.second);
  }
  for (const std::string& r : o.walk_in_reserves) {
    std::pair<std::string, int> kv;
    if (!Parsed(session, ParseAssignment(r, "TYPE"), &kv)) return;
    v1::DonationType type;
    if (!Parsed(session, cli::ParseDonationType(kv.first), &type)) return;
    bool found = false;
    for (v1::SlotCapacity& capacity : *drive.mutable_capacities()) {
      if (capacity.donation_type() == type) {
        capacity.set_walk_in_reserve(kv.second);
        found = true;
      }
    }
    if (!found) {
      session.Fail(absl::StrCat("--walk-in-reserve ", r, ": give a --capacity for ",
                                cli::FormatDonationType(type), " first"),
                   cli::kExitUsage);
      return;
    }
  }
  for (const std::string& t : o.targets) {
    std::pair<std::string, int> kv;
    if (!Parsed(session, ParseAssignment(t, "GROUP"), &kv)) return;
    v1::BloodGroup group;
    if (!Parsed(session, cli::ParseBloodGroup(kv.first), &group)) return;
    v1::BloodGroupTarget* target = drive.add_targets();
    target->set_blood_group(group);
    target->set_units(kv.second);
  }
  drive.set_sponsor(o.sponsor);
  drive.set_venue(o.venue);
  drive.set_display_name(o.name);
  if (o.venue_location.size() == 2) {
    drive.mutable_location()->set_latitude(o.venue_location[0]);
    drive.mutable_location()->set_longitude(o.venue_location[1]);
  }
  v1::Drive created;
  if (!cli::CallOrFail(session, session.scheduling(), &v1::DriveScheduling::Stub::CreateDrive,
                       request, &created)) {
    return;
  }
  if (session.json()) return PrintJson(created);
  std::cout << "Created drive " << created.name() << " (" << StateLabel(created.state()) << ") at "
            << created.site() << " on " << cli::FormatDate(created.date()) << ", " << Hours(created)
            << ".\n"
            << "Next: blooddrive-coordinator drive publish " << created.name() << std::endl;
}

enum class Change { kPublish, kClose, kCancel };

void ChangeState(Session& session, Change change, const StateChangeOptions& o) {
  const std::string name = cli::ResourceName("drives", o.drive);
  const std::string request_id = RequestIdOrNew(o.request_id);
  v1::Drive drive;
  auto* stub = session.scheduling();
  bool ok = false;
  switch (change) {
    case Change::kPublish: {
      v1::PublishDriveRequest request;
      request.set_request_id(request_id);
      request.set_name(name);
      ok =
          cli::CallOrFail(session, stub, &v1::DriveScheduling::Stub::PublishDrive, request, &drive);
      break;
    }
    case Change::kClose: {
      v1::CloseDriveRequest request;
      request.set_request_id(request_id);
      request.set_name(name);
      ok = cli::CallOrFail(session, stub, &v1::DriveScheduling::Stub::CloseDrive, request, &drive);
      break;
    }
    case Change::kCancel: {
      v1::CancelDriveRequest request;
      request.set_request_id(request_id);
      request.set_name(name);
      request.set_reason(o.reason);
      ok = cli::CallOrFail(session, stub, &v1::DriveScheduling::Stub::CancelDrive, request, &drive);
      break;
    }
  }
  if (!ok) return;
  if (session.json()) return PrintJson(drive);
  switch (change) {
    case Change::kPublish:
      std::cout << "Published " << drive.name() << ": " << drive.free_seats() << " seats bookable."
                << std::endl;
      break;
    case Change::kClose:
      std::cout << "Closed " << drive.name() << "." << std::endl;
      break;
    case Change::kCancel:
      std::cout << "Cancelled " << drive.name() << ": " << drive.cancel_reason() << std::endl;
      break;
  }
}

void ListDrives(Session& session, const ListDrivesOptions& o) {
  v1::ListDrivesRequest request;
  if (!o.site.empty()) request.set_site(cli::ResourceName("sites", o.site));
  request.set_branch(o.branch);
  if (!o.from.empty() && !Parsed(session, cli::ParseDate(o.from), request.mutable_start_date())) {
    return;
  }
  if (!o.to.empty() && !Parsed(session, cli::ParseDate(o.to), request.mutable_end_date())) return;
  for (const std::string& s : o.states) {
    int state = 0;
    if (!Parsed(session, cli::ParseEnumLabel(v1::DriveState_descriptor(), s), &state)) return;
    request.add_states(static_cast<v1::DriveState>(state));
  }
  request.set_only_with_free_seats(o.free_only);
  if (!o.needing.empty()) {
    v1::BloodGroup group;
    if (!Parsed(session, cli::ParseBloodGroup(o.needing), &group)) return;
    request.set_needing_blood_group(group);
  }
  if (!o.type.empty()) {
    v1::DonationType type;
    if (!Parsed(session, cli::ParseDonationType(o.type), &type)) return;
    request.set_donation_type(type);
  }
  request.set_page_size(500);
  cli::Table table({"DRIVE", "DATE", "HOURS", "SITE", "STATE", "FREE", "NAME"});
  do {
    v1::ListDrivesResponse response;
    if (!cli::CallOrFail(session, session.scheduling(), &v1::DriveScheduling::Stub::ListDrives,
                         request, &response)) {
      return;
    }
    for (const v1::Drive& drive : response.drives()) {
      if (session.json()) {
        PrintJson(drive);
        continue;
      }
      table.AddRow({drive.name(), cli::FormatDate(drive.date()), Hours(drive), drive.site(),
                    StateLabel(drive.state()), absl::StrCat(drive.free_seats()),
                    drive.display_name()});
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  if (!session.json()) table.Print(std::cout);
}

void ShowDrive(Session& session, const std::string& text) {
  v1::GetDriveRequest request;
  request.set_name(cli::ResourceName("drives", text));
  v1::Drive drive;
  if (!cli::CallOrFail(session, session.scheduling(), &v1::DriveScheduling::Stub::GetDrive, request,
                       &drive)) {
    return;
  }
  if (session.json()) return PrintJson(drive);
  std::vector<std::pair<std::string, std::string>> fields = {
      {"Drive", drive.name()},
      {"Name", drive.display_name()},
      {"Site", drive.site()},
      {"State", StateLabel(drive.state())},
      {"Date", cli::FormatDate(drive.date())},
      {"Hours", Hours(drive)},
      {"Slot minutes", absl::StrCat(drive.slot_minutes())},
      {"Capacity", Capacities(drive)},
      {"Targets", Targets(drive)},
      {"Sponsor", drive.sponsor()},
      {"Venue", drive.venue()},
      {"Free seats", absl::StrCat(drive.free_seats())}};
  if (!drive.cancel_reason().empty()) fields.push_back({"Cancel reason", drive.cancel_reason()});
  cli::PrintFields(std::cout, fields);
}

}  // namespace

void AddDriveCommands(CLI::App& app, Session& session) {
  CLI::App* group = app.add_subcommand("drive", "Drives: a day of collection at a site");
  group->require_subcommand(1);

  auto create = std::make_shared<CreateDriveOptions>();
  CLI::App* c = group->add_subcommand("create", "Plan a drive (it starts as a draft)");
  c->add_option("--site", create->site, "SITE where it happens")->required();
  c->add_option("--date", create->date, "Day at the site, YYYY-MM-DD")->required();
  c->add_option("--window", create->windows,
                "Opening hours HH:MM-HH:MM in the site's time; repeat for a break")
      ->required()
      ->allow_extra_args(false)
      ->delimiter(',');
  c->add_option("--slot-minutes", create->slot_minutes, "Length of each slot")
      ->capture_default_str()
      ->check(CLI::Range(1, 24 * 60));
  c->add_option("--capacity", create->capacities,
                "Seats per slot: TYPE=N, e.g. whole-blood=4; repeat per donation type")
      ->required()
      ->allow_extra_args(false)
      ->delimiter(',');
  c->add_option("--walk-in-reserve", create->walk_in_reserves,
                "Seats of --capacity kept for walk-ins: TYPE=N")
      ->allow_extra_args(false)
      ->delimiter(',');
  c->add_option("--target", create->targets, "Donations wanted: GROUP=N, e.g. O-=10; repeat")
      ->allow_extra_args(false)
      ->delimiter(',');
  c->add_option("--sponsor", create->sponsor, "Host organisation");
  c->add_option("--venue", create->venue, "Where exactly (mobile sites)");
  // Latitude and longitude in one list: 180 bounds both; the service checks the latitude's 90.
  c->add_option("--venue-location", create->venue_location, "LAT LNG of the venue")
      ->expected(2)
      ->check(Degrees(180));
  c->add_option("--name", create->name, "Name shown to donors (default: the site's)");
  AddRequestIdOption(*c, create->request_id);
  c->callback([&session, create] { CreateDrive(session, *create); });

  for (auto [verb, change, help] :
       {std::make_tuple("publish", Change::kPublish, "Open a draft drive for booking"),
        std::make_tuple("close", Change::kClose,
                        "End booking (check-ins and outcomes may still be recorded)"),
        std::make_tuple("cancel", Change::kCancel,
                        "Call the drive off: every booking is cancelled and donors told")}) {
    auto o = std::make_shared<StateChangeOptions>();
    CLI::App* cmd = group->add_subcommand(verb, help);
    cmd->add_option("drive", o->drive, "DRIVE: {id} or drives/{id}")->required();
    if (change == Change::kCancel) {
      cmd->add_option("--reason", o->reason, "Why, for staff")->required();
    }
    AddRequestIdOption(*cmd, o->request_id);
    cmd->callback([&session, change = change, o] { ChangeState(session, change, *o); });
  }

  auto list = std::make_shared<ListDrivesOptions>();
  CLI::App* l = group->add_subcommand("list", "List drives by date");
  l->add_option("--site", list->site, "Only at this SITE");
  l->add_option("--branch", list->branch, "Only this branch's drives");
  l->add_option("--from", list->from, "From this day, YYYY-MM-DD");
  l->add_option("--to", list->to, "Up to this day (inclusive)");
  l->add_option("--state", list->states, "draft, published, closed or cancelled; repeatable")
      ->allow_extra_args(false)
      ->delimiter(',');
  l->add_flag("--free-only", list->free_only, "Only drives with a seat free now");
  l->add_option("--needing", list->needing, "Only drives whose target for GROUP is not met");
  l->add_option("--type", list->type, "Only drives offering this donation type");
  l->callback([&session, list] { ListDrives(session, *list); });

  auto drive = std::make_shared<std::string>();
  CLI::App* s = group->add_subcommand("show", "Show one drive");
  s->add_option("drive", *drive, "DRIVE: {id} or drives/{id}")->required();
  s->callback([&session, drive] { ShowDrive(session, *drive); });
}

}  // namespace blooddrive::coordinator
