#include "donor_validation.h"

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "iin.h"

namespace blooddrive::registry {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const absl::CivilDay kToday(2024, 6, 15);

v1::Date D(int y, int m, int d) {
  v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

// A valid IIN for the birth date (YYMMDD) and century/sex digit.
std::string Iin(const std::string& yymmdd, int century_sex) {
  for (int serial = 1;; ++serial) {
    const std::string first11 =
        absl::StrCat(yymmdd, century_sex, absl::Dec(serial, absl::kZeroPad4));
    if (std::optional<int> check = IinCheckDigit(first11)) return absl::StrCat(first11, *check);
  }
}

v1::IdentityDocument Doc(v1::DocumentType type, const std::string& number,
                         const std::string& country) {
  v1::IdentityDocument doc;
  doc.set_type(type);
  doc.set_number(number);
  doc.set_issuing_country(country);
  return doc;
}

// Born 1990-05-14, female: IIN digit 7 is 4.
v1::Donor ValidDonor() {
  v1::Donor d;
  d.set_given_name("Әлия");
  d.set_family_name("Қасымова");
  *d.mutable_birth_date() = D(1990, 5, 14);
  d.set_sex(v1::SEX_FEMALE);
  d.set_weight_kg(62.5);
  d.set_blood_group(v1::BLOOD_GROUP_A_POSITIVE);
  d.set_phone("8 701 123 4567");
  d.set_preferred_language(v1::LANGUAGE_KAZAKH);
  d.set_home_site("sites/astana-1");
  d.set_citizenship("kz");
  *d.add_documents() = Doc(v1::DOCUMENT_TYPE_IIN, Iin("900514", 4), "KZ");
  return d;
}

std::string Message(const absl::Status& s) { return std::string(s.message()); }

// ---------------------------------------------------------------------------------------------
// NormalizeDocument

TEST(NormalizeDocumentTest, NormalizesNumberAndCountry) {
  const absl::StatusOr<v1::IdentityDocument> doc =
      NormalizeDocument("doc", Doc(v1::DOCUMENT_TYPE_PASSPORT,
                                   " ab 123-45\xE2\x80\x93"
                                   "67 ",
                                   "uz"));
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->number(), "AB1234567");  // spaces, '-' and the en dash dropped
  EXPECT_EQ(doc->issuing_country(), "UZ");
  EXPECT_EQ(doc->type(), v1::DOCUMENT_TYPE_PASSPORT);
}

TEST(NormalizeDocumentTest, IinWithSpaces) {
  const std::string iin = Iin("900514", 4);
  const absl::StatusOr<v1::IdentityDocument> doc = NormalizeDocument(
      "doc", Doc(v1::DOCUMENT_TYPE_IIN, absl::StrCat(iin.substr(0, 6), " ", iin.substr(6)), "kz"));
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->number(), iin);
  EXPECT_EQ(doc->issuing_country(), "KZ");
}

TEST(NormalizeDocumentTest, LengthBounds) {
  EXPECT_TRUE(NormalizeDocument("d", Doc(v1::DOCUMENT_TYPE_OTHER_ID, "A123", "KZ")).ok());
  EXPECT_TRUE(
      NormalizeDocument("d", Doc(v1::DOCUMENT_TYPE_OTHER_ID, std::string(20, '9'), "KZ")).ok());
  EXPECT_EQ(Message(NormalizeDocument("d", Doc(v1::DOCUMENT_TYPE_OTHER_ID, "A-12", "KZ")).status()),
            "d.number: must have 4..20 letters and digits (has 3)");
  EXPECT_EQ(
      Message(NormalizeDocument("d", Doc(v1::DOCUMENT_TYPE_OTHER_ID, std::string(21, '9'), "KZ"))
                  .status()),
      "d.number: must have 4..20 letters and digits (has 21)");
}

TEST(NormalizeDocumentTest, ExpiryDateIsOptional) {
  v1::IdentityDocument doc = Doc(v1::DOCUMENT_TYPE_RESIDENCE_PERMIT, "RP123456", "KZ");
  EXPECT_TRUE(NormalizeDocument("d", doc).ok());
  *doc.mutable_expiry_date() = D(2030, 2, 28);
  EXPECT_TRUE(NormalizeDocument("d", doc).ok());
}

struct DocCase {
  std::string name;
  v1::IdentityDocument doc;
  std::string message;  // the whole message, or its start when it ends with "..."
};

class NormalizeDocumentRejects : public ::testing::TestWithParam<DocCase> {};

TEST_P(NormalizeDocumentRejects, NamesTheField) {
  const DocCase& c = GetParam();
  const absl::StatusOr<v1::IdentityDocument> doc = NormalizeDocument("donor.documents[1]", c.doc);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), absl::StatusCode::kInvalidArgument);
  if (c.message.size() > 3 && c.message.substr(c.message.size() - 3) == "...") {
    EXPECT_THAT(Message(doc.status()), StartsWith(c.message.substr(0, c.message.size() - 3)));
  } else {
    EXPECT_EQ(Message(doc.status()), c.message);
  }
}

