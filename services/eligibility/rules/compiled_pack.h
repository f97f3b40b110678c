// The effective rule pack compiled for deciding: tables indexed by donation type and deferral
// code, each entry pointing at the rule it came from. Built once at load (Compile), then shared
// read-only by every decision; deciding never touches the proto or allocates a string.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "blooddrive/v1/rules.pb.h"

namespace blooddrive::eligibility {

inline constexpr int kNumDeferralCodes = 16;  // DeferralCode values 0..15

// One rule of the effective pack, as reasons point at it.
struct CompiledRule {
  std::string id;
  int ordinal = 0;       // rank of id among the pack's rules: reasons sort by it, not by string
  bool blocking = true;  // false for RULE_EFFECT_ADVISE
  v1::Rule rule;         // as in the effective pack
  // The citation ready to show: "<source citation>, <locator>" or the source-not-found text.
  std::string source_text;
};

// Rule id of the built-in rule reasons use for a recorded deferral whose code has no duration
// rule in the pack (the registry recorded it with an explicit end or as permanent).
inline constexpr absl::string_view kRecordedDeferralRuleId = "deferral.recorded";

namespace internal {

// Bit i set: applies to donation type index i. Sex masks: bit 0 (donor sex unknown) is always
// set, so a donor without a recorded sex meets every sex-specific rule (the stricter ones win).
struct AgeCheck {
  uint8_t type_mask;
  int16_t min_years, max_years, first_time_max_years;  // 0: none
  const CompiledRule* rule;
};
struct LimitCheck {  // weight (kg) and hemoglobin (g/L)
  uint8_t sex_mask;
  double min;
  double max;  // 0: none
  const CompiledRule* rule;
};
struct AnnualCheck {
  uint8_t sex_mask;
  uint8_t type_mask;
  int16_t max_count;
  int16_t window_days;
  const CompiledRule* rule;
};
struct DeferralDuration {
  const CompiledRule* rule;  // null: no rule for the code
  int32_t days;              // > 0 for a duration in days
  int32_t months;            // > 0 for a duration in calendar months
  bool permanent;
};
struct SlotCheck {
  v1::DonorGroup group;  // UNSPECIFIED read as ALL
  uint8_t type_mask;
  int16_t earliest_minute;  // -1: none
  int16_t before_minute;    // -1: none
  const CompiledRule* rule;
};
struct DocumentCheck {
  v1::RequiredDocumentsRule::Scope scope;
  char home_country[2];
  uint8_t required_mask;  // bit DocumentType
  const CompiledRule* rule;
};

}  // namespace internal

class CompiledPack {
 public:
  // `effective` must be a validated, decision-ready effective pack (see pack_loader.h): every
  // rule not disabled has a body. `layers` are the pack ids, base first.
  static absl::StatusOr<std::unique_ptr<const CompiledPack>> Compile(
      const v1::RulePack& effective, std::vector<std::string> layers);

  const std::string& id() const { return effective_.id(); }
  const std::string& version() const { return effective_.version(); }
  const std::vector<std::string>& layers() const { return layers_; }
  const v1::RulePack& effective() const { return effective_; }
  // Null when no rule has this id.
  const CompiledRule* FindRule(absl::string_view id) const;
  const CompiledRule& recorded_deferral_rule() const { return recorded_deferral_; }

  // Tables the engine reads.
  std::vector<internal::AgeCheck> age;
  std::array<std::vector<internal::LimitCheck>, 4> weight;      // by type index
  std::array<std::vector<internal::LimitCheck>, 4> hemoglobin;  // by type index
  // interval_days[from][to]: 0 when no rule.
  std::array<std::array<int16_t, 4>, 4> interval_days{};
  std::array<std::array<const CompiledRule*, 4>, 4> interval_rule{};
  std::array<std::vector<internal::AnnualCheck>, 4> annual;  // by type index
  std::array<internal::DeferralDuration, kNumDeferralCodes> deferral{};
  std::vector<internal::SlotCheck> slot;
  std::vector<internal::DocumentCheck> documents;

 private:
  CompiledPack() = default;
  v1::RulePack effective_;
  std::vector<std::string> layers_;
  std::vector<std::unique_ptr<CompiledRule>> rules_;  // stable addresses
  CompiledRule recorded_deferral_;
};

// "<citation>, <locator>" from the pack's sources, or "source not found; value set by the
// branch" for a source_not_found rule.
std::string SourceText(const v1::RulePack& effective, const v1::Citation& citation);

}  // namespace blooddrive::eligibility
