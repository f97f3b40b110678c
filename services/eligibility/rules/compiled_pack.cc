#include "compiled_pack.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "facts.h"

namespace blooddrive::eligibility {
namespace {

uint8_t TypeMask(const google::protobuf::RepeatedField<int>& types) {
  if (types.empty()) return 0x0f;
  uint8_t mask = 0;
  for (int t : types) {
    const int index = TypeIndex(static_cast<v1::DonationType>(t));
    if (index >= 0) mask |= static_cast<uint8_t>(1u << index);
  }
  return mask;
}

uint8_t SexMask(v1::Sex sex) {
  if (sex == v1::SEX_UNSPECIFIED) return 0x07;
  return static_cast<uint8_t>(1u | (1u << static_cast<int>(sex)));
}

int16_t Minute(const v1::TimeOfDay& t, bool set) {
  return set ? static_cast<int16_t>(t.hours() * 60 + t.minutes()) : int16_t{-1};
}

}  // namespace

std::string SourceText(const v1::RulePack& effective, const v1::Citation& citation) {
  if (citation.source_not_found()) return "source not found; value set by the branch";
  for (const v1::Source& source : effective.sources()) {
    if (source.id() != citation.source()) continue;
    if (citation.locator().empty()) return source.citation();
    return absl::StrCat(source.citation(), ", ", citation.locator());
  }
  return citation.source();
}

absl::StatusOr<std::unique_ptr<const CompiledPack>> CompiledPack::Compile(
    const v1::RulePack& effective, std::vector<std::string> layers) {
  std::unique_ptr<CompiledPack> pack(new CompiledPack());
  pack->effective_ = effective;
  pack->layers_ = std::move(layers);
  pack->recorded_deferral_.id = std::string(kRecordedDeferralRuleId);
  pack->recorded_deferral_.rule.set_id(pack->recorded_deferral_.id);
  pack->recorded_deferral_.rule.mutable_citation()->set_note(
      "deferral recorded for the donor; the pack has no duration rule for its code");
  pack->recorded_deferral_.source_text = "deferral recorded in the donor's record";

  for (const v1::Rule& rule : pack->effective_.rules()) {
    if (rule.disabled()) continue;
    auto compiled = std::make_unique<CompiledRule>();
    compiled->id = rule.id();
    compiled->blocking = rule.effect() != v1::RULE_EFFECT_ADVISE;
    compiled->rule = rule;
    compiled->source_text = SourceText(pack->effective_, rule.citation());
    pack->rules_.push_back(std::move(compiled));
  }
  std::vector<CompiledRule*> by_id;
  for (auto& rule : pack->rules_) by_id.push_back(rule.get());
  std::sort(by_id.begin(), by_id.end(),
            [](const CompiledRule* a, const CompiledRule* b) { return a->id < b->id; });
  for (size_t i = 0; i < by_id.size(); ++i) by_id[i]->ordinal = static_cast<int>(i);
  pack->recorded_deferral_.ordinal = static_cast<int>(by_id.size());

  for (const auto& owned : pack->rules_) {
    const CompiledRule* r = owned.get();
    const v1::Rule& rule = r->rule;
    switch (rule.body_case()) {
      case v1::Rule::kAge: {
        const v1::AgeRule& age = rule.age();
        pack->age.push_back({TypeMask(age.donation_types()),
                             static_cast<int16_t>(age.min_age_years()),
                             static_cast<int16_t>(age.max_age_years()),
                             static_cast<int16_t>(age.first_time_max_age_years()), r});
        break;
      }
      case v1::Rule::kWeight: {
        const uint8_t types = TypeMask(rule.weight().donation_types());
        for (int t = 0; t < kNumDonationTypes; ++t) {
          if (types & (1u << t)) {
            pack->weight[t].push_back(
                {SexMask(rule.weight().sex()), rule.weight().min_weight_kg(), 0, r});
          }
        }
        break;
      }
      case v1::Rule::kHemoglobin: {
        const v1::HemoglobinRule& hb = rule.hemoglobin();
        const uint8_t types = TypeMask(hb.donation_types());
        for (int t = 0; t < kNumDonationTypes; ++t) {
          if (types & (1u << t)) {
            pack->hemoglobin[t].push_back({SexMask(hb.sex()), static_cast<double>(hb.min_g_per_l()),
                                           static_cast<double>(hb.max_g_per_l()), r});
          }
        }
        break;
      }
      case v1::Rule::kInterval: {
        const int from = TypeIndex(rule.interval().from_type());
        const int to = TypeIndex(rule.interval().to_type());
        if (from < 0 || to < 0) return absl::InvalidArgumentError(r->id);
        if (pack->interval_rule[from][to] != nullptr) {
          return absl::InvalidArgumentError(
              absl::StrCat("rule \"", r->id, "\": a second interval rule for the same types"));
        }
        pack->interval_days[from][to] = static_cast<int16_t>(rule.interval().min_days());
        pack->interval_rule[from][to] = r;
        break;
      }
      case v1::Rule::kAnnualMaximum: {
        const v1::AnnualMaximumRule& annual = rule.annual_maximum();
        const uint8_t types = TypeMask(annual.donation_types());
        const internal::AnnualCheck check{
            SexMask(annual.sex()), types, static_cast<int16_t>(annual.max_count()),
            static_cast<int16_t>(annual.window_days() == 0 ? 365 : annual.window_days()), r};
        for (int t = 0; t < kNumDonationTypes; ++t) {
          if (types & (1u << t)) pack->annual[t].push_back(check);
        }
        break;
      }
      case v1::Rule::kDeferralDuration: {
        const v1::DeferralDurationRule& d = rule.deferral_duration();
        const int code = static_cast<int>(d.code());
        if (code <= 0 || code >= kNumDeferralCodes) return absl::InvalidArgumentError(r->id);
        if (pack->deferral[code].rule != nullptr) {
          return absl::InvalidArgumentError(
              absl::StrCat("rule \"", r->id, "\": a second duration rule for the same code"));
        }
        pack->deferral[code] = {r, d.has_days() ? d.days() : 0, d.has_months() ? d.months() : 0,
                                d.has_permanent() && d.permanent()};
        break;
      }
      case v1::Rule::kSlotTime: {
        const v1::SlotTimeRule& s = rule.slot_time();
        pack->slot.push_back({s.donor_group(), TypeMask(s.donation_types()),
                              Minute(s.earliest_start(), s.has_earliest_start()),
                              Minute(s.start_before(), s.has_start_before()), r});
        break;
      }
      case v1::Rule::kRequiredDocuments: {
        const v1::RequiredDocumentsRule& d = rule.required_documents();
        internal::DocumentCheck check{};
        check.scope = d.scope();
        check.home_country[0] = d.home_country().size() == 2 ? d.home_country()[0] : 0;
        check.home_country[1] = d.home_country().size() == 2 ? d.home_country()[1] : 0;
        for (int t : d.required_types()) check.required_mask |= static_cast<uint8_t>(1u << t);
        check.rule = r;
        pack->documents.push_back(check);
        break;
      }
      case v1::Rule::BODY_NOT_SET:
        return absl::FailedPreconditionError(
            absl::StrCat("rule \"", r->id, "\" has no value; a branch layer must set it"));
    }
  }
  return std::unique_ptr<const CompiledPack>(std::move(pack));
}

const CompiledRule* CompiledPack::FindRule(absl::string_view id) const {
  for (const auto& rule : rules_) {
    if (rule->id == id) return rule.get();
  }
  if (id == kRecordedDeferralRuleId) return &recorded_deferral_;
  return nullptr;
}

}  // namespace blooddrive::eligibility
