#include "iin.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace blooddrive::registry {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using v1::SEX_FEMALE;
using v1::SEX_MALE;

// Independent of IinCheckDigit: the published algorithm written out once more.
int ReferenceCheck(const std::string& d) {
  int sum = 0;
  for (int i = 0; i < 11; ++i) sum += (d[i] - '0') * (i + 1);
  if (sum % 11 != 10) return sum % 11;
  const int w2[11] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2};
  sum = 0;
  for (int i = 0; i < 11; ++i) sum += (d[i] - '0') * w2[i];
  return sum % 11;  // 10: no valid IIN
}

// A valid IIN: birth date, century/sex digit, and the first serial from `serial` on that has a
// check digit.
std::string MakeIin(const std::string& yymmdd, int century_sex, int serial = 1) {
  for (;; ++serial) {
    const std::string first11 =
        absl::StrCat(yymmdd, century_sex, absl::Dec(serial, absl::kZeroPad4));
    const int check = ReferenceCheck(first11);
    if (check != 10) return absl::StrCat(first11, check);
  }
}

std::string Message(const absl::Status& s) { return std::string(s.message()); }

TEST(IinCheckDigitTest, FirstPass) {
  // 1*0+2*0+...: digits 00000000001 -> 11*1 = 11 % 11 = 0.
  EXPECT_EQ(IinCheckDigit("00000000001"), 0);
  // 10000000000 -> 1.
  EXPECT_EQ(IinCheckDigit("10000000000"), 1);
}

TEST(IinCheckDigitTest, SecondPassWhenFirstGivesTen) {
  // 0000000001 0: weight 10 on digit 10 -> 10; second pass weight 1 -> 1.
  EXPECT_EQ(IinCheckDigit("00000000010"), 1);
}

TEST(IinCheckDigitTest, NoCheckDigitWhenBothPassesGiveTen) {
  // About one prefix in 121 has no check digit; the state skips those serials.
  int found = 0;
  for (int n = 0; n < 10000; ++n) {
    const std::string d = absl::StrCat("9001013", absl::Dec(n, absl::kZeroPad4));
    if (ReferenceCheck(d) != 10) continue;
    ++found;
    EXPECT_EQ(IinCheckDigit(d), std::nullopt) << d;
    for (char last = '0'; last <= '9'; ++last) {
      const absl::StatusOr<IinInfo> info = ParseIin(absl::StrCat(d, std::string(1, last)));
      ASSERT_FALSE(info.ok()) << d << last;
      EXPECT_THAT(Message(info.status()), HasSubstr("no check digit exists")) << d << last;
    }
  }
  EXPECT_GT(found, 0);
}

TEST(IinCheckDigitTest, AgreesWithReferenceEverywhere) {
  for (int n = 0; n < 10000; ++n) {
    const std::string d = absl::StrCat("850315", "4", absl::Dec(n, absl::kZeroPad4));
    const int ref = ReferenceCheck(d);
    if (ref == 10) {
      EXPECT_EQ(IinCheckDigit(d), std::nullopt) << d;
    } else {
      EXPECT_EQ(IinCheckDigit(d), ref) << d;
    }
  }
}

// An example IIN from the documentation of the kz-iin-validator library (github.com/ZhymabekRoman):
// its first pass gives 10, so it also exercises the second weights.
TEST(ParseIinTest, PublishedExample) {
  const absl::StatusOr<IinInfo> info = ParseIin("061211600012");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->birth_date, absl::CivilDay(2006, 12, 11));
  EXPECT_EQ(info->sex, SEX_FEMALE);
}

TEST(ParseIinTest, CenturyAndSexDigit) {
  struct Case {
    int digit;
    int year;
    v1::Sex sex;
  };
  for (const Case& c :
       {Case{1, 1890, SEX_MALE}, Case{2, 1890, SEX_FEMALE}, Case{3, 1990, SEX_MALE},
        Case{4, 1990, SEX_FEMALE}, Case{5, 2090, SEX_MALE}, Case{6, 2090, SEX_FEMALE}}) {
    const std::string iin = MakeIin("900514", c.digit);
    const absl::StatusOr<IinInfo> info = ParseIin(iin);
    ASSERT_TRUE(info.ok()) << iin << " " << info.status();
    EXPECT_EQ(info->birth_date, absl::CivilDay(c.year, 5, 14)) << iin;
    EXPECT_EQ(info->sex, c.sex) << iin;
  }
}