v1::IdentityDocument WithExpiry(v1::IdentityDocument doc, v1::Date expiry) {
  *doc.mutable_expiry_date() = expiry;
  return doc;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, NormalizeDocumentRejects,
    ::testing::Values(
        DocCase{"NoType", Doc(v1::DOCUMENT_TYPE_UNSPECIFIED, "N1234567", "UZ"),
                "donor.documents[1].type: is required"},
        DocCase{"UnknownType", Doc(static_cast<v1::DocumentType>(99), "N1234567", "UZ"),
                "donor.documents[1].type: is not a known value"},
        DocCase{"NoNumber", Doc(v1::DOCUMENT_TYPE_PASSPORT, "", "UZ"),
                "donor.documents[1].number: is required"},
        DocCase{"OnlyDashes", Doc(v1::DOCUMENT_TYPE_PASSPORT, " - - ", "UZ"),
                "donor.documents[1].number: is required"},
        // Cyrillic А and В look like Latin A and B.
        DocCase{"Cyrillic", Doc(v1::DOCUMENT_TYPE_PASSPORT, "АВ1234567", "UZ"),
                "donor.documents[1].number: may contain only Latin letters A-Z and digits..."},
        DocCase{"NumeroSign", Doc(v1::DOCUMENT_TYPE_PASSPORT, "№1234567", "UZ"),
                "donor.documents[1].number: may contain only..."},
        DocCase{"Slash", Doc(v1::DOCUMENT_TYPE_PASSPORT, "12/34567", "UZ"),
                "donor.documents[1].number: may contain only..."},
        DocCase{"BadUtf8",
                Doc(v1::DOCUMENT_TYPE_PASSPORT,
                    "N12\xC0"
                    "345",
                    "UZ"),
                "donor.documents[1].number: is not valid UTF-8"},
        DocCase{"NoCountry", Doc(v1::DOCUMENT_TYPE_PASSPORT, "N1234567", ""),
                "donor.documents[1].issuing_country: is required..."},
        DocCase{"Alpha3Country", Doc(v1::DOCUMENT_TYPE_PASSPORT, "N1234567", "UZB"),
                "donor.documents[1].issuing_country: must be a 2-letter ISO 3166-1 country code, "
                "e.g. KZ"},
        DocCase{"DigitsCountry", Doc(v1::DOCUMENT_TYPE_PASSPORT, "N1234567", "12"),
                "donor.documents[1].issuing_country: must be a 2-letter..."},
        DocCase{"UnassignedCountry", Doc(v1::DOCUMENT_TYPE_PASSPORT, "N1234567", "XX"),
                "donor.documents[1].issuing_country: 'XX' is not an ISO 3166-1 country code"},
        DocCase{"IinNotKazakh", Doc(v1::DOCUMENT_TYPE_IIN, Iin("900514", 4), "UZ"),
                "donor.documents[1].issuing_country: must be KZ for an IIN"},
        DocCase{"IinTooShort", Doc(v1::DOCUMENT_TYPE_IIN, "90051440001", "KZ"),
                "donor.documents[1].number: an IIN must be 12 digits (has 11 characters)"},
        DocCase{"IinLetters", Doc(v1::DOCUMENT_TYPE_IIN, "90051440001A", "KZ"),
                "donor.documents[1].number: an IIN must contain only digits"},
        DocCase{"IinBadDate", Doc(v1::DOCUMENT_TYPE_IIN, Iin("900230", 4), "KZ"),
                "donor.documents[1].number: is not a valid IIN: its first 6 digits..."},
        DocCase{
            "IinBadCheckDigit",
            Doc(v1::DOCUMENT_TYPE_IIN,
                Iin("900514", 4).substr(0, 11) +
                    std::string(1, static_cast<char>('0' + (Iin("900514", 4)[11] - '0' + 1) % 10)),
                "KZ"),
            "donor.documents[1].number: is not a valid IIN: the check digit is wrong..."},
        DocCase{"BadExpiry",
                WithExpiry(Doc(v1::DOCUMENT_TYPE_PASSPORT, "N1234567", "UZ"), D(2030, 2, 29)),
                "donor.documents[1].expiry_date: is not a date of the calendar"},
        DocCase{"ExpiryMonth",
                WithExpiry(Doc(v1::DOCUMENT_TYPE_PASSPORT, "N1234567", "UZ"), D(2030, 13, 1)),
                "donor.documents[1].expiry_date: has a month outside 1..12"}),
    [](const ::testing::TestParamInfo<DocCase>& info) { return info.param.name; });

// ---------------------------------------------------------------------------------------------
// AgeOn

TEST(AgeOnTest, Birthdays) {
  EXPECT_EQ(AgeOn(absl::CivilDay(2008, 6, 15), kToday), 16);
  EXPECT_EQ(AgeOn(absl::CivilDay(2008, 6, 16), kToday), 15);
  EXPECT_EQ(AgeOn(absl::CivilDay(2008, 7, 1), kToday), 15);
  EXPECT_EQ(AgeOn(absl::CivilDay(2008, 5, 31), kToday), 16);
  // Born on Feb 29: a year older on Mar 1 of common years, on Feb 29 of leap years.
  EXPECT_EQ(AgeOn(absl::CivilDay(2008, 2, 29), absl::CivilDay(2025, 2, 28)), 16);
  EXPECT_EQ(AgeOn(absl::CivilDay(2008, 2, 29), absl::CivilDay(2025, 3, 1)), 17);
  EXPECT_EQ(AgeOn(absl::CivilDay(2008, 2, 29), absl::CivilDay(2024, 2, 29)), 16);
}

// ---------------------------------------------------------------------------------------------
// ValidateNewDonor

