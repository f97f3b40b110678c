#include "pack_validate.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace blooddrive::eligibility::internal {
namespace {

bool IdChars(absl::string_view id, size_t max_len, absl::string_view extra) {
  if (id.empty() || id.size() > max_len) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    extra.find(c) != absl::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

std::string Range(absl::string_view field, double value, double lo, double hi) {
  if (value >= lo && value <= hi) return "";
  return absl::StrCat(field, " ", value, " is outside ", lo, "..", hi);
}

std::string Types(absl::string_view field, const google::protobuf::RepeatedField<int>& types,
                  bool required) {
  if (required && types.empty()) return absl::StrCat(field, " is required");
  if (types.size() > 4) return absl::StrCat(field, " lists more than 4 types");
  std::set<int> seen;
  for (int t : types) {
    if (!v1::DonationType_IsValid(t) || t == v1::DONATION_TYPE_UNSPECIFIED) {
      return absl::StrCat(field, " has an unknown donation type ", t);
    }
    if (!seen.insert(t).second) return absl::StrCat(field, " lists ", t, " twice");
  }
  return "";
}

std::string SexProblem(absl::string_view field, v1::Sex sex) {
  if (v1::Sex_IsValid(sex)) return "";
  return absl::StrCat(field, " has an unknown value ", static_cast<int>(sex));
}

std::string TimeProblem(absl::string_view field, const v1::TimeOfDay& t, bool allow_24) {
  if (t.hours() == 24 && t.minutes() == 0 && allow_24) return "";
  if (t.hours() < 0 || t.hours() > 23 || t.minutes() < 0 || t.minutes() > 59) {
    return absl::StrCat(field, " ", t.hours(), ":", t.minutes(), " is not a time of day");
  }
  return "";
}

#define RETURN_PROBLEM(expr)                \
  do {                                      \
    std::string problem_ = (expr);          \
    if (!problem_.empty()) return problem_; \
  } while (0)

std::string BodyProblem(const v1::Rule& rule) {
  switch (rule.body_case()) {
    case v1::Rule::kAge: {
      const v1::AgeRule& a = rule.age();
      RETURN_PROBLEM(Types("age.donation_types", a.donation_types(), false));
      RETURN_PROBLEM(Range("age.min_age_years", a.min_age_years(), 16, 30));
      if (a.max_age_years() != 0) {
        RETURN_PROBLEM(Range("age.max_age_years", a.max_age_years(), a.min_age_years(), 100));
      }
      if (a.first_time_max_age_years() != 0) {
        RETURN_PROBLEM(Range("age.first_time_max_age_years", a.first_time_max_age_years(),
                             a.min_age_years(), a.max_age_years() ? a.max_age_years() : 100));
      }
      return "";
    }
    case v1::Rule::kWeight:
      RETURN_PROBLEM(Types("weight.donation_types", rule.weight().donation_types(), false));
      RETURN_PROBLEM(SexProblem("weight.sex", rule.weight().sex()));
      return Range("weight.min_weight_kg", rule.weight().min_weight_kg(), 30, 150);
    case v1::Rule::kHemoglobin: {
      const v1::HemoglobinRule& h = rule.hemoglobin();
      RETURN_PROBLEM(Types("hemoglobin.donation_types", h.donation_types(), false));
      RETURN_PROBLEM(SexProblem("hemoglobin.sex", h.sex()));
      RETURN_PROBLEM(Range("hemoglobin.min_g_per_l", h.min_g_per_l(), 80, 200));
      if (h.max_g_per_l() != 0) {
        RETURN_PROBLEM(Range("hemoglobin.max_g_per_l", h.max_g_per_l(), h.min_g_per_l(), 250));
      }
      return "";
    }
    case v1::Rule::kInterval: {
      const v1::IntervalRule& i = rule.interval();
      google::protobuf::RepeatedField<int> from, to;
      from.Add(i.from_type());
      to.Add(i.to_type());
      RETURN_PROBLEM(Types("interval.from_type", from, true));
      RETURN_PROBLEM(Types("interval.to_type", to, true));
      return Range("interval.min_days", i.min_days(), 1, 730);
    }
    case v1::Rule::kAnnualMaximum: {
      const v1::AnnualMaximumRule& a = rule.annual_maximum();
      RETURN_PROBLEM(Types("annual_maximum.donation_types", a.donation_types(), true));
      RETURN_PROBLEM(SexProblem("annual_maximum.sex", a.sex()));
      RETURN_PROBLEM(Range("annual_maximum.max_count", a.max_count(), 1, 52));
      if (a.window_days() != 0) {
        RETURN_PROBLEM(Range("annual_maximum.window_days", a.window_days(), 28, 730));
      }
      return "";
    }
    case v1::Rule::kDeferralDuration: {
      const v1::DeferralDurationRule& d = rule.deferral_duration();
      if (!v1::DeferralCode_IsValid(d.code()) || d.code() == v1::DEFERRAL_CODE_UNSPECIFIED) {
        return "deferral_duration.code is required";
      }
      switch (d.duration_case()) {
        case v1::DeferralDurationRule::kDays:
          return Range("deferral_duration.days", d.days(), 1, 3650);
        case v1::DeferralDurationRule::kMonths:
          return Range("deferral_duration.months", d.months(), 1, 120);
        case v1::DeferralDurationRule::kPermanent:
          return d.permanent() ? "" : "deferral_duration.permanent must be true when set";
        case v1::DeferralDurationRule::DURATION_NOT_SET:
          return "deferral_duration needs days, months or permanent";
      }
      return "";
    }
    case v1::Rule::kSlotTime: {
      const v1::SlotTimeRule& s = rule.slot_time();
      if (!v1::DonorGroup_IsValid(s.donor_group())) return "slot_time.donor_group is unknown";
      RETURN_PROBLEM(Types("slot_time.donation_types", s.donation_types(), false));
      if (!s.has_earliest_start() && !s.has_start_before()) {
        return "slot_time needs earliest_start or start_before";
      }
      if (s.has_earliest_start()) {
        RETURN_PROBLEM(TimeProblem("slot_time.earliest_start", s.earliest_start(), false));
      }
      if (s.has_start_before()) {
        RETURN_PROBLEM(TimeProblem("slot_time.start_before", s.start_before(), true));
      }
      if (s.has_earliest_start() && s.has_start_before() &&
          s.earliest_start().hours() * 60 + s.earliest_start().minutes() >=
              s.start_before().hours() * 60 + s.start_before().minutes()) {
        return "slot_time.earliest_start must be before start_before";
      }
      return "";
    }
    case v1::Rule::kRequiredDocuments: {
      const v1::RequiredDocumentsRule& d = rule.required_documents();
      if (!v1::RequiredDocumentsRule::Scope_IsValid(d.scope())) {
        return "required_documents.scope is unknown";
      }
      const bool all = d.scope() == v1::RequiredDocumentsRule::SCOPE_UNSPECIFIED ||
                       d.scope() == v1::RequiredDocumentsRule::SCOPE_ALL;
      const std::string& c = d.home_country();
      const bool country_ok =
          c.size() == 2 && absl::ascii_isupper(c[0]) && absl::ascii_isupper(c[1]);
      if (!all && !country_ok) {
        return "required_documents.home_country must be an ISO 3166-1 alpha-2 code";
      }
      if (d.required_types().empty() || d.required_types().size() > 4) {
        return "required_documents.required_types needs 1..4 types";
      }
      std::set<int> seen;
      for (int t : d.required_types()) {
        if (!v1::DocumentType_IsValid(t) || t == v1::DOCUMENT_TYPE_UNSPECIFIED) {
          return absl::StrCat("required_documents.required_types has an unknown type ", t);
        }
        if (!seen.insert(t).second) {
          return absl::StrCat("required_documents.required_types lists ", t, " twice");
        }
      }
      return "";
    }
    case v1::Rule::BODY_NOT_SET:
      return "";
  }
  return "";
}

}  // namespace

bool IsPackId(absl::string_view id) { return IdChars(id, 32, "-"); }
bool IsRuleId(absl::string_view id) { return IdChars(id, 64, "._-"); }

std::string PackHeaderProblem(const v1::RulePack& pack) {
  if (!IsPackId(pack.id())) return absl::StrCat("id \"", pack.id(), "\" is not 1..32 of [a-z0-9-]");
  if (pack.version().empty() || pack.version().size() > 32) return "version needs 1..32 characters";
  for (char c : pack.version()) {
    if (!absl::ascii_isprint(c)) return "version has a non-printable character";
  }
  const std::string& j = pack.jurisdiction();
  const bool alpha2 = j.size() == 2 && absl::ascii_isupper(j[0]) && absl::ascii_isupper(j[1]);
  if (!alpha2 && j != "INT") return "jurisdiction must be ISO 3166-1 alpha-2, \"EU\" or \"INT\"";
  if (pack.title().empty() || pack.title().size() > 200) return "title needs 1..200 characters";
  if (pack.description().size() > 2000) return "description is longer than 2000 characters";
  if (!pack.base_pack().empty() && !IsPackId(pack.base_pack())) {
    return absl::StrCat("base_pack \"", pack.base_pack(), "\" is not a pack id");
  }
  if (pack.base_pack() == pack.id()) return "base_pack names the pack itself";
  return "";
}

std::string SourceProblem(const v1::Source& source) {
  if (!IsPackId(source.id())) {
    return absl::StrCat("source id \"", source.id(), "\" is not 1..32 of [a-z0-9-]");
  }
  if (source.citation().empty() || source.citation().size() > 500) {
    return absl::StrCat("source \"", source.id(), "\": citation needs 1..500 characters");
  }
  if (source.note().size() > 1000) {
    return absl::StrCat("source \"", source.id(), "\": note is longer than 1000 characters");
  }
  return "";
}

std::string RuleProblem(const v1::Rule& rule, bool in_layer) {
  if (!IsRuleId(rule.id())) return "id is not 1..64 of [a-z0-9._-]";
  if (rule.description().size() > 500) return "description is longer than 500 characters";
  if (rule.disabled()) {
    if (!in_layer) return "disabled is only for layers (a pack with base_pack)";
    return "";  // switches a base rule off; its other fields do not matter
  }
  if (!rule.has_citation()) return "missing citation";
  const v1::Citation& c = rule.citation();
  if (!c.source_not_found() && c.source().empty()) {
    return "citation.source is required unless source_not_found is true";
  }
  if (c.locator().size() > 200) return "citation.locator is longer than 200 characters";
  if (c.note().size() > 500) return "citation.note is longer than 500 characters";
  if (!v1::RuleEffect_IsValid(rule.effect())) return "effect is unknown";
  if (rule.body_case() == v1::Rule::BODY_NOT_SET && !c.source_not_found()) {
    return "no rule body (age, weight, ...); only a source_not_found rule may leave it to the "
           "branch";
  }
  return BodyProblem(rule);
}

}  // namespace blooddrive::eligibility::internal
