// Request validation that names the offending field, e.g. "donor.phone: not a valid phone number".
// Every check returns INVALID_ARGUMENT with the field path first, so a client can point at the
// input.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "blooddrive/v1/common.pb.h"

namespace blooddrive::platform {

// INVALID_ARGUMENT "<field>: <problem>".
absl::Status InvalidField(absl::string_view field, absl::string_view problem);

// Joins a parent path and a child: FieldPath("donor", "phone") == "donor.phone";
// FieldPath("donor.documents", 2) == "donor.documents[2]".
std::string FieldPath(absl::string_view parent, absl::string_view child);
std::string FieldPath(absl::string_view parent, int index);

// Text of 1..max_chars Unicode characters (0..max_chars when optional), valid UTF-8, without
// control characters, and not only whitespace.
absl::Status CheckText(absl::string_view field, absl::string_view value, int max_chars,
                       bool required);

// request_id: 1..64 printable ASCII characters.
absl::Status CheckRequestId(absl::string_view field, absl::string_view value);

// "<collection>/<id>" with id of 1..32 characters [a-z0-9-]; returns the id through *id.
absl::Status CheckResourceName(absl::string_view field, absl::string_view value,
                               absl::string_view collection, std::string* id);

// page_size 0..500 (0 means default_size) -> the effective page size.
absl::Status CheckPageSize(absl::string_view field, int page_size, int default_size,
                           int* effective);

// A valid calendar date with year 1900..9999.
absl::Status CheckDate(absl::string_view field, const blooddrive::v1::Date& date, bool required);

// Enum value that is defined and not the *_UNSPECIFIED zero.
// Enum value that is defined (is_valid is the generated <Enum>_IsValid) and not the zero
// *_UNSPECIFIED value.
absl::Status CheckEnum(absl::string_view field, int value, bool (*is_valid)(int));

}  // namespace blooddrive::platform
