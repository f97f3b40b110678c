#include "name_key.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include "absl/strings/str_cat.h"

namespace blooddrive::registry {
namespace {

bool IsApostrophe(UChar32 c) {
  switch (c) {
    case 0x0027:  // ' apostrophe
    case 0x0060:  // ` grave accent
    case 0x00B4:  // ´ acute accent
    case 0x2018:  // ‘ left single quotation mark
    case 0x2019:  // ’ right single quotation mark
    case 0x02BB:  // ʻ modifier letter turned comma (Uzbek oʻ, gʻ)
    case 0x02BC:  // ʼ modifier letter apostrophe (Uzbek tutuq belgisi)
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string NameSearchKey(absl::string_view text) {
  const icu::UnicodeString input = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));

  // Apostrophes first: NFKC would turn ´ into a space and a combining accent.
  icu::UnicodeString unified;
  for (int32_t i = 0; i < input.length(); i = input.moveIndex32(i, 1)) {
    const UChar32 c = input.char32At(i);
    unified.append(IsApostrophe(c) ? UChar32{'\''} : c);
  }

  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  icu::UnicodeString folded;
  if (U_SUCCESS(status)) folded = nfkc_cf->normalize(unified, status);
  // Only a broken ICU installation fails here; a plain case fold still gives usable keys.
  if (U_FAILURE(status)) folded = unified.foldCase();

  icu::UnicodeString key;
  bool pending_space = false;
  for (int32_t i = 0; i < folded.length(); i = folded.moveIndex32(i, 1)) {
    const UChar32 c = folded.char32At(i);
    if (u_isUWhiteSpace(c)) {
      pending_space = !key.isEmpty();
      continue;
    }
    if (c == 0x0307 && !pending_space && !key.isEmpty() && key.char32At(key.length() - 1) == 'i') {
      continue;
    }
    if (pending_space) key.append(UChar32{' '});
    pending_space = false;
    key.append(c);
  }

  std::string out;
  key.toUTF8String(out);
  return out;
}

std::vector<std::string> NameIndexKeys(absl::string_view given_name,
                                       absl::string_view family_name) {
  const std::string given = NameSearchKey(given_name);
  const std::string family = NameSearchKey(family_name);
  if (given.empty() && family.empty()) return {};
  if (given.empty()) return {family};
  if (family.empty()) return {given};
  std::vector<std::string> keys = {absl::StrCat(family, " ", given)};
  if (family != given) keys.push_back(absl::StrCat(given, " ", family));
  return keys;
}

std::vector<std::string> NameIndexKeys(const blooddrive::v1::Donor& donor) {
  return NameIndexKeys(donor.given_name(), donor.family_name());
}

}  // namespace blooddrive::registry
