// SMS templates per message kind and language, with named placeholders.
//
// Placeholders (the only text in braces; a template has no literal braces):
//   {site}       the place as donors see it (drive display name or site name)
//   {address}    the site's short address
//   {date}       the slot's local date, in the language's convention
//   {time}       the slot's local start time, 24-hour "HH:MM"
//   {drive_date} the drive's date (for drive-level messages)
//   {next_date}  the donor's next eligible date (recall)
//   {phone}      the branch's phone for questions and bookings
// Texts hold no donor personal data: no name, no document, no blood group.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "blooddrive/v1/common.pb.h"
#include "blooddrive/v1/reminders.pb.h"

namespace blooddrive::reminders {

// The kinds and languages the built-in set covers (every pair has a text).
const std::vector<blooddrive::v1::MessageKind>& TemplateKinds();
const std::vector<blooddrive::v1::Language>& TemplateLanguages();

// The placeholder names a template may use, without braces.
const std::vector<std::string>& PlaceholderNames();

// A template split into literal text and placeholders, e.g. "Hi {site}." -> {"Hi ", false},
// {"site", true}, {".", false}.
struct TemplatePiece {
  std::string text;
  bool placeholder = false;
};

// INVALID_ARGUMENT naming the problem when `text` is empty, not valid UTF-8, has an unknown
// placeholder or a stray brace.
absl::Status ParseTemplate(absl::string_view text, std::vector<TemplatePiece>* pieces);

class TemplateSet {
 public:
  // The shipped texts in kk, ru, en, uz (Latin), ky, tg (Cyrillic) for every kind of
  // TemplateKinds().
  static const TemplateSet& Builtin();

  // Adds or replaces a text; fails (and keeps the set unchanged) when ParseTemplate fails.
  absl::Status Set(blooddrive::v1::MessageKind kind, blooddrive::v1::Language language,
                   absl::string_view text);
  // Removes a text (e.g. to test fallback); no-op when absent.
  void Erase(blooddrive::v1::MessageKind kind, blooddrive::v1::Language language);
  // The parsed template, or nullptr when the set has none for the pair.
  const std::vector<TemplatePiece>* Find(blooddrive::v1::MessageKind kind,
                                         blooddrive::v1::Language language) const;

 private:
  absl::flat_hash_map<std::pair<int, int>, std::vector<TemplatePiece>> templates_;
};

}  // namespace blooddrive::reminders