TEST(ValidateNewDonorTest, ValidDonorIsNormalized) {
  v1::Donor in = ValidDonor();
  in.set_given_name("  \xD0\x98\xCC\x86ерлан ");  // И + combining breve = Й, padded
  in.set_name("donors/ignored");
  in.set_etag("e1");
  in.mutable_sms_consent()->set_opted_in(true);
  *in.add_documents() = Doc(v1::DOCUMENT_TYPE_PASSPORT, "n 1234-567", "kz");
  const absl::StatusOr<v1::Donor> out = ValidateNewDonor(in, kToday);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->given_name(), "Йерлан");  // trimmed, NFC
  EXPECT_EQ(out->family_name(), "Қасымова");
  EXPECT_EQ(out->phone(), "+77011234567");
  EXPECT_EQ(out->citizenship(), "KZ");
  ASSERT_EQ(out->documents_size(), 2);
  EXPECT_EQ(out->documents(1).number(), "N1234567");
  EXPECT_EQ(out->documents(1).issuing_country(), "KZ");
  // Server-owned fields pass through untouched.
  EXPECT_EQ(out->name(), "donors/ignored");
  EXPECT_EQ(out->etag(), "e1");
  EXPECT_TRUE(out->sms_consent().opted_in());
}

TEST(ValidateNewDonorTest, MigrantWithPassportsOnly) {
  v1::Donor d = ValidDonor();
  d.clear_documents();
  d.set_citizenship("UZ");
  d.set_phone("+998 90 123 45 67");
  d.set_preferred_language(v1::LANGUAGE_UZBEK);
  d.set_given_name("Oʻktam");
  d.set_family_name("Gʻulomov");
  d.set_sex(v1::SEX_MALE);
  // The same number in passports of two countries (dual citizenship) is not a duplicate.
  *d.add_documents() = Doc(v1::DOCUMENT_TYPE_PASSPORT, "FA1234567", "UZ");
  *d.add_documents() = Doc(v1::DOCUMENT_TYPE_PASSPORT, "FA1234567", "RU");
  *d.add_documents() = Doc(v1::DOCUMENT_TYPE_RESIDENCE_PERMIT, "123456789", "KZ");
  const absl::StatusOr<v1::Donor> out = ValidateNewDonor(d, kToday);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->phone(), "+998901234567");
}

TEST(ValidateNewDonorTest, NegativeZeroWeightIsStoredAsZero) {
  v1::Donor d = ValidDonor();
  d.set_weight_kg(-0.0);
  const absl::StatusOr<v1::Donor> out = ValidateNewDonor(d, kToday);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_FALSE(std::signbit(out->weight_kg()));
}

TEST(ValidateNewDonorTest, OptionalFieldsMayBeEmpty) {
  v1::Donor d = ValidDonor();
  d.clear_patronymic();
  d.clear_phone();
  d.clear_home_site();
  d.clear_citizenship();
  d.set_weight_kg(0);
  d.set_blood_group(v1::BLOOD_GROUP_UNKNOWN);  // a real value: not typed yet
  EXPECT_TRUE(ValidateNewDonor(d, kToday).ok());
}

TEST(ValidateNewDonorTest, Boundaries) {
  const std::string cyrillic_100 = [] {
    std::string s;
    for (int i = 0; i < 100; ++i) s += "Ж";  // 200 bytes, 100 characters
    return s;
  }();
  std::vector<std::function<void(v1::Donor&)>> ok = {
      [&](v1::Donor& d) { d.set_given_name(cyrillic_100); },
      [&](v1::Donor& d) { d.set_family_name(cyrillic_100); },
      [&](v1::Donor& d) { d.set_patronymic(cyrillic_100); },
      [](v1::Donor& d) { d.set_weight_kg(30); },
      [](v1::Donor& d) { d.set_weight_kg(300); },
      [](v1::Donor& d) { d.set_weight_kg(-0.0); },
      [](v1::Donor& d) {  // 16 today
        *d.mutable_birth_date() = D(2008, 6, 15);
        d.mutable_documents(0)->set_number(Iin("080615", 6));
      },
      [](v1::Donor& d) {  // 100 until tomorrow
        *d.mutable_birth_date() = D(1923, 6, 16);
        d.mutable_documents(0)->set_number(Iin("230616", 4));
      },
      [](v1::Donor& d) {  // born on a leap day
        *d.mutable_birth_date() = D(2000, 2, 29);
        d.mutable_documents(0)->set_number(Iin("000229", 6));
      },
      [](v1::Donor& d) {
        for (int i = 0; i < 4; ++i) {
          *d.add_documents() = Doc(v1::DOCUMENT_TYPE_PASSPORT, "N1234567",
                                   i == 0   ? "UZ"
                                   : i == 1 ? "TJ"
                                   : i == 2 ? "KG"
                                            : "RU");
        }
      },
  };
  for (size_t i = 0; i < ok.size(); ++i) {
    v1::Donor d = ValidDonor();
    ok[i](d);
    const absl::StatusOr<v1::Donor> out = ValidateNewDonor(d, kToday);
    EXPECT_TRUE(out.ok()) << "case " << i << ": " << out.status();
  }
}

struct DonorCase {
  std::string name;
  std::function<void(v1::Donor&)> mutate;
  std::string message;  // exact, or a prefix when it ends with "..."
};

