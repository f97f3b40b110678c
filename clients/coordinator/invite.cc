#include "invite.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "donor_csv.h"

namespace blooddrive::coordinator {
namespace {

// QueueInvitationsRequest.donors holds 1..1000 donors.
constexpr int kBatchSize = 1000;
// The stream walks the registry and checks every donor: far longer than one unary call.
constexpr absl::Duration kMinStreamDeadline = absl::Minutes(10);
constexpr absl::Duration kMinBatchDeadline = absl::Minutes(2);

struct InviteOptions {
  std::string drive;
  std::string groups;
  std::string type = "whole-blood";
  int limit = 0;
  std::vector<std::string> home_sites;
  bool dry_run = false;
};

struct Invitee {
  std::string donor;
  std::string home_site;
  v1::BloodGroup blood_group = v1::BLOOD_GROUP_UNSPECIFIED;
};

std::string JsonQuote(absl::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      absl::StrAppend(&out, "\\u00", absl::Hex(c, absl::kZeroPad2));
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

// One id per batch of this run, derived from the drive and the batch's donors plus a random run
// id. Not the same id across runs on purpose: the reminders service already queues at most one
// invitation per donor and drive (a second run reports ALREADY_QUEUED), whereas a replayed id
// would report the first run's "queued" again and mislead the coordinator.
std::string BatchRequestId(const std::string& run, const std::string& drive,
                           const std::vector<std::string>& donors) {
  const std::string text = absl::StrCat(run, "\n", drive, "\n", absl::StrJoin(donors, "\n"));
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest;
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr);
  constexpr char kHex[] = "0123456789abcdef";
  std::string id = "invite-";
  for (unsigned int i = 0; i < 20 && i < size; ++i) {
    id.push_back(kHex[digest[i] >> 4]);
    id.push_back(kHex[digest[i] & 15]);
  }
  return id;
}

absl::string_view ResultLabel(v1::QueueInvitationsResponse::Result result) {
  switch (result) {
    case v1::QueueInvitationsResponse::RESULT_QUEUED:
      return "queued";
    case v1::QueueInvitationsResponse::RESULT_ALREADY_QUEUED:
      return "already queued";
    case v1::QueueInvitationsResponse::RESULT_OPTED_OUT:
      return "opted out";
    case v1::QueueInvitationsResponse::RESULT_NO_PHONE:
      return "no phone";
    case v1::QueueInvitationsResponse::RESULT_DONOR_NOT_FOUND:
      return "donor not found";
    default:
      return "unknown";
  }
}

// "O+,O-" -> groups; "all" -> none (every group).
absl::StatusOr<std::vector<v1::BloodGroup>> ParseGroups(absl::string_view text) {
  std::vector<v1::BloodGroup> groups;
  const std::string trimmed(absl::StripAsciiWhitespace(text));
  if (trimmed == "all" || trimmed == "any") return groups;
  for (absl::string_view part : absl::StrSplit(trimmed, ',', absl::SkipWhitespace())) {
    absl::StatusOr<v1::BloodGroup> group = ParseBloodGroupCell(part);
    if (!group.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--groups: '", absl::StripAsciiWhitespace(part), "' ", group.status().message()));
    }
    if (std::find(groups.begin(), groups.end(), *group) == groups.end()) groups.push_back(*group);
  }
  if (groups.empty()) {
    return absl::InvalidArgumentError("--groups: name at least one group (e.g. O+,O-) or 'all'");
  }
  return groups;
}

void SetDeadlineAtLeast(grpc::ClientContext* context, const cli::Session& session,
                        absl::Duration floor) {
  const absl::Duration wanted = std::max(absl::Seconds(session.options().timeout_seconds), floor);
  context->set_deadline(absl::ToChronoTime(absl::Now() + wanted));
}

void RunInvite(cli::Session& session, const InviteOptions& options) {
  absl::StatusOr<std::vector<v1::BloodGroup>> groups = ParseGroups(options.groups);
  if (!groups.ok()) {
    session.Fail(groups.status().message(), cli::kExitUsage);
    return;
  }
  absl::StatusOr<v1::DonationType> type = cli::ParseDonationType(options.type);
  if (!type.ok()) {
    session.Fail(absl::StrCat("--type: ", type.status().message()), cli::kExitUsage);
    return;
  }
  if (options.limit < 0 || options.limit > 100000) {
    session.Fail("--limit: must be 0 (no limit) .. 100000", cli::kExitUsage);
    return;
  }

  v1::GetDriveRequest get_drive;
  get_drive.set_name(cli::ResourceName("drives", options.drive));
  v1::Drive drive;
  if (!cli::CallOrFail(session, session.scheduling(), &v1::DriveScheduling::Stub::GetDrive,
                       get_drive, &drive)) {
    return;
  }
  v1::GetSiteRequest get_site;
  get_site.set_name(drive.site());
  v1::Site site;
  if (!cli::CallOrFail(session, session.scheduling(), &v1::DriveScheduling::Stub::GetSite, get_site,
                       &site)) {
    return;
  }
  const std::string where = absl::StrCat(
      drive.name(), " (", drive.display_name().empty() ? site.display_name() : drive.display_name(),
      ", ", cli::FormatDate(drive.date()), ")");
  std::vector<std::string> offered;
  bool takes_type = false;
  for (const v1::SlotCapacity& capacity : drive.capacities()) {
    offered.push_back(cli::FormatDonationType(capacity.donation_type()));
    takes_type = takes_type || capacity.donation_type() == *type;
  }
  if (!takes_type) {
    session.Fail(
        absl::StrCat(where, " takes no ", cli::FormatDonationType(*type), " donations; it offers ",
                     absl::StrJoin(offered, ", "), " (choose with --type)"),
        cli::kExitRefused);
    return;
  }
  if (drive.state() != v1::DRIVE_STATE_PUBLISHED) {
    const std::string state = cli::EnumLabel(v1::DriveState_descriptor(), drive.state());
    if (!options.dry_run) {
      session.Fail(
          absl::StrCat(where, " is ", state, "; donors can be invited only to a published drive"),
          cli::kExitRefused);
      return;
    }
    std::cerr << "note: " << where << " is " << state << "; invitations need it published\n";
  }

  // Eligible donors, in donor id order.
  v1::FindEligibleDonorsRequest find;
  for (v1::BloodGroup group : *groups) find.add_blood_groups(group);
  for (const std::string& home_site : options.home_sites) {
    find.add_home_sites(cli::ResourceName("sites", home_site));
  }
  find.set_donation_type(*type);
  *find.mutable_date() = drive.date();
  find.set_max_results(options.limit);
  find.set_rule_pack(site.rule_pack());
  v1::Eligibility::Stub* eligibility = session.eligibility();
  if (eligibility == nullptr) return;
  std::vector<Invitee> invitees;
  {
    std::unique_ptr<grpc::ClientContext> context = session.NewContext();
    SetDeadlineAtLeast(context.get(), session, kMinStreamDeadline);
    std::unique_ptr<grpc::ClientReader<v1::FindEligibleDonorsResponse>> reader =
        eligibility->FindEligibleDonors(context.get(), find);
    v1::FindEligibleDonorsResponse response;
    while (reader->Read(&response)) {
      invitees.push_back(
          {response.decision().donor(), response.home_site(), response.decision().blood_group()});
    }
    const grpc::Status status = reader->Finish();
    if (!status.ok()) {
      session.Fail(status, *context);
      return;
    }
  }
  std::vector<std::string> group_names;
  for (v1::BloodGroup group : *groups) group_names.push_back(cli::FormatBloodGroup(group));
  const std::string who =
      absl::StrCat(invitees.size(), " eligible donor", invitees.size() == 1 ? "" : "s", " of ",
                   group_names.empty() ? "every group" : absl::StrJoin(group_names, ", "), " for ",
                   cli::FormatDonationType(*type));

  if (options.dry_run || invitees.empty()) {
    if (session.json()) {
      for (const Invitee& i : invitees) {
        std::cout << "{\"donor\":" << JsonQuote(i.donor)
                  << ",\"bloodGroup\":" << JsonQuote(cli::FormatBloodGroup(i.blood_group))
                  << ",\"homeSite\":" << JsonQuote(i.home_site) << ",\"result\":\"eligible\"}\n";
      }
      std::cout << "{\"summary\":{\"drive\":" << JsonQuote(drive.name())
                << ",\"eligible\":" << invitees.size() << ",\"dryRun\":true}}\n";
    } else {
      cli::Table table({"DONOR", "GROUP", "HOME SITE"});
      for (const Invitee& i : invitees) {
        table.AddRow({i.donor, cli::FormatBloodGroup(i.blood_group), i.home_site});
      }
      if (!table.empty()) table.Print(std::cout);
      std::cout << where << ": " << who
                << (invitees.empty() ? "; nobody to invite" : "; dry run: nothing was queued")
                << "\n";
    }
    session.Finish(cli::kExitOk);
    return;
  }

  v1::ReminderFeed::Stub* reminders = session.reminders();
  if (reminders == nullptr) return;
  std::map<v1::QueueInvitationsResponse::Result, int> counts;
  const size_t batches = (invitees.size() + kBatchSize - 1) / kBatchSize;
  const std::string run = cli::NewRequestId();
  for (size_t b = 0; b < batches; ++b) {
    v1::QueueInvitationsRequest request;
    request.set_drive(drive.name());
    std::vector<std::string> donors;
    for (size_t i = b * kBatchSize; i < std::min(invitees.size(), (b + 1) * kBatchSize); ++i) {
      donors.push_back(invitees[i].donor);
      request.add_donors(invitees[i].donor);
    }
    request.set_request_id(BatchRequestId(run, drive.name(), donors));
    v1::QueueInvitationsResponse response;
    std::unique_ptr<grpc::ClientContext> context = session.NewContext();
    SetDeadlineAtLeast(context.get(), session, kMinBatchDeadline);
    const grpc::Status status = reminders->QueueInvitations(context.get(), request, &response);
    if (!status.ok()) {
      if (b > 0) {
        std::cerr << "note: batches 1.." << b << " of " << batches << " (" << b * kBatchSize
                  << " donors) were queued; running the same command again "
                  << "queues the rest and nothing twice\n";
      }
      session.Fail(status, *context);
      return;
    }
    for (const v1::QueueInvitationsResponse::Item& item : response.items()) {
      ++counts[item.result()];
      if (session.json()) {
        std::cout << "{\"donor\":" << JsonQuote(item.donor())
                  << ",\"result\":" << JsonQuote(ResultLabel(item.result()));
        if (!item.message().empty()) std::cout << ",\"message\":" << JsonQuote(item.message());
        std::cout << "}\n";
      }
    }
  }
  const auto count = [&](v1::QueueInvitationsResponse::Result r) {
    auto it = counts.find(r);
    return it == counts.end() ? 0 : it->second;
  };
  using R = v1::QueueInvitationsResponse;
  if (session.json()) {
    std::cout << "{\"summary\":{\"drive\":" << JsonQuote(drive.name())
              << ",\"eligible\":" << invitees.size() << ",\"queued\":" << count(R::RESULT_QUEUED)
              << ",\"alreadyQueued\":" << count(R::RESULT_ALREADY_QUEUED)
              << ",\"optedOut\":" << count(R::RESULT_OPTED_OUT)
              << ",\"noPhone\":" << count(R::RESULT_NO_PHONE)
              << ",\"donorNotFound\":" << count(R::RESULT_DONOR_NOT_FOUND) << "}}\n";
  } else {
    std::cout << where << ": " << who << "\n";
    cli::Table table({"RESULT", "DONORS"});
    for (R::Result r : {R::RESULT_QUEUED, R::RESULT_ALREADY_QUEUED, R::RESULT_OPTED_OUT,
                        R::RESULT_NO_PHONE, R::RESULT_DONOR_NOT_FOUND}) {
      if (r == R::RESULT_DONOR_NOT_FOUND && count(r) == 0) continue;
      table.AddRow({std::string(ResultLabel(r)), absl::StrCat(count(r))});
    }
    table.Print(std::cout);
  }
  std::cout.flush();
  session.Finish(cli::kExitOk);
}

}  // namespace

void AddInviteCommand(CLI::App& app, cli::Session& session) {
  auto options = std::make_shared<InviteOptions>();
  CLI::App* invite = app.add_subcommand(
      "invite",
      "Invite the donors who are eligible on a drive's date: finds them by blood group through "
      "the eligibility rules of the drive's site and queues an invitation SMS to each, in their "
      "language. A donor invited to the drive before gets nothing new.");
  invite->add_option("DRIVE", options->drive, "The drive, e.g. drives/abc or abc")->required();
  invite
      ->add_option("--groups", options->groups,
                   "Blood groups to invite, e.g. O+,O- (or 'all'); 'unknown' for untyped "
                   "donors")
      ->required();
  invite
      ->add_option("--type", options->type,
                   "Donation type: whole-blood, platelets, plasma, double-red-cells")
      ->capture_default_str();
  invite->add_option("--limit", options->limit, "Invite at most N donors (0: no limit)")
      ->capture_default_str();
  invite->add_option("--home-site", options->home_sites,
                     "Only donors whose home site is this one (repeat for several); default: "
                     "donors of any site");
  invite->add_flag("--dry-run", options->dry_run, "List the eligible donors, but queue nothing");
  invite->callback([&session, options] { RunInvite(session, *options); });
}

}  // namespace blooddrive::coordinator
