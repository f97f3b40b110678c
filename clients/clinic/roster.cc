// `roster`: the bookings of a site's drives on one local date, with donor names and phones, in
// the order the clinic sees donors arrive.
#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clinic.h"
#include "dates.h"
#include "google/protobuf/struct.pb.h"

namespace blooddrive::clinic {
namespace {

struct RosterOptions {
  std::string site;
  std::string date;
  std::string slot;
  std::string states;
  bool all = false;
};

struct Row {
  v1::Booking booking;
  const DonorInfo* donor;
  std::string local_time;  // "09:30"
};

using platform::ToDate;
using platform::ToTime;

// Every drive of the site on the date, all pages.
std::optional<std::vector<v1::Drive>> ListDrives(cli::Session& session, const std::string& site,
                                                 const v1::Date& date) {
  std::vector<v1::Drive> drives;
  v1::ListDrivesRequest request;
  request.set_site(site);
  *request.mutable_start_date() = date;
  *request.mutable_end_date() = date;
  request.set_page_size(500);
  do {
    std::unique_ptr<grpc::ClientContext> context = session.NewContext();
    v1::ListDrivesResponse response;
    grpc::Status status = session.scheduling()->ListDrives(context.get(), request, &response);
    if (!status.ok()) {
      session.Fail(status, *context);
      return std::nullopt;
    }
    for (v1::Drive& drive : *response.mutable_drives()) drives.push_back(std::move(drive));
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return drives;
}

bool AppendRoster(cli::Session& session, const std::string& drive,
                  const std::vector<v1::BookingState>& states, std::vector<v1::Booking>& out) {
  v1::GetRosterRequest request;
  request.set_drive(drive);
  for (v1::BookingState state : states) request.add_states(state);
  request.set_page_size(500);
  do {
    std::unique_ptr<grpc::ClientContext> context = session.NewContext();
    v1::GetRosterResponse response;
    grpc::Status status = session.scheduling()->GetRoster(context.get(), request, &response);
    if (!status.ok()) {
      session.Fail(status, *context);
      return false;
    }
    for (v1::Booking& booking : *response.mutable_bookings()) out.push_back(std::move(booking));
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return true;
}

// A JSON string literal, escaped by the same mapping as every other line.
std::string JsonString(const std::string& text) {
  google::protobuf::Value value;
  value.set_string_value(text);
  return cli::ToJsonLine(value);
}

// One JSON object per booking: what the table adds, then the Booking resource as the API
// returns it (see the header of main.cc). Written field by field to keep the order fixed.
std::string JsonRow(const Row& row) {
  return absl::StrCat("{\"drive\":", JsonString(DriveOf(row.booking.name())),
                      ",\"localTime\":", JsonString(row.local_time),
                      ",\"donorDisplayName\":", JsonString(row.donor->display_name),
                      ",\"donorPhone\":", JsonString(row.donor->phone),
                      ",\"donorKnown\":", row.donor->known ? "true" : "false",
                      ",\"booking\":", cli::ToJsonLine(row.booking), "}");
}

void RunRoster(const RosterOptions& options, cli::Session& session) {
  absl::StatusOr<std::string> site = SiteName(options.site);
  if (!site.ok()) {
    session.Fail(site.status().message(), cli::kExitUsage);
    return;
  }
  std::optional<v1::TimeOfDay> slot;
  if (!options.slot.empty()) {
    absl::StatusOr<v1::TimeOfDay> parsed = ParseClock(options.slot);
    if (!parsed.ok()) {
      session.Fail(absl::StrCat("--slot: ", parsed.status().message()), cli::kExitUsage);
      return;
    }
    slot = *parsed;
  }
  absl::StatusOr<std::vector<v1::BookingState>> states = ParseStates(options.states);
  if (!states.ok()) {
    session.Fail(absl::StrCat("--state: ", states.status().message()), cli::kExitUsage);
    return;
  }
  // Staff want who is coming and what happened; cancellations (and expired holds, moved
  // bookings, which the server leaves out by default) only with --all or --state.
  if (states->empty()) {
    for (int s = v1::BOOKING_STATE_HELD; s <= v1::BookingState_MAX; ++s) {
      const bool hidden = s == v1::BOOKING_STATE_CANCELLED || s == v1::BOOKING_STATE_HOLD_EXPIRED ||
                          s == v1::BOOKING_STATE_RESCHEDULED;
      if (v1::BookingState_IsValid(s) && (options.all || !hidden)) {
        states->push_back(static_cast<v1::BookingState>(s));
      }
    }
  }
  std::optional<v1::Date> date;
  if (!options.date.empty()) {
    absl::StatusOr<v1::Date> parsed = cli::ParseDate(options.date);
    if (!parsed.ok()) {
      session.Fail(absl::StrCat("--date: ", parsed.status().message()), cli::kExitUsage);
      return;
    }
    date = *parsed;
  }
  if (session.scheduling() == nullptr) return;

  SiteDirectory sites(session);
  std::optional<v1::Site> site_info = sites.Get(*site);
  if (!site_info.has_value()) return;
  absl::TimeZone zone = sites.Zone(*site);
  // "Today" is the site's day, not this computer's: a coordinator in another zone gets the
  // roster the clinic sees.
  if (!date.has_value()) date = ToDate(TodayIn(zone));

  std::optional<std::vector<v1::Drive>> drives = ListDrives(session, *site, *date);
  if (!drives.has_value()) return;
  std::vector<v1::Booking> bookings;
  for (const v1::Drive& drive : *drives) {
    if (!AppendRoster(session, drive.name(), *states, bookings)) return;
  }

  DonorDirectory donors(session);
  std::vector<Row> rows;
  for (v1::Booking& booking : bookings) {
    const absl::Time start = ToTime(booking.slot_start_time());
    std::string local_time = absl::FormatTime("%H:%M", start, zone);
    if (slot.has_value() && local_time != FormatClock(*slot)) continue;
    const DonorInfo& donor = donors.Get(booking.donor());
    rows.push_back(Row{std::move(booking), &donor, std::move(local_time)});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    const auto& sa = a.booking.slot_start_time();
    const auto& sb = b.booking.slot_start_time();
    return std::forward_as_tuple(sa.seconds(), sa.nanos(), a.donor->display_name,
                                 a.booking.name()) <
           std::forward_as_tuple(sb.seconds(), sb.nanos(), b.donor->display_name, b.booking.name());
  });

  if (session.json()) {
    for (const Row& row : rows) std::cout << JsonRow(row) << "\n";
    std::cout.flush();
    session.Finish(cli::kExitOk);
    return;
  }
  const std::string where =
      absl::StrCat(site_info->display_name(), " (", *site, "), ", cli::FormatDate(*date));
  if (drives->empty()) {
    std::cout << "No drives at " << where << ".\n";
    session.Finish(cli::kExitOk);
    return;
  }
  if (rows.empty()) {
    std::cout << "No bookings at " << where << (slot ? " at " + FormatClock(*slot) : "")
              << (options.states.empty() ? "" : " in state " + options.states) << ".\n";
    session.Finish(cli::kExitOk);
    return;
  }
  std::cout << where << ", times in " << zone.name() << ": " << rows.size()
            << (rows.size() == 1 ? " booking" : " bookings") << "\n";
  cli::Table table({"TIME", "BOOKING", "DONOR", "PHONE", "TYPE", "STATE", "WALK-IN"});
  for (const Row& row : rows) {
    table.AddRow({row.local_time, row.booking.name(), row.donor->display_name, row.donor->phone,
                  cli::FormatDonationType(row.booking.donation_type()),
                  cli::EnumLabel(v1::BookingState_descriptor(), row.booking.state()),
                  row.booking.walk_in() ? "walk-in" : ""});
  }
  table.Print(std::cout);
  std::cout.flush();
  session.Finish(cli::kExitOk);
}

}  // namespace

void AddRosterCommands(CLI::App& app, cli::Session& session) {
  auto options = std::make_shared<RosterOptions>();
  CLI::App* roster = app.add_subcommand(
      "roster",
      "The bookings at a site on one day (default: today at the site), in the site's local "
      "time, sorted by slot then name. BOOKING is the name the other commands take.");
  roster
      ->add_option("--site", options->site,
                   "The site: astana-old-town or sites/astana-old-town (env BLOODDRIVE_SITE)")
      ->envname("BLOODDRIVE_SITE")
      ->required();
  roster->add_option("--date", options->date,
                     "The site's local date, YYYY-MM-DD (default: today in the site's time zone)");
  roster->add_option("--slot", options->slot, "Only the slot starting at this local time, HH:MM");
  CLI::Option* state = roster->add_option(
      "--state", options->states,
      absl::StrCat("Only bookings in these states, comma separated (default: all but cancelled, "
                   "hold-expired and rescheduled): ",
                   EnumArgChoices(v1::BookingState_descriptor(), "BOOKING_STATE_")));
  roster->add_flag("--all", options->all, "Bookings in every state, cancelled ones included")
      ->excludes(state);
  roster->callback([options, &session] { RunRoster(*options, session); });
}

}  // namespace blooddrive::clinic
