// `walk-in` and `donor find`: registering a donor who walks in without a booking.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clinic.h"
#include "dates.h"

namespace blooddrive::clinic {
namespace {

struct WalkInOptions {
  std::string slot;
  std::string site;
  std::string donor;
  std::string type = "whole-blood";
  std::string request_id;
};

struct FindOptions {
  std::string phone;
  std::string document;
};

// "drives/X/slots/0930" as given, or the slot at that local time of the site's one published
// drive today; nullopt after reporting why not.
std::optional<std::string> ResolveSlot(const WalkInOptions& options, cli::Session& session) {
  if (absl::StartsWith(options.slot, "drives/")) return options.slot;
  absl::StatusOr<v1::TimeOfDay> time = ParseClock(options.slot);
  if (!time.ok()) {
    session.Fail(absl::StrCat("--slot: expected drives/{drive}/slots/{HHMM} or a time HH:MM with "
                              "--site; ",
                              time.status().message()),
                 cli::kExitUsage);
    return std::nullopt;
  }
  if (options.site.empty()) {
    session.Fail("--slot HH:MM needs --site (or BLOODDRIVE_SITE) to find today's drive",
                 cli::kExitUsage);
    return std::nullopt;
  }
  absl::StatusOr<std::string> site = SiteName(options.site);
  if (!site.ok()) {
    session.Fail(site.status().message(), cli::kExitUsage);
    return std::nullopt;
  }
  if (session.scheduling() == nullptr) return std::nullopt;
  SiteDirectory sites(session);
  if (!sites.Get(*site).has_value()) return std::nullopt;
  const absl::CivilDay today = TodayIn(sites.Zone(*site));
  v1::ListDrivesRequest request;
  request.set_site(*site);
  *request.mutable_start_date() = platform::ToDate(today);
  *request.mutable_end_date() = request.start_date();
  request.add_states(v1::DRIVE_STATE_PUBLISHED);
  request.set_page_size(50);
  std::unique_ptr<grpc::ClientContext> context = session.NewContext();
  v1::ListDrivesResponse response;
  grpc::Status status = session.scheduling()->ListDrives(context.get(), request, &response);
  if (!status.ok()) {
    session.Fail(status, *context);
    return std::nullopt;
  }
  if (response.drives_size() != 1) {
    std::vector<std::string> names;
    for (const v1::Drive& drive : response.drives()) names.push_back(drive.name());
    session.Fail(response.drives().empty()
                     ? absl::StrCat("No published drive at ", *site, " today (",
                                    cli::FormatDate(request.start_date()), ")")
                     : absl::StrCat("Several drives at ", *site,
                                    " today; give the slot in full, e.g. --slot ",
                                    SlotNameAt(names[0], *time),
                                    " (drives: ", absl::StrJoin(names, ", "), ")"),
                 response.drives().empty() ? cli::kExitNotFound : cli::kExitUsage);
    return std::nullopt;
  }
  return SlotNameAt(response.drives(0).name(), *time);
}

void RunWalkIn(const WalkInOptions& options, cli::Session& session) {
  absl::StatusOr<std::string> donor = DonorName(options.donor);
  if (!donor.ok()) {
    session.Fail(absl::StrCat("--donor: ", donor.status().message(),
                              " (find it with `donor find --phone ...`)"),
                 cli::kExitUsage);
    return;
  }
  absl::StatusOr<v1::DonationType> type = cli::ParseDonationType(options.type);
  if (!type.ok()) {
    session.Fail(absl::StrCat("--type: ", type.status().message()), cli::kExitUsage);
    return;
  }
  std::optional<std::string> slot = ResolveSlot(options, session);
  if (!slot.has_value() || session.scheduling() == nullptr) return;

  v1::BookSlotRequest request;
  request.set_request_id(options.request_id.empty() ? cli::NewRequestId() : options.request_id);
  request.set_slot(*slot);
  request.set_donor(*donor);
  request.set_donation_type(*type);
  request.set_walk_in(true);
  std::unique_ptr<grpc::ClientContext> context = session.NewContext();
  v1::BookSlotResponse response;
  grpc::Status status = session.scheduling()->BookSlot(context.get(), request, &response);
  if (!status.ok()) {
    session.Fail(status, *context);
    return;
  }
  const v1::Booking& booking = response.booking();
  if (session.json()) {
    std::cout << cli::ToJsonLine(booking) << "\n";
  } else {
    SiteDirectory sites(session);
    DonorDirectory donors(session);
    std::cout << "Walk-in booked: " << donors.Get(booking.donor()).display_name << ", "
              << ShortLocal(booking.slot_start_time(), sites.Zone(booking.site())) << ", "
              << cli::FormatDonationType(booking.donation_type()) << " (" << booking.name()
              << ")\n";
  }
  std::cout.flush();
  session.Finish(cli::kExitOk);
}

std::string DocumentText(const v1::IdentityDocument& document) {
  return absl::StrCat(EnumArg(v1::DocumentType_descriptor(), "DOCUMENT_TYPE_", document.type()),
                      " ", document.issuing_country(), " ", document.number());
}

void RunFind(const FindOptions& options, cli::Session& session) {
  v1::FindDonorsRequest request;
  std::string key;
  if (!options.phone.empty()) {
    request.set_phone(options.phone);
    key = absl::StrCat("phone ", options.phone);
  } else if (!options.document.empty()) {
    absl::StatusOr<v1::IdentityDocument> document = ParseDocument(options.document);
    if (!document.ok()) {
      session.Fail(absl::StrCat("--document: ", document.status().message()), cli::kExitUsage);
      return;
    }
    *request.mutable_document() = *document;
    key = absl::StrCat("document ", DocumentText(*document));
  } else {
    session.Fail("give --phone or --document", cli::kExitUsage);
    return;
  }
  if (session.registry() == nullptr) return;
  request.set_page_size(100);
  std::vector<v1::Donor> found;
  do {
    std::unique_ptr<grpc::ClientContext> context = session.NewContext();
    v1::FindDonorsResponse response;
    grpc::Status status = session.registry()->FindDonors(context.get(), request, &response);
    if (!status.ok()) {
      session.Fail(status, *context);
      return;
    }
    for (v1::Donor& donor : *response.mutable_donors()) found.push_back(std::move(donor));
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());

  if (found.empty()) {
    // Exit code 3, so a script can tell "register this person" from "pick one of these".
    session.Fail(absl::StrCat("No donor with ", key), cli::kExitNotFound);
    return;
  }
  if (session.json()) {
    for (const v1::Donor& donor : found) std::cout << cli::ToJsonLine(donor) << "\n";
  } else {
    cli::Table table({"DONOR", "NAME", "BORN", "BLOOD GROUP", "PHONE", "DOCUMENTS"});
    for (const v1::Donor& donor : found) {
      std::vector<std::string> documents;
      for (const v1::IdentityDocument& document : donor.documents()) {
        documents.push_back(DocumentText(document));
      }
      table.AddRow({donor.name(), DonorDisplayName(donor), cli::FormatDate(donor.birth_date()),
                    cli::FormatBloodGroup(donor.blood_group()), donor.phone(),
                    absl::StrJoin(documents, "; ")});
    }
    table.Print(std::cout);
  }
  std::cout.flush();
  session.Finish(cli::kExitOk);
}

}  // namespace

void AddDeskCommands(CLI::App& app, cli::Session& session) {
  auto walk_in_options = std::make_shared<WalkInOptions>();
  CLI::App* walk_in = app.add_subcommand(
      "walk-in",
      "Book a donor who walked in (may take a walk-in reserve seat, or a slot already started)");
  walk_in
      ->add_option("--slot", walk_in_options->slot,
                   "drives/{drive}/slots/{HHMM}, or HH:MM of today's drive at --site")
      ->required();
  walk_in
      ->add_option("--site", walk_in_options->site,
                   "With --slot HH:MM: the site (env BLOODDRIVE_SITE)")
      ->envname("BLOODDRIVE_SITE");
  walk_in->add_option("--donor", walk_in_options->donor, "donors/{donor} or the id alone")
      ->required();
  walk_in
      ->add_option("--type", walk_in_options->type,
                   "whole-blood, double-red-cells, platelets or plasma")
      ->capture_default_str();
  walk_in->add_option("--request-id", walk_in_options->request_id,
                      "Makes a retry safe: the same id again returns the first booking (default: "
                      "a new random id)");
  walk_in->callback([walk_in_options, &session] { RunWalkIn(*walk_in_options, session); });

  CLI::App* donor = app.add_subcommand("donor", "Find a donor at the desk");
  donor->require_subcommand(1);
  auto find_options = std::make_shared<FindOptions>();
  CLI::App* find = donor->add_subcommand(
      "find", "Donors with this phone (several may share one) or identity document");
  CLI::Option* phone =
      find->add_option("--phone", find_options->phone,
                       "Any format; a number without country code is read as Kazakh (+7)");
  find->add_option("--document", find_options->document,
                   "TYPE:COUNTRY:NUMBER, e.g. passport:UZ:AB1234567 or iin:KZ:900101300123")
      ->excludes(phone);
  find->callback([find_options, &session] { RunFind(*find_options, session); });
}

}  // namespace blooddrive::clinic
