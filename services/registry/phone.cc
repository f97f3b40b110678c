#include "phone.h"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace blooddrive::registry {
namespace {

using ::i18n::phonenumbers::PhoneNumber;
using ::i18n::phonenumbers::PhoneNumberUtil;

// Longer input is not a phone number; the bound also keeps the parser's work small.
constexpr size_t kMaxInputBytes = 40;

// Digits, '+', and the separators people type. Anything else (letters would be read as a vanity
// number, ';' or '#' as an extension) is refused rather than silently reinterpreted.
bool IsAllowedChar(char c) {
  return absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '+' || c == ' ' || c == '-' ||
         c == '(' || c == ')' || c == '.' || c == '/' || c == '\t';
}

absl::Status Invalid(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("is not a valid phone number (", why, ")"));
}

PhoneLineType LineType(PhoneNumberUtil::PhoneNumberType type) {
  switch (type) {
    case PhoneNumberUtil::MOBILE:
      return PhoneLineType::kMobile;
    case PhoneNumberUtil::FIXED_LINE:
      return PhoneLineType::kFixedLine;
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
      return PhoneLineType::kFixedLineOrMobile;
    default:
      return PhoneLineType::kOther;
  }
}

}  // namespace

absl::StatusOr<PhoneNumberInfo> ParsePhone(absl::string_view input,
                                           absl::string_view default_region) {
  if (input.size() > kMaxInputBytes) return Invalid("longer than 40 characters");
  int digits = 0;
  for (char c : input) {
    if (!IsAllowedChar(c)) return Invalid("only digits, spaces and + - ( ) . / are allowed");
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) ++digits;
  }
  if (digits == 0) return Invalid("no digits");

  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  switch (util.Parse(std::string(input), std::string(default_region), &number)) {
    case PhoneNumberUtil::NO_PARSING_ERROR:
      break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      return Invalid("unknown country code");
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN:
      return Invalid("too short");
    case PhoneNumberUtil::TOO_LONG_NSN:
      return Invalid("too long");
    default:
      return Invalid("not a number");
  }
  if (!util.IsValidNumber(number)) {
    switch (util.IsPossibleNumberWithReason(number)) {
      case PhoneNumberUtil::TOO_SHORT:
        return Invalid("too short");
      case PhoneNumberUtil::TOO_LONG:
        return Invalid("too long");
      case PhoneNumberUtil::INVALID_COUNTRY_CODE:
        return Invalid("unknown country code");
      case PhoneNumberUtil::INVALID_LENGTH:
        return Invalid("wrong number of digits for its country");
      case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY:
        return Invalid("a local number: add the area or operator code");
      default:
        return Invalid("no such number range in its country");
    }
  }
  PhoneNumberInfo info;
  util.Format(number, PhoneNumberUtil::E164, &info.e164);
  util.GetRegionCodeForNumber(number, &info.region);
  info.type = LineType(util.GetNumberType(number));
  return info;
}

absl::StatusOr<std::string> NormalizePhone(absl::string_view input,
                                           absl::string_view default_region) {
  absl::StatusOr<PhoneNumberInfo> info = ParsePhone(input, default_region);
  if (!info.ok()) return info.status();
  return std::move(info->e164);
}

}  // namespace blooddrive::registry
