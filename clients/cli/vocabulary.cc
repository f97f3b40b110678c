// What staff type and what they read: dates, times, blood groups, donation types and enum labels.
// Parsers accept the spellings people actually use (O+, o-pos, whole_blood, DONOR_REQUEST) and
// their errors list the accepted ones, so a typo costs one retry.
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "cli/cli.h"
#include "dates.h"
#include "google/protobuf/descriptor.h"

namespace blooddrive::cli {
namespace {

// Lower case, '_' and spaces as '-', no surrounding blanks: "Whole_Blood " -> "whole-blood".
std::string Normalize(absl::string_view text) {
  std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  for (char& c : s) {
    if (c == '_' || c == ' ') c = '-';
  }
  return s;
}

bool ParseDigits(absl::string_view text, size_t min_len, size_t max_len, int* out) {
  if (text.size() < min_len || text.size() > max_len) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleAtoi(text, out);
}

// "BookingState" -> "BOOKING_STATE_": the prefix every value of a proto enum carries.
std::string ValuePrefix(const google::protobuf::EnumDescriptor* descriptor) {
  std::string prefix;
  for (char c : descriptor->name()) {
    if (absl::ascii_isupper(static_cast<unsigned char>(c)) && !prefix.empty()) prefix += '_';
    prefix += absl::ascii_toupper(static_cast<unsigned char>(c));
  }
  return prefix + "_";
}

}  // namespace

absl::StatusOr<v1::Date> ParseDate(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  std::vector<absl::string_view> parts = absl::StrSplit(text, '-');
  int y = 0, m = 0, d = 0;
  if (parts.size() != 3 || !ParseDigits(parts[0], 4, 4, &y) || !ParseDigits(parts[1], 1, 2, &m) ||
      !ParseDigits(parts[2], 1, 2, &d)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not a date; write YYYY-MM-DD, e.g. 2026-12-01"));
  }
  const absl::CivilDay day(y, m, d);
  if (day.year() != y || day.month() != m || day.day() != d || y < 1900) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not a day of the calendar"));
  }
  v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

std::string FormatDate(const v1::Date& date) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02d", date.year(), date.month(), date.day());
  return buffer;
}

absl::StatusOr<v1::TimeOfDay> ParseTimeOfDay(absl::string_view text, bool allow_24) {
  text = absl::StripAsciiWhitespace(text);
  std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  int h = 0, m = 0;
  if (parts.size() != 2 || !ParseDigits(parts[0], 1, 2, &h) || !ParseDigits(parts[1], 2, 2, &m) ||
      m > 59 || h > 24 || (h == 24 && (!allow_24 || m != 0))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text, "\" is not a time of day; write HH:MM on the 24-hour clock, e.g. 09:30"));
  }
  v1::TimeOfDay time;
  time.set_hours(h);
  time.set_minutes(m);
  return time;
}

std::string FormatTimeOfDay(const v1::TimeOfDay& time) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "%02d:%02d", time.hours(), time.minutes());
  return buffer;
}

absl::StatusOr<v1::OpeningWindow> ParseWindow(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  // An en dash is what word processors turn "-" into; spreadsheets and notes are pasted from them.
  const std::string plain = absl::StrReplaceAll(text, {{"\u2013", "-"}});
  std::vector<absl::string_view> parts = absl::StrSplit(plain, '-');
  const auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not an opening window", why,
                                                   "; write HH:MM-HH:MM, e.g. 09:00-13:00"));
  };
  if (parts.size() != 2) return bad("");
  absl::StatusOr<v1::TimeOfDay> start = ParseTimeOfDay(parts[0]);
  absl::StatusOr<v1::TimeOfDay> end = ParseTimeOfDay(parts[1], /*allow_24=*/true);
  if (!start.ok() || !end.ok()) return bad("");
  if (end->hours() * 60 + end->minutes() <= start->hours() * 60 + start->minutes()) {
    return bad(" (it must end after it starts)");
  }
  v1::OpeningWindow window;
  *window.mutable_start() = *start;
  *window.mutable_end() = *end;
  return window;
}

std::string FormatWindow(const v1::OpeningWindow& window) {
  return absl::StrCat(FormatTimeOfDay(window.start()), "-", FormatTimeOfDay(window.end()));
}