class ValidateNewDonorRejects : public ::testing::TestWithParam<DonorCase> {};

TEST_P(ValidateNewDonorRejects, NamesTheField) {
  v1::Donor d = ValidDonor();
  GetParam().mutate(d);
  const absl::StatusOr<v1::Donor> out = ValidateNewDonor(d, kToday);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string& want = GetParam().message;
  if (want.size() > 3 && want.substr(want.size() - 3) == "...") {
    EXPECT_THAT(Message(out.status()), StartsWith(want.substr(0, want.size() - 3)));
  } else {
    EXPECT_EQ(Message(out.status()), want);
  }
}

std::string Cyrillic(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += "Ә";
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ValidateNewDonorRejects,
    ::testing::Values(
        DonorCase{"GivenNameEmpty", [](v1::Donor& d) { d.clear_given_name(); },
                  "donor.given_name: is required"},
        DonorCase{"GivenNameBlank", [](v1::Donor& d) { d.set_given_name(" \xC2\xA0 "); },
                  "donor.given_name: is required"},
        DonorCase{"GivenNameTooLong", [](v1::Donor& d) { d.set_given_name(Cyrillic(101)); },
                  "donor.given_name: is longer than 100 characters"},
        DonorCase{"GivenNameControl", [](v1::Donor& d) { d.set_given_name("Ali\x07"); },
                  "donor.given_name: contains a control character"},
        DonorCase{"GivenNameNewline", [](v1::Donor& d) { d.set_given_name("Ali\nVali"); },
                  "donor.given_name: contains a control character"},
        DonorCase{"GivenNameBadUtf8", [](v1::Donor& d) { d.set_given_name("Al\xE2\x82i"); },
                  "donor.given_name: is not valid UTF-8"},
        DonorCase{"FamilyNameEmpty", [](v1::Donor& d) { d.clear_family_name(); },
                  "donor.family_name: is required"},
        DonorCase{"FamilyNameTooLong", [](v1::Donor& d) { d.set_family_name(Cyrillic(101)); },
                  "donor.family_name: is longer than 100 characters"},
        DonorCase{"PatronymicBlank", [](v1::Donor& d) { d.set_patronymic("  "); },
                  "donor.patronymic: is only whitespace"},
        DonorCase{"PatronymicTooLong", [](v1::Donor& d) { d.set_patronymic(Cyrillic(101)); },
                  "donor.patronymic: is longer than 100 characters"},
        DonorCase{"BirthDateMissing", [](v1::Donor& d) { d.clear_birth_date(); },
                  "donor.birth_date: is required"},
        DonorCase{"BirthDateNotInCalendar",
                  [](v1::Donor& d) { *d.mutable_birth_date() = D(1990, 2, 29); },
                  "donor.birth_date: is not a date of the calendar"},
        DonorCase{"BirthDateYear", [](v1::Donor& d) { *d.mutable_birth_date() = D(1899, 5, 14); },
                  "donor.birth_date: has a year outside 1900..9999"},
        DonorCase{"BirthDateFuture", [](v1::Donor& d) { *d.mutable_birth_date() = D(2024, 6, 16); },
                  "donor.birth_date: is in the future (today is 2024-06-15)"},
        DonorCase{"TooYoung", [](v1::Donor& d) { *d.mutable_birth_date() = D(2008, 6, 16); },
                  "donor.birth_date: a donor must be 16..100 years old, this one is 15 on "
                  "2024-06-15"},
        DonorCase{"TooOld", [](v1::Donor& d) { *d.mutable_birth_date() = D(1923, 6, 15); },
                  "donor.birth_date: a donor must be 16..100 years old, this one is 101 on "
                  "2024-06-15"},
        DonorCase{"SexMissing", [](v1::Donor& d) { d.clear_sex(); }, "donor.sex: is required"},
        DonorCase{"SexUnknownValue", [](v1::Donor& d) { d.set_sex(static_cast<v1::Sex>(7)); },
                  "donor.sex: is not a known value"},
        DonorCase{"WeightLow", [](v1::Donor& d) { d.set_weight_kg(29.9); },
                  "donor.weight_kg: must be 30..300 kg, or 0 when not measured"},
        DonorCase{"WeightHigh", [](v1::Donor& d) { d.set_weight_kg(300.1); },
                  "donor.weight_kg: ..."},
        DonorCase{"WeightNegative", [](v1::Donor& d) { d.set_weight_kg(-60); },
                  "donor.weight_kg: ..."},
        DonorCase{"WeightNaN",
                  [](v1::Donor& d) { d.set_weight_kg(std::numeric_limits<double>::quiet_NaN()); },
                  "donor.weight_kg: ..."},
        DonorCase{"WeightInf",
                  [](v1::Donor& d) { d.set_weight_kg(std::numeric_limits<double>::infinity()); },
                  "donor.weight_kg: ..."},
        DonorCase{"BloodGroupMissing", [](v1::Donor& d) { d.clear_blood_group(); },
                  "donor.blood_group: is required"},
        DonorCase{"BloodGroupUnknownValue",
                  [](v1::Donor& d) { d.set_blood_group(static_cast<v1::BloodGroup>(42)); },
                  "donor.blood_group: is not a known value"},
        DonorCase{"PhoneGarbage", [](v1::Donor& d) { d.set_phone("call me"); },
                  "donor.phone: is not a valid phone number (only digits..."},
        DonorCase{"PhoneShort", [](v1::Donor& d) { d.set_phone("8 701 123"); },
                  "donor.phone: is not a valid phone number (a local number: add the area or "
                  "operator code)"},
        DonorCase{"LanguageMissing", [](v1::Donor& d) { d.clear_preferred_language(); },
                  "donor.preferred_language: is required"},
        DonorCase{"LanguageUnknownValue",
                  [](v1::Donor& d) { d.set_preferred_language(static_cast<v1::Language>(77)); },
                  "donor.preferred_language: is not a known value"},
        DonorCase{"HomeSiteWrongCollection", [](v1::Donor& d) { d.set_home_site("drives/a1"); },
                  "donor.home_site: must look like sites/{id}"},
        DonorCase{"HomeSiteNoId", [](v1::Donor& d) { d.set_home_site("sites/"); },
                  "donor.home_site: has an id that is empty or longer than 32 characters"},
        DonorCase{"HomeSiteUpper", [](v1::Donor& d) { d.set_home_site("sites/Astana"); },
                  "donor.home_site: has an id with characters other than a-z, 0-9 and '-'"},
        DonorCase{"CitizenshipAlpha3", [](v1::Donor& d) { d.set_citizenship("KAZ"); },
                  "donor.citizenship: must be a 2-letter ISO 3166-1 country code, e.g. KZ"},
        DonorCase{"CitizenshipUnassigned", [](v1::Donor& d) { d.set_citizenship("qq"); },
                  "donor.citizenship: 'QQ' is not an ISO 3166-1 country code"},
        DonorCase{"NoDocuments", [](v1::Donor& d) { d.clear_documents(); },
                  "donor.documents: at least one identity document is required"},
        DonorCase{"SixDocuments",
                  [](v1::Donor& d) {
                    for (const char* c : {"UZ", "TJ", "KG", "RU", "TR"}) {
                      *d.add_documents() = Doc(v1::DOCUMENT_TYPE_PASSPORT, "N1234567", c);
                    }
                  },
                  "donor.documents: at most 5 documents, has 6"},
        DonorCase{"DuplicateKind",
                  [](v1::Donor& d) {
                    *d.add_documents() = Doc(v1::DOCUMENT_TYPE_PASSPORT, "N1111111", "UZ");
                    *d.add_documents() = Doc(v1::DOCUMENT_TYPE_PASSPORT, "N2222222", "uz");
                  },
                  "donor.documents[2]: has the same type (DOCUMENT_TYPE_PASSPORT) and "
                  "issuing_country (UZ) as donor.documents[1]; one document of each kind"},
        DonorCase{"DocumentFieldPath",
                  [](v1::Donor& d) {
                    *d.add_documents() = Doc(v1::DOCUMENT_TYPE_PASSPORT, "N-1", "UZ");
                  },
                  "donor.documents[1].number: must have 4..20 letters and digits (has 2)"},
        DonorCase{"IinBirthDateMismatch",
                  [](v1::Donor& d) { *d.mutable_birth_date() = D(1990, 5, 15); },
                  "donor.documents[0].number: IIN encodes birth date 1990-05-14, "
                  "donor.birth_date is 1990-05-15"},
        DonorCase{"IinSexMismatch", [](v1::Donor& d) { d.set_sex(v1::SEX_MALE); },
                  "donor.documents[0].number: IIN encodes sex female, donor.sex is male"},
        DonorCase{"IinCenturyMismatch",
                  [](v1::Donor& d) { d.mutable_documents(0)->set_number(Iin("900514", 6)); },
                  "donor.documents[0].number: IIN encodes birth date 2090-05-14, "
                  "donor.birth_date is 1990-05-14"}),
    [](const ::testing::TestParamInfo<DonorCase>& info) { return info.param.name; });

