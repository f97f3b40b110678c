#include "message_render.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
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
                                 const MessageFacts& facts) {
  if (name == "site") {
    if (facts.site_name.empty()) return Missing("site_name");
    return facts.site_name;
  }
  if (name == "address") {
    if (facts.address.empty()) return Missing("address");
    return facts.address;
  }
  if (name == "phone") {
    if (facts.branch_phone.empty()) return Missing("branch_phone");
    return facts.branch_phone;
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

// One code point of a text and where it sits, in bytes.
struct CodePoint {
  UChar32 c;
  size_t begin;
  size_t end;
};

std::vector<CodePoint> Decode(absl::string_view text) {
  std::vector<CodePoint> out;
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < length) {
    const int32_t begin = i;
    UChar32 c;
    U8_NEXT(s, i, length, c);
    out.push_back({c, static_cast<size_t>(begin), static_cast<size_t>(i)});
  }
  return out;
}

int CodePointCount(absl::string_view text) { return static_cast<int>(Decode(text).size()); }

bool IsDigit(UChar32 c) { return u_isdigit(c); }

bool HasDigit(absl::string_view text) {
  for (const CodePoint& cp : Decode(text)) {
    if (IsDigit(cp.c)) return true;
  }
  return false;
}

// A first word longer than this (code points) may be cut inside; "ул." or "Астана" never are.
constexpr size_t kLongWordChars = 20;

// What a cut value must not end with: "ул. Сатпаева," would read as a typo before the ellipsis.
bool IsTrailingJunk(UChar32 c) {
  return u_isUWhiteSpace(c) || c == ',' || c == '.' || c == ';' || c == ':' || c == '-' ||
         c == '/' || c == '(' || c == '"' || c == 0x2013 || c == 0x2014 || c == 0x00AB ||
         c == 0x201C || c == 0x201E;
}

// "10", "55/1", "эт. 2", "корп. 3", "2 этаж": a digit and no word longer than an abbreviation.
// Such a part only makes sense with the part before it.
bool IsNumberPart(absl::string_view part) {
  int run = 0;
  for (const CodePoint& cp : Decode(part)) {
    run = u_isalpha(cp.c) ? run + 1 : 0;
    if (run > 5) return false;
  }
  return HasDigit(part);
}

// "ул.", "им.", "Л.", "корп.": a cut right after it would leave a dangling abbreviation.
bool IsAbbreviation(const std::vector<CodePoint>& cps, size_t begin, size_t end) {
  if (end == begin || cps[end - 1].c != '.') return false;
  int letters = 0;
  for (size_t i = begin; i < end; ++i) {
    if (IsDigit(cps[i].c)) return false;
    if (u_isalpha(cps[i].c)) ++letters;
  }
  return letters <= 4;
}

// The prefixes WordCuts() offers, longest first, without the ellipsis.
std::vector<std::string> CutPrefixes(absl::string_view text) {
  const std::vector<CodePoint> cps = Decode(text);
  const auto trim = [&cps](size_t end) {
    while (end > 0 && IsTrailingJunk(cps[end - 1].c)) --end;
    return end;
  };
  std::vector<std::pair<size_t, size_t>> words;  // [begin, end) in code points
  for (size_t i = 0; i < cps.size();) {
    if (u_isUWhiteSpace(cps[i].c)) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < cps.size() && !u_isUWhiteSpace(cps[j].c)) ++j;
    words.emplace_back(i, j);
    i = j;
  }
  std::vector<size_t> ends;  // code points kept
  // Never after the last word: that is the whole text.
  for (size_t w = 0; w + 1 < words.size(); ++w) {
    if (IsAbbreviation(cps, words[w].first, words[w].second)) continue;
    ends.push_back(trim(words[w].second));
  }
  // A first word too long on its own (rare: a name without spaces) may be cut inside, but not
  // inside a number, so "55/1" or "2026" are kept whole or not at all.
  if (!words.empty() && words[0].second - words[0].first > kLongWordChars) {
    for (size_t j = words[0].second - 1; j > words[0].first; --j) {
      // "Корпус|55" is fine, "5|5" and "55/|1" are not.
      if (IsDigit(cps[j - 1].c) || (IsDigit(cps[j].c) && !u_isalpha(cps[j - 1].c))) continue;
      ends.push_back(trim(j));
    }
  }
  std::sort(ends.begin(), ends.end(), std::greater<size_t>());
  ends.erase(std::unique(ends.begin(), ends.end()), ends.end());
  std::vector<std::string> out;
  for (size_t end : ends) {
    if (end == 0) continue;
    out.emplace_back(text.substr(0, cps[end - 1].end));
  }
  return out;
}

