// Exact SMS encoding and segment count of a text, as a handset or an SMSC would compute them.
//
// GSM-7 (3GPP TS 23.038 default alphabet, no national shift tables): 160 septets fit one SMS;
// a longer text is split into parts of at most 153 septets (7 octets go to the concatenation
// header). Characters of the extension table (form feed ^ { } \ [ ] ~ | €) are an escape plus a
// septet: they count 2 and are never split across parts.
//
// UCS-2 (in practice UTF-16): 70 code units fit one SMS; parts hold at most 67. A character
// outside the BMP (most emoji) is a surrogate pair: it counts 2 and is never split across parts.
//
// Because a part may end one unit short to keep a pair or an escape whole, the segment count is
// not always ceil(units / 153) or ceil(units / 67): it is computed by packing parts greedily.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "blooddrive/v1/reminders.pb.h"

namespace blooddrive::reminders {

inline constexpr int kGsm7SingleSeptets = 160;
inline constexpr int kGsm7PartSeptets = 153;
inline constexpr int kUcs2SingleUnits = 70;
inline constexpr int kUcs2PartUnits = 67;

struct SmsOptions {
  // Replace Uzbek Latin ʻ (U+02BB) and ʼ (U+02BC), the typographic single quotes ‘ ’ ‛ and
  // backtick-like marks with ASCII ' and the typographic double quotes “ ” „ with ASCII ", but
  // only when that makes the whole text GSM-7: a text that is UCS-2 anyway keeps its letters.
  bool fold_quotes = true;
};

struct SmsInfo {
  blooddrive::v1::SmsEncoding encoding = blooddrive::v1::SMS_ENCODING_GSM7;
  // Septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2.
  int units = 0;
  // 1 for an empty text (an empty SMS still costs one).
  int segments = 1;
  // The text to send: the input after quote folding (when it applied), with ill-formed UTF-8
  // replaced by U+FFFD. Valid UTF-8.
  std::string text;
};

// Encoding, length and segment count of `utf8`.
SmsInfo AnalyzeSms(absl::string_view utf8, const SmsOptions& options = {});

// The parts a concatenated SMS of `info.text` is split into (one element for a single SMS), in
// order; each respects the part limits above. For tests and for providers that split themselves.
std::vector<std::string> SplitSms(const SmsInfo& info);

// GSM-7 septets one code point takes: 1 (default alphabet), 2 (extension table) or 0 (not
// representable in GSM-7).
int Gsm7Septets(int code_point);

}  // namespace blooddrive::reminders
