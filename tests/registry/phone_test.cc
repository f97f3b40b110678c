#include "phone.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace blooddrive::registry {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Accepted {
  std::string input;
  std::string e164;
  std::string region;
  PhoneLineType type;
};

class AcceptedPhoneTest : public ::testing::TestWithParam<Accepted> {};

TEST_P(AcceptedPhoneTest, NormalizesToE164) {
  const Accepted& c = GetParam();
  const absl::StatusOr<PhoneNumberInfo> info = ParsePhone(c.input);
  ASSERT_TRUE(info.ok()) << c.input << ": " << info.status();
  EXPECT_EQ(info->e164, c.e164);
  EXPECT_EQ(info->region, c.region);
  EXPECT_EQ(info->type, c.type);
  const absl::StatusOr<std::string> e164 = NormalizePhone(c.input);
  ASSERT_TRUE(e164.ok());
  EXPECT_EQ(*e164, c.e164);
  // Normalizing is idempotent: what we store parses to itself.
  EXPECT_EQ(NormalizePhone(*e164).value_or(""), c.e164);
}

constexpr PhoneLineType kMobile = PhoneLineType::kMobile;
constexpr PhoneLineType kFixed = PhoneLineType::kFixedLine;

INSTANTIATE_TEST_SUITE_P(
    Formats, AcceptedPhoneTest,
    ::testing::Values(
        // Kazakh mobile in the ways people write it.
        Accepted{"+7 701 123 45 67", "+77011234567", "KZ", kMobile},
        Accepted{"8 701 123 4567", "+77011234567", "KZ", kMobile},  // trunk prefix 8
        Accepted{"87011234567", "+77011234567", "KZ", kMobile},
        Accepted{"7011234567", "+77011234567", "KZ", kMobile},  // no prefix: read as Kazakh
        Accepted{"+77011234567", "+77011234567", "KZ", kMobile},
        Accepted{"+7 (701) 123-45-67", "+77011234567", "KZ", kMobile},
        Accepted{"8-701-123-45-67", "+77011234567", "KZ", kMobile},
        Accepted{"8.701.123.45.67", "+77011234567", "KZ", kMobile},
        Accepted{"  +7 701 123 45 67  ", "+77011234567", "KZ", kMobile},
        // Kazakh fixed lines (Almaty, Astana) are accepted and reported as such.
        Accepted{"+7 727 258 1234", "+77272581234", "KZ", kFixed},
        Accepted{"8 (7172) 55 12 34", "+77172551234", "KZ", kFixed},
        // Russia shares +7.
        Accepted{"+7 916 123-45-67", "+79161234567", "RU", kMobile},
        // Migrants' home numbers.
        Accepted{"+998 90 123 45 67", "+998901234567", "UZ", kMobile},
        Accepted{"+992 93 123 4567", "+992931234567", "TJ", kMobile},
        Accepted{"+996 700 123 456", "+996700123456", "KG", kMobile},
        // Dialled from Kazakhstan with the international prefix 8 10.
        Accepted{"8 10 998 90 123 45 67", "+998901234567", "UZ", kMobile}));

TEST(ParsePhoneTest, MaybeMobile) {
  EXPECT_TRUE(ParsePhone("+77011234567")->MaybeMobile());
  EXPECT_FALSE(ParsePhone("+77272581234")->MaybeMobile());
}

TEST(ParsePhoneTest, DefaultRegion) {
  // Nine digits are an Uzbek number when the default region is UZ, and nothing in Kazakhstan.
  EXPECT_EQ(NormalizePhone("90 123 45 67", "UZ").value_or(""), "+998901234567");
  EXPECT_FALSE(NormalizePhone("90 123 45 67").ok());
}

struct Rejected {
  std::string input;
  std::string reason;
};

class RejectedPhoneTest : public ::testing::TestWithParam<Rejected> {};

TEST_P(RejectedPhoneTest, SaysWhy) {
  const Rejected& c = GetParam();
  const absl::StatusOr<std::string> e164 = NormalizePhone(c.input);
  ASSERT_FALSE(e164.ok()) << c.input << " -> " << *e164;
  EXPECT_EQ(e164.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(e164.status().message());
  EXPECT_THAT(message, StartsWith("is not a valid phone number ("));
  EXPECT_THAT(message, HasSubstr(c.reason)) << c.input;
}

INSTANTIATE_TEST_SUITE_P(
    Garbage, RejectedPhoneTest,
    ::testing::Values(Rejected{"", "no digits"}, Rejected{"   ", "no digits"},
                      Rejected{"+", "no digits"}, Rejected{"abc", "only digits"},
                      // Letters would otherwise be read as a vanity number (ABC -> 222).
                      Rejected{"+7 701 ABC 45 67", "only digits"},
                      Rejected{"+7 701 123 45 67 ext 5", "only digits"},
                      Rejected{"+7 701 123 45 67;ext=5", "only digits"},
                      Rejected{"+7 701 123 45 67#", "only digits"},
                      Rejected{"+7\xd9\xa7\xd9\xa0\xd9\xa1", "only digits"},  // Arabic-Indic digits
                      Rejected{"+7 701 123 45 67\n", "only digits"},
                      Rejected{std::string("+7701\0"
                                           "1234567",
                                           13),
                               "only digits"},
                      Rejected{std::string(41, '1'), "longer than 40 characters"},
                      Rejected{"123", "too short"}, Rejected{"+7 701 123 45", "too short"},
                      Rejected{"+7 701 123 45 67 89", "wrong number of digits"},
                      Rejected{"+999 123 456 789", "unknown country code"},
                      Rejected{"8 000 000 0000", "no such number range"}));

TEST(ParsePhoneTest, IsThreadSafe) {
  // libphonenumber's singleton is documented as thread-safe; make sure the way we use it is too.
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&failures] {
      for (int i = 0; i < 200; ++i) {
        if (NormalizePhone("8 701 123 4567").value_or("") != "+77011234567") ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace blooddrive::registry