// A value as printed; a cut one gets the ellipsis appended.
struct Value {
  std::string text;
  bool cut = false;
};

// Puts a template together and measures it, with {site} and {address} given separately because
// only they are shortened.
class Composer {
 public:
  Composer(const std::vector<TemplatePiece>& pieces, std::vector<std::string> filled,
           const SmsOptions& sms)
      : pieces_(pieces), filled_(std::move(filled)), sms_(sms) {}

  bool Uses(absl::string_view name) const {
    for (const TemplatePiece& piece : pieces_) {
      if (piece.placeholder && piece.text == name) return true;
    }
    return false;
  }

  // The ellipsis is "..." when that keeps the text GSM-7: "…" alone would make it UCS-2 and
  // halve what a segment holds.
  SmsInfo Measure(const Value& site, const Value& address) const {
    if (!site.cut && !address.cut) return AnalyzeSms(Join(site, address, ""), sms_);
    SmsInfo gsm = AnalyzeSms(Join(site, address, "..."), sms_);
    if (gsm.encoding == v1::SMS_ENCODING_GSM7) return gsm;
    return AnalyzeSms(Join(site, address, "…"), sms_);
  }

 private:
  std::string Join(const Value& site, const Value& address, absl::string_view ellipsis) const {
    std::string text;
    for (size_t i = 0; i < pieces_.size(); ++i) {
      const TemplatePiece& piece = pieces_[i];
      if (!piece.placeholder) {
        // A value ending in "." or "…" already closes the sentence: the template's own full stop
        // would double it.
        absl::string_view literal = piece.text;
        if ((absl::EndsWith(text, ".") || absl::EndsWith(text, "…")) &&
            absl::StartsWith(literal, ".")) {
          literal.remove_prefix(1);
        }
        absl::StrAppend(&text, literal);
      } else if (piece.text == "site" || piece.text == "address") {
        const Value& v = piece.text == "site" ? site : address;
        absl::StrAppend(&text, v.text, v.cut ? ellipsis : "");
      } else {
        text += filled_[i];
      }
    }
    return text;
  }

  const std::vector<TemplatePiece>& pieces_;
  std::vector<std::string> filled_;  // per piece: the placeholder's value ("" for literals)
  SmsOptions sms_;
};

