// Between the engine's plain structs and the contracts (eligibility.proto, registry.proto,
// rules.proto). The service calls these around the engine; they allocate, the engine does not.
#pragma once

#include "absl/status/statusor.h"
#include "blooddrive/v1/eligibility.pb.h"
#include "blooddrive/v1/registry.pb.h"
#include "engine.h"
#include "pack_loader.h"

namespace blooddrive::eligibility {

using DonationList = google::protobuf::RepeatedPtrField<v1::Donation>;

// Inline facts, plus assumed donations (bookings counted as if made). INVALID_ARGUMENT naming
// the field (under `field`, e.g. "check.facts") when a value is out of its documented range.
absl::StatusOr<DonorFacts> FactsFromProto(const v1::EligibilityFacts& facts,
                                          const DonationList& assumed,
                                          absl::string_view field = "facts");

// Facts from DonorRegistry.GetDonorFacts: first_time when no donation is recorded; the latest
// hemoglobin is that of the newest donation that has one; lifted deferrals are left out.
DonorFacts FactsFromRegistry(const v1::DonorFacts& registry, const DonationList& assumed);

// Minutes after midnight, for Decide's slot_start_minute. 00:00 is a real time, so pass kNoSlot
// (not SlotMinute of an empty message) when the request has no slot_start.
inline int SlotMinute(const v1::TimeOfDay& t) { return t.hours() * 60 + t.minutes(); }

v1::EligibilityReason ReasonToProto(const CompiledPack& pack, const DonorFacts& facts,
                                    const Reason& reason);
v1::NextEligibleDate NextToProto(const NextEligible& next);

// A whole decision as the service returns it: Decide + NextEligibleDates + conversion.
// `donor` is "donors/{id}" or empty for inline facts.
v1::EligibilityDecision BuildDecision(const CompiledPack& pack, const DonorFacts& facts,
                                      v1::DonationType type, absl::CivilDay date,
                                      int slot_start_minute, absl::string_view donor,
                                      v1::BloodGroup blood_group);

absl::StatusOr<v1::ResolveDeferralResponse> ResolveDeferralProto(const CompiledPack& pack,
                                                                 v1::DeferralCode code,
                                                                 absl::CivilDay start);

// For ListRulePacks (with_rules = false) and GetRulePack (effective as asked).
v1::LoadedRulePack DescribePack(const LoadedPack& pack, bool effective, bool with_rules,
                                bool active);

}  // namespace blooddrive::eligibility