// ---------------------------------------------------------------------------------------------
// ApplyDonorUpdate

class ApplyDonorUpdateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<v1::Donor> stored = ValidateNewDonor(ValidDonor(), kToday);
    ASSERT_TRUE(stored.ok()) << stored.status();
    current_ = *stored;
    current_.set_name("donors/abc123");
    current_.set_etag("7");
    current_.mutable_sms_consent()->set_opted_in(true);
    current_.mutable_create_time()->set_seconds(1700000000);
  }

  absl::StatusOr<v1::Donor> Apply(const v1::Donor& patch, std::vector<std::string> paths,
                                  absl::CivilDay today = kToday) {
    google::protobuf::FieldMask mask;
    for (std::string& p : paths) mask.add_paths(std::move(p));
    return ApplyDonorUpdate(current_, patch, mask, today);
  }

  v1::Donor current_;
};

TEST_F(ApplyDonorUpdateTest, CopiesOnlyMaskedFields) {
  v1::Donor patch;
  patch.set_phone("+998 90 123 45 67");
  patch.set_given_name("Ignored");  // not in the mask
  patch.set_name("donors/other");
  const absl::StatusOr<v1::Donor> out = Apply(patch, {"phone"});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->phone(), "+998901234567");
  EXPECT_EQ(out->given_name(), "Әлия");
  EXPECT_EQ(out->name(), "donors/abc123");
  EXPECT_EQ(out->etag(), "7");
  EXPECT_TRUE(out->sms_consent().opted_in());
  EXPECT_EQ(out->create_time().seconds(), 1700000000);
  EXPECT_EQ(out->documents_size(), 1);
}

