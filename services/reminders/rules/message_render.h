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
  std::string address;    // short, e.g. "ул. Кенесары, 52"
  // The slot's start in the site's local wall time (see LocalSlotStart).
  std::optional<absl::CivilMinute> slot_start;
  std::optional<absl::CivilDay> drive_date;  // {drive_date}; absent: the slot's date
  std::optional<absl::CivilDay> next_eligible_date;
  std::string branch_phone;  // as donors dial it, e.g. "+7 7172 55-12-34"
};

struct RenderOptions {
  // Tried in order after the donor's language when a template is missing.
  std::vector<blooddrive::v1::Language> fallback = {blooddrive::v1::LANGUAGE_RUSSIAN,
                                                    blooddrive::v1::LANGUAGE_ENGLISH};
  // nullptr: TemplateSet::Builtin().
  const TemplateSet* templates = nullptr;
  SmsOptions sms;
  // Longer values are cut (at a character boundary, ending in ".") so that every built-in
  // template stays within two segments; the limits are the values the two-segment test uses.
  int max_site_chars = 42;
  int max_address_chars = 28;
  int max_phone_chars = 16;
};

struct RenderedMessage {
  blooddrive::v1::Language language = blooddrive::v1::LANGUAGE_UNSPECIFIED;  // after fallback
  SmsInfo sms;  // sms.text is the message to send
};

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

// `text` cut to at most `max_chars` code points: longer text keeps max_chars - 1 of them, without
// trailing spaces and punctuation, plus ".".
std::string Truncate(absl::string_view text, int max_chars);

}  // namespace blooddrive::reminders
