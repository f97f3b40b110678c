#include "eligibility_service.h"

#include <map>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "auth/auth.h"
#include "dates.h"
#include "engine.h"
#include "facts.h"
#include "grpc_status.h"
#include "proto_convert.h"
#include "validation.h"

namespace blooddrive::eligibility {
namespace {

using platform::CheckDate;
using platform::CheckEnum;
using platform::FieldPath;
using platform::InvalidField;
using platform::Respond;
using platform::ToCivilDay;

constexpr int kMaxAssumedDonations = 20;
constexpr int kMaxHomeSites = 50;
constexpr int kMaxResults = 100000;
constexpr int kRegistryPageSize = 500;
// A registry call never waits longer than this, even for a caller that set no deadline.
constexpr absl::Duration kRegistryCallLimit = absl::Seconds(5);

// A context for a registry call made while serving `context`: it inherits the caller's deadline
// and cancellation (gRPC keeps the earlier of the two deadlines).
std::unique_ptr<grpc::ClientContext> RegistryCall(const grpc::ServerContext& context) {
  std::unique_ptr<grpc::ClientContext> call = grpc::ClientContext::FromServerContext(context);
  call->set_deadline(absl::ToChronoTime(absl::Now() + kRegistryCallLimit));
  return call;
}

absl::Status CheckSlot(absl::string_view field, const v1::TimeOfDay& t) {
  if (t.hours() < 0 || t.hours() > 23) return InvalidField(field, "hours must be 0..23");
  if (t.minutes() < 0 || t.minutes() > 59) return InvalidField(field, "minutes must be 0..59");
  return absl::OkStatus();
}

absl::Status CheckAssumed(absl::string_view field, const DonationList& assumed) {
  if (assumed.size() > kMaxAssumedDonations) {
    return InvalidField(field, absl::StrCat("at most ", kMaxAssumedDonations, " donations"));
  }
  for (int i = 0; i < assumed.size(); ++i) {
    const std::string item = FieldPath(field, i);
    if (absl::Status s = CheckDate(FieldPath(item, "donation_date"), assumed[i].donation_date(),
                                   /*required=*/true);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckEnum(FieldPath(item, "donation_type"), assumed[i].donation_type(),
                                   v1::DonationType_IsValid);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// The registry's answer for one donor, with its status made to name our field.
absl::Status RegistryError(absl::string_view field, const grpc::Status& status) {
  const absl::Status s = platform::FromGrpcStatus(status);
  if (s.code() == absl::StatusCode::kDeadlineExceeded ||
      s.code() == absl::StatusCode::kUnavailable) {
    return absl::UnavailableError(absl::StrCat("donor registry unavailable: ", s.message()));
  }
  return absl::Status(s.code(), absl::StrCat(field, ": ", s.message()));
}

}  // namespace

struct EligibilityService::Facts {
  DonorFacts engine;
  v1::BloodGroup blood_group = v1::BLOOD_GROUP_UNSPECIFIED;
  std::string home_site;
};

absl::StatusOr<EligibilityService::Facts> EligibilityService::GatherFacts(
    grpc::ServerContext* context, absl::string_view prefix, bool by_name, const std::string& donor,
    const v1::EligibilityFacts& inline_facts, const DonationList& assumed) {
  if (absl::Status s = CheckAssumed(FieldPath(prefix, "assumed_donations"), assumed); !s.ok()) {
    return s;
  }
  Facts facts;
  if (!by_name) {
    absl::StatusOr<DonorFacts> parsed =
        FactsFromProto(inline_facts, assumed, FieldPath(prefix, "facts"));
    if (!parsed.ok()) return parsed.status();
    facts.engine = *std::move(parsed);
    facts.blood_group = inline_facts.blood_group();
    return facts;
  }
  const std::string field = FieldPath(prefix, "donor");
  if (absl::Status s = platform::CheckResourceName(field, donor, "donors", nullptr); !s.ok()) {
    return s;
  }
  std::unique_ptr<grpc::ClientContext> call = RegistryCall(*context);
  v1::GetDonorFactsRequest request;
  request.set_name(donor);
  v1::DonorFacts registry_facts;
  const grpc::Status status = registry_->GetDonorFacts(call.get(), request, &registry_facts);
  if (!status.ok()) return RegistryError(field, status);
  facts.engine = FactsFromRegistry(registry_facts, assumed);
  facts.blood_group = registry_facts.donor().blood_group();
  facts.home_site = registry_facts.donor().home_site();
  return facts;
}

absl::StatusOr<v1::EligibilityDecision> EligibilityService::Check(
    grpc::ServerContext* context, const RulePacks::Snapshot& snapshot,
    const v1::CheckEligibilityRequest& request, absl::string_view prefix) {
  if (request.donor_source_case() == v1::CheckEligibilityRequest::DONOR_SOURCE_NOT_SET) {
    return InvalidField(FieldPath(prefix, "donor_source"), "one of donor or facts is required");
  }
  if (absl::Status s = CheckEnum(FieldPath(prefix, "donation_type"), request.donation_type(),
                                 v1::DonationType_IsValid);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckDate(FieldPath(prefix, "date"), request.date(), true); !s.ok()) {
    return s;
  }
  int slot_minute = kNoSlot;
  if (request.has_slot_start()) {
    if (absl::Status s = CheckSlot(FieldPath(prefix, "slot_start"), request.slot_start());
        !s.ok()) {
      return s;
    }
    slot_minute = SlotMinute(request.slot_start());
  }
  absl::StatusOr<std::shared_ptr<const CompiledPack>> pack =
      RulePacks::Choose(snapshot, FieldPath(prefix, "rule_pack"), request.rule_pack());
  if (!pack.ok()) return pack.status();
  const bool by_name = request.donor_source_case() == v1::CheckEligibilityRequest::kDonor;
  absl::StatusOr<Facts> facts = GatherFacts(context, prefix, by_name, request.donor(),
                                            request.facts(), request.assumed_donations());
  if (!facts.ok()) return facts.status();
  return BuildDecision(**pack, facts->engine, request.donation_type(), ToCivilDay(request.date()),
                       slot_minute, by_name ? request.donor() : "", facts->blood_group);
}

grpc::Status EligibilityService::CheckEligibility(grpc::ServerContext* context,
                                                  const v1::CheckEligibilityRequest* request,
                                                  v1::EligibilityDecision* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  return Respond(Check(context, *packs_.Current(), *request, ""), response);
}

grpc::Status EligibilityService::GetNextEligibleDates(
    grpc::ServerContext* context, const v1::GetNextEligibleDatesRequest* request,
    v1::GetNextEligibleDatesResponse* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  auto next = [&]() -> absl::StatusOr<v1::GetNextEligibleDatesResponse> {
    if (request->donor_source_case() == v1::GetNextEligibleDatesRequest::DONOR_SOURCE_NOT_SET) {
      return InvalidField("donor_source", "one of donor or facts is required");
    }
    if (absl::Status s = CheckDate("from_date", request->from_date(), true); !s.ok()) return s;
    uint32_t wanted = 0;  // bit per DonationType; none set: all
    for (int i = 0; i < request->donation_types_size(); ++i) {
      const int type = request->donation_types(i);
      if (absl::Status s =
              CheckEnum(FieldPath("donation_types", i), type, v1::DonationType_IsValid);
          !s.ok()) {
        return s;
      }
      wanted |= 1u << type;
    }
    const std::shared_ptr<const RulePacks::Snapshot> snapshot = packs_.Current();
    absl::StatusOr<std::shared_ptr<const CompiledPack>> pack =
        RulePacks::Choose(*snapshot, "rule_pack", request->rule_pack());
    if (!pack.ok()) return pack.status();
    const bool by_name = request->donor_source_case() == v1::GetNextEligibleDatesRequest::kDonor;
    absl::StatusOr<Facts> facts = GatherFacts(context, "", by_name, request->donor(),
                                              request->facts(), request->assumed_donations());
    if (!facts.ok()) return facts.status();
    v1::GetNextEligibleDatesResponse out;
    for (const NextEligible& n :
         NextEligibleDates(**pack, facts->engine, ToCivilDay(request->from_date()))) {
      if (wanted == 0 || (wanted >> n.type) & 1u) *out.add_next_eligible_dates() = NextToProto(n);
    }
    out.set_rule_pack(absl::StrCat("rulePacks/", (*pack)->id()));
    out.set_rule_pack_version((*pack)->version());
    return out;
  };
  return Respond(next(), response);
}

grpc::Status EligibilityService::CheckEligibilityBatch(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::CheckEligibilityBatchResponse, v1::CheckEligibilityBatchRequest>*
        stream) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  // One snapshot for the whole stream: every item is decided under the same rules.
  const std::shared_ptr<const RulePacks::Snapshot> snapshot = packs_.Current();
  v1::CheckEligibilityBatchRequest item;
  while (stream->Read(&item)) {
    v1::CheckEligibilityBatchResponse response;
    response.set_item_id(item.item_id());
    // (A StatusOr must not be built from an OK status: that aborts the process.)
    absl::StatusOr<v1::EligibilityDecision> decision =
        [&]() -> absl::StatusOr<v1::EligibilityDecision> {
      if (absl::Status s = platform::CheckRequestId("item_id", item.item_id()); !s.ok()) return s;
      return Check(context, *snapshot, item.check(), "check");
    }();
    if (decision.ok()) {
      *response.mutable_decision() = *std::move(decision);
    } else {
      response.mutable_error()->set_code(static_cast<int>(decision.status().code()));
      response.mutable_error()->set_message(std::string(decision.status().message()));
    }
    if (!stream->Write(response)) break;  // the client went away
  }
  return grpc::Status::OK;
}

grpc::Status EligibilityService::FindEligibleDonors(
    grpc::ServerContext* context, const v1::FindEligibleDonorsRequest* request,
    grpc::ServerWriter<v1::FindEligibleDonorsResponse>* writer) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  auto find = [&]() -> absl::Status {
    if (absl::Status s =
            CheckEnum("donation_type", request->donation_type(), v1::DonationType_IsValid);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckDate("date", request->date(), true); !s.ok()) return s;
    int slot_minute = kNoSlot;
    if (request->has_slot_start()) {
      if (absl::Status s = CheckSlot("slot_start", request->slot_start()); !s.ok()) return s;
      slot_minute = SlotMinute(request->slot_start());
    }
    if (request->home_sites_size() > kMaxHomeSites) {
      return InvalidField("home_sites", absl::StrCat("at most ", kMaxHomeSites, " sites"));
    }
    for (int i = 0; i < request->home_sites_size(); ++i) {
      if (absl::Status s = platform::CheckResourceName(FieldPath("home_sites", i),
                                                       request->home_sites(i), "sites", nullptr);
          !s.ok()) {
        return s;
      }
      if (grpc::Status s = auth::AuthorizeSite(context, request->home_sites(i)); !s.ok()) {
        return platform::FromGrpcStatus(s);
      }
    }
    for (int i = 0; i < request->blood_groups_size(); ++i) {
      if (absl::Status s = CheckEnum(FieldPath("blood_groups", i), request->blood_groups(i),
                                     v1::BloodGroup_IsValid);
          !s.ok()) {
        return s;
      }
    }
    if (request->max_results() < 0 || request->max_results() > kMaxResults) {
      return InvalidField("max_results", absl::StrCat("must be 0..", kMaxResults));
    }
    const std::shared_ptr<const RulePacks::Snapshot> snapshot = packs_.Current();
    absl::StatusOr<std::shared_ptr<const CompiledPack>> pack =
        RulePacks::Choose(*snapshot, "rule_pack", request->rule_pack());
    if (!pack.ok()) return pack.status();

    // The registry lists one (group, site) pair at a time; their union, ordered by donor name
    // (= by id), is what the stream walks.
    std::vector<std::string> sites(request->home_sites().begin(), request->home_sites().end());
    if (sites.empty()) sites.push_back("");
    std::vector<v1::BloodGroup> groups;
    for (int g : request->blood_groups()) groups.push_back(static_cast<v1::BloodGroup>(g));
    if (groups.empty()) groups.push_back(v1::BLOOD_GROUP_UNSPECIFIED);
    std::map<std::string, std::string> donors;  // name -> home site
    for (const std::string& site : sites) {
      for (v1::BloodGroup group : groups) {
        v1::ListDonorsRequest list;
        list.set_blood_group(group);
        list.set_home_site(site);
        list.set_page_size(kRegistryPageSize);
        do {
          std::unique_ptr<grpc::ClientContext> call = RegistryCall(*context);
          v1::ListDonorsResponse page;
          const grpc::Status status = registry_->ListDonors(call.get(), list, &page);
          if (!status.ok()) return RegistryError("home_sites", status);
          for (const v1::Donor& d : page.donors()) donors.emplace(d.name(), d.home_site());
          list.set_page_token(page.next_page_token());
        } while (!list.page_token().empty());
      }
    }

    const absl::CivilDay date = ToCivilDay(request->date());
    const DonationList no_assumed;
    int streamed = 0;
    for (const auto& [name, home_site] : donors) {
      if (context->IsCancelled()) return absl::CancelledError("the client went away");
      absl::StatusOr<Facts> facts =
          GatherFacts(context, "", /*by_name=*/true, name, v1::EligibilityFacts(), no_assumed);
      if (facts.status().code() == absl::StatusCode::kNotFound) continue;  // erased meanwhile
      if (!facts.ok()) return facts.status();
      v1::FindEligibleDonorsResponse response;
      *response.mutable_decision() = BuildDecision(**pack, facts->engine, request->donation_type(),
                                                   date, slot_minute, name, facts->blood_group);
      if (!response.decision().eligible() && !request->include_ineligible()) continue;
      response.set_home_site(home_site);
      if (!writer->Write(response)) return absl::CancelledError("the client went away");
      if (++streamed == request->max_results()) break;
    }
    return absl::OkStatus();
  };
  return platform::ToGrpcStatus(find());
}

grpc::Status EligibilityService::ResolveDeferral(grpc::ServerContext* context,
                                                 const v1::ResolveDeferralRequest* request,
                                                 v1::ResolveDeferralResponse* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  auto resolve = [&]() -> absl::StatusOr<v1::ResolveDeferralResponse> {
    if (absl::Status s = CheckEnum("code", request->code(), v1::DeferralCode_IsValid); !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckDate("start_date", request->start_date(), true); !s.ok()) return s;
    absl::StatusOr<std::shared_ptr<const CompiledPack>> pack =
        RulePacks::Choose(*packs_.Current(), "rule_pack", request->rule_pack());
    if (!pack.ok()) return pack.status();
    absl::StatusOr<v1::ResolveDeferralResponse> resolved =
        ResolveDeferralProto(**pack, request->code(), ToCivilDay(request->start_date()));
    if (!resolved.ok()) {
      return absl::Status(resolved.status().code(),
                          absl::StrCat("code: ", resolved.status().message()));
    }
    return resolved;
  };
  return Respond(resolve(), response);
}

grpc::Status EligibilityService::ListRulePacks(grpc::ServerContext* context,
                                               const v1::ListRulePacksRequest* request,
                                               v1::ListRulePacksResponse* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  auto list = [&]() -> absl::StatusOr<v1::ListRulePacksResponse> {
    int page_size = 0;
    if (absl::Status s = platform::CheckPageSize("page_size", request->page_size(), 50, &page_size);
        !s.ok()) {
      return s;
    }
    size_t offset = 0;
    if (!request->page_token().empty() && !absl::SimpleAtoi(request->page_token(), &offset)) {
      return InvalidField("page_token", "not a token this service issued");
    }
    const std::shared_ptr<const RulePacks::Snapshot> snapshot = packs_.Current();
    const std::vector<const LoadedPack*> all = snapshot->packs->List();
    v1::ListRulePacksResponse out;
    size_t i = offset;
    for (; i < all.size() && out.rule_packs_size() < page_size; ++i) {
      *out.add_rule_packs() = DescribePack(*all[i], /*effective=*/false, /*with_rules=*/false,
                                           all[i]->pack.id() == snapshot->active->id());
    }
    if (i < all.size()) out.set_next_page_token(absl::StrCat(i));
    return out;
  };
  return Respond(list(), response);
}

grpc::Status EligibilityService::GetRulePack(grpc::ServerContext* context,
                                             const v1::GetRulePackRequest* request,
                                             v1::LoadedRulePack* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  auto get = [&]() -> absl::StatusOr<v1::LoadedRulePack> {
    std::string id;
    if (absl::Status s = platform::CheckResourceName("name", request->name(), "rulePacks", &id);
        !s.ok()) {
      return s;
    }
    const std::shared_ptr<const RulePacks::Snapshot> snapshot = packs_.Current();
    const LoadedPack* pack = snapshot->packs->Find(id);
    if (pack == nullptr) return absl::NotFoundError(absl::StrCat("name: no rule pack ", id));
    return DescribePack(*pack, request->effective(), /*with_rules=*/true,
                        id == snapshot->active->id());
  };
  return Respond(get(), response);
}

}  // namespace blooddrive::eligibility