TEST_F(ApplyDonorUpdateTest, EveryUpdatableField) {
  v1::Donor patch = current_;
  patch.set_given_name("Dana");
  patch.set_family_name("Serikova");
  patch.set_patronymic("Ivanovna");
  *patch.mutable_birth_date() = D(1991, 1, 2);
  patch.set_sex(v1::SEX_MALE);
  patch.set_weight_kg(80);
  patch.set_blood_group(v1::BLOOD_GROUP_O_NEGATIVE);
  patch.set_phone("87771234567");
  patch.set_preferred_language(v1::LANGUAGE_RUSSIAN);
  patch.set_home_site("sites/almaty-2");
  patch.set_citizenship("ru");
  patch.clear_documents();
  *patch.add_documents() = Doc(v1::DOCUMENT_TYPE_IIN, Iin("910102", 3), "KZ");
  const absl::StatusOr<v1::Donor> out =
      Apply(patch, {"given_name", "family_name", "patronymic", "birth_date", "sex", "weight_kg",
                    "blood_group", "phone", "preferred_language", "home_site", "citizenship",
                    "documents"});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->given_name(), "Dana");
  EXPECT_EQ(out->family_name(), "Serikova");
  EXPECT_EQ(out->patronymic(), "Ivanovna");
  EXPECT_EQ(out->birth_date().year(), 1991);
  EXPECT_EQ(out->sex(), v1::SEX_MALE);
  EXPECT_EQ(out->weight_kg(), 80);
  EXPECT_EQ(out->blood_group(), v1::BLOOD_GROUP_O_NEGATIVE);
  EXPECT_EQ(out->phone(), "+77771234567");
  EXPECT_EQ(out->preferred_language(), v1::LANGUAGE_RUSSIAN);
  EXPECT_EQ(out->home_site(), "sites/almaty-2");
  EXPECT_EQ(out->citizenship(), "RU");
  ASSERT_EQ(out->documents_size(), 1);
  EXPECT_EQ(out->documents(0).number(), Iin("910102", 3));
}

TEST_F(ApplyDonorUpdateTest, ClearingOptionalFields) {
  const absl::StatusOr<v1::Donor> out =
      Apply(v1::Donor(), {"phone", "home_site", "citizenship", "patronymic", "weight_kg"});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->phone(), "");
  EXPECT_EQ(out->home_site(), "");
  EXPECT_EQ(out->weight_kg(), 0);
}

TEST_F(ApplyDonorUpdateTest, ClearingRequiredFieldFails) {
  EXPECT_EQ(Message(Apply(v1::Donor(), {"given_name"}).status()), "donor.given_name: is required");
  EXPECT_EQ(Message(Apply(v1::Donor(), {"documents"}).status()),
            "donor.documents: at least one identity document is required");
  EXPECT_EQ(Message(Apply(v1::Donor(), {"blood_group"}).status()),
            "donor.blood_group: is required");
}

TEST_F(ApplyDonorUpdateTest, IinMustStillMatchBirthDate) {
  v1::Donor patch;
  *patch.mutable_birth_date() = D(1990, 5, 15);
  EXPECT_EQ(Message(Apply(patch, {"birth_date"}).status()),
            "donor.documents[0].number: IIN encodes birth date 1990-05-14, donor.birth_date is "
            "1990-05-15");
  patch.set_sex(v1::SEX_MALE);
  EXPECT_EQ(Message(Apply(patch, {"sex"}).status()),
            "donor.documents[0].number: IIN encodes sex female, donor.sex is male");
}

TEST_F(ApplyDonorUpdateTest, AgeWindowOnlyWhenBirthDateChanges) {
  // Registered at 99; now, past 101, other fields remain updatable.
  current_.clear_documents();
  *current_.add_documents() = Doc(v1::DOCUMENT_TYPE_PASSPORT, "N1234567", "UZ");
  *current_.mutable_birth_date() = D(1923, 1, 1);
  v1::Donor patch;
  patch.set_phone("87011234567");
  EXPECT_TRUE(Apply(patch, {"phone"}).ok());
  *patch.mutable_birth_date() = D(1923, 1, 2);
  EXPECT_EQ(Message(Apply(patch, {"birth_date"}).status()),
            "donor.birth_date: a donor must be 16..100 years old, this one is 101 on 2024-06-15");
}

TEST_F(ApplyDonorUpdateTest, MaskErrors) {
  v1::Donor patch = current_;
  struct Case {
    std::vector<std::string> paths;
    std::string message;
  };
  const Case cases[] = {
      {{}, "update_mask: is required and must name the fields to change"},
      {{"nickname"}, "update_mask: unknown field 'nickname'"},
      {{""}, "update_mask: unknown field ''"},
      {{"Phone"}, "update_mask: unknown field 'Phone'"},
      {{"*"}, "update_mask: unknown field '*'"},
      {{"phone", "bogus"}, "update_mask: unknown field 'bogus'"},
      {{"name"}, "update_mask: 'name' identifies the donor and cannot be changed"},
      {{"etag"}, "update_mask: 'etag' is output only (send it in donor.etag, not in the mask)"},
      {{"sms_consent"}, "update_mask: 'sms_consent' is changed only by UpdateSmsConsent"},
      {{"create_time"}, "update_mask: 'create_time' is output only"},
      {{"update_time"}, "update_mask: 'update_time' is output only"},
      {{"birth_date.year"},
       "update_mask: 'birth_date.year': fields are replaced whole, name 'birth_date' instead"},
      {{"documents.number"},
       "update_mask: 'documents.number': fields are replaced whole, name 'documents' instead"},
  };
  for (const Case& c : cases) {
    const absl::StatusOr<v1::Donor> out = Apply(patch, c.paths);
    ASSERT_FALSE(out.ok()) << c.message;
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(Message(out.status()), c.message);
  }
}

