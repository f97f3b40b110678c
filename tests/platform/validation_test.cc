#include "validation.h"

#include <limits>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "dates.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace blooddrive::platform {
namespace {

std::string Message(const absl::Status& s) { return std::string(s.message()); }

v1::Date D(int y, int m, int d) {
  v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(InvalidFieldTest, FieldFirst) {
  const absl::Status s = InvalidField("donor.phone", "is not a valid phone number");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(s), "donor.phone: is not a valid phone number");
}

TEST(FieldPathTest, Joins) {
  EXPECT_EQ(FieldPath("donor", "phone"), "donor.phone");
  EXPECT_EQ(FieldPath("", "phone"), "phone");
  EXPECT_EQ(FieldPath("donor.documents", 2), "donor.documents[2]");
  EXPECT_EQ(FieldPath(FieldPath("donor.documents", 0), "number"), "donor.documents[0].number");
}

// ---------------------------------------------------------------------------------------------
// CheckText

TEST(CheckTextTest, Valid) {
  EXPECT_TRUE(CheckText("f", "Ali", 100, true).ok());
  EXPECT_TRUE(CheckText("f", "", 100, false).ok());
  EXPECT_TRUE(CheckText("f", "Қасымова Әлия", 13, true).ok());
  EXPECT_TRUE(CheckText("f", " a ", 3, true).ok());
}

TEST(CheckTextTest, LengthIsInCharactersNotBytes) {
  const std::string cyrillic = Repeat("Ж", 100);  // 2 bytes each
  ASSERT_EQ(cyrillic.size(), 200u);
  EXPECT_TRUE(CheckText("f", cyrillic, 100, true).ok());
  EXPECT_EQ(Message(CheckText("f", cyrillic + "Ж", 100, true)), "f: is longer than 100 characters");
  const std::string emoji = Repeat("\xF0\x9F\xA9\xB8", 10);  // U+1FA78 drop of blood, 4 bytes
  EXPECT_TRUE(CheckText("f", emoji, 10, true).ok());
  EXPECT_FALSE(CheckText("f", emoji, 9, true).ok());
  const std::string latin = std::string(100, 'a');
  EXPECT_TRUE(CheckText("f", latin, 100, true).ok());
  EXPECT_FALSE(CheckText("f", latin + "a", 100, true).ok());
}

TEST(CheckTextTest, Required) {
  EXPECT_EQ(Message(CheckText("donor.given_name", "", 100, true)), "donor.given_name: is required");
  EXPECT_EQ(Message(CheckText("f", " \t", 100, true)).substr(0, 3), "f: ");
  EXPECT_FALSE(CheckText("f", "   ", 100, true).ok());
  EXPECT_EQ(Message(CheckText("f", "\xE3\x80\x80", 100, true)),
            "f: is required");  // ideographic sp.
}

TEST(CheckTextTest, OptionalButOnlyWhitespace) {
  EXPECT_EQ(Message(CheckText("f", "  ", 100, false)), "f: is only whitespace");
  EXPECT_EQ(Message(CheckText("f", "\xC2\xA0", 100, false)), "f: is only whitespace");  // NBSP
}

TEST(CheckTextTest, InvalidUtf8) {
  for (const std::string& bad : {
           std::string("\xFF"),
           std::string("abc\xC3"),           // truncated 2-byte sequence
           std::string("\xC0\xAF"),          // overlong '/'
           std::string("\xED\xA0\x80"),      // UTF-16 surrogate D800
           std::string("\xF4\x90\x80\x80"),  // above U+10FFFF
           std::string("\xE2\x82"),          // truncated 3-byte sequence
           std::string("a\x80"
                       "b"),  // stray continuation byte
       }) {
    EXPECT_EQ(Message(CheckText("f", bad, 100, false)), "f: is not valid UTF-8")
        << testing::PrintToString(bad);
  }
}

TEST(CheckTextTest, FormatCharactersOfSpellingAreAllowed) {
  EXPECT_TRUE(CheckText("f", "\xD9\x85\xDB\x8C\xE2\x80\x8C\xD8\xB1\xD9\x88\xD9\x85", 100, true)
                  .ok());  // ZWNJ
  EXPECT_TRUE(CheckText("f",
                        "Ann\xC2\xAD"
                        "a",
                        100, true)
                  .ok());  // soft hyphen
}

TEST(CheckTextTest, ControlCharacters) {
  for (const std::string& bad : {
           std::string("a\x01"), std::string("a\nb"), std::string("a\tb"), std::string("a\rb"),
           std::string("a\x7F"), std::string("a\0b", 3),  // NUL inside the string
           std::string("a\xC2\x85"),                      // U+0085 next line (C1)
           std::string("a\xE2\x80\xA8"),                  // U+2028 line separator
           std::string("a\xE2\x80\xAE"),                  // U+202E right-to-left override (format)
       }) {
    EXPECT_EQ(Message(CheckText("f", bad, 100, false)), "f: contains a control character")
        << testing::PrintToString(bad);
  }
}

// ---------------------------------------------------------------------------------------------
// CheckRequestId

TEST(CheckRequestIdTest, Valid) {
  EXPECT_TRUE(CheckRequestId("request_id", "a").ok());
  EXPECT_TRUE(CheckRequestId("request_id", "3f2b8c1e-9d4a-4c7b-8e2f-1a2b3c4d5e6f").ok());
  EXPECT_TRUE(CheckRequestId("request_id", std::string(64, 'x')).ok());
  EXPECT_TRUE(CheckRequestId("request_id", "!~{}|").ok());
}

TEST(CheckRequestIdTest, Invalid) {
  EXPECT_EQ(Message(CheckRequestId("request_id", "")),
            "request_id: is required (a unique id per change, e.g. a UUID)");
  EXPECT_EQ(Message(CheckRequestId("request_id", std::string(65, 'x'))),
            "request_id: is longer than 64 characters");
  for (const std::string& bad : {std::string("a b"), std::string("a\tb"), std::string("\x7F"),
                                 std::string("id\xC3\xA9"), std::string("a\0b", 3)}) {
    EXPECT_EQ(Message(CheckRequestId("request_id", bad)),
              "request_id: must be printable ASCII without spaces")
        << testing::PrintToString(bad);
  }
}

// ---------------------------------------------------------------------------------------------
// CheckResourceName

TEST(CheckResourceNameTest, ValidReturnsId) {
  std::string id;
  ASSERT_TRUE(CheckResourceName("home_site", "sites/astana-1", "sites", &id).ok());
  EXPECT_EQ(id, "astana-1");
  EXPECT_TRUE(CheckResourceName("f", "sites/" + std::string(32, 'a'), "sites", nullptr).ok());
  EXPECT_TRUE(CheckResourceName("f", "drives/d1/slots/s1", "drives/d1/slots", &id).ok());
  EXPECT_EQ(id, "s1");
}

TEST(CheckResourceNameTest, Invalid) {
  struct Case {
    std::string value;
    std::string message;
  };
  const Case cases[] = {
      {"", "f: is required (sites/{id})"},
      {"site/a", "f: must look like sites/{id}"},
      {"sites", "f: must look like sites/{id}"},
      {"drives/a", "f: must look like sites/{id}"},
      {"Sites/a", "f: must look like sites/{id}"},
      {"sites/", "f: has an id that is empty or longer than 32 characters"},
      {"sites/" + std::string(33, 'a'), "f: has an id that is empty or longer than 32 characters"},
      {"sites/Astana", "f: has an id with characters other than a-z, 0-9 and '-'"},
      {"sites/a/b", "f: has an id with characters other than a-z, 0-9 and '-'"},
      {"sites/a_b", "f: has an id with characters other than a-z, 0-9 and '-'"},
      {"sites/a b", "f: has an id with characters other than a-z, 0-9 and '-'"},
      {"sites/\xD0\xB0", "f: has an id with characters other than a-z, 0-9 and '-'"},  // Cyrillic
  };
  for (const Case& c : cases) {
    std::string id = "unchanged";
    const absl::Status s = CheckResourceName("f", c.value, "sites", &id);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.value;
    EXPECT_EQ(Message(s), c.message) << c.value;
    EXPECT_EQ(id, "unchanged");
  }
}

// ---------------------------------------------------------------------------------------------
// CheckPageSize

TEST(CheckPageSizeTest, Effective) {
  int effective = -1;
  ASSERT_TRUE(CheckPageSize("page_size", 0, 50, &effective).ok());
  EXPECT_EQ(effective, 50);
  ASSERT_TRUE(CheckPageSize("page_size", 1, 50, &effective).ok());
  EXPECT_EQ(effective, 1);
  ASSERT_TRUE(CheckPageSize("page_size", 500, 50, &effective).ok());
  EXPECT_EQ(effective, 500);
}

TEST(CheckPageSizeTest, Invalid) {
  int effective = -1;
  EXPECT_EQ(Message(CheckPageSize("page_size", -1, 50, &effective)),
            "page_size: must not be negative");
  EXPECT_EQ(Message(CheckPageSize("page_size", std::numeric_limits<int>::min(), 50, &effective)),
            "page_size: must not be negative");
  EXPECT_EQ(Message(CheckPageSize("page_size", 501, 50, &effective)),
            "page_size: must be at most 500");
  EXPECT_EQ(Message(CheckPageSize("page_size", std::numeric_limits<int>::max(), 50, &effective)),
            "page_size: must be at most 500");
  EXPECT_EQ(effective, -1);
}

// ---------------------------------------------------------------------------------------------
// CheckDate

TEST(CheckDateTest, Unset) {
  EXPECT_TRUE(CheckDate("d", v1::Date(), false).ok());
  EXPECT_EQ(Message(CheckDate("d", v1::Date(), true)), "d: is required");
}

TEST(CheckDateTest, LeapDays) {
  EXPECT_TRUE(CheckDate("d", D(2024, 2, 29), true).ok());
  EXPECT_TRUE(CheckDate("d", D(2000, 2, 29), true).ok());  // divisible by 400
  EXPECT_EQ(Message(CheckDate("d", D(2023, 2, 29), true)), "d: is not a date of the calendar");
  EXPECT_EQ(Message(CheckDate("d", D(1900, 2, 29), true)), "d: is not a date of the calendar");
  EXPECT_EQ(Message(CheckDate("d", D(2100, 2, 29), true)), "d: is not a date of the calendar");
  EXPECT_FALSE(CheckDate("d", D(2024, 2, 30), true).ok());
}

TEST(CheckDateTest, MonthLengths) {
  const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int m = 1; m <= 12; ++m) {
    EXPECT_TRUE(CheckDate("d", D(2023, m, days[m - 1]), true).ok()) << m;
    EXPECT_FALSE(CheckDate("d", D(2023, m, days[m - 1] + 1), true).ok()) << m;
    EXPECT_TRUE(CheckDate("d", D(2023, m, 1), true).ok()) << m;
  }
}