// The order of Render's comment: the first form within max_segments, else the shortest tried.
SmsInfo FitSegments(const Composer& composer, const MessageFacts& facts, int max_segments) {
  SmsInfo last;
  const auto fits = [&](const Value& site, const Value& address) {
    last = composer.Measure(site, address);
    return last.segments <= max_segments;
  };
  const Value site{facts.site_name};
  Value address{facts.address};
  if (fits(site, address)) return last;
  const bool uses_site = composer.Uses("site");
  const bool uses_address = composer.Uses("address");
  if (uses_address) {
    const std::vector<std::string> tails = AddressTails(facts.address);
    for (size_t i = 1; i < tails.size(); ++i) {
      address = {tails[i]};
      if (fits(site, address)) return last;
    }
  }
  const std::vector<std::string> address_cuts =
      uses_address ? CutPrefixes(address.text) : std::vector<std::string>();
  const std::vector<std::string> site_cuts =
      uses_site ? CutPrefixes(site.text) : std::vector<std::string>();
  size_t a = 0;
  for (; a < address_cuts.size() && CodePointCount(address_cuts[a]) >= kMinAddressChars; ++a) {
    if (fits(site, {address_cuts[a], true})) return last;
  }
  if (a > 0) address = {address_cuts[a - 1], true};
  Value place = site;
  size_t s = 0;
  for (; s < site_cuts.size() && CodePointCount(site_cuts[s]) >= kMinPlaceChars; ++s) {
    if (fits({site_cuts[s], true}, address)) return last;
  }
  if (s > 0) place = {site_cuts[s - 1], true};
  for (; a < address_cuts.size(); ++a) {
    address = {address_cuts[a], true};
    if (fits(place, address)) return last;
  }
  for (; s < site_cuts.size(); ++s) {
    if (fits({site_cuts[s], true}, address)) return last;
  }
  return last;
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

std::vector<std::string> AddressTails(absl::string_view address) {
  std::vector<std::string> out = {std::string(address)};
  // Units are comma-separated parts, with number parts joined to the part before.
  std::vector<size_t> unit_begin;  // byte offsets
  std::vector<bool> unit_has_digit;
  size_t pos = 0;
  while (pos <= address.size()) {
    size_t comma = address.find(',', pos);
    if (comma == absl::string_view::npos) comma = address.size();
    const absl::string_view part = absl::StripAsciiWhitespace(address.substr(pos, comma - pos));
    if (!part.empty()) {
      if (unit_begin.empty() || !IsNumberPart(part)) {
        unit_begin.push_back(static_cast<size_t>(part.data() - address.data()));
        unit_has_digit.push_back(HasDigit(part));
      } else {
        unit_has_digit.back() = true;
      }
    }
    pos = comma + 1;
  }
  const bool any_digit =
      std::find(unit_has_digit.begin(), unit_has_digit.end(), true) != unit_has_digit.end();
  for (size_t i = 1; i < unit_begin.size(); ++i) {
    // The house number is what a donor cannot guess; the city they know.
    if (any_digit &&
        std::find(unit_has_digit.begin() + i, unit_has_digit.end(), true) == unit_has_digit.end()) {
      break;
    }
    out.emplace_back(address.substr(unit_begin[i]));
  }
  return out;
}

std::vector<std::string> WordCuts(absl::string_view text, absl::string_view ellipsis) {
  std::vector<std::string> out = CutPrefixes(text);
  for (std::string& cut : out) absl::StrAppend(&cut, ellipsis);
  return out;
}

absl::Status CheckMessagePhone(absl::string_view phone) {
  if (phone.empty()) return absl::InvalidArgumentError("empty");
  bool digit = false;
  for (char c : phone) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      digit = true;
    } else if (c != ' ' && c != '+' && c != '-' && c != '(' && c != ')') {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", phone, "\": only digits, spaces and + - ( ) are allowed"));
    }
  }
  if (!digit) return absl::InvalidArgumentError(absl::StrCat("\"", phone, "\": no digit"));
  const int length = static_cast<int>(phone.size());
  if (length > kMaxMessagePhoneChars) {
    return absl::InvalidArgumentError(absl::StrCat(length, " characters, at most ",
                                                   kMaxMessagePhoneChars,
                                                   " fit every message (it is never shortened)"));
  }
  return absl::OkStatus();
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
    std::vector<std::string> filled(pieces->size());
    for (size_t i = 0; i < pieces->size(); ++i) {
      if (!(*pieces)[i].placeholder) continue;
      absl::StatusOr<std::string> value = Fill((*pieces)[i].text, l, facts);
      if (!value.ok()) return value.status();
      filled[i] = *std::move(value);
    }
    RenderedMessage out;
    out.language = l;
    out.sms =
        FitSegments(Composer(*pieces, std::move(filled), options.sms), facts, options.max_segments);
    return out;
  }
  return absl::NotFoundError(absl::StrCat("no template for ", v1::MessageKind_Name(kind), " in ",
                                          v1::Language_Name(language), " or its fallbacks"));
}

}  // namespace blooddrive::reminders
