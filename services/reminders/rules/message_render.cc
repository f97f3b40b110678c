#include "message_render.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "unicode/uchar.h"
#include "unicode/utf8.h"

namespace blooddrive::reminders {
namespace {

namespace v1 = blooddrive::v1;

constexpr const char* kEnglishMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

absl::Status Missing(absl::string_view field) {
  return absl::InvalidArgumentError(absl::StrCat("facts.", field, ": required by the template"));
}

// The text for one placeholder, or an error when the facts lack it.
absl::StatusOr<std::string> Fill(absl::string_view name, v1::Language language,
                                 const MessageFacts& facts, const RenderOptions& options) {
  if (name == "site") {
    if (facts.site_name.empty()) return Missing("site_name");
    return Truncate(facts.site_name, options.max_site_chars);
  }
  if (name == "address") {
    if (facts.address.empty()) return Missing("address");
    return Truncate(facts.address, options.max_address_chars);
  }
  if (name == "phone") {
    if (facts.branch_phone.empty()) return Missing("branch_phone");
    return Truncate(facts.branch_phone, options.max_phone_chars);
  }
  if (name == "date" || name == "time") {
    if (!facts.slot_start.has_value()) return Missing("slot_start");
    if (name == "time") return FormatTime(*facts.slot_start);
    return FormatDate(absl::CivilDay(*facts.slot_start), language);
  }
  if (name == "drive_date") {
    if (facts.drive_date.has_value()) return FormatDate(*facts.drive_date, language);
    // A drive-level message about a booking can still name the day from the slot.
    if (facts.slot_start.has_value()) {
      return FormatDate(absl::CivilDay(*facts.slot_start), language);
    }
    return Missing("drive_date");
  }
  if (name == "next_date") {
    if (!facts.next_eligible_date.has_value()) return Missing("next_eligible_date");
    return FormatDate(*facts.next_eligible_date, language);
  }
  return absl::InternalError(absl::StrCat("no value for placeholder {", name, "}"));
}

}  // namespace

std::string FormatDate(absl::CivilDay day, v1::Language language) {
  if (language == v1::LANGUAGE_ENGLISH) {
    return absl::StrFormat("%d %s %04d", day.day(), kEnglishMonths[day.month() - 1], day.year());
  }
  return absl::StrFormat("%02d.%02d.%04d", day.day(), day.month(), day.year());
}

std::string FormatTime(absl::CivilMinute minute) {
  return absl::StrFormat("%02d:%02d", minute.hour(), minute.minute());
}

absl::StatusOr<absl::CivilMinute> LocalSlotStart(absl::Time utc, absl::string_view zone_name) {
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(std::string(zone_name), &zone)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown time zone \"", zone_name, "\""));
  }
  return absl::ToCivilMinute(utc, zone);
}

std::string Truncate(absl::string_view text, int max_chars) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  // Byte offsets where each of the first max_chars code points ends.
  std::vector<int32_t> ends;
  int32_t i = 0;
  while (i < length) {
    U8_FWD_1(s, i, length);
    ends.push_back(i);
    if (static_cast<int>(ends.size()) > max_chars) break;
  }
  if (static_cast<int>(ends.size()) <= max_chars) return std::string(text);
  if (max_chars <= 1) return ".";
  // Keep max_chars - 1 code points, then drop trailing separators so "Астана, ул." does not
  // become "Астана,.".
  int keep = max_chars - 1;
  while (keep > 0) {
    const int32_t begin = keep == 1 ? 0 : ends[keep - 2];
    UChar32 c;
    int32_t j = begin;
    U8_NEXT(s, j, length, c);
    if (!(u_isspace(c) || c == ',' || c == '.' || c == '-' || c == ';' || c == ':')) break;
    --keep;
  }
  return absl::StrCat(text.substr(0, keep == 0 ? 0 : ends[keep - 1]), ".");
}

absl::StatusOr<RenderedMessage> Render(v1::MessageKind kind, v1::Language language,
                                       const MessageFacts& facts, const RenderOptions& options) {
  if (kind == v1::MESSAGE_KIND_UNSPECIFIED || !v1::MessageKind_IsValid(kind)) {
    return absl::InvalidArgumentError("kind: must be specified");
  }
  const TemplateSet& set = options.templates ? *options.templates : TemplateSet::Builtin();
  std::vector<v1::Language> chain;
  if (language != v1::LANGUAGE_UNSPECIFIED) chain.push_back(language);
  for (v1::Language l : options.fallback) {
    if (std::find(chain.begin(), chain.end(), l) == chain.end()) chain.push_back(l);
  }
  for (v1::Language l : chain) {
    const std::vector<TemplatePiece>* pieces = set.Find(kind, l);
    if (pieces == nullptr) continue;
    std::string text;
    for (const TemplatePiece& piece : *pieces) {
      if (!piece.placeholder) {
        // A value cut short ends with "." already; the template's own full stop would double it.
        absl::string_view literal = piece.text;
        if (absl::EndsWith(text, ".") && absl::StartsWith(literal, ".")) literal.remove_prefix(1);
        absl::StrAppend(&text, literal);
        continue;
      }
      absl::StatusOr<std::string> value = Fill(piece.text, l, facts, options);
      if (!value.ok()) return value.status();
      text += *value;
    }
    RenderedMessage out;
    out.language = l;
    out.sms = AnalyzeSms(text, options.sms);
    return out;
  }
  return absl::NotFoundError(absl::StrCat("no template for ", v1::MessageKind_Name(kind), " in ",
                                          v1::Language_Name(language), " or its fallbacks"));
}

}  // namespace blooddrive::reminders
