// Renders an SMS from a template (message_templates.h) and plain facts, then measures it
// (sms_encoding.h).
//
// Dates and times are formatted by hand, not through ICU/CLDR, so that a text (and its segment
// count) does not change with the ICU version: 24-hour "HH:MM" everywhere; dates "12.03.2026" in
// kk, ru, uz, ky, tg (the usual numeric form there) and "12 Mar 2026" in en.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "blooddrive/v1/common.pb.h"
#include "blooddrive/v1/reminders.pb.h"
#include "message_templates.h"
#include "sms_encoding.h"

namespace blooddrive::reminders {

// What a message may say. Only the fields its template uses are required.
struct MessageFacts {
  std::string site_name;  // BookingSnapshot.place_display_name
  // The site's address, or a mobile drive's venue (up to 300 characters): "г. Астана, ул.
  // Кенесары, 52". Kazakh/Russian order: the least specific parts first, house number last.
  std::string address;
  // The slot's start in the site's local wall time (see LocalSlotStart).
  std::optional<absl::CivilMinute> slot_start;
  std::optional<absl::CivilDay> drive_date;  // {drive_date}; absent: the slot's date
  std::optional<absl::CivilDay> next_eligible_date;
  std::string branch_phone;  // as donors dial it, e.g. "+7 7172 55-12-34"; see CheckMessagePhone
};

struct RenderOptions {
  // Tried in order after the donor's language when a template is missing.
  std::vector<blooddrive::v1::Language> fallback = {blooddrive::v1::LANGUAGE_RUSSIAN,
                                                    blooddrive::v1::LANGUAGE_ENGLISH};
  // nullptr: TemplateSet::Builtin().
  const TemplateSet* templates = nullptr;
  SmsOptions sms;
  // A text that would take more segments than this has its address and place name shortened
  // (see Render). Every segment is paid for, and handsets show long chains badly.
  int max_segments = 2;
};

// The longest phone a message may print ({phone} is never shortened); with it every built-in
// template still fits two segments.
inline constexpr int kMaxMessagePhoneChars = 20;
// Shortening keeps at least this many characters of the address, then of the place name, before
// cutting either further (see Render).
inline constexpr int kMinAddressChars = 20;
inline constexpr int kMinPlaceChars = 20;

struct RenderedMessage {
  blooddrive::v1::Language language = blooddrive::v1::LANGUAGE_UNSPECIFIED;  // after fallback
  SmsInfo sms;  // sms.text is the message to send
};

// The values are used in full when the text fits options.max_segments. Otherwise the first of
// these forms that fits is sent, each tried from the longest:
//   1. the address without its leading comma-separated parts (city, region, building name), one
//      part at a time, as long as a part with a digit (the house number) remains (AddressTails);
//   2. that address cut at a word boundary (WordCuts), down to kMinAddressChars;
//   3. the place name cut likewise, down to kMinPlaceChars;
//   4. the address, then the place name, cut further, as far as WordCuts goes.
// A cut value ends with "…", or "..." when the text is GSM-7 anyway ("…" is not in GSM-7). Date,
// time and phone are never changed. When no form fits, the shortest is returned (sms.segments
// says so).
//
// INVALID_ARGUMENT for an unspecified kind or a fact the template needs but `facts` lacks
// ("facts.slot_start: required by the template"); NOT_FOUND when neither the language nor any
// fallback has a template for the kind.
absl::StatusOr<RenderedMessage> Render(blooddrive::v1::MessageKind kind,
                                       blooddrive::v1::Language language, const MessageFacts& facts,
                                       const RenderOptions& options = {});

// "12.03.2026", or "12 Mar 2026" in English.
std::string FormatDate(absl::CivilDay day, blooddrive::v1::Language language);
// "09:30".
std::string FormatTime(absl::CivilMinute minute);

// The local wall time of `utc` in the IANA zone `zone_name`; INVALID_ARGUMENT for an unknown
// zone.
absl::StatusOr<absl::CivilMinute> LocalSlotStart(absl::Time utc, absl::string_view zone_name);

// `address`, then its shorter forms for step 1 of Render, most complete first. Comma-separated
// parts are dropped from the front; a part that is only a number or an abbreviated unit with one
// ("10", "55/1", "эт. 2", "корп. 3") stays with the part before it, so "г. Астана, ул.
// Бейбітшілік, 10" gives "ул. Бейбітшілік, 10" and never "10". No part is dropped when what would
// remain has no digit ("10 Abay ave., Astana" keeps its street).
std::vector<std::string> AddressTails(absl::string_view address);

// The cut forms of `text`, longest first, each a proper prefix ending at a word boundary, without
// trailing spaces and punctuation, followed by `ellipsis`. No cut right after an abbreviation or
// an initial ("ул.", "им.", "Л."), which means nothing without the next word. A first word of
// more than 20 characters is also cut inside, but never inside a number ("55/1" stays whole or
// goes).
std::vector<std::string> WordCuts(absl::string_view text, absl::string_view ellipsis = "…");

// OK when `phone` may be printed as {phone}: 1 to kMaxMessagePhoneChars characters, only digits,
// spaces and + - ( ), at least one digit; else INVALID_ARGUMENT saying why.
absl::Status CheckMessagePhone(absl::string_view phone);

}  // namespace blooddrive::reminders
