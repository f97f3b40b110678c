// Parsing what clinic staff type. No I/O: tests/clinic covers it.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "clinic.h"

namespace blooddrive::clinic {
namespace {

// Ids are 1..32 of [a-z0-9-] (common.proto).
bool IsId(absl::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-')) return false;
  }
  return true;
}

absl::StatusOr<std::string> Named(absl::string_view collection, absl::string_view what,
                                  absl::string_view example, absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  const std::string prefix = absl::StrCat(collection, "/");
  absl::string_view id = text;
  absl::ConsumePrefix(&id, prefix);
  if (!IsId(id)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s \"%s\" is not a %s id: expected e.g. \"%s\" or \"%s%s\" (lower-case letters, digits, "
        "'-')",
        what, std::string(text), what, example, prefix, example));
  }
  return absl::StrCat(prefix, id);
}

std::string Normalized(absl::string_view text) {
  std::string out = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  for (char& c : out) {
    if (c == '-' || c == ' ') c = '_';
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> SiteName(absl::string_view text) {
  return Named("sites", "site", "astana-old-town", text);
}

absl::StatusOr<std::string> DonorName(absl::string_view text) {
  return Named("donors", "donor", "4f2a9c", text);
}

absl::Status CheckBookingName(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '/');
  if (parts.size() != 4 || parts[0] != "drives" || !IsId(parts[1]) || parts[2] != "bookings" ||
      !IsId(parts[3])) {
    return absl::InvalidArgumentError(
        absl::StrCat("booking \"", std::string(text),
                     "\" is not a booking name: expected drives/{drive}/bookings/{booking}, as "
                     "the BOOKING column of `roster` shows it"));
  }
  return absl::OkStatus();
}

std::string DriveOf(absl::string_view resource) {
  const size_t first = resource.find('/');
  if (first == absl::string_view::npos) return std::string(resource);
  const size_t second = resource.find('/', first + 1);
  return std::string(resource.substr(0, second));
}

absl::StatusOr<v1::TimeOfDay> ParseClock(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  int hours = -1;
  int minutes = -1;
  auto all_digits = [](absl::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
  };
  if (parts.size() == 2 && parts[0].size() <= 2 && parts[1].size() == 2 && all_digits(parts[0]) &&
      all_digits(parts[1])) {
    (void)absl::SimpleAtoi(parts[0], &hours);
    (void)absl::SimpleAtoi(parts[1], &minutes);
  } else if (parts.size() == 1 && text.size() == 4 && all_digits(text)) {
    (void)absl::SimpleAtoi(text.substr(0, 2), &hours);
    (void)absl::SimpleAtoi(text.substr(2), &minutes);
  }
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", std::string(text), "\" is not a time of day: expected HH:MM, e.g. 09:30"));
  }
  v1::TimeOfDay time;
  time.set_hours(hours);
  time.set_minutes(minutes);
  return time;
}

std::string FormatClock(const v1::TimeOfDay& time) {
  return absl::StrFormat("%02d:%02d", time.hours(), time.minutes());
}

std::string SlotNameAt(absl::string_view drive, const v1::TimeOfDay& time) {
  return absl::StrFormat("%s/slots/%02d%02d", std::string(drive), time.hours(), time.minutes());
}

absl::StatusOr<int> ParseEnumArg(const google::protobuf::EnumDescriptor* descriptor,
                                 absl::string_view prefix, absl::string_view text) {
  const google::protobuf::EnumValueDescriptor* value =
      descriptor->FindValueByName(absl::StrCat(prefix, Normalized(text)));
  if (value == nullptr || value->number() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", std::string(absl::StripAsciiWhitespace(text)),
                     "\" is not one of: ", EnumArgChoices(descriptor, prefix)));
  }
  return value->number();
}

std::string EnumArg(const google::protobuf::EnumDescriptor* descriptor, absl::string_view prefix,
                    int value) {
  const google::protobuf::EnumValueDescriptor* v = descriptor->FindValueByNumber(value);
  if (v == nullptr) return absl::StrCat(value);
  absl::string_view name = v->name();
  absl::ConsumePrefix(&name, prefix);
  std::string out = absl::AsciiStrToLower(name);
  for (char& c : out) {
    if (c == '_') c = '-';
  }
  return out;
}

std::string EnumArgChoices(const google::protobuf::EnumDescriptor* descriptor,
                           absl::string_view prefix) {
  std::vector<std::string> names;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const int number = descriptor->value(i)->number();
    if (number != 0) names.push_back(EnumArg(descriptor, prefix, number));
  }
  return absl::StrJoin(names, ", ");
}

absl::StatusOr<std::vector<v1::BookingState>> ParseStates(absl::string_view text) {
  std::vector<v1::BookingState> states;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    absl::StatusOr<int> state = ParseEnumArg(v1::BookingState_descriptor(), "BOOKING_STATE_", part);
    if (!state.ok()) return state.status();
    states.push_back(static_cast<v1::BookingState>(*state));
  }
  return states;
}

absl::StatusOr<v1::DeferralCode> ParseDeferralCode(absl::string_view text) {
  absl::StatusOr<int> code = ParseEnumArg(v1::DeferralCode_descriptor(), "DEFERRAL_CODE_", text);
  if (!code.ok()) return code.status();
  return static_cast<v1::DeferralCode>(*code);
}

absl::StatusOr<v1::ConfirmationChannel> ParseChannel(absl::string_view text) {
  const std::string key = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  if (key == "phone" || key == "phone-call" || key == "call")
    return v1::CONFIRMATION_CHANNEL_PHONE_CALL;
  if (key == "sms" || key == "sms-reply") return v1::CONFIRMATION_CHANNEL_SMS_REPLY;
  if (key == "in-person" || key == "clinic") return v1::CONFIRMATION_CHANNEL_CLINIC;
  if (key == "portal") return v1::CONFIRMATION_CHANNEL_PORTAL;
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", key, "\" is not a confirmation channel: expected phone, sms, in-person or portal"));
}

absl::StatusOr<v1::IdentityDocument> ParseDocument(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, absl::MaxSplits(':', 2));
  absl::StatusOr<int> type =
      parts.size() == 3 ? ParseEnumArg(v1::DocumentType_descriptor(), "DOCUMENT_TYPE_", parts[0])
                        : absl::InvalidArgumentError("");
  if (!type.ok() || parts[1].size() != 2 || parts[2].empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "document \"", std::string(text),
        "\": expected TYPE:COUNTRY:NUMBER, e.g. passport:UZ:AB1234567 or iin:KZ:900101300123 "
        "(types: ",
        EnumArgChoices(v1::DocumentType_descriptor(), "DOCUMENT_TYPE_"), ")"));
  }
  v1::IdentityDocument document;
  document.set_type(static_cast<v1::DocumentType>(*type));
  document.set_issuing_country(absl::AsciiStrToUpper(parts[1]));
  document.set_number(std::string(parts[2]));
  return document;
}

std::string DonorDisplayName(const v1::Donor& donor) {
  if (donor.given_name().empty()) return donor.family_name();
  if (donor.family_name().empty()) return donor.given_name();
  return absl::StrCat(donor.given_name(), " ", donor.family_name());
}

}  // namespace blooddrive::clinic