absl::StatusOr<v1::BloodGroup> ParseBloodGroup(absl::string_view text) {
  std::string s = Normalize(text);
  if (absl::StartsWith(s, "blood-group-")) s = s.substr(12);
  if (s == "unknown" || s == "?") return v1::BLOOD_GROUP_UNKNOWN;
  // The ABO part: longest first, so "ab" is not read as "a" followed by "b".
  std::string abo;
  for (absl::string_view candidate : {"ab", "a", "b", "o", "0"}) {
    if (absl::StartsWith(s, candidate)) {
      abo = std::string(candidate);
      break;
    }
  }
  std::string rh = s.substr(abo.size());
  if (absl::StartsWith(rh, "-") && rh.size() > 1) rh = rh.substr(1);  // "o-pos", "o-negative"
  if (absl::StartsWith(rh, "rh")) rh = rh.substr(2);                  // "a rh+"
  static const auto* kPositive = new std::vector<std::string>{"+", "pos", "positive"};
  static const auto* kNegative = new std::vector<std::string>{"-", "neg", "negative"};
  int positive = -1;
  for (const std::string& p : *kPositive) {
    if (rh == p) positive = 1;
  }
  for (const std::string& n : *kNegative) {
    if (rh == n) positive = 0;
  }
  if (abo.empty() || positive < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text,
        "\" is not a blood group; write O+, O-, A+, A-, B+, B-, AB+, AB- (or o-pos, ab-neg), "
        "or unknown"));
  }
  const bool pos = positive == 1;
  if (abo == "o" || abo == "0")
    return pos ? v1::BLOOD_GROUP_O_POSITIVE : v1::BLOOD_GROUP_O_NEGATIVE;
  if (abo == "a") return pos ? v1::BLOOD_GROUP_A_POSITIVE : v1::BLOOD_GROUP_A_NEGATIVE;
  if (abo == "b") return pos ? v1::BLOOD_GROUP_B_POSITIVE : v1::BLOOD_GROUP_B_NEGATIVE;
  return pos ? v1::BLOOD_GROUP_AB_POSITIVE : v1::BLOOD_GROUP_AB_NEGATIVE;
}

std::string FormatBloodGroup(v1::BloodGroup group) {
  switch (group) {
    case v1::BLOOD_GROUP_UNKNOWN:
      return "unknown";
    case v1::BLOOD_GROUP_O_POSITIVE:
      return "O+";
    case v1::BLOOD_GROUP_O_NEGATIVE:
      return "O-";
    case v1::BLOOD_GROUP_A_POSITIVE:
      return "A+";
    case v1::BLOOD_GROUP_A_NEGATIVE:
      return "A-";
    case v1::BLOOD_GROUP_B_POSITIVE:
      return "B+";
    case v1::BLOOD_GROUP_B_NEGATIVE:
      return "B-";
    case v1::BLOOD_GROUP_AB_POSITIVE:
      return "AB+";
    case v1::BLOOD_GROUP_AB_NEGATIVE:
      return "AB-";
    default:
      return "unspecified";
  }
}

absl::StatusOr<v1::DonationType> ParseDonationType(absl::string_view text) {
  std::string s = Normalize(text);
  if (absl::StartsWith(s, "donation-type-")) s = s.substr(14);
  if (s == "whole-blood") return v1::DONATION_TYPE_WHOLE_BLOOD;
  if (s == "double-red-cells") return v1::DONATION_TYPE_DOUBLE_RED_CELLS;
  if (s == "platelets") return v1::DONATION_TYPE_PLATELETS;
  if (s == "plasma") return v1::DONATION_TYPE_PLASMA;
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", text,
      "\" is not a donation type; write whole-blood, double-red-cells, platelets or plasma"));
}

std::string FormatDonationType(v1::DonationType type) {
  switch (type) {
    case v1::DONATION_TYPE_WHOLE_BLOOD:
      return "whole blood";
    case v1::DONATION_TYPE_DOUBLE_RED_CELLS:
      return "double red cells";
    case v1::DONATION_TYPE_PLATELETS:
      return "platelets";
    case v1::DONATION_TYPE_PLASMA:
      return "plasma";
    default:
      return "unspecified";
  }
}

std::string EnumLabel(const google::protobuf::EnumDescriptor* descriptor, int value) {
  const google::protobuf::EnumValueDescriptor* v = descriptor->FindValueByNumber(value);
  if (v == nullptr) return absl::StrCat(value);
  std::string name = v->name();
  const std::string prefix = ValuePrefix(descriptor);
  if (absl::StartsWith(name, prefix)) name = name.substr(prefix.size());
  std::string label = absl::AsciiStrToLower(name);
  for (char& c : label) {
    if (c == '_') c = ' ';
  }
  return label;
}

absl::StatusOr<int> ParseEnumLabel(const google::protobuf::EnumDescriptor* descriptor,
                                   absl::string_view text) {
  std::string s = Normalize(text);
  std::string prefix = Normalize(ValuePrefix(descriptor));
  if (absl::StartsWith(s, prefix)) s = s.substr(prefix.size());
  std::vector<std::string> accepted;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor* v = descriptor->value(i);
    if (v->number() == 0) continue;
    const std::string label = Normalize(EnumLabel(descriptor, v->number()));
    if (s == label) return v->number();
    accepted.push_back(label);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("\"", text, "\" is not one of: ", absl::StrJoin(accepted, ", ")));
}

std::string FormatLocal(const google::protobuf::Timestamp& instant, const absl::TimeZone& zone) {
  const absl::Time t = platform::ToTime(instant);
  return absl::FormatTime("%Y-%m-%d %H:%M", t, zone);
}

std::string ResourceName(absl::string_view collection, absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  text = absl::StripSuffix(text, "/");
  if (absl::StartsWith(text, absl::StrCat(collection, "/"))) return std::string(text);
  return absl::StrCat(collection, "/", text);
}

std::string NewRequestId() {
  std::random_device device;
  std::string id;
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 4; ++i) {
    uint32_t word = device();
    for (int j = 0; j < 8; ++j) {
      id += kHex[word & 0xF];
      word >>= 4;
    }
  }
  return id;
}

}  // namespace blooddrive::cli
