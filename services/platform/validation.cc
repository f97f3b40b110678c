#include "validation.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"

namespace blooddrive::platform {

absl::Status InvalidField(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

std::string FieldPath(absl::string_view parent, absl::string_view child) {
  if (parent.empty()) return std::string(child);
  return absl::StrCat(parent, ".", child);
}

std::string FieldPath(absl::string_view parent, int index) {
  return absl::StrCat(parent, "[", index, "]");
}

absl::Status CheckText(absl::string_view field, absl::string_view value, int max_chars,
                       bool required) {
  int chars = 0;
  bool has_visible = false;
  const auto* bytes = reinterpret_cast<const uint8_t*>(value.data());
  const int32_t length = static_cast<int32_t>(value.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) return InvalidField(field, "is not valid UTF-8");
    // Format characters such as zero-width (non-)joiners belong to some scripts' spelling; bidi
    // overrides only serve to make text display other than it reads.
    const int8_t type = u_charType(c);
    if (type == U_CONTROL_CHAR || type == U_LINE_SEPARATOR || type == U_PARAGRAPH_SEPARATOR ||
        u_hasBinaryProperty(c, UCHAR_BIDI_CONTROL)) {
      return InvalidField(field, "contains a control character");
    }
    if (!u_isUWhiteSpace(c)) has_visible = true;
    ++chars;
  }
  if (chars > max_chars) {
    return InvalidField(field, absl::StrCat("is longer than ", max_chars, " characters"));
  }
  if (required && !has_visible) return InvalidField(field, "is required");
  if (!value.empty() && !has_visible) return InvalidField(field, "is only whitespace");
  return absl::OkStatus();
}

absl::Status CheckRequestId(absl::string_view field, absl::string_view value) {
  if (value.empty())
    return InvalidField(field, "is required (a unique id per change, e.g. a UUID)");
  if (value.size() > 64) return InvalidField(field, "is longer than 64 characters");
  for (char c : value) {
    if (c <= ' ' || c > '~') return InvalidField(field, "must be printable ASCII without spaces");
  }
  return absl::OkStatus();
}

absl::Status CheckResourceName(absl::string_view field, absl::string_view value,
                               absl::string_view collection, std::string* id) {
  const std::string prefix = absl::StrCat(collection, "/");
  if (value.empty()) return InvalidField(field, absl::StrCat("is required (", prefix, "{id})"));
  if (value.substr(0, prefix.size()) != prefix) {
    return InvalidField(field, absl::StrCat("must look like ", prefix, "{id}"));
  }
  absl::string_view rest = value.substr(prefix.size());
  if (rest.empty() || rest.size() > 32) {
    return InvalidField(field, "has an id that is empty or longer than 32 characters");
  }
  for (char c : rest) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-')) {
      return InvalidField(field, "has an id with characters other than a-z, 0-9 and '-'");
    }
  }
  if (id != nullptr) *id = std::string(rest);
  return absl::OkStatus();
}

absl::Status CheckPageSize(absl::string_view field, int page_size, int default_size,
                           int* effective) {
  if (page_size < 0) return InvalidField(field, "must not be negative");
  if (page_size > 500) return InvalidField(field, "must be at most 500");
  *effective = page_size == 0 ? default_size : page_size;
  return absl::OkStatus();
}

absl::Status CheckDate(absl::string_view field, const blooddrive::v1::Date& date, bool required) {
  if (date.year() == 0 && date.month() == 0 && date.day() == 0) {
    return required ? InvalidField(field, "is required") : absl::OkStatus();
  }
  if (date.year() < 1900 || date.year() > 9999) {
    return InvalidField(field, "has a year outside 1900..9999");
  }
  if (date.month() < 1 || date.month() > 12)
    return InvalidField(field, "has a month outside 1..12");
  const absl::CivilDay day(date.year(), date.month(), date.day());
  if (date.day() < 1 || day.month() != date.month() || day.day() != date.day()) {
    return InvalidField(field, "is not a date of the calendar");
  }
  return absl::OkStatus();
}

absl::Status CheckEnum(absl::string_view field, int value, bool (*is_valid)(int)) {
  if (value == 0) return InvalidField(field, "is required");
  if (!is_valid(value)) return InvalidField(field, "is not a known value");
  return absl::OkStatus();
}

}  // namespace blooddrive::platform
