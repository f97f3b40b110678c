// `donor show|find` (and `donor import`, from donor_import.cc): looking donors up.
//
// Output (stable; tests/e2e reads it):
//   donor show   "Field:  value" lines: Donor, Name, Born, Sex, Blood group, Phone, Language,
//                Home site, Citizenship, Documents, SMS; a blank line; "Donations:" and the table
//                DATE | TYPE | SITE | VOLUME ML | OUTCOME (newest first) or "Donations: none";
//                a blank line; "Next eligible (from YYYY-MM-DD):" and the table TYPE | DATE,
//                DATE being a day, "never" or "after a change of facts".
//                --json: the Donor, then one Donation per line, then the
//                GetNextEligibleDatesResponse.
//   donor find   table DONOR | NAME | BORN | GROUP | PHONE | LANGUAGE | DOCUMENTS.
//                --json: one Donor per line.
// A donor is given as "{id}" or "donors/{id}"; a document as TYPE:COUNTRY:NUMBER, e.g.
// passport:UZ:AA1234567 or iin:KZ:900101300123.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "coordinator.h"
#include "dates.h"
#include "donor_import.h"

namespace blooddrive::coordinator {
namespace {

using cli::Session;

struct FindOptions {
  std::string phone;
  std::string name;
  std::string document;
};

std::string Documents(const v1::Donor& donor) {
  std::vector<std::string> parts;
  for (const v1::IdentityDocument& d : donor.documents()) {
    parts.push_back(absl::StrCat(cli::EnumLabel(v1::DocumentType_descriptor(), d.type()), " ",
                                 d.issuing_country(), " ", d.number()));
  }
  return absl::StrJoin(parts, "; ");
}

std::string Language(v1::Language language) {
  return cli::EnumLabel(v1::Language_descriptor(), language);
}

absl::StatusOr<v1::IdentityDocument> ParseDocument(absl::string_view text) {
  std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits(':', 2));
  if (parts.size() != 3 || parts[1].size() != 2 || parts[2].empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not TYPE:COUNTRY:NUMBER, e.g. passport:UZ:AA1234567"));
  }
  absl::StatusOr<int> type = cli::ParseEnumLabel(v1::DocumentType_descriptor(), parts[0]);
  if (!type.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("document type ", type.status().message()));
  }
  v1::IdentityDocument document;
  document.set_type(static_cast<v1::DocumentType>(*type));
  document.set_issuing_country(absl::AsciiStrToUpper(parts[1]));
  document.set_number(parts[2]);
  return document;
}

std::string NextDate(const v1::NextEligibleDate& next) {
  switch (next.outlook()) {
    case v1::NextEligibleDate::OUTLOOK_DATE:
      return cli::FormatDate(next.date());
    case v1::NextEligibleDate::OUTLOOK_PERMANENT:
      return "never";
    case v1::NextEligibleDate::OUTLOOK_NEEDS_CHANGE:
      return "after a change of facts";
    default:
      return "unknown";
  }
}

