#include "name_key.h"

#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace blooddrive::registry {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct Case {
  std::string input;
  std::string key;
};

class NameSearchKeyTest : public ::testing::TestWithParam<Case> {};

TEST_P(NameSearchKeyTest, Key) {
  EXPECT_EQ(NameSearchKey(GetParam().input), GetParam().key) << GetParam().input;
  // A key is its own key: the index and a typed prefix can both go through it.
  EXPECT_EQ(NameSearchKey(GetParam().key), GetParam().key);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, NameSearchKeyTest,
    ::testing::Values(
        Case{"", ""}, Case{" \t\n ", ""}, Case{"Иванов Иван", "иванов иван"},
        Case{"  ИВАНОВ \t  ИВАН  ", "иванов иван"},
        // Kazakh letters fold to their own lowercase: Ә Ғ Қ Ң Ө Ұ Ү Һ І.
        Case{"ӘҒҚҢӨҰҮҺІ", "әғқңөұүһі"}, Case{"ҚАСЫМОВА Әлия", "қасымова әлия"},
        Case{"Нұрсұлтан", "нұрсұлтан"},
        // Ё is a letter of its own (no folding to Е: that would be transliteration).
        Case{"ЁЛКИН", "ёлкин"},
        // Precomposed and decomposed Й are the same letter.
        Case{"\xD0\x99", "\xD0\xB9"},          // Й -> й
        Case{"\xD0\x98\xCC\x86", "\xD0\xB9"},  // И + combining breve -> й
        Case{"Ива\xC2\xADнов", "иванов"},      // soft hyphen (default ignorable) dropped
        Case{"Иван\xC2\xA0\xC2\xA0Петров", "иван петров"},  // no-break spaces collapse
        Case{"Ivan\xE2\x80\x83Petrov", "ivan petrov"},      // em space
        Case{"John SMITH", "john smith"}, Case{"Mary-Jane O'Neil", "mary-jane o'neil"},
        // Uzbek Latin: oʻ gʻ with U+02BB, and the apostrophes people type instead.
        Case{"Oʻktam Gʻulomov", "o'ktam g'ulomov"}, Case{"O'ktam G'ulomov", "o'ktam g'ulomov"},
        Case{"O’ktam G‘ulomov", "o'ktam g'ulomov"}, Case{"O`ktam Gʼulomov", "o'ktam g'ulomov"},
        Case{"O\xC2\xB4ktam", "o'ktam"},  // acute accent used as an apostrophe
        // Full case folding and compatibility forms.
        Case{"STRAẞE", "strasse"}, Case{"Straße", "strasse"}, Case{"ＡＢＣ", "abc"},
        Case{"ﬁlip", "filip"},
        // Dotted capital I: full folding gives i + U+0307; the dot is dropped so it matches "i".
        Case{"İbrahim", "ibrahim"}, Case{"IBRAHIM", "ibrahim"},
        // Dotless ı is a different letter and stays (no Turkish-specific folding of I).
        Case{"Işık", "işık"}, Case{"IŞIK", "işik"},
        // A lone combining dot that does not follow i stays.
        Case{"a\xCC\x87", "\xC8\xA7"}));  // a + U+0307 composes to ȧ

TEST(NameSearchKeyTest, KazakhLettersStayDistinctFromLookalikes) {
  EXPECT_NE(NameSearchKey("Ұ"), NameSearchKey("У"));  // Cyrillic u
  EXPECT_NE(NameSearchKey("Ү"), NameSearchKey("Y"));  // Latin Y
  EXPECT_NE(NameSearchKey("І"), NameSearchKey("I"));  // Latin I
  EXPECT_NE(NameSearchKey("Һ"), NameSearchKey("H"));
  EXPECT_EQ(NameSearchKey("І"), "і");  // U+0456
}

TEST(NameSearchKeyTest, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(NameSearchKey("a\xFF"), "a\xEF\xBF\xBD");
}

TEST(NameSearchKeyTest, TypedPrefixIsPrefixOfIndexKey) {
  const std::string indexed = NameSearchKey("Қасымова Әлия");
  for (const char* typed : {"Қ", "ҚАС", "қасымова", "  Қасымова  Ә", "ҚАСЫМОВА ӘЛИЯ"}) {
    EXPECT_TRUE(absl::StartsWith(indexed, NameSearchKey(typed))) << typed;
  }
  EXPECT_FALSE(absl::StartsWith(indexed, NameSearchKey("Касымова")));  // К is not Қ
}

TEST(NameIndexKeysTest, FamilyGivenAndGivenFamily) {
  EXPECT_THAT(NameIndexKeys("Әлия", "Қасымова"), ElementsAre("қасымова әлия", "әлия қасымова"));
}

TEST(NameIndexKeysTest, FromDonorWithoutPatronymic) {
  v1::Donor donor;
  donor.set_given_name(" Иван ");
  donor.set_family_name("ПЕТРОВ");
  donor.set_patronymic("Сергеевич");
  EXPECT_THAT(NameIndexKeys(donor), ElementsAre("петров иван", "иван петров"));
}

TEST(NameIndexKeysTest, EqualNamesGiveOneKey) {
  EXPECT_THAT(NameIndexKeys("Ali", "ALI"), ElementsAre("ali ali"));
}

TEST(NameIndexKeysTest, EmptyNames) {
  EXPECT_THAT(NameIndexKeys("", ""), IsEmpty());
  EXPECT_THAT(NameIndexKeys("Ali", " "), ElementsAre("ali"));
  EXPECT_THAT(NameIndexKeys("", "Valiev"), ElementsAre("valiev"));
}

}  // namespace
}  // namespace blooddrive::registry