TEST(CheckDateTest, Ranges) {
  EXPECT_TRUE(CheckDate("d", D(1900, 1, 1), true).ok());
  EXPECT_TRUE(CheckDate("d", D(9999, 12, 31), true).ok());
  EXPECT_EQ(Message(CheckDate("d", D(1899, 12, 31), true)), "d: has a year outside 1900..9999");
  EXPECT_EQ(Message(CheckDate("d", D(10000, 1, 1), true)), "d: has a year outside 1900..9999");
  EXPECT_EQ(Message(CheckDate("d", D(-2024, 1, 1), true)), "d: has a year outside 1900..9999");
  EXPECT_EQ(Message(CheckDate("d", D(2024, 0, 1), true)), "d: has a month outside 1..12");
  EXPECT_EQ(Message(CheckDate("d", D(2024, 13, 1), true)), "d: has a month outside 1..12");
  EXPECT_EQ(Message(CheckDate("d", D(2024, -1, 1), true)), "d: has a month outside 1..12");
  EXPECT_EQ(Message(CheckDate("d", D(2024, 1, 0), true)), "d: is not a date of the calendar");
  EXPECT_EQ(Message(CheckDate("d", D(2024, 1, 32), true)), "d: is not a date of the calendar");
  EXPECT_EQ(Message(CheckDate("d", D(2024, 1, -1), true)), "d: is not a date of the calendar");
  EXPECT_FALSE(CheckDate("d", D(2024, 1, std::numeric_limits<int>::max()), true).ok());
  EXPECT_FALSE(CheckDate("d", D(2024, 1, std::numeric_limits<int>::min()), true).ok());
}

