#include "sms_encoding.h"

#include <cstdint>
#include <string>
#include <vector>

#include "unicode/utf16.h"
#include "unicode/utf8.h"

namespace blooddrive::reminders {
namespace {

// The non-ASCII code points of the GSM-7 default alphabet (3GPP TS 23.038 6.2.1), as mapped by
// the Unicode consortium's GSM0338 table (0x09 is U+00C7).
constexpr char32_t kGsmBasicNonAscii[] = {
    U'£', U'¥', U'è', U'é', U'ù', U'ì', U'ò', U'Ç', U'Ø', U'ø', U'Å', U'å', U'Δ',
    U'Φ', U'Γ', U'Λ', U'Ω', U'Π', U'Ψ', U'Σ', U'Θ', U'Ξ', U'Æ', U'æ', U'ß', U'É',
    U'¤', U'¡', U'Ä', U'Ö', U'Ñ', U'Ü', U'§', U'¿', U'ä', U'ö', U'ñ', U'ü', U'à',
};

// The extension table (6.2.1.1): an escape septet plus one.
constexpr char32_t kGsmExtension[] = {U'\f', U'^', U'{', U'}', U'\\', U'[', U'~', U']', U'|', U'€'};

// Decodes UTF-8 into code points; ill-formed sequences become U+FFFD.
std::vector<UChar32> Decode(absl::string_view utf8) {
  std::vector<UChar32> out;
  out.reserve(utf8.size());
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  const int32_t length = static_cast<int32_t>(utf8.size());
  int32_t i = 0;
  while (i < length) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    out.push_back(c < 0 ? 0xFFFD : c);
  }
  return out;
}

void AppendUtf8(UChar32 c, std::string* out) {
  uint8_t buf[U8_MAX_LENGTH];
  int32_t n = 0;
  UBool error = false;
  U8_APPEND(buf, n, U8_MAX_LENGTH, c, error);
  if (error) return;  // only for surrogates, which Decode never yields
  out->append(reinterpret_cast<const char*>(buf), n);
}

std::string Encode(const std::vector<UChar32>& cps) {
  std::string out;
  for (UChar32 c : cps) AppendUtf8(c, &out);
  return out;
}

// The GSM-7 stand-in for a quote-like mark, or 0 when `c` is not one.
UChar32 FoldQuote(UChar32 c) {
  switch (c) {
    case 0x02BB:  // ʻ MODIFIER LETTER TURNED COMMA (Uzbek oʻ, gʻ)
    case 0x02BC:  // ʼ MODIFIER LETTER APOSTROPHE (Uzbek tutuq belgisi)
    case 0x02B9:  // ʹ
    case 0x2018:  // ‘
    case 0x2019:  // ’
    case 0x201B:  // ‛
    case 0x2032:  // ′
    case 0x0060:  // ` (not in GSM-7; often typed for ʻ)
    case 0x00B4:  // ´
      return '\'';
    case 0x201C:  // “
    case 0x201D:  // ”
    case 0x201E:  // „
      return '"';
    default:
      return 0;
  }
}

int Ucs2Units(UChar32 c) { return U16_LENGTH(c); }

// Greedy packing: how many parts of at most `limit` units the per-character costs need when no
// character may straddle two parts.
template <typename CostFn>
std::vector<std::pair<size_t, size_t>> Pack(const std::vector<UChar32>& cps, int limit,
                                            CostFn cost) {
  std::vector<std::pair<size_t, size_t>> parts;  // [begin, end) indexes into cps
  size_t begin = 0;
  int used = 0;
  for (size_t i = 0; i < cps.size(); ++i) {
    const int c = cost(cps[i]);
    if (used + c > limit) {
      parts.emplace_back(begin, i);
      begin = i;
      used = 0;
    }
    used += c;
  }
  parts.emplace_back(begin, cps.size());
  return parts;
}

bool AllGsm(const std::vector<UChar32>& cps) {
  for (UChar32 c : cps) {
    if (Gsm7Septets(c) == 0) return false;
  }
  return true;
}

struct Layout {
  bool gsm = true;
  int units = 0;
  std::vector<std::pair<size_t, size_t>> parts;
};

Layout Measure(const std::vector<UChar32>& cps) {
  Layout layout;
  layout.gsm = AllGsm(cps);
  const auto cost = [&](UChar32 c) { return layout.gsm ? Gsm7Septets(c) : Ucs2Units(c); };
  for (UChar32 c : cps) layout.units += cost(c);
  const int single = layout.gsm ? kGsm7SingleSeptets : kUcs2SingleUnits;
  const int part = layout.gsm ? kGsm7PartSeptets : kUcs2PartUnits;
  if (layout.units <= single) {
    layout.parts = {{0, cps.size()}};
  } else {
    layout.parts = Pack(cps, part, cost);
  }
  return layout;
}

}  // namespace

int Gsm7Septets(int c) {
  if (c == '\n' || c == '\r') return 1;
  if (c == '`') return 0;
  if (c >= 0x20 && c < 0x7F) {
    for (char32_t e : kGsmExtension) {
      if (static_cast<int>(e) == c) return 2;
    }
    return 1;
  }
  for (char32_t b : kGsmBasicNonAscii) {
    if (static_cast<int>(b) == c) return 1;
  }
  if (c == '\f' || c == 0x20AC) return 2;
  return 0;
}

SmsInfo AnalyzeSms(absl::string_view utf8, const SmsOptions& options) {
  std::vector<UChar32> cps = Decode(utf8);
  if (options.fold_quotes && !AllGsm(cps)) {
    std::vector<UChar32> folded = cps;
    bool changed = false;
    for (UChar32& c : folded) {
      if (UChar32 f = FoldQuote(c); f != 0) {
        c = f;
        changed = true;
      }
    }
    if (changed && AllGsm(folded)) cps = std::move(folded);
  }
  const Layout layout = Measure(cps);
  SmsInfo info;
  info.encoding =
      layout.gsm ? blooddrive::v1::SMS_ENCODING_GSM7 : blooddrive::v1::SMS_ENCODING_UCS2;
  info.units = layout.units;
  info.segments = static_cast<int>(layout.parts.size());
  info.text = Encode(cps);
  return info;
}

std::vector<std::string> SplitSms(const SmsInfo& info) {
  const std::vector<UChar32> cps = Decode(info.text);
  const Layout layout = Measure(cps);
  std::vector<std::string> out;
  for (const auto& [begin, end] : layout.parts) {
    out.push_back(Encode(std::vector<UChar32>(cps.begin() + begin, cps.begin() + end)));
  }
  return out;
}

}  // namespace blooddrive::reminders
