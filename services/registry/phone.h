// Phone numbers as stored: E.164 ("+77011234567"), parsed with libphonenumber.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace blooddrive::registry {

// What kind of line a number is, as far as libphonenumber's metadata knows. Kazakh and most CIS
// mobile ranges are distinct from fixed lines; some countries' numbers are FIXED_LINE_OR_MOBILE.
enum class PhoneLineType {
  kMobile,
  kFixedLine,
  kFixedLineOrMobile,
  kOther,  // VoIP, toll free, personal numbers, ... or unknown
};

struct PhoneNumberInfo {
  std::string e164;    // "+77011234567"
  std::string region;  // ISO 3166-1 alpha-2 of the number's country, e.g. "KZ", "RU", "UZ"
  PhoneLineType type = PhoneLineType::kOther;

  // Whether an SMS is expected to reach it (mobile, or a number that may be mobile).
  bool MaybeMobile() const {
    return type == PhoneLineType::kMobile || type == PhoneLineType::kFixedLineOrMobile;
  }
};

// Parses a number written in any common format: "+7 701 123 45 67", "8 701 123 4567" (the Kazakh
// trunk prefix 8), "+998 90 123 45 67". A number without a country code is read in default_region.
// Both Kazakh and Russian numbers share +7 and are accepted, as are numbers of any other country.
// Letters (vanity numbers) and extensions are refused. On failure INVALID_ARGUMENT whose message is
// a phrase meant to follow "<field>: ", e.g. "is not a valid phone number (too short)".
absl::StatusOr<PhoneNumberInfo> ParsePhone(absl::string_view input,
                                           absl::string_view default_region = "KZ");

// ParsePhone(...)->e164.
absl::StatusOr<std::string> NormalizePhone(absl::string_view input,
                                           absl::string_view default_region = "KZ");

}  // namespace blooddrive::registry
