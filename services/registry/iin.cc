#include "iin.h"

#include <array>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "validation.h"

namespace blooddrive::registry {
namespace {

constexpr std::array<int, 11> kFirstWeights = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
constexpr std::array<int, 11> kSecondWeights = {3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2};

int WeightedSumMod11(absl::string_view digits, const std::array<int, 11>& weights) {
  int sum = 0;
  for (size_t i = 0; i < weights.size(); ++i) sum += (digits[i] - '0') * weights[i];
  return sum % 11;
}

int TwoDigits(absl::string_view s, size_t at) { return (s[at] - '0') * 10 + (s[at + 1] - '0'); }

absl::string_view SexName(blooddrive::v1::Sex sex) {
  switch (sex) {
    case blooddrive::v1::SEX_FEMALE:
      return "female";
    case blooddrive::v1::SEX_MALE:
      return "male";
    default:
      return "unspecified";
  }
}

}  // namespace

std::optional<int> IinCheckDigit(absl::string_view first_eleven) {
  int check = WeightedSumMod11(first_eleven, kFirstWeights);
  if (check == 10) check = WeightedSumMod11(first_eleven, kSecondWeights);
  if (check == 10) return std::nullopt;
  return check;
}

absl::StatusOr<IinInfo> ParseIin(absl::string_view iin) {
  if (iin.size() != 12) {
    return absl::InvalidArgumentError(
        absl::StrCat("an IIN must be 12 digits (has ", iin.size(), " characters)"));
  }
  for (char c : iin) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError("an IIN must contain only digits");
    }
  }
  // Digit 7: odd is male, even is female; 1-2 the 1800s, 3-4 the 1900s, 5-6 the 2000s.
  const int century_sex = iin[6] - '0';
  if (century_sex < 1 || century_sex > 6) {
    return absl::InvalidArgumentError(absl::StrCat(
        "is not a valid IIN: its 7th digit (century and sex) must be 1..6, is ", century_sex));
  }
  const int year = 1800 + 100 * ((century_sex - 1) / 2) + TwoDigits(iin, 0);
  const int month = TwoDigits(iin, 2);
  const int day = TwoDigits(iin, 4);
  const absl::CivilDay birth(year, month, day);
  if (month < 1 || month > 12 || day < 1 || birth.month() != month || birth.day() != day) {
    // The digits are not quoted: error messages never echo a document number, even in part.
    return absl::InvalidArgumentError(
        "is not a valid IIN: its first 6 digits are not a birth date YYMMDD");
  }
  const std::optional<int> check = IinCheckDigit(iin.substr(0, 11));
  if (!check.has_value()) {
    return absl::InvalidArgumentError(
        "is not a valid IIN: no check digit exists for its first 11 digits (a typo?)");
  }
  if (*check != iin[11] - '0') {
    return absl::InvalidArgumentError("is not a valid IIN: the check digit is wrong (a typo?)");
  }
  IinInfo info;
  info.birth_date = birth;
  info.sex = century_sex % 2 == 1 ? blooddrive::v1::SEX_MALE : blooddrive::v1::SEX_FEMALE;
  return info;
}

absl::Status CheckIinMatches(absl::string_view field, absl::string_view iin,
                             absl::CivilDay birth_date, blooddrive::v1::Sex sex,
                             absl::string_view owner) {
  absl::StatusOr<IinInfo> info = ParseIin(iin);
  if (!info.ok()) return platform::InvalidField(field, info.status().message());
  if (info->birth_date != birth_date) {
    return platform::InvalidField(
        field, absl::StrCat("IIN encodes birth date ", absl::FormatCivilTime(info->birth_date),
                            ", ", owner, ".birth_date is ", absl::FormatCivilTime(birth_date)));
  }
  if (info->sex != sex) {
    return platform::InvalidField(field, absl::StrCat("IIN encodes sex ", SexName(info->sex), ", ",
                                                      owner, ".sex is ", SexName(sex)));
  }
  return absl::OkStatus();
}

}  // namespace blooddrive::registry
