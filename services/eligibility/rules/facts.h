// A donor's facts as the engine reads them: plain values, civil days as day numbers, donations
// kept sorted by date. Built once per donor (from the registry's DonorFacts or inline
// EligibilityFacts) and then read by any number of decisions without allocating.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "blooddrive/v1/common.pb.h"

namespace blooddrive::eligibility {

// Days since 1970-01-01. The decision path works on these because comparing and subtracting
// them is one instruction, where absl::CivilDay arithmetic converts fields each time.
using Day = int32_t;

// Proleptic Gregorian day numbers (H. Hinnant's algorithms): a few dozen instructions, where
// absl's civil-time normalization costs several hundred on the decision path.
inline Day DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<Day>(era * 146097 + doe - 719468);
}
inline void CivilFromDays(Day z, int* year, int* month, int* day) {
  const int64_t zz = static_cast<int64_t>(z) + 719468;
  const int64_t era = (zz >= 0 ? zz : zz - 146096) / 146097;
  const int64_t doe = zz - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *year = static_cast<int>(yoe + era * 400 + (*month <= 2));
}
inline bool IsLeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

inline Day ToDay(absl::CivilDay day) { return DaysFromCivil(day.year(), day.month(), day.day()); }
inline absl::CivilDay FromDay(Day day) {
  int y, m, d;
  CivilFromDays(day, &y, &m, &d);
  return absl::CivilDay(y, m, d);
}

inline constexpr int kNumDonationTypes = 4;

// DonationType 1..4 -> 0..3; -1 for UNSPECIFIED or unknown values.
int TypeIndex(v1::DonationType type);
inline v1::DonationType TypeFromIndex(int index) {
  return static_cast<v1::DonationType>(index + 1);
}

struct PastDonation {
  Day day;
  int8_t type_index;  // 0..3
};

struct DeferralFact {
  v1::DeferralCode code;
  Day start;
  Day end;  // exclusive; meaningful when has_end
  bool has_end;
  bool permanent;
  // Position in the order deferrals were added; names() below is indexed by it.
  int16_t index;
};

struct DocumentFact {
  v1::DocumentType type;
  char country[2];  // issuing country, upper-case ISO 3166-1 alpha-2
  Day expiry;       // last valid day; meaningful when has_expiry
  bool has_expiry;
};

class DonorFacts {
 public:
  DonorFacts() = default;

  void set_birth_date(absl::CivilDay day);
  void set_sex(v1::Sex sex) { sex_ = sex; }
  void set_weight_kg(double kg) { weight_kg_ = kg; }
  void set_latest_hemoglobin_g_per_l(int g_per_l) { hemoglobin_ = g_per_l; }
  void set_first_time(bool first_time) { first_time_ = first_time; }
  // ISO 3166-1 alpha-2, or empty for "not recorded".
  void set_citizenship(const std::string& country);

  // Keeps donations sorted by day (ties keep insertion order). Unknown types are ignored.
  void AddDonation(absl::CivilDay day, v1::DonationType type);
  // A deferral with neither end nor permanent lasts as the pack's duration rule for its code.
  // `name` ("donors/{donor}/deferrals/{id}") may be empty, e.g. for inline facts.
  void AddDeferral(v1::DeferralCode code, absl::CivilDay start, const absl::CivilDay* end,
                   bool permanent, const std::string& name = "");
  void AddDocument(v1::DocumentType type, const std::string& issuing_country,
                   const absl::CivilDay* expiry);

  absl::CivilDay birth_date() const { return birth_date_; }
  int birth_year() const { return birth_year_; }
  int birth_month_day() const { return birth_month_day_; }  // month * 100 + day
  v1::Sex sex() const { return sex_; }
  double weight_kg() const { return weight_kg_; }
  int latest_hemoglobin_g_per_l() const { return hemoglobin_; }
  bool first_time() const { return first_time_; }
  const char* citizenship() const { return citizenship_; }  // 2 chars, or "\0\0"
  const std::vector<PastDonation>& donations() const { return donations_; }
  const std::vector<DeferralFact>& deferrals() const { return deferrals_; }
  const std::vector<std::string>& deferral_names() const { return deferral_names_; }
  const std::vector<DocumentFact>& documents() const { return documents_; }

 private:
  absl::CivilDay birth_date_;
  int birth_year_ = 1970;
  int birth_month_day_ = 101;
  v1::Sex sex_ = v1::SEX_UNSPECIFIED;
  double weight_kg_ = 0;
  int hemoglobin_ = 0;
  bool first_time_ = false;
  char citizenship_[2] = {0, 0};
  std::vector<PastDonation> donations_;
  std::vector<DeferralFact> deferrals_;
  std::vector<std::string> deferral_names_;
  std::vector<DocumentFact> documents_;
};

}  // namespace blooddrive::eligibility