TEST(CheckDateTest, PartlySetIsInvalidEvenWhenOptional) {
  EXPECT_EQ(Message(CheckDate("d", D(0, 0, 5), false)), "d: has a year outside 1900..9999");
  EXPECT_EQ(Message(CheckDate("d", D(2024, 0, 0), false)), "d: has a month outside 1..12");
  EXPECT_EQ(Message(CheckDate("d", D(2024, 5, 0), false)), "d: is not a date of the calendar");
}

// ---------------------------------------------------------------------------------------------
// CheckEnum

TEST(CheckEnumTest, Values) {
  EXPECT_TRUE(CheckEnum("donor.sex", v1::SEX_FEMALE, v1::Sex_IsValid).ok());
  EXPECT_EQ(Message(CheckEnum("donor.sex", v1::SEX_UNSPECIFIED, v1::Sex_IsValid)),
            "donor.sex: is required");
  EXPECT_EQ(Message(CheckEnum("donor.sex", 3, v1::Sex_IsValid)), "donor.sex: is not a known value");
  EXPECT_EQ(Message(CheckEnum("donor.sex", -1, v1::Sex_IsValid)),
            "donor.sex: is not a known value");
  EXPECT_TRUE(CheckEnum("b", v1::BLOOD_GROUP_UNKNOWN, v1::BloodGroup_IsValid).ok());
}

// ---------------------------------------------------------------------------------------------
// dates.h

TEST(DatesTest, CivilDayRoundTrip) {
  const absl::CivilDay day(2024, 2, 29);
  const v1::Date date = ToDate(day);
  EXPECT_EQ(date.year(), 2024);
  EXPECT_EQ(date.month(), 2);
  EXPECT_EQ(date.day(), 29);
  EXPECT_EQ(ToCivilDay(date), day);
}

TEST(DatesTest, IsSet) {
  EXPECT_FALSE(IsSet(v1::Date()));
  EXPECT_TRUE(IsSet(D(2024, 1, 1)));
  EXPECT_TRUE(IsSet(D(0, 0, 1)));
}

TEST(DatesTest, TimestampRoundTrip) {
  const absl::Time t = absl::FromUnixSeconds(1718409600) + absl::Nanoseconds(123456789);
  const google::protobuf::Timestamp ts = ToTimestamp(t);
  EXPECT_EQ(ts.seconds(), 1718409600);
  EXPECT_EQ(ts.nanos(), 123456789);
  EXPECT_EQ(ToTime(ts), t);
}

}  // namespace
}  // namespace blooddrive::platform