void ShowDonor(Session& session, const std::string& text, const std::string& on) {
  const std::string name = cli::ResourceName("donors", text);
  v1::Date from;
  if (on.empty()) {
    const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::LocalTimeZone());
    from = platform::ToDate(today);
  } else if (!Parsed(session, cli::ParseDate(on), &from)) {
    return;
  }

  v1::GetDonorRequest get;
  get.set_name(name);
  v1::Donor donor;
  if (!cli::CallOrFail(session, session.registry(), &v1::DonorRegistry::Stub::GetDonor, get,
                       &donor)) {
    return;
  }
  v1::ListDonationsRequest list;
  list.set_parent(name);
  list.set_page_size(500);
  std::vector<v1::Donation> donations;
  do {
    v1::ListDonationsResponse response;
    if (!cli::CallOrFail(session, session.registry(), &v1::DonorRegistry::Stub::ListDonations, list,
                         &response)) {
      return;
    }
    donations.insert(donations.end(), response.donations().begin(), response.donations().end());
    list.set_page_token(response.next_page_token());
  } while (!list.page_token().empty());
  v1::GetNextEligibleDatesRequest next_request;
  next_request.set_donor(name);
  *next_request.mutable_from_date() = from;
  v1::GetNextEligibleDatesResponse next;
  if (!cli::CallOrFail(session, session.eligibility(), &v1::Eligibility::Stub::GetNextEligibleDates,
                       next_request, &next)) {
    return;
  }

  if (session.json()) {
    PrintJson(donor);
    for (const v1::Donation& d : donations) PrintJson(d);
    PrintJson(next);
    return;
  }
  cli::PrintFields(std::cout, {{"Donor", donor.name()},
                               {"Name", FullName(donor)},
                               {"Born", cli::FormatDate(donor.birth_date())},
                               {"Sex", cli::EnumLabel(v1::Sex_descriptor(), donor.sex())},
                               {"Blood group", cli::FormatBloodGroup(donor.blood_group())},
                               {"Phone", donor.phone()},
                               {"Language", Language(donor.preferred_language())},
                               {"Home site", donor.home_site()},
                               {"Citizenship", donor.citizenship()},
                               {"Documents", Documents(donor)},
                               {"SMS", donor.sms_consent().opted_in() ? "opted in" : "opted out"}});
  std::cout << "\n";
  if (donations.empty()) {
    std::cout << "Donations: none\n";
  } else {
    std::cout << "Donations:\n";
    cli::Table table({"DATE", "TYPE", "SITE", "VOLUME ML", "OUTCOME"});
    for (const v1::Donation& d : donations) {
      table.AddRow({cli::FormatDate(d.donation_date()), cli::FormatDonationType(d.donation_type()),
                    d.site(), absl::StrCat(d.volume_ml()),
                    cli::EnumLabel(v1::DonationOutcome_descriptor(), d.outcome())});
    }
    table.Print(std::cout);
  }
  std::cout << "\nNext eligible (from " << cli::FormatDate(from) << "):\n";
  cli::Table table({"TYPE", "DATE"});
  for (const v1::NextEligibleDate& n : next.next_eligible_dates()) {
    table.AddRow({cli::FormatDonationType(n.donation_type()), NextDate(n)});
  }
  table.Print(std::cout);
}

void FindDonors(Session& session, const FindOptions& o) {
  const int keys = !o.phone.empty() + !o.name.empty() + !o.document.empty();
  if (keys != 1) {
    session.Fail("give exactly one of --phone, --name or --document", cli::kExitUsage);
    return;
  }
  v1::FindDonorsRequest request;
  if (!o.phone.empty()) request.set_phone(o.phone);
  if (!o.name.empty()) request.set_name_prefix(o.name);
  if (!o.document.empty() &&
      !Parsed(session, ParseDocument(o.document), request.mutable_document())) {
    return;
  }
  request.set_page_size(500);
  cli::Table table({"DONOR", "NAME", "BORN", "GROUP", "PHONE", "LANGUAGE", "DOCUMENTS"});
  do {
    v1::FindDonorsResponse response;
    if (!cli::CallOrFail(session, session.registry(), &v1::DonorRegistry::Stub::FindDonors, request,
                         &response)) {
      return;
    }
    for (const v1::Donor& d : response.donors()) {
      if (session.json()) {
        PrintJson(d);
        continue;
      }
      table.AddRow({d.name(), FullName(d), cli::FormatDate(d.birth_date()),
                    cli::FormatBloodGroup(d.blood_group()), d.phone(),
                    Language(d.preferred_language()), Documents(d)});
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  if (!session.json()) table.Print(std::cout);
}

}  // namespace

void AddDonorCommands(CLI::App& app, Session& session) {
  CLI::App* group = app.add_subcommand("donor", "Donors: look up, show history, import");
  group->require_subcommand(1);

  auto donor = std::make_shared<std::string>();
  auto on = std::make_shared<std::string>();
  CLI::App* s =
      group->add_subcommand("show", "A donor's record, donations and next eligible dates");
  s->add_option("donor", *donor, "DONOR: {id} or donors/{id}")->required();
  s->add_option("--on", *on, "Next eligible dates from this day (default: today)");
  s->callback([&session, donor, on] { ShowDonor(session, *donor, *on); });

  auto find = std::make_shared<FindOptions>();
  CLI::App* f = group->add_subcommand("find", "Find donors by phone, name or document");
  f->add_option("--phone", find->phone, "Phone, any common format (+7 assumed)");
  f->add_option("--name", find->name, "Start of \"family given\" or \"given family\"");
  f->add_option("--document", find->document, "TYPE:COUNTRY:NUMBER, e.g. passport:UZ:AA1234567");
  f->callback([&session, find] { FindDonors(session, *find); });

  AddDonorImportCommand(*group, session);
}

}  // namespace blooddrive::coordinator