TEST_F(ApplyDonorUpdateTest, RepeatedPathIsHarmless) {
  v1::Donor patch;
  patch.set_weight_kg(70);
  const absl::StatusOr<v1::Donor> out = Apply(patch, {"weight_kg", "weight_kg"});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->weight_kg(), 70);
}

// ---------------------------------------------------------------------------------------------
// ValidateDonation

v1::Donation ValidDonation() {
  v1::Donation d;
  *d.mutable_donation_date() = D(2024, 6, 15);
  d.set_donation_type(v1::DONATION_TYPE_WHOLE_BLOOD);
  d.set_site("sites/astana-1");
  d.set_volume_ml(450);
  d.set_hemoglobin_g_per_l(135);
  d.set_outcome(v1::DONATION_OUTCOME_DONATED);
  d.set_external_ref("drives/d1/bookings/b1");
  return d;
}

TEST(ValidateDonationTest, Valid) {
  EXPECT_TRUE(ValidateDonation("donation", ValidDonation(), kToday).ok());
  v1::Donation d = ValidDonation();
  d.clear_site();
  d.clear_external_ref();
  d.set_volume_ml(0);
  d.set_hemoglobin_g_per_l(0);
  d.set_outcome(v1::DONATION_OUTCOME_INCOMPLETE);
  *d.mutable_donation_date() = D(1990, 1, 1);
  EXPECT_TRUE(ValidateDonation("donation", d, kToday).ok());
  d.set_volume_ml(1000);
  d.set_hemoglobin_g_per_l(50);
  EXPECT_TRUE(ValidateDonation("donation", d, kToday).ok());
  d.set_hemoglobin_g_per_l(250);
  d.set_external_ref(Cyrillic(200));
  EXPECT_TRUE(ValidateDonation("donation", d, kToday).ok());
}

struct DonationCase {
  std::string name;
  std::function<void(v1::Donation&)> mutate;
  std::string message;
};

class ValidateDonationRejects : public ::testing::TestWithParam<DonationCase> {};

TEST_P(ValidateDonationRejects, NamesTheField) {
  v1::Donation d = ValidDonation();
  GetParam().mutate(d);
  const absl::Status s = ValidateDonation("donation", d, kToday);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(s), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ValidateDonationRejects,
    ::testing::Values(
        DonationCase{"NoDate", [](v1::Donation& d) { d.clear_donation_date(); },
                     "donation.donation_date: is required"},
        DonationCase{"BadDate",
                     [](v1::Donation& d) { *d.mutable_donation_date() = D(2023, 2, 29); },
                     "donation.donation_date: is not a date of the calendar"},
        DonationCase{"Future", [](v1::Donation& d) { *d.mutable_donation_date() = D(2024, 6, 16); },
                     "donation.donation_date: is in the future (today is 2024-06-15)"},
        DonationCase{"NoType", [](v1::Donation& d) { d.clear_donation_type(); },
                     "donation.donation_type: is required"},
        DonationCase{"UnknownType",
                     [](v1::Donation& d) { d.set_donation_type(static_cast<v1::DonationType>(9)); },
                     "donation.donation_type: is not a known value"},
        DonationCase{"BadSite", [](v1::Donation& d) { d.set_site("astana"); },
                     "donation.site: must look like sites/{id}"},
        DonationCase{"NegativeVolume", [](v1::Donation& d) { d.set_volume_ml(-1); },
                     "donation.volume_ml: must be 0..1000 ml"},
        DonationCase{"HugeVolume", [](v1::Donation& d) { d.set_volume_ml(1001); },
                     "donation.volume_ml: must be 0..1000 ml"},
        DonationCase{"LowHemoglobin", [](v1::Donation& d) { d.set_hemoglobin_g_per_l(49); },
                     "donation.hemoglobin_g_per_l: must be 50..250 g/L, or 0 when not measured"},
        DonationCase{"HighHemoglobin", [](v1::Donation& d) { d.set_hemoglobin_g_per_l(251); },
                     "donation.hemoglobin_g_per_l: must be 50..250 g/L, or 0 when not measured"},
        DonationCase{"NegativeHemoglobin", [](v1::Donation& d) { d.set_hemoglobin_g_per_l(-5); },
                     "donation.hemoglobin_g_per_l: must be 50..250 g/L, or 0 when not measured"},
        DonationCase{"NoOutcome", [](v1::Donation& d) { d.clear_outcome(); },
                     "donation.outcome: is required"},
        DonationCase{"DeferredAtSite",
                     [](v1::Donation& d) { d.set_outcome(v1::DONATION_OUTCOME_DEFERRED_AT_SITE); },
                     "donation.outcome: must be DONATED or INCOMPLETE (a deferral is recorded "
                     "with CreateDeferral; a no-show is not a donation)"},
        DonationCase{"NoShow", [](v1::Donation& d) { d.set_outcome(v1::DONATION_OUTCOME_NO_SHOW); },
                     "donation.outcome: must be DONATED or INCOMPLETE (a deferral is recorded "
                     "with CreateDeferral; a no-show is not a donation)"},
        DonationCase{"LongRef", [](v1::Donation& d) { d.set_external_ref(Cyrillic(201)); },
                     "donation.external_ref: is longer than 200 characters"},
        DonationCase{"RefControl", [](v1::Donation& d) { d.set_external_ref("a\tb"); },
                     "donation.external_ref: contains a control character"}),
    [](const ::testing::TestParamInfo<DonationCase>& info) { return info.param.name; });

