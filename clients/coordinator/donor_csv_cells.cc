// The single cells of a donor spreadsheet (blood group, sex, date, language, document type,
// country, yes/no) in the spellings branches use, and the text helpers the rest of the reader
// (donor_csv.cc) shares.
#include <unicode/locid.h>
#include <unicode/unistr.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "donor_csv.h"
#include "donor_csv_text.h"

namespace blooddrive::coordinator {
namespace {

// --- Text -------------------------------------------------------------------------------------

std::string CaseMap(absl::string_view text, bool upper) {
  icu::UnicodeString s = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  if (upper) {
    s.toUpper(icu::Locale::getRoot());
  } else {
    s.toLower(icu::Locale::getRoot());
  }
  std::string out;
  s.toUTF8String(out);
  return out;
}
std::string ToUpper(absl::string_view text) { return CaseMap(text, true); }

}  // namespace

std::string ToLower(absl::string_view text) { return CaseMap(text, false); }

// ASCII whitespace and no-break spaces (spreadsheets keep both) at both ends.
absl::string_view TrimCell(absl::string_view text) {
  constexpr absl::string_view kNbsp = "\xC2\xA0";
  for (bool changed = true; changed;) {
    const size_t before = text.size();
    text = absl::StripAsciiWhitespace(text);
    while (absl::ConsumePrefix(&text, kNbsp)) {
    }
    while (absl::ConsumeSuffix(&text, kNbsp)) {
    }
    changed = text.size() != before;
  }
  return text;
}

// Runs of spaces as one space.
std::string CollapseSpaces(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

namespace {

using Names = std::vector<std::pair<absl::string_view, int>>;

// The lower-cased spellings of `names`, looked up once.
template <typename Enum>
absl::StatusOr<Enum> Lookup(const absl::flat_hash_map<std::string, int>& table,
                            absl::string_view cell, absl::string_view what) {
  const std::string key = CollapseSpaces(ToLower(TrimCell(cell)));
  if (key.empty()) return absl::InvalidArgumentError("is empty");
  auto it = table.find(key);
  if (it == table.end()) return absl::InvalidArgumentError(std::string(what));
  return static_cast<Enum>(it->second);
}

const absl::flat_hash_map<std::string, int>* MakeTable(const Names& names) {
  auto* table = new absl::flat_hash_map<std::string, int>();
  for (const auto& [name, value] : names) table->emplace(std::string(name), value);
  return table;
}

// Removes every occurrence of `word` from *text and says whether there was one.
bool Take(std::string* text, absl::string_view word) {
  const std::string w(word);
  bool found = false;
  for (size_t at = text->find(w); at != std::string::npos; at = text->find(w)) {
    text->erase(at, w.size());
    found = true;
  }
  return found;
}

constexpr absl::string_view kBloodGroupHelp =
    "is not a blood group (e.g. O+, 0+, A(II) Rh-, B Rh+, AB-, II+; empty or 'unknown' when not "
    "typed yet)";

}  // namespace

absl::StatusOr<v1::BloodGroup> ParseBloodGroupCell(absl::string_view cell) {
  std::string s = ToUpper(TrimCell(cell));
  for (absl::string_view unknown : {"", "UNKNOWN", "?", "НЕИЗВЕСТНО", "НЕ ИЗВЕСТНО", "НЕТ ДАННЫХ",
                                    "НЕ ОПРЕДЕЛЕНА", "БЕЛГІСІЗ", "N/A"}) {
    if (s == unknown) return v1::BLOOD_GROUP_UNKNOWN;
  }
  // Dashes and minus signs that office software substitutes for '-'.
  s = absl::StrReplaceAll(s, {{"\u2212", "-"}, {"\u2013", "-"}, {"\u2014", "-"}, {"\uFF0B", "+"}});
  s = absl::StrReplaceAll(s, {{"-POS", "POS"}, {"-NEG", "NEG"}, {"_POS", "POS"}, {"_NEG", "NEG"}});
  int positive = 0;
  int negative = 0;
  // Longest words first, so that "ПОЛОЖИТЕЛЬНЫЙ" is not read as "ПОЛ" + rest.
  for (absl::string_view word :
       {"ПОЛОЖИТЕЛЬНЫЙ", "ПОЛОЖИТЕЛЬНАЯ", "ПОЛОЖ", "POSITIVE", "ПОЛ", "POS", "ОҢ"}) {
    if (Take(&s, word)) ++positive;
  }
  for (absl::string_view word :
       {"ОТРИЦАТЕЛЬНЫЙ", "ОТРИЦАТЕЛЬНАЯ", "ОТРИЦ", "NEGATIVE", "ОТР", "NEG", "ТЕРІС"}) {
    if (Take(&s, word)) ++negative;
  }
  for (absl::string_view word : {"РЕЗУС", "RH", "РН", "(D)"}) Take(&s, word);
  if (Take(&s, "+")) ++positive;
  if (Take(&s, "-")) ++negative;
  if (positive > 0 && negative > 0) {
    return absl::InvalidArgumentError("has both a positive and a negative Rh factor");
  }
  // Cyrillic letters that look like the Latin ones (О, А, В, Ukrainian/Kazakh І) are common in
  // Russian-layout spreadsheets.
  s = absl::StrReplaceAll(s, {{"О", "O"}, {"А", "A"}, {"В", "B"}, {"І", "I"}, {"Х", "X"}});
  std::string abo;
  for (char c : s) {
    if (c == ' ' || c == '(' || c == ')' || c == ',' || c == '/' || c == '.') continue;
    abo.push_back(c);
  }
  // An ABO letter, then optionally a group number (Roman, or one Arabic digit).
  int letter_group = 0;  // 1 O, 2 A, 3 B, 4 AB
  size_t at = 0;
  if (absl::StartsWith(abo, "AB")) {
    letter_group = 4;
    at = 2;
  } else if (!abo.empty() && (abo[0] == 'A' || abo[0] == 'B' || abo[0] == 'O' || abo[0] == '0')) {
    letter_group = abo[0] == 'A' ? 2 : abo[0] == 'B' ? 3 : 1;
    at = 1;
  }
  const absl::string_view numeral = absl::string_view(abo).substr(at);
  int number_group = 0;
  if (numeral == "I" || numeral == "1") number_group = 1;
  if (numeral == "II" || numeral == "2") number_group = 2;
  if (numeral == "III" || numeral == "3") number_group = 3;
  if (numeral == "IV" || numeral == "4") number_group = 4;
  if (!numeral.empty() && number_group == 0) return absl::InvalidArgumentError(kBloodGroupHelp);
  if (letter_group == 0 && number_group == 0) return absl::InvalidArgumentError(kBloodGroupHelp);
  if (letter_group != 0 && number_group != 0 && letter_group != number_group) {
    constexpr absl::string_view kLetters[] = {"", "O", "A", "B", "AB"};
    constexpr absl::string_view kRoman[] = {"", "I", "II", "III", "IV"};
    return absl::InvalidArgumentError(absl::StrCat("is contradictory: ", kLetters[letter_group],
                                                   " is group ", kRoman[letter_group], ", not ",
                                                   kRoman[number_group]));
  }
  if (positive == 0 && negative == 0) {
    return absl::InvalidArgumentError(
        "has no Rh factor (add + or -, e.g. O+; write 'unknown' when not typed yet)");
  }
  const int group = letter_group != 0 ? letter_group : number_group;
  constexpr v1::BloodGroup kPositive[] = {v1::BLOOD_GROUP_UNSPECIFIED, v1::BLOOD_GROUP_O_POSITIVE,
                                          v1::BLOOD_GROUP_A_POSITIVE, v1::BLOOD_GROUP_B_POSITIVE,
                                          v1::BLOOD_GROUP_AB_POSITIVE};
  constexpr v1::BloodGroup kNegative[] = {v1::BLOOD_GROUP_UNSPECIFIED, v1::BLOOD_GROUP_O_NEGATIVE,
                                          v1::BLOOD_GROUP_A_NEGATIVE, v1::BLOOD_GROUP_B_NEGATIVE,
                                          v1::BLOOD_GROUP_AB_NEGATIVE};
  return positive > 0 ? kPositive[group] : kNegative[group];
}

absl::StatusOr<v1::Sex> ParseSexCell(absl::string_view cell) {
  // clang-format off
  static const auto* const kTable = MakeTable({
      {"m", v1::SEX_MALE}, {"м", v1::SEX_MALE}, {"male", v1::SEX_MALE}, {"man", v1::SEX_MALE},
      {"муж", v1::SEX_MALE}, {"мужской", v1::SEX_MALE}, {"мужчина", v1::SEX_MALE},
      {"ер", v1::SEX_MALE}, {"ер адам", v1::SEX_MALE}, {"erkak", v1::SEX_MALE},
      {"f", v1::SEX_FEMALE}, {"ж", v1::SEX_FEMALE}, {"female", v1::SEX_FEMALE},
      {"woman", v1::SEX_FEMALE}, {"жен", v1::SEX_FEMALE}, {"женский", v1::SEX_FEMALE},
      {"женщина", v1::SEX_FEMALE}, {"әйел", v1::SEX_FEMALE}, {"ayol", v1::SEX_FEMALE},
      {"w", v1::SEX_FEMALE},
  });
  // clang-format on
  return Lookup<v1::Sex>(*kTable, cell, "is not a sex (M or F; М or Ж; male or female)");
}

absl::StatusOr<v1::Date> ParseDateCell(absl::string_view cell) {
  std::string text(TrimCell(cell));
  if (text.empty()) return absl::InvalidArgumentError("is empty");
  constexpr absl::string_view kExpected = "is not a date (expected YYYY-MM-DD or DD.MM.YYYY)";
  // Some exports add a midnight time to dates.
  for (absl::string_view midnight : {" 00:00:00", " 00:00", "T00:00:00"}) {
    if (absl::EndsWith(text, midnight)) text.resize(text.size() - midnight.size());
  }
  std::vector<std::string> parts;
  bool year_first = false;
  if (text.find('-') != std::string::npos) {
    parts = absl::StrSplit(text, '-');
    year_first = true;
  } else if (text.find('.') != std::string::npos) {
    parts = absl::StrSplit(text, '.');
  } else {
    return absl::InvalidArgumentError(kExpected);
  }
  if (parts.size() != 3) return absl::InvalidArgumentError(kExpected);
  for (const std::string& part : parts) {
    if (part.empty() || part.size() > 4) return absl::InvalidArgumentError(kExpected);
    for (char c : part) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
        return absl::InvalidArgumentError(kExpected);
      }
    }
  }
  const std::string& year_text = year_first ? parts[0] : parts[2];
  const std::string& day_text = year_first ? parts[2] : parts[0];
  if (year_text.size() != 4) {
    return absl::InvalidArgumentError("has no 4-digit year (expected YYYY-MM-DD or DD.MM.YYYY)");
  }
  if (parts[1].size() > 2 || day_text.size() > 2) return absl::InvalidArgumentError(kExpected);
  int year = 0, month = 0, day = 0;
  if (!absl::SimpleAtoi(year_text, &year) || !absl::SimpleAtoi(parts[1], &month) ||
      !absl::SimpleAtoi(day_text, &day)) {
    return absl::InvalidArgumentError(kExpected);
  }
  // CivilDay normalizes 31.02 to 03.03: a date is valid when it comes back unchanged.
  const absl::CivilDay civil(year, month, day);
  if (civil.year() != year || civil.month() != month || civil.day() != day) {
    return absl::InvalidArgumentError("is not a date");
  }
  v1::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

absl::StatusOr<v1::Language> ParseLanguageCell(absl::string_view cell) {
  // clang-format off
  static const auto* const kTable = MakeTable({
      {"kk", v1::LANGUAGE_KAZAKH}, {"kz", v1::LANGUAGE_KAZAKH}, {"kaz", v1::LANGUAGE_KAZAKH},
      {"kazakh", v1::LANGUAGE_KAZAKH}, {"қазақ", v1::LANGUAGE_KAZAKH},
      {"қазақша", v1::LANGUAGE_KAZAKH}, {"қазақ тілі", v1::LANGUAGE_KAZAKH},
      {"казахский", v1::LANGUAGE_KAZAKH}, {"казахский язык", v1::LANGUAGE_KAZAKH},
      {"каз", v1::LANGUAGE_KAZAKH}, {"казах", v1::LANGUAGE_KAZAKH}, {"ru", v1::LANGUAGE_RUSSIAN},
      {"rus", v1::LANGUAGE_RUSSIAN}, {"russian", v1::LANGUAGE_RUSSIAN},
      {"русский", v1::LANGUAGE_RUSSIAN}, {"русский язык", v1::LANGUAGE_RUSSIAN},
      {"рус", v1::LANGUAGE_RUSSIAN}, {"орыс", v1::LANGUAGE_RUSSIAN},
      {"орысша", v1::LANGUAGE_RUSSIAN}, {"орыс тілі", v1::LANGUAGE_RUSSIAN},
      {"en", v1::LANGUAGE_ENGLISH}, {"eng", v1::LANGUAGE_ENGLISH},
      {"english", v1::LANGUAGE_ENGLISH}, {"английский", v1::LANGUAGE_ENGLISH},
      {"англ", v1::LANGUAGE_ENGLISH}, {"ағылшын", v1::LANGUAGE_ENGLISH},
      {"ағылшынша", v1::LANGUAGE_ENGLISH}, {"uz", v1::LANGUAGE_UZBEK}, {"uzb", v1::LANGUAGE_UZBEK},
      {"uzbek", v1::LANGUAGE_UZBEK}, {"узбекский", v1::LANGUAGE_UZBEK}, {"узб", v1::LANGUAGE_UZBEK},
      {"узбек", v1::LANGUAGE_UZBEK}, {"o'zbek", v1::LANGUAGE_UZBEK}, {"o‘zbek", v1::LANGUAGE_UZBEK},
      {"oʻzbek", v1::LANGUAGE_UZBEK}, {"o'zbekcha", v1::LANGUAGE_UZBEK},
      {"oʻzbekcha", v1::LANGUAGE_UZBEK}, {"ozbek", v1::LANGUAGE_UZBEK},
      {"ўзбек", v1::LANGUAGE_UZBEK}, {"өзбек", v1::LANGUAGE_UZBEK}, {"өзбекше", v1::LANGUAGE_UZBEK},
      {"ky", v1::LANGUAGE_KYRGYZ}, {"kg", v1::LANGUAGE_KYRGYZ}, {"kir", v1::LANGUAGE_KYRGYZ},
      {"kyrgyz", v1::LANGUAGE_KYRGYZ}, {"kirghiz", v1::LANGUAGE_KYRGYZ},
      {"kirgiz", v1::LANGUAGE_KYRGYZ}, {"кыргызский", v1::LANGUAGE_KYRGYZ},
      {"киргизский", v1::LANGUAGE_KYRGYZ}, {"кыргыз", v1::LANGUAGE_KYRGYZ},
      {"кыргызча", v1::LANGUAGE_KYRGYZ}, {"қырғыз", v1::LANGUAGE_KYRGYZ},
      {"қырғызша", v1::LANGUAGE_KYRGYZ}, {"tg", v1::LANGUAGE_TAJIK}, {"tj", v1::LANGUAGE_TAJIK},
      {"taj", v1::LANGUAGE_TAJIK}, {"tajik", v1::LANGUAGE_TAJIK},
      {"таджикский", v1::LANGUAGE_TAJIK}, {"тадж", v1::LANGUAGE_TAJIK},
      {"таджик", v1::LANGUAGE_TAJIK}, {"тоҷикӣ", v1::LANGUAGE_TAJIK}, {"тәжік", v1::LANGUAGE_TAJIK},
      {"тәжікше", v1::LANGUAGE_TAJIK},
  });
  // clang-format on
  std::string key = CollapseSpaces(ToLower(TrimCell(cell)));
  // A locale tag: "kk-KZ", "ru_RU".
  if (key.size() == 5 && (key[2] == '-' || key[2] == '_')) key.resize(2);
  return Lookup<v1::Language>(*kTable, key,
                              "is not a language (kk, ru, en, uz, ky or tg, or the language's "
                              "name, e.g. казахский, Uzbek)");
}

absl::StatusOr<v1::DocumentType> ParseDocumentTypeCell(absl::string_view cell) {
  // clang-format off
  static const auto* const kTable = MakeTable({
      {"iin", v1::DOCUMENT_TYPE_IIN}, {"иин", v1::DOCUMENT_TYPE_IIN},
      {"жсн", v1::DOCUMENT_TYPE_IIN}, {"passport", v1::DOCUMENT_TYPE_PASSPORT},
      {"pass", v1::DOCUMENT_TYPE_PASSPORT}, {"паспорт", v1::DOCUMENT_TYPE_PASSPORT},
      {"загранпаспорт", v1::DOCUMENT_TYPE_PASSPORT},
      {"заграничный паспорт", v1::DOCUMENT_TYPE_PASSPORT},
      {"национальный паспорт", v1::DOCUMENT_TYPE_PASSPORT},
      {"төлқұжат", v1::DOCUMENT_TYPE_PASSPORT}, {"pasport", v1::DOCUMENT_TYPE_PASSPORT},
      {"residence permit", v1::DOCUMENT_TYPE_RESIDENCE_PERMIT},
      {"residence", v1::DOCUMENT_TYPE_RESIDENCE_PERMIT},
      {"вид на жительство", v1::DOCUMENT_TYPE_RESIDENCE_PERMIT},
      {"внж", v1::DOCUMENT_TYPE_RESIDENCE_PERMIT},
      {"ықтиярхат", v1::DOCUMENT_TYPE_RESIDENCE_PERMIT}, {"other", v1::DOCUMENT_TYPE_OTHER_ID},
      {"other id", v1::DOCUMENT_TYPE_OTHER_ID}, {"id card", v1::DOCUMENT_TYPE_OTHER_ID},
      {"id", v1::DOCUMENT_TYPE_OTHER_ID}, {"удостоверение", v1::DOCUMENT_TYPE_OTHER_ID},
      {"удостоверение личности", v1::DOCUMENT_TYPE_OTHER_ID},
      {"другой", v1::DOCUMENT_TYPE_OTHER_ID}, {"другое", v1::DOCUMENT_TYPE_OTHER_ID},
      {"иное", v1::DOCUMENT_TYPE_OTHER_ID}, {"жеке куәлік", v1::DOCUMENT_TYPE_OTHER_ID},
  });
  // clang-format on
  std::string key = absl::StrReplaceAll(CollapseSpaces(ToLower(TrimCell(cell))),
                                        {{".", ""}, {"_", " "}, {"-", " "}});
  return Lookup<v1::DocumentType>(*kTable, key,
                                  "is not a document type (IIN, passport, residence permit or "
                                  "other; ИИН, паспорт, вид на жительство)");
}

absl::StatusOr<std::string> ParseCountryCell(absl::string_view cell) {
  // clang-format off
  static const auto* const kCountries = new absl::flat_hash_map<std::string, std::string>{
      {"kaz", "KZ"}, {"kazakhstan", "KZ"}, {"казахстан", "KZ"}, {"қазақстан", "KZ"}, {"рк", "KZ"},
      {"uzb", "UZ"}, {"uzbekistan", "UZ"}, {"узбекистан", "UZ"}, {"өзбекстан", "UZ"},
      {"o'zbekiston", "UZ"}, {"oʻzbekiston", "UZ"}, {"kgz", "KG"}, {"kyrgyzstan", "KG"},
      {"kyrgyz republic", "KG"}, {"кыргызстан", "KG"}, {"киргизия", "KG"}, {"қырғызстан", "KG"},
      {"tjk", "TJ"}, {"tajikistan", "TJ"}, {"таджикистан", "TJ"}, {"тәжікстан", "TJ"},
      {"тоҷикистон", "TJ"}, {"rus", "RU"}, {"russia", "RU"}, {"russian federation", "RU"},
      {"россия", "RU"}, {"рф", "RU"}, {"ресей", "RU"}, {"tkm", "TM"}, {"turkmenistan", "TM"},
      {"туркменистан", "TM"}, {"aze", "AZ"}, {"azerbaijan", "AZ"}, {"азербайджан", "AZ"},
      {"chn", "CN"}, {"china", "CN"}, {"китай", "CN"}, {"қытай", "CN"}, {"tur", "TR"},
      {"turkey", "TR"}, {"türkiye", "TR"}, {"турция", "TR"}, {"afg", "AF"}, {"afghanistan", "AF"},
      {"афганистан", "AF"}, {"mng", "MN"}, {"mongolia", "MN"}, {"монголия", "MN"}, {"blr", "BY"},
      {"belarus", "BY"}, {"беларусь", "BY"}, {"ukr", "UA"}, {"ukraine", "UA"}, {"украина", "UA"},
      {"geo", "GE"}, {"georgia", "GE"}, {"грузия", "GE"}, {"arm", "AM"}, {"armenia", "AM"},
      {"армения", "AM"},
  };
  // clang-format on
  const std::string key = CollapseSpaces(ToLower(TrimCell(cell)));
  if (key.empty()) return absl::InvalidArgumentError("is empty");
  if (key.size() == 2 && absl::ascii_isalpha(static_cast<unsigned char>(key[0])) &&
      absl::ascii_isalpha(static_cast<unsigned char>(key[1]))) {
    return absl::AsciiStrToUpper(key);
  }
  auto it = kCountries->find(key);
  if (it == kCountries->end()) {
    return absl::InvalidArgumentError(
        "is not a country (an ISO code such as KZ, UZ, KG, TJ, RU, or UZB, or the name)");
  }
  return it->second;
}

absl::StatusOr<bool> ParseYesNoCell(absl::string_view cell) {
  // clang-format off
  static const auto* const kTable = MakeTable({
      {"yes", 1}, {"y", 1}, {"да", 1}, {"д", 1}, {"иә", 1}, {"ия", 1}, {"1", 1}, {"true", 1},
      {"+", 1}, {"ok", 1}, {"согласен", 1}, {"согласна", 1}, {"no", 0}, {"n", 0}, {"нет", 0},
      {"н", 0}, {"жоқ", 0}, {"0", 0}, {"false", 0}, {"-", 0}, {"отказ", 0}, {"не согласен", 0},
      {"не согласна", 0},
  });
  // clang-format on
  absl::StatusOr<int> value =
      Lookup<int>(*kTable, cell, "is neither yes nor no (yes/no, да/нет, иә/жоқ, 1/0)");
  if (!value.ok()) return value.status();
  return *value == 1;
}

}  // namespace blooddrive::coordinator