TEST(ParseIinTest, LeapDay) {
  EXPECT_TRUE(ParseIin(MakeIin("000229", 5)).ok());   // 2000 is a leap year
  EXPECT_TRUE(ParseIin(MakeIin("960229", 4)).ok());   // 1996
  EXPECT_FALSE(ParseIin(MakeIin("000229", 1)).ok());  // 1800 is not
  EXPECT_FALSE(ParseIin(MakeIin("000229", 3)).ok());  // 1900 is not
  EXPECT_FALSE(ParseIin(MakeIin("970229", 3)).ok());
}

TEST(ParseIinTest, Rejections) {
  const std::string valid = MakeIin("900514", 3);
  std::string wrong_check = valid;
  wrong_check[11] = static_cast<char>('0' + (valid[11] - '0' + 1) % 10);
  struct Case {
    std::string iin;
    std::string message;
  };
  const Case cases[] = {
      {"", "an IIN must be 12 digits (has 0 characters)"},
      {valid.substr(0, 11), "an IIN must be 12 digits (has 11 characters)"},
      {valid + "0", "an IIN must be 12 digits (has 13 characters)"},
      {"90051430012a", "an IIN must contain only digits"},
      {"9005 1430012", "an IIN must contain only digits"},
      {"-90051430012", "an IIN must contain only digits"},
      {MakeIin("900514", 0), "its 7th digit (century and sex) must be 1..6, is 0"},
      {MakeIin("900514", 7), "its 7th digit (century and sex) must be 1..6, is 7"},
      {MakeIin("900514", 9), "its 7th digit (century and sex) must be 1..6, is 9"},
      {MakeIin("901314", 3), "its first 6 digits are not a birth date YYMMDD"},
      {MakeIin("900014", 3), "are not a birth date"},
      {MakeIin("900500", 3), "are not a birth date"},
      {MakeIin("900431", 3), "are not a birth date"},
      {MakeIin("900532", 3), "are not a birth date"},
      {wrong_check, "the check digit is wrong"},
  };
  for (const Case& c : cases) {
    const absl::StatusOr<IinInfo> info = ParseIin(c.iin);
    ASSERT_FALSE(info.ok()) << c.iin;
    EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument) << c.iin;
    EXPECT_THAT(Message(info.status()), HasSubstr(c.message)) << c.iin;
  }
}

TEST(ParseIinTest, EverySingleDigitTypoOfTheCheckDigitIsCaught) {
  const std::string valid = MakeIin("851231", 4);
  ASSERT_TRUE(ParseIin(valid).ok());
  for (char d = '0'; d <= '9'; ++d) {
    if (d == valid[11]) continue;
    std::string typo = valid;
    typo[11] = d;
    EXPECT_FALSE(ParseIin(typo).ok()) << typo;
  }
}

TEST(CheckIinMatchesTest, Matches) {
  EXPECT_TRUE(CheckIinMatches("donor.documents[0].number", MakeIin("900514", 3),
                              absl::CivilDay(1990, 5, 14), SEX_MALE)
                  .ok());
}

TEST(CheckIinMatchesTest, BirthDateMismatchNamesBothDates) {
  const absl::Status s = CheckIinMatches("donor.documents[1].number", MakeIin("900514", 3),
                                         absl::CivilDay(1990, 5, 15), SEX_MALE);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(s),
            "donor.documents[1].number: IIN encodes birth date 1990-05-14, donor.birth_date is "
            "1990-05-15");
}

TEST(CheckIinMatchesTest, CenturyMismatch) {
  const absl::Status s =
      CheckIinMatches("doc", MakeIin("900514", 5), absl::CivilDay(1990, 5, 14), SEX_MALE);
  EXPECT_EQ(Message(s), "doc: IIN encodes birth date 2090-05-14, donor.birth_date is 1990-05-14");
}

TEST(CheckIinMatchesTest, SexMismatch) {
  const absl::Status s =
      CheckIinMatches("doc", MakeIin("900514", 4), absl::CivilDay(1990, 5, 14), SEX_MALE, "patch");
  EXPECT_EQ(Message(s), "doc: IIN encodes sex female, patch.sex is male");
}

TEST(CheckIinMatchesTest, InvalidIinIsReportedAtTheField) {
  const absl::Status s = CheckIinMatches("doc", "123", absl::CivilDay(1990, 5, 14), SEX_MALE);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(s), StartsWith("doc: an IIN must be 12 digits"));
}

}  // namespace
}  // namespace blooddrive::registry
