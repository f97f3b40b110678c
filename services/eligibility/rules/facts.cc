#include "facts.h"

#include <algorithm>

#include "absl/strings/ascii.h"

namespace blooddrive::eligibility {
int TypeIndex(v1::DonationType type) {
  const int value = static_cast<int>(type);
  return value >= 1 && value <= kNumDonationTypes ? value - 1 : -1;
}

void DonorFacts::set_birth_date(absl::CivilDay day) {
  birth_date_ = day;
  birth_year_ = static_cast<int>(day.year());
  birth_month_day_ = day.month() * 100 + day.day();
}

void DonorFacts::set_citizenship(const std::string& country) {
  citizenship_[0] = country.size() == 2 ? absl::ascii_toupper(country[0]) : 0;
  citizenship_[1] = country.size() == 2 ? absl::ascii_toupper(country[1]) : 0;
}

void DonorFacts::AddDonation(absl::CivilDay day, v1::DonationType type) {
  const int index = TypeIndex(type);
  if (index < 0) return;
  const PastDonation donation{ToDay(day), static_cast<int8_t>(index)};
  auto it =
      std::upper_bound(donations_.begin(), donations_.end(), donation,
                       [](const PastDonation& a, const PastDonation& b) { return a.day < b.day; });
  donations_.insert(it, donation);
}

void DonorFacts::AddDeferral(v1::DeferralCode code, absl::CivilDay start, const absl::CivilDay* end,
                             bool permanent, const std::string& name) {
  DeferralFact fact{};
  fact.code = code;
  fact.start = ToDay(start);
  fact.has_end = end != nullptr && !permanent;
  fact.end = fact.has_end ? ToDay(*end) : 0;
  fact.permanent = permanent;
  fact.index = static_cast<int16_t>(deferrals_.size());
  deferrals_.push_back(fact);
  deferral_names_.push_back(name);
}

void DonorFacts::AddDocument(v1::DocumentType type, const std::string& issuing_country,
                             const absl::CivilDay* expiry) {
  DocumentFact doc{};
  doc.type = type;
  doc.country[0] = issuing_country.size() == 2 ? absl::ascii_toupper(issuing_country[0]) : 0;
  doc.country[1] = issuing_country.size() == 2 ? absl::ascii_toupper(issuing_country[1]) : 0;
  doc.has_expiry = expiry != nullptr;
  doc.expiry = doc.has_expiry ? ToDay(*expiry) : 0;
  documents_.push_back(doc);
}

}  // namespace blooddrive::eligibility
