// Helpers for the eligibility tests: the shipped packs, and donors written compactly, e.g.
//   Donor("1990-05-01", 'M').Weight(70).Hb(140).Donations("WB 2024-01-10, PL 2024-02-01")
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "engine.h"
#include "gtest/gtest.h"
#include "pack_loader.h"

namespace blooddrive::eligibility::testing {

inline absl::CivilDay D(absl::string_view text) {
  absl::CivilDay day;
  EXPECT_TRUE(absl::ParseCivilTime(text, &day)) << text;
  return day;
}

inline const PackSet& ShippedPacks() {
  static const PackSet* packs = [] {
    auto loaded = PackSet::LoadDirectory(PACKS_DIR);
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status();
      std::abort();
    }
    return loaded->release();
  }();
  return *packs;
}

inline std::shared_ptr<const CompiledPack> Pack(absl::string_view id) {
  auto pack = ShippedPacks().Activate(id);
  EXPECT_TRUE(pack.ok()) << pack.status();
  return pack.ok() ? *pack : nullptr;
}

inline v1::DonationType TypeCode(absl::string_view code) {
  if (code == "WB") return v1::DONATION_TYPE_WHOLE_BLOOD;
  if (code == "DR") return v1::DONATION_TYPE_DOUBLE_RED_CELLS;
  if (code == "PL") return v1::DONATION_TYPE_PLATELETS;
  if (code == "PA") return v1::DONATION_TYPE_PLASMA;
  ADD_FAILURE() << "unknown type code " << code;
  return v1::DONATION_TYPE_UNSPECIFIED;
}

class Donor {
 public:
  Donor(absl::string_view birth, char sex) {
    facts_.set_birth_date(D(birth));
    facts_.set_sex(sex == 'F' ? v1::SEX_FEMALE : sex == 'M' ? v1::SEX_MALE : v1::SEX_UNSPECIFIED);
  }
  Donor& Weight(double kg) {
    facts_.set_weight_kg(kg);
    return *this;
  }
  Donor& Hb(int g_per_l) {
    facts_.set_latest_hemoglobin_g_per_l(g_per_l);
    return *this;
  }
  Donor& FirstTime() {
    facts_.set_first_time(true);
    return *this;
  }
  Donor& Citizen(const std::string& country) {
    facts_.set_citizenship(country);
    return *this;
  }
  // "WB 2024-01-10, PA 2024-02-01"
  Donor& Donations(absl::string_view list) {
    for (absl::string_view item : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
      std::vector<absl::string_view> parts = absl::StrSplit(absl::StripAsciiWhitespace(item), ' ');
      facts_.AddDonation(D(parts[1]), TypeCode(parts[0]));
    }
    return *this;
  }
  // `count` donations of one type, `step` days apart, from `first`.
  Donor& Series(absl::string_view type, absl::string_view first, int step, int count) {
    for (int i = 0; i < count; ++i) facts_.AddDonation(D(first) + i * step, TypeCode(type));
    return *this;
  }
  // code, start, optional end ("" for none), permanent
  Donor& Deferral(v1::DeferralCode code, absl::string_view start, absl::string_view end = "",
                  bool permanent = false) {
    const absl::CivilDay e = end.empty() ? absl::CivilDay() : D(end);
    facts_.AddDeferral(code, D(start), end.empty() ? nullptr : &e, permanent,
                       "donors/d1/deferrals/x");
    return *this;
  }
  Donor& Document(v1::DocumentType type, const std::string& country,
                  absl::string_view expiry = "") {
    const absl::CivilDay e = expiry.empty() ? absl::CivilDay() : D(expiry);
    facts_.AddDocument(type, country, expiry.empty() ? nullptr : &e);
    return *this;
  }
  const DonorFacts& facts() const { return facts_; }
  operator const DonorFacts&() const { return facts_; }

 private:
  DonorFacts facts_;
};

inline const Reason* FindReason(const Decision& decision, absl::string_view rule_id) {
  for (const Reason& r : decision.reasons) {
    if (r.rule->id == rule_id) return &r;
  }
  return nullptr;
}

}  // namespace blooddrive::eligibility::testing
