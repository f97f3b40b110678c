// Kazakh individual identification number (IIN, ЖСН/ИИН): 12 digits, YYMMDD + a digit for century
// and sex + 4 serial digits + a check digit.
//
// Caution: since 2013 the government no longer guarantees that an IIN's digits match the person's
// current data (corrections of birth date or sex do not re-issue the IIN). Callers that compare an
// IIN with a donor's record (CheckIinMatches) enforce a stricter rule than the state does.
#pragma once

#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "blooddrive/v1/common.pb.h"

namespace blooddrive::registry {

struct IinInfo {
  absl::CivilDay birth_date;
  blooddrive::v1::Sex sex = blooddrive::v1::SEX_UNSPECIFIED;
};

// The check digit for the first 11 digits of an IIN (weights 1..11 mod 11; when that gives 10,
// weights 3..11,1,2 mod 11). nullopt when the second pass gives 10 too: no IIN starts with those 11
// digits. first_eleven must be 11 ASCII digits.
std::optional<int> IinCheckDigit(absl::string_view first_eleven);

// Decodes an IIN. On failure, INVALID_ARGUMENT whose message is a phrase meant to follow
// "<field>: ", e.g. "an IIN must be 12 digits (has 11 characters)".
absl::StatusOr<IinInfo> ParseIin(absl::string_view iin);

// OK when the IIN `iin` (already valid) encodes `birth_date` and `sex`. Otherwise INVALID_ARGUMENT
// "<field>: IIN encodes birth date 1990-05-14, <owner>.birth_date is 1990-05-15" (or the same for
// sex), where `field` names the IIN and `owner` the message that holds birth_date and sex.
absl::Status CheckIinMatches(absl::string_view field, absl::string_view iin,
                             absl::CivilDay birth_date, blooddrive::v1::Sex sex,
                             absl::string_view owner = "donor");

}  // namespace blooddrive::registry
