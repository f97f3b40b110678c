#include "proto_convert.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "dates.h"
#include "validation.h"

namespace blooddrive::eligibility {
namespace {

using platform::CheckDate;
using platform::CheckEnum;
using platform::FieldPath;
using platform::InvalidField;
using platform::IsSet;
using platform::ToCivilDay;
using platform::ToDate;
using platform::ToTimestamp;

std::string TypeText(int type_index) {
  static const char* const kNames[] = {"whole blood", "double red cells", "platelets", "plasma"};
  return type_index >= 0 && type_index < 4 ? kNames[type_index] : "unknown";
}

std::string DayText(Day day) { return absl::FormatCivilTime(FromDay(day)); }

std::string Until(const Reason& r) {
  return r.has_end ? absl::StrCat(", until ", DayText(r.end)) : std::string();
}

absl::Status AddDonations(const DonationList& donations, absl::string_view field, DonorFacts& out) {
  for (int i = 0; i < donations.size(); ++i) {
    const v1::Donation& d = donations[i];
    const std::string path = FieldPath(field, i);
    if (auto s = CheckDate(FieldPath(path, "donation_date"), d.donation_date(), true); !s.ok()) {
      return s;
    }
    if (auto s = CheckEnum(FieldPath(path, "donation_type"), d.donation_type(),
                           v1::DonationType_IsValid);
        !s.ok()) {
      return s;
    }
    // Only collected donations count; the registry records deferrals separately.
    if (d.outcome() == v1::DONATION_OUTCOME_DEFERRED_AT_SITE ||
        d.outcome() == v1::DONATION_OUTCOME_NO_SHOW) {
      continue;
    }
    out.AddDonation(ToCivilDay(d.donation_date()), d.donation_type());
  }
  return absl::OkStatus();
}

void AddDeferrals(const google::protobuf::RepeatedPtrField<v1::Deferral>& deferrals,
                  DonorFacts& out) {
  for (const v1::Deferral& d : deferrals) {
    if (d.has_lift_time()) continue;
    const absl::CivilDay end = IsSet(d.end_date()) ? ToCivilDay(d.end_date()) : absl::CivilDay();
    out.AddDeferral(d.code(), ToCivilDay(d.start_date()), IsSet(d.end_date()) ? &end : nullptr,
                    d.permanent(), d.name());
  }
}

void AddDocuments(const google::protobuf::RepeatedPtrField<v1::IdentityDocument>& docs,
                  DonorFacts& out) {
  for (const v1::IdentityDocument& doc : docs) {
    const absl::CivilDay expiry =
        IsSet(doc.expiry_date()) ? ToCivilDay(doc.expiry_date()) : absl::CivilDay();
    out.AddDocument(doc.type(), doc.issuing_country(),
                    IsSet(doc.expiry_date()) ? &expiry : nullptr);
  }
}

}  // namespace

absl::StatusOr<DonorFacts> FactsFromProto(const v1::EligibilityFacts& facts,
                                          const DonationList& assumed, absl::string_view field) {
  DonorFacts out;
  const std::string f(field);
  if (auto s = CheckDate(FieldPath(f, "birth_date"), facts.birth_date(), true); !s.ok()) {
    return s;
  }
  if (auto s = CheckEnum(FieldPath(f, "sex"), facts.sex(), v1::Sex_IsValid); !s.ok()) {
    return s;
  }
  if (facts.weight_kg() != 0 && !(facts.weight_kg() >= 30.0 && facts.weight_kg() <= 300.0)) {
    return InvalidField(FieldPath(f, "weight_kg"), "must be 0 or 30.0..300.0");
  }
  const int hb = facts.latest_hemoglobin_g_per_l();
  if (hb != 0 && (hb < 50 || hb > 250)) {
    return InvalidField(FieldPath(f, "latest_hemoglobin_g_per_l"), "must be 0 or 50..250");
  }
  if (facts.donations_size() > 500) return InvalidField(FieldPath(f, "donations"), "at most 500");
  if (facts.deferrals_size() > 100) return InvalidField(FieldPath(f, "deferrals"), "at most 100");
  if (facts.documents_size() > 5) return InvalidField(FieldPath(f, "documents"), "at most 5");
  if (assumed.size() > 20) return InvalidField("assumed_donations", "at most 20");
  for (int i = 0; i < facts.deferrals_size(); ++i) {
    const v1::Deferral& d = facts.deferrals(i);
    const std::string path = FieldPath(FieldPath(f, "deferrals"), i);
    if (auto s = CheckEnum(FieldPath(path, "code"), d.code(), v1::DeferralCode_IsValid); !s.ok()) {
      return s;
    }
    if (auto s = CheckDate(FieldPath(path, "start_date"), d.start_date(), true); !s.ok()) {
      return s;
    }
    if (auto s = CheckDate(FieldPath(path, "end_date"), d.end_date(), false); !s.ok()) {
      return s;
    }
    if (IsSet(d.end_date()) && ToCivilDay(d.end_date()) <= ToCivilDay(d.start_date())) {
      return InvalidField(FieldPath(path, "end_date"), "must be after start_date");
    }
  }
  out.set_birth_date(ToCivilDay(facts.birth_date()));
  out.set_sex(facts.sex());
  out.set_weight_kg(facts.weight_kg());
  out.set_latest_hemoglobin_g_per_l(hb);
  out.set_first_time(facts.first_time());
  out.set_citizenship(facts.citizenship());
  if (auto s = AddDonations(facts.donations(), FieldPath(f, "donations"), out); !s.ok()) return s;
  if (auto s = AddDonations(assumed, "assumed_donations", out); !s.ok()) return s;
  AddDeferrals(facts.deferrals(), out);
  AddDocuments(facts.documents(), out);
  return out;
}

DonorFacts FactsFromRegistry(const v1::DonorFacts& registry, const DonationList& assumed) {
  DonorFacts out;
  const v1::Donor& donor = registry.donor();
  out.set_birth_date(ToCivilDay(donor.birth_date()));
  out.set_sex(donor.sex());
  out.set_weight_kg(donor.weight_kg());
  out.set_citizenship(donor.citizenship());
  out.set_first_time(registry.donations().empty());
  const v1::Donation* newest_with_hb = nullptr;
  for (const v1::Donation& d : registry.donations()) {
    if (d.hemoglobin_g_per_l() <= 0) continue;
    if (newest_with_hb == nullptr ||
        ToCivilDay(d.donation_date()) > ToCivilDay(newest_with_hb->donation_date())) {
      newest_with_hb = &d;
    }
  }
  if (newest_with_hb != nullptr) {
    out.set_latest_hemoglobin_g_per_l(newest_with_hb->hemoglobin_g_per_l());
  }
  // The registry's data is already validated; ignore the status.
  (void)AddDonations(registry.donations(), "donations", out);
  (void)AddDonations(assumed, "assumed_donations", out);
  AddDeferrals(registry.deferrals(), out);
  AddDocuments(donor.documents(), out);
  return out;
}

v1::EligibilityReason ReasonToProto(const CompiledPack& pack, const DonorFacts& facts,
                                    const Reason& r) {
  (void)pack;
  v1::EligibilityReason out;
  out.set_code(r.code);
  out.set_rule_id(r.rule->id);
  *out.mutable_citation() = r.rule->rule.citation();
  out.set_source_text(r.rule->source_text);
  if (r.has_end) *out.mutable_end_date() = ToDate(r.end_date());
  out.set_permanent(r.permanent);
  out.set_blocking(r.blocking);
  std::string message;
  switch (r.code) {
    case v1::ELIGIBILITY_REASON_CODE_AGE_BELOW_MINIMUM:
      message = absl::StrCat("age ", r.value, "; minimum ", r.limit, Until(r));
      break;
    case v1::ELIGIBILITY_REASON_CODE_AGE_ABOVE_MAXIMUM:
      message = absl::StrCat("age ", r.value, "; maximum ", r.limit);
      break;
    case v1::ELIGIBILITY_REASON_CODE_AGE_ABOVE_FIRST_TIME_MAXIMUM:
      message = absl::StrCat("age ", r.value, "; first-time donors up to ", r.limit);
      break;
    case v1::ELIGIBILITY_REASON_CODE_WEIGHT_BELOW_MINIMUM:
      message = absl::StrFormat("weight %.1f kg; minimum %.1f kg", r.value, r.limit);
      break;
    case v1::ELIGIBILITY_REASON_CODE_HEMOGLOBIN_BELOW_MINIMUM:
      message = absl::StrCat("hemoglobin ", r.value, " g/L; minimum ", r.limit, " g/L");
      break;
    case v1::ELIGIBILITY_REASON_CODE_HEMOGLOBIN_ABOVE_MAXIMUM:
      message = absl::StrCat("hemoglobin ", r.value, " g/L; maximum ", r.limit, " g/L");
      break;
    case v1::ELIGIBILITY_REASON_CODE_INTERVAL_NOT_ELAPSED:
      message = absl::StrCat(TypeText(r.related_type_index), " ", DayText(r.related_day),
                             "; needs ", r.limit, " days between", Until(r));
      break;
    case v1::ELIGIBILITY_REASON_CODE_ANNUAL_MAXIMUM_REACHED:
      message = absl::StrCat(r.value, " donations in the window; at most ", r.limit, Until(r));
      break;
    case v1::ELIGIBILITY_REASON_CODE_DEFERRED:
      message = absl::StrCat("deferral ", v1::DeferralCode_Name(r.deferral_code), " from ",
                             DayText(r.related_day),
                             r.permanent ? ", permanent" : (r.has_end ? Until(r) : ", open"));
      break;
    case v1::ELIGIBILITY_REASON_CODE_SLOT_TIME_NOT_ALLOWED:
      message = absl::StrFormat("slot %02d:%02d; limit %02d:%02d", static_cast<int>(r.value) / 60,
                                static_cast<int>(r.value) % 60, static_cast<int>(r.limit) / 60,
                                static_cast<int>(r.limit) % 60);
      break;
    case v1::ELIGIBILITY_REASON_CODE_DOCUMENTS_MISSING: {
      std::vector<std::string> names;
      for (int t = 1; t < 8; ++t) {
        if (r.missing_documents & (1u << t)) {
          out.add_missing_documents(static_cast<v1::DocumentType>(t));
          names.push_back(v1::DocumentType_Name(static_cast<v1::DocumentType>(t)));
        }
      }
      message = absl::StrCat("missing ", absl::StrJoin(names, ", "));
      break;
    }
    default:
      break;
  }
  out.set_message(message);
  if (r.code == v1::ELIGIBILITY_REASON_CODE_DEFERRED) {
    out.set_deferral_code(r.deferral_code);
    if (r.deferral_index >= 0 &&
        static_cast<size_t>(r.deferral_index) < facts.deferral_names().size()) {
      out.set_deferral(facts.deferral_names()[r.deferral_index]);
    }
  }
  return out;
}

v1::NextEligibleDate NextToProto(const NextEligible& next) {
  v1::NextEligibleDate out;
  out.set_donation_type(next.type);
  out.set_outlook(next.outlook);
  if (next.outlook == v1::NextEligibleDate::OUTLOOK_DATE) *out.mutable_date() = ToDate(next.date);
  return out;
}

v1::EligibilityDecision BuildDecision(const CompiledPack& pack, const DonorFacts& facts,
                                      v1::DonationType type, absl::CivilDay date,
                                      int slot_start_minute, absl::string_view donor,
                                      v1::BloodGroup blood_group) {
  Decision decision;
  Decide(pack, facts, type, date, slot_start_minute, &decision);
  v1::EligibilityDecision out;
  out.set_donor(std::string(donor));
  out.set_donation_type(type);
  *out.mutable_date() = ToDate(date);
  out.set_eligible(decision.eligible);
  for (const Reason& r : decision.reasons) *out.add_reasons() = ReasonToProto(pack, facts, r);
  for (const NextEligible& next : NextEligibleDates(pack, facts, date)) {
    *out.add_next_eligible_dates() = NextToProto(next);
  }
  out.set_rule_pack(absl::StrCat("rulePacks/", pack.id()));
  out.set_rule_pack_version(pack.version());
  out.set_blood_group(blood_group);
  out.set_first_time(facts.first_time());
  return out;
}

absl::StatusOr<v1::ResolveDeferralResponse> ResolveDeferralProto(const CompiledPack& pack,
                                                                 v1::DeferralCode code,
                                                                 absl::CivilDay start) {
  absl::StatusOr<ResolvedDeferral> resolved = ResolveDeferral(pack, code, start);
  if (!resolved.ok()) return resolved.status();
  v1::ResolveDeferralResponse out;
  if (!resolved->permanent) *out.mutable_end_date() = ToDate(resolved->end_date);
  out.set_permanent(resolved->permanent);
  out.set_rule_id(resolved->rule->id);
  *out.mutable_citation() = resolved->rule->rule.citation();
  out.set_source_text(resolved->rule->source_text);
  return out;
}

v1::LoadedRulePack DescribePack(const LoadedPack& pack, bool effective, bool with_rules,
                                bool active) {
  v1::LoadedRulePack out;
  out.set_name(absl::StrCat("rulePacks/", pack.pack.id()));
  *out.mutable_pack() = effective ? pack.effective : pack.pack;
  if (!with_rules) out.mutable_pack()->clear_rules();
  out.set_active(active);
  for (const std::string& layer : pack.layers) out.add_layers(layer);
  out.set_file(pack.file);
  *out.mutable_load_time() = ToTimestamp(pack.load_time);
  return out;
}

}  // namespace blooddrive::eligibility
