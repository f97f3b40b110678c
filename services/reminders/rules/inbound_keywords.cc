#include "inbound_keywords.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "unicode/uchar.h"
#include "unicode/utf8.h"

namespace blooddrive::reminders {
namespace {

namespace v1 = blooddrive::v1;
using K = InboundKeyword;

constexpr v1::Language kAny = v1::LANGUAGE_UNSPECIFIED;
constexpr v1::Language kKk = v1::LANGUAGE_KAZAKH;
constexpr v1::Language kRu = v1::LANGUAGE_RUSSIAN;
constexpr v1::Language kEn = v1::LANGUAGE_ENGLISH;
constexpr v1::Language kUz = v1::LANGUAGE_UZBEK;
constexpr v1::Language kKy = v1::LANGUAGE_KYRGYZ;
constexpr v1::Language kTg = v1::LANGUAGE_TAJIK;

// Keep in step with the list in the header.
const std::vector<KeywordEntry>& Table() {
  static const auto* table = new std::vector<KeywordEntry>{
      // STOP
      {"STOP", K::kStop, kAny},
      {"STOPALL", K::kStop, kEn},
      {"UNSUBSCRIBE", K::kStop, kEn},
      {"END", K::kStop, kEn},
      {"QUIT", K::kStop, kEn},
      {"СТОП", K::kStop, kAny},
      {"ОТПИСАТЬСЯ", K::kStop, kRu},
      {"ОТПИСКА", K::kStop, kRu},
      {"ХВАТИТ", K::kStop, kRu},
      {"ТОҚТАТУ", K::kStop, kKk},
      {"ТОҚТА", K::kStop, kKk},
      {"TOQTATU", K::kStop, kKk},
      {"ТОКТОТ", K::kStop, kKy},
      {"ТОКТОТУУ", K::kStop, kKy},
      {"ТОКТО", K::kStop, kKy},
      {"ИСТ", K::kStop, kTg},
      {"БАС", K::kStop, kTg},
      {"TO'XTAT", K::kStop, kUz},
      {"TO'XTATISH", K::kStop, kUz},
      {"TO'XTA", K::kStop, kUz},
      {"ТЎХТАТ", K::kStop, kUz},
      {"ТЎХТА", K::kStop, kUz},
      // START
      {"START", K::kStart, kAny},
      {"UNSTOP", K::kStart, kEn},
      {"SUBSCRIBE", K::kStart, kEn},
      {"СТАРТ", K::kStart, kAny},
      {"ПОДПИСАТЬСЯ", K::kStart, kRu},
      {"ВОЗОБНОВИТЬ", K::kStart, kRu},
      {"БАСТАУ", K::kStart, kKk},
      {"БАСТА", K::kStart, kKk},
      {"BASTAU", K::kStart, kKk},
      {"БАШТОО", K::kStart, kKy},
      {"БАШТА", K::kStart, kKy},
      {"ОҒОЗ", K::kStart, kTg},
      {"САР КАРДАН", K::kStart, kTg},
      {"BOSHLASH", K::kStart, kUz},
      {"BOSHLA", K::kStart, kUz},
      {"БОШЛАШ", K::kStart, kUz},
      {"БОШЛА", K::kStart, kUz},
      // CONFIRM
      {"1", K::kConfirm, kAny},
      {"YES", K::kConfirm, kEn},
      {"Y", K::kConfirm, kEn},
      {"OK", K::kConfirm, kAny},
      {"CONFIRM", K::kConfirm, kEn},
      {"ДА", K::kConfirm, kRu},
      {"DA", K::kConfirm, kRu},
      {"ПОДТВЕРЖДАЮ", K::kConfirm, kRu},
      {"ПРИДУ", K::kConfirm, kRu},
      {"ИӘ", K::kConfirm, kKk},
      {"ИЯ", K::kConfirm, kKk},
      {"IA", K::kConfirm, kKk},
      {"КЕЛЕМІН", K::kConfirm, kKk},
      {"РАСТАЙМЫН", K::kConfirm, kKk},
      {"ООБА", K::kConfirm, kKy},
      {"КЕЛЕМ", K::kConfirm, kKy},
      {"ҲА", K::kConfirm, kTg},
      {"ХА", K::kConfirm, kTg},
      {"МЕОЯМ", K::kConfirm, kTg},
      {"HA", K::kConfirm, kUz},
      {"XA", K::kConfirm, kUz},
      {"KELAMAN", K::kConfirm, kUz},
      // CANCEL
      {"0", K::kCancel, kAny},
      {"NO", K::kCancel, kEn},
      {"N", K::kCancel, kEn},
      {"CANCEL", K::kCancel, kEn},
      {"НЕТ", K::kCancel, kRu},
      {"NET", K::kCancel, kRu},
      {"ОТМЕНА", K::kCancel, kRu},
      {"ОТМЕНИТЬ", K::kCancel, kRu},
      {"ЖОҚ", K::kCancel, kKk},
      {"JOQ", K::kCancel, kKk},
      {"БАС ТАРТУ", K::kCancel, kKk},
      {"БОЛДЫРМАУ", K::kCancel, kKk},
      {"ЖОК", K::kCancel, kKy},
      {"БАШ ТАРТУУ", K::kCancel, kKy},
      {"НЕ", K::kCancel, kTg},
      {"БЕКОР", K::kCancel, kTg},
      {"YO'Q", K::kCancel, kUz},
      {"BEKOR", K::kCancel, kUz},
      {"BEKOR QILISH", K::kCancel, kUz},
      {"ЙЎҚ", K::kCancel, kUz},
  };
  return *table;
}

bool IsApostrophe(UChar32 c) {
  return c == '\'' || c == '`' || c == 0x00B4 || c == 0x02BB || c == 0x02BC || c == 0x2018 ||
         c == 0x2019 || c == 0x02B9 || c == 0x2032;
}

// Letters of the Central Asian Cyrillic alphabets -> the Russian letter they extend.
UChar32 FoldLetter(UChar32 c) {
  switch (c) {
    case 0x04D9:
      return 0x0430;  // ә -> а
    case 0x0493:
      return 0x0433;  // ғ -> г
    case 0x049B:
      return 0x043A;  // қ -> к
    case 0x04A3:
      return 0x043D;  // ң -> н
    case 0x04E9:
      return 0x043E;  // ө -> о
    case 0x04B1:
      return 0x0443;  // ұ -> у
    case 0x04AF:
      return 0x0443;  // ү -> у
    case 0x04BB:
      return 0x0445;  // һ -> х
    case 0x0456:
      return 0x0438;  // і -> и
    case 0x04B3:
      return 0x0445;  // ҳ -> х
    case 0x04E3:
      return 0x0438;  // ӣ -> и
    case 0x04EF:
      return 0x0443;  // ӯ -> у
    case 0x04B7:
      return 0x0447;  // ҷ -> ч
    case 0x045E:
      return 0x0443;  // ў -> у
    case 0x0451:
      return 0x0435;  // ё -> е
    default:
      return c;
  }
}

// Case-folded Latin and Cyrillic letters that look alike in capitals.
constexpr std::pair<UChar32, UChar32> kLookAlikes[] = {
    {'a', 0x0430}, {'b', 0x0432}, {'c', 0x0441}, {'e', 0x0435}, {'h', 0x043D},
    {'k', 0x043A}, {'m', 0x043C}, {'o', 0x043E}, {'p', 0x0440}, {'t', 0x0442},
    {'x', 0x0445}, {'y', 0x0443}, {'i', 0x0456},
};

using Word = std::vector<UChar32>;

// Case fold, drop apostrophes, trim whitespace and punctuation at both ends, collapse inner
// whitespace.
Word Normalize(absl::string_view text) {
  Word out;
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  bool pending_space = false;
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c < 0) c = 0xFFFD;
    if (IsApostrophe(c)) continue;
    if (u_isUWhiteSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(u_foldCase(c, U_FOLD_CASE_DEFAULT));
  }
  auto trimmable = [](UChar32 c) { return c == ' ' || u_ispunct(c); };
  while (!out.empty() && trimmable(out.back())) out.pop_back();
  size_t begin = 0;
  while (begin < out.size() && trimmable(out[begin])) ++begin;
  return Word(out.begin() + begin, out.end());
}

std::string ToUtf8(const Word& word) {
  std::string out;
  for (UChar32 c : word) {
    uint8_t buf[U8_MAX_LENGTH];
    int32_t n = 0;
    UBool error = false;
    U8_APPEND(buf, n, U8_MAX_LENGTH, c, error);
    if (!error) out.append(reinterpret_cast<const char*>(buf), n);
  }
  return out;
}

std::string Skeleton(Word word) {
  for (UChar32& c : word) c = FoldLetter(c);
  return ToUtf8(word);
}

bool IsLatinLetter(UChar32 c) { return c >= 'a' && c <= 'z'; }
bool IsCyrillicLetter(UChar32 c) { return c >= 0x0400 && c <= 0x04FF; }

// `word` with every look-alike turned into the other script's letter (to_latin chooses which).
Word MapLookAlikes(Word word, bool to_latin) {
  for (UChar32& c : word) {
    for (const auto& [latin, cyrillic] : kLookAlikes) {
      if (to_latin && c == cyrillic) c = latin;
      if (!to_latin && c == latin) c = cyrillic;
    }
  }
  return word;
}

const absl::flat_hash_map<std::string, InboundMatch>& Index() {
  static const auto* index = [] {
    auto* m = new absl::flat_hash_map<std::string, InboundMatch>;
    for (const KeywordEntry& e : Table()) {
      const std::string key = KeywordSkeleton(e.text);
      auto [it, inserted] = m->try_emplace(key, InboundMatch{e.keyword, e.language});
      // The same word in two languages: no language hint. (Two keywords on one skeleton are a
      // table bug the tests catch.)
      if (!inserted && it->second.language != e.language) {
        it->second.language = v1::LANGUAGE_UNSPECIFIED;
      }
    }
    return m;
  }();
  return *index;
}

}  // namespace

const std::vector<KeywordEntry>& InboundKeywords() { return Table(); }

std::string KeywordSkeleton(absl::string_view text) { return Skeleton(Normalize(text)); }

InboundMatch ClassifyInbound(absl::string_view text) {
  const Word word = Normalize(text);
  const auto& index = Index();
  if (auto it = index.find(Skeleton(word)); it != index.end()) return it->second;
  bool latin = false;
  bool cyrillic = false;
  for (UChar32 c : word) {
    latin = latin || IsLatinLetter(c);
    cyrillic = cyrillic || IsCyrillicLetter(c);
  }
  if (latin && cyrillic) {
    for (bool to_latin : {false, true}) {
      auto it = index.find(Skeleton(MapLookAlikes(word, to_latin)));
      if (it != index.end()) return it->second;
    }
  }
  return {};
}

}  // namespace blooddrive::reminders