// ---------------------------------------------------------------------------------------------
// ValidateDeferral

v1::Deferral ValidDeferral() {
  v1::Deferral d;
  d.set_code(v1::DEFERRAL_CODE_TATTOO_OR_PIERCING);
  *d.mutable_start_date() = D(2024, 6, 15);
  *d.mutable_end_date() = D(2024, 12, 15);
  d.set_note("tattoo on 2024-06-10");
  d.set_site("sites/astana-1");
  d.set_external_ref("drives/d1/bookings/b1");
  return d;
}

TEST(ValidateDeferralTest, Valid) {
  EXPECT_TRUE(ValidateDeferral("deferral", ValidDeferral()).ok());
  v1::Deferral d = ValidDeferral();
  d.clear_end_date();
  d.set_permanent(true);
  d.clear_note();
  d.clear_site();
  d.clear_external_ref();
  d.set_code(v1::DEFERRAL_CODE_INFECTIOUS_DISEASE_MARKER);
  EXPECT_TRUE(ValidateDeferral("deferral", d).ok());
  // One day is the shortest deferral; a start in the future (planned surgery) is fine.
  d = ValidDeferral();
  *d.mutable_start_date() = D(2030, 2, 28);
  *d.mutable_end_date() = D(2030, 3, 1);
  d.set_note(Cyrillic(500));
  EXPECT_TRUE(ValidateDeferral("deferral", d).ok());
}

struct DeferralCase {
  std::string name;
  std::function<void(v1::Deferral&)> mutate;
  std::string message;
};

class ValidateDeferralRejects : public ::testing::TestWithParam<DeferralCase> {};

TEST_P(ValidateDeferralRejects, NamesTheField) {
  v1::Deferral d = ValidDeferral();
  GetParam().mutate(d);
  const absl::Status s = ValidateDeferral("deferral", d);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(s), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ValidateDeferralRejects,
    ::testing::Values(
        DeferralCase{"NoCode", [](v1::Deferral& d) { d.clear_code(); },
                     "deferral.code: is required"},
        DeferralCase{"UnknownCode",
                     [](v1::Deferral& d) { d.set_code(static_cast<v1::DeferralCode>(99)); },
                     "deferral.code: is not a known value"},
        DeferralCase{"NoStart", [](v1::Deferral& d) { d.clear_start_date(); },
                     "deferral.start_date: is required"},
        DeferralCase{"BadStart", [](v1::Deferral& d) { *d.mutable_start_date() = D(2024, 4, 31); },
                     "deferral.start_date: is not a date of the calendar"},
        DeferralCase{"NeitherEndNorPermanent", [](v1::Deferral& d) { d.clear_end_date(); },
                     "deferral.end_date: is required unless permanent is true"},
        DeferralCase{"BothEndAndPermanent", [](v1::Deferral& d) { d.set_permanent(true); },
                     "deferral.end_date: must be empty when permanent is true"},
        DeferralCase{"BadEnd", [](v1::Deferral& d) { *d.mutable_end_date() = D(2025, 2, 29); },
                     "deferral.end_date: is not a date of the calendar"},
        DeferralCase{"PartialEnd",
                     [](v1::Deferral& d) {
                       d.mutable_end_date()->set_day(0);
                       d.mutable_end_date()->set_month(0);
                     },
                     "deferral.end_date: has a month outside 1..12"},
        DeferralCase{"EndEqualsStart",
                     [](v1::Deferral& d) { *d.mutable_end_date() = D(2024, 6, 15); },
                     "deferral.end_date: must be after start_date (2024-06-15); it is the first "
                     "day the deferral no longer applies"},
        DeferralCase{"EndBeforeStart",
                     [](v1::Deferral& d) { *d.mutable_end_date() = D(2024, 1, 1); },
                     "deferral.end_date: must be after start_date (2024-06-15); it is the first "
                     "day the deferral no longer applies"},
        DeferralCase{"LongNote", [](v1::Deferral& d) { d.set_note(Cyrillic(501)); },
                     "deferral.note: is longer than 500 characters"},
        DeferralCase{"NoteBadUtf8", [](v1::Deferral& d) { d.set_note("\xFF"); },
                     "deferral.note: is not valid UTF-8"},
        DeferralCase{"BadSite", [](v1::Deferral& d) { d.set_site("sites/a_b"); },
                     "deferral.site: has an id with characters other than a-z, 0-9 and '-'"},
        DeferralCase{"LongRef", [](v1::Deferral& d) { d.set_external_ref(std::string(201, 'x')); },
                     "deferral.external_ref: is longer than 200 characters"}),
    [](const ::testing::TestParamInfo<DeferralCase>& info) { return info.param.name; });

}  // namespace
}  // namespace blooddrive::registry
