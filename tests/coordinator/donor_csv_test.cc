// The donor CSV reader: spreadsheets as branches keep them (Russian and Kazakh headers, `;`, a
// byte-order mark, CRLF, quoted cells), every rejection naming its column, duplicates within a
// file, and request ids that do not change between runs.
#include "donor_csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace blooddrive::coordinator {
namespace {

namespace v1 = ::blooddrive::v1;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Kind = DonorCsvRow::Kind;

DonorCsvOptions Options(std::string home_site = "") {
  DonorCsvOptions options;
  options.today = absl::CivilDay(2026, 11, 28);
  options.home_site = std::move(home_site);
  return options;
}

std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(COORDINATOR_TESTDATA) + "/" + name, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

constexpr char kEnglishHeader[] =
    "family name,given name,patronymic,date of birth,sex,blood group,phone,document type,"
    "document number,document country,language\n";

// A valid English row with the given cells replaced (by column index of kEnglishHeader).
std::string Row(std::vector<std::pair<int, std::string>> changes = {}) {
  std::vector<std::string> cells = {"Ахметов", "Нұрсұлтан",       "Болатұлы", "05.09.1988",   "M",
                                    "O+",      "+7 701 555 0211", "IIN",      "880905312342", "",
                                    "kk"};
  for (auto& [index, value] : changes) cells[index] = value;
  return absl::StrCat(absl::StrJoin(cells, ","), "\n");
}

DonorCsvRow OnlyRow(const std::string& content, const DonorCsvOptions& options = Options()) {
  absl::StatusOr<DonorCsv> csv = ParseDonorCsv(content, options);
  EXPECT_TRUE(csv.ok()) << csv.status();
  if (!csv.ok() || csv->rows.size() != 1) {
    ADD_FAILURE() << "expected one row";
    return DonorCsvRow();
  }
  return csv->rows[0];
}

// A row with one cell changed must be rejected naming `column`, with `reason` in its message.
void ExpectRejected(int index, const std::string& value, const std::string& column,
                    const std::string& reason) {
  SCOPED_TRACE(absl::StrCat("cell ", index, " = '", value, "'"));
  const DonorCsvRow row = OnlyRow(kEnglishHeader + Row({{index, value}}));
  EXPECT_EQ(row.kind, Kind::kRejected);
  EXPECT_EQ(row.column, column);
  EXPECT_THAT(row.Message(), AllOf(StartsWith("row 2: " + column), HasSubstr(reason)));
}

TEST(DonorCsv, AstanaSampleFile) {
  absl::StatusOr<DonorCsv> csv =
      ParseDonorCsv(ReadTestdata("donors.csv"), Options("astana-old-town"));
  ASSERT_TRUE(csv.ok()) << csv.status();
  EXPECT_EQ(csv->separator, ';');
  ASSERT_EQ(csv->rows.size(), 12u);
  for (const DonorCsvRow& row : csv->rows) {
    if (row.row == 12 || row.row == 13) continue;
    EXPECT_EQ(row.kind, Kind::kValid) << row.Message();
    EXPECT_EQ(row.request.donor().home_site(), "sites/astana-old-town");
  }
  // The header is row 1; the multi-line note of row 8 does not shift the numbers after it.
  EXPECT_EQ(csv->rows[10].row, 12);
  EXPECT_EQ(csv->rows[10].Message(), "row 12: Дата рождения '31.02.1990' is not a date");
  EXPECT_EQ(csv->rows[10].column, "Дата рождения");
  EXPECT_EQ(csv->rows[11].column, "ИИН");
  EXPECT_THAT(csv->rows[11].Message(), StartsWith("row 13: ИИН '910109450125'"));

  const v1::Donor& kazakh = csv->rows[1].request.donor();
  EXPECT_EQ(kazakh.given_name(), "Нұрсұлтан");
  EXPECT_EQ(kazakh.patronymic(), "Болатұлы");
  EXPECT_EQ(kazakh.preferred_language(), v1::LANGUAGE_KAZAKH);
  EXPECT_EQ(kazakh.phone(), "+77015550211");
  EXPECT_EQ(kazakh.blood_group(), v1::BLOOD_GROUP_O_POSITIVE);
  EXPECT_EQ(csv->rows[3].request.donor().blood_group(), v1::BLOOD_GROUP_UNKNOWN);  // untyped

  const v1::Donor& kyrgyz = csv->rows[6].request.donor();
  EXPECT_EQ(kyrgyz.preferred_language(), v1::LANGUAGE_KYRGYZ);
  EXPECT_EQ(kyrgyz.citizenship(), "KG");
  EXPECT_EQ(kyrgyz.phone(), "+996555123456");

  const v1::Donor& tajik = csv->rows[7].request.donor();
  EXPECT_EQ(tajik.blood_group(), v1::BLOOD_GROUP_A_NEGATIVE);  // "II Rh-"
  EXPECT_EQ(tajik.preferred_language(), v1::LANGUAGE_TAJIK);
  ASSERT_TRUE(tajik.has_sms_consent());
  EXPECT_FALSE(tajik.sms_consent().opted_in());
  EXPECT_FALSE(csv->rows[8].request.donor().has_sms_consent());  // empty: the registry's default
}

TEST(DonorCsv, UzbekMigrantWithPassportAndNoIin) {
  const std::string content =
      "Фамилия;Имя;Дата рождения;Пол;Группа крови;Телефон;ИИН;Документ;Номер документа;Страна;"
      "Язык\r\n"
      "Rakhimov;Sherzod;11.04.1993;M;0+;+998 90 555 01 77;;паспорт;fa 123-4567;UZB;o'zbek\r\n";
  const DonorCsvRow row = OnlyRow(content);
  ASSERT_EQ(row.kind, Kind::kValid) << row.Message();
  const v1::Donor& donor = row.request.donor();
  ASSERT_EQ(donor.documents_size(), 1);
  EXPECT_EQ(donor.documents(0).type(), v1::DOCUMENT_TYPE_PASSPORT);
  EXPECT_EQ(donor.documents(0).number(), "FA1234567");
  EXPECT_EQ(donor.documents(0).issuing_country(), "UZ");
  EXPECT_EQ(donor.citizenship(), "UZ");  // a passport says whose citizen
  EXPECT_EQ(donor.preferred_language(), v1::LANGUAGE_UZBEK);
  EXPECT_EQ(donor.phone(), "+998905550177");
  EXPECT_EQ(donor.blood_group(), v1::BLOOD_GROUP_O_POSITIVE);
  EXPECT_EQ(donor.birth_date().year(), 1993);
  EXPECT_EQ(donor.birth_date().month(), 4);
  EXPECT_EQ(donor.birth_date().day(), 11);
}

TEST(DonorCsv, ByteOrderMarkCrlfAndQuotedCells) {
  const std::string content = absl::StrCat(
      "\xEF\xBB\xBF",
      "Family Name,Given_Name,Date of Birth (DD.MM.YYYY),SEX,Blood Group,IIN,"
      "Language,Notes\r\n",
      "\"Ахметов, мл.\",\"Нұр\"\"сұлтан\",05.09.1988,м,O(I) Rh+,880905312342,KK,\"line one,\r\n"
      "line two\"\r\n",
      ",,,,,,,\r\n",  // an empty spreadsheet row
      "Иванова,Елена,1979-12-01,Ж,B(III) Rh-,791201422312,Русский,\r\n");
  absl::StatusOr<DonorCsv> csv = ParseDonorCsv(content, Options());
  ASSERT_TRUE(csv.ok()) << csv.status();
  EXPECT_EQ(csv->separator, ',');
  EXPECT_EQ(csv->headers[0], "Family Name");  // without the byte-order mark
  ASSERT_EQ(csv->rows.size(), 2u);
  ASSERT_EQ(csv->rows[0].kind, Kind::kValid) << csv->rows[0].Message();
  EXPECT_EQ(csv->rows[0].request.donor().family_name(), "Ахметов, мл.");
  EXPECT_EQ(csv->rows[0].request.donor().given_name(), "Нұр\"сұлтан");
  EXPECT_EQ(csv->rows[1].row, 4);
  ASSERT_EQ(csv->rows[1].kind, Kind::kValid) << csv->rows[1].Message();
  EXPECT_EQ(csv->rows[1].request.donor().preferred_language(), v1::LANGUAGE_RUSSIAN);
}

TEST(DonorCsv, TrulyBlankLinesKeepTheSpreadsheetsRowNumbers) {
  const std::string content =
      absl::StrCat("Family name,Given name,Date of birth,Sex,Blood group,IIN,Language\n", "\n",
                   "Иванова,Елена,1979-12-01,Ж,B-,791201422312,ru\n", "  \r\n", "\n",
                   "Петрова,Анна,1990-13-45,Ж,A+,,ru\n");
  absl::StatusOr<DonorCsv> csv = ParseDonorCsv(content, Options());
  ASSERT_TRUE(csv.ok()) << csv.status();
  ASSERT_EQ(csv->rows.size(), 2u);
  EXPECT_EQ(csv->rows[0].row, 3);
  EXPECT_EQ(csv->rows[1].row, 6);
  EXPECT_EQ(csv->rows[1].kind, Kind::kRejected);
}

TEST(DonorCsv, SemicolonWinsWhenTheHeaderHasMoreOfThem) {
  const std::string content =
      "фамилия;имя;дата рождения;пол;группа крови;иин;язык\n"
      "Сапарова;Айгерім;14.03.1992;ж;A(II) Rh+;920314401876;қазақша\n";
  absl::StatusOr<DonorCsv> csv = ParseDonorCsv(content, Options());
  ASSERT_TRUE(csv.ok()) << csv.status();
  EXPECT_EQ(csv->separator, ';');
  ASSERT_EQ(csv->rows.size(), 1u);
  EXPECT_EQ(csv->rows[0].kind, Kind::kValid) << csv->rows[0].Message();
}

TEST(DonorCsv, KazakhHeaders) {
  const std::string content =
      "Тегі;Аты;Әкесінің аты;Туған күні;Жынысы;Қан тобы;Телефон;ЖСН;Тіл\n"
      "Ахметов;Нұрсұлтан;Болатұлы;05.09.1988;ер;I Rh+;+7 701 555 0211;880905312342;қазақша\n";
  const DonorCsvRow row = OnlyRow(content);
  ASSERT_EQ(row.kind, Kind::kValid) << row.Message();
  EXPECT_EQ(row.request.donor().patronymic(), "Болатұлы");
  EXPECT_EQ(row.request.donor().sex(), v1::SEX_MALE);
  EXPECT_EQ(row.request.donor().blood_group(), v1::BLOOD_GROUP_O_POSITIVE);
}

TEST(DonorCsv, DatesInBothSpellings) {
  for (const char* text : {"05.09.1988", "5.9.1988", "1988-09-05", "1988-09-05 00:00:00"}) {
    absl::StatusOr<v1::Date> date = ParseDateCell(text);
    ASSERT_TRUE(date.ok()) << text << ": " << date.status();
    EXPECT_EQ(date->year(), 1988);
    EXPECT_EQ(date->month(), 9);
    EXPECT_EQ(date->day(), 5);
  }
  for (const char* text :
       {"31.02.1990", "1990-13-01", "05/09/1988", "05.09.88", "yesterday", "29.02.2023"}) {
    EXPECT_FALSE(ParseDateCell(text).ok()) << text;
  }
  EXPECT_TRUE(ParseDateCell("29.02.2024").ok());
}

TEST(DonorCsv, BloodGroupSpellings) {
  const std::vector<std::pair<std::string, v1::BloodGroup>> cases = {
      {"O+", v1::BLOOD_GROUP_O_POSITIVE},
      {"0+", v1::BLOOD_GROUP_O_POSITIVE},
      {"O(I) Rh+", v1::BLOOD_GROUP_O_POSITIVE},
      {"I+", v1::BLOOD_GROUP_O_POSITIVE},
      {"О(І) Rh+", v1::BLOOD_GROUP_O_POSITIVE},  // Cyrillic О, Kazakh І
      {"o-pos", v1::BLOOD_GROUP_O_POSITIVE},
      {"O−", v1::BLOOD_GROUP_O_NEGATIVE},
      {"A(II) Rh-", v1::BLOOD_GROUP_A_NEGATIVE},
      {"А(II) Rh+", v1::BLOOD_GROUP_A_POSITIVE},
      {"II+", v1::BLOOD_GROUP_A_POSITIVE},
      {"2 положительная", v1::BLOOD_GROUP_A_POSITIVE},
      {"B Rh+", v1::BLOOD_GROUP_B_POSITIVE},
      {"В(III) Rh-", v1::BLOOD_GROUP_B_NEGATIVE},
      {"III отр", v1::BLOOD_GROUP_B_NEGATIVE},
      {"AB-", v1::BLOOD_GROUP_AB_NEGATIVE},
      {"AB(IV) Rh(+)", v1::BLOOD_GROUP_AB_POSITIVE},
      {"IV neg", v1::BLOOD_GROUP_AB_NEGATIVE},
      {"", v1::BLOOD_GROUP_UNKNOWN},
      {"неизвестно", v1::BLOOD_GROUP_UNKNOWN},
      {"Unknown", v1::BLOOD_GROUP_UNKNOWN},
  };
  for (const auto& [text, group] : cases) {
    absl::StatusOr<v1::BloodGroup> parsed = ParseBloodGroupCell(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status();
    EXPECT_EQ(*parsed, group) << text;
  }
  for (const char* text : {"O", "A(III)+", "C+", "AB+-", "V+", "ABO+", "positive"}) {
    EXPECT_FALSE(ParseBloodGroupCell(text).ok()) << text;
  }
  EXPECT_THAT(std::string(ParseBloodGroupCell("A(III)+").status().message()),
              HasSubstr("A is group II, not III"));
}

TEST(DonorCsv, SexLanguageDocumentAndCountrySpellings) {
  for (const char* text : {"M", "м", "Male", "муж", "ер"}) {
    EXPECT_EQ(ParseSexCell(text).value_or(v1::SEX_UNSPECIFIED), v1::SEX_MALE) << text;
  }
  for (const char* text : {"F", "Ж", "female", "жен", "әйел"}) {
    EXPECT_EQ(ParseSexCell(text).value_or(v1::SEX_UNSPECIFIED), v1::SEX_FEMALE) << text;
  }
  const std::vector<std::pair<std::string, v1::Language>> languages = {
      {"kk", v1::LANGUAGE_KAZAKH},        {"kk-KZ", v1::LANGUAGE_KAZAKH},
      {"Казахский", v1::LANGUAGE_KAZAKH}, {"ru", v1::LANGUAGE_RUSSIAN},
      {"орысша", v1::LANGUAGE_RUSSIAN},   {"English", v1::LANGUAGE_ENGLISH},
      {"UZ", v1::LANGUAGE_UZBEK},         {"Oʻzbek", v1::LANGUAGE_UZBEK},
      {"ky", v1::LANGUAGE_KYRGYZ},        {"Кыргызча", v1::LANGUAGE_KYRGYZ},
      {"tg", v1::LANGUAGE_TAJIK},         {"таджикский", v1::LANGUAGE_TAJIK},
  };
  for (const auto& [text, language] : languages) {
    EXPECT_EQ(ParseLanguageCell(text).value_or(v1::LANGUAGE_UNSPECIFIED), language) << text;
  }
  EXPECT_FALSE(ParseLanguageCell("fr").ok());
  EXPECT_EQ(ParseDocumentTypeCell("ИИН").value_or(v1::DOCUMENT_TYPE_UNSPECIFIED),
            v1::DOCUMENT_TYPE_IIN);
  EXPECT_EQ(ParseDocumentTypeCell("Паспорт").value_or(v1::DOCUMENT_TYPE_UNSPECIFIED),
            v1::DOCUMENT_TYPE_PASSPORT);
  EXPECT_EQ(ParseDocumentTypeCell("ВНЖ").value_or(v1::DOCUMENT_TYPE_UNSPECIFIED),
            v1::DOCUMENT_TYPE_RESIDENCE_PERMIT);
  EXPECT_EQ(ParseDocumentTypeCell("Residence permit").value_or(v1::DOCUMENT_TYPE_UNSPECIFIED),
            v1::DOCUMENT_TYPE_RESIDENCE_PERMIT);
  EXPECT_EQ(ParseCountryCell("uz").value_or(""), "UZ");
  EXPECT_EQ(ParseCountryCell("TJK").value_or(""), "TJ");
  EXPECT_EQ(ParseCountryCell("Кыргызстан").value_or(""), "KG");
  EXPECT_FALSE(ParseCountryCell("Uzbek").ok());
  EXPECT_TRUE(ParseYesNoCell("Да").value_or(false));
  EXPECT_FALSE(ParseYesNoCell("жоқ").value_or(true));
}

TEST(DonorCsv, EveryRejectionNamesItsColumn) {
  ExpectRejected(0, "", "family name", "family name is empty");
  ExpectRejected(1, "", "given name", "given name is empty");
  ExpectRejected(3, "31.02.1988", "date of birth", "'31.02.1988' is not a date");
  ExpectRejected(3, "05.09.88", "date of birth", "4-digit year");
  ExpectRejected(3, "05.09.2015", "date of birth", "16..100 years old");
  ExpectRejected(4, "X", "sex", "'X' is not a sex");
  ExpectRejected(5, "C+", "blood group", "'C+' is not a blood group");
  ExpectRejected(5, "A", "blood group", "has no Rh factor");
  ExpectRejected(6, "12", "phone", "phone '12'");
  ExpectRejected(7, "driving licence", "document type", "is not a document type");
  ExpectRejected(7, "", "document type", "is empty (required when document number is given)");
  ExpectRejected(8, "880905312343", "document number", "check digit");
  ExpectRejected(8, "", "document number", "is empty");
  ExpectRejected(10, "fr", "language", "'fr' is not a language");
  ExpectRejected(10, "", "language", "language is empty");
  // The IIN encodes 05.09.1988 and a man: the message names the file's columns.
  ExpectRejected(3, "06.09.1988", "document number", "date of birth is 1988-09-06");
  ExpectRejected(4, "F", "document number", "sex");
}

TEST(DonorCsv, DocumentRejections) {
  const std::string header =
      "Фамилия,Имя,Дата рождения,Пол,Группа крови,Телефон,Документ,Номер документа,Страна,"
      "Гражданство,Язык,SMS,Вес\n";
  auto row = [&](const std::string& cells) { return OnlyRow(header + cells + "\n"); };
  DonorCsvRow r = row("Назаров,Фаррух,30.11.1995,М,II Rh-,,паспорт,400123456,,,tg,,");
  EXPECT_EQ(r.column, "Страна");
  EXPECT_EQ(r.Message(), "row 2: Страна is empty (required for a паспорт, e.g. UZ, KG or TJ)");
  r = row("Назаров,Фаррух,30.11.1995,М,II Rh-,,паспорт,400123456,,TJ,tg,,");
  EXPECT_EQ(r.kind, Kind::kValid) << r.Message();  // the country from the citizenship
  r = row("Назаров,Фаррух,30.11.1995,М,II Rh-,,паспорт,400123456,XX,,tg,,");
  EXPECT_EQ(r.column, "Страна");
  EXPECT_THAT(r.Message(), HasSubstr("'XX' is not an ISO 3166-1 country code"));
  r = row("Назаров,Фаррух,30.11.1995,М,II Rh-,,паспорт,4 01,TJ,,tg,,");
  EXPECT_EQ(r.column, "Номер документа");
  EXPECT_THAT(r.Message(), HasSubstr("4..20"));
  r = row("Назаров,Фаррух,30.11.1995,М,II Rh-,,паспорт,ПА123456,TJ,,tg,,");
  EXPECT_EQ(r.column, "Номер документа");
  EXPECT_THAT(r.Message(), HasSubstr("Latin letters"));
  r = row("Назаров,Фаррух,30.11.1995,М,II Rh-,,паспорт,400123456,TJ,,tg,да,");
  EXPECT_EQ(r.column, "SMS");
  EXPECT_THAT(r.Message(), HasSubstr("is yes, but Телефон is empty"));
  r = row("Назаров,Фаррух,30.11.1995,М,II Rh-,,паспорт,400123456,TJ,,tg,,семьдесят");
  EXPECT_EQ(r.column, "Вес");
  r = row("Назаров,Фаррух,30.11.1995,М,II Rh-,,паспорт,400123456,TJ,,tg,,12");
  EXPECT_EQ(r.column, "Вес");
  EXPECT_THAT(r.Message(), HasSubstr("30..300"));
  r = row("Назаров,Фаррух,30.11.1995,М,II Rh-,,паспорт,400123456,TJ,,tg,,\"72,5\"");
  EXPECT_EQ(r.kind, Kind::kValid) << r.Message();
  EXPECT_EQ(r.request.donor().weight_kg(), 72.5);
}

TEST(DonorCsv, HeaderProblemsAreUsageErrors) {
  absl::StatusOr<DonorCsv> csv =
      ParseDonorCsv("Фамилия;Имя;Пол;Группа крови;ИИН;Язык\n", Options());
  ASSERT_FALSE(csv.ok());
  EXPECT_THAT(std::string(csv.status().message()),
              AllOf(HasSubstr("missing column 'date of birth'"), HasSubstr("дата рождения")));

  csv = ParseDonorCsv(absl::StrCat("Shoe size,", std::string(kEnglishHeader).substr(0)), Options());
  ASSERT_FALSE(csv.ok());
  EXPECT_THAT(std::string(csv.status().message()),
              HasSubstr("unknown column 'Shoe size' (column 1"));

  csv = ParseDonorCsv("family name,given name,date of birth,sex,blood group,language,phone\n",
                      Options());
  ASSERT_FALSE(csv.ok());
  EXPECT_THAT(std::string(csv.status().message()), HasSubstr("identity document"));

  csv = ParseDonorCsv("family name,фамилия,given name,date of birth,sex,blood group,iin,language\n",
                      Options());
  ASSERT_FALSE(csv.ok());
  EXPECT_THAT(std::string(csv.status().message()), HasSubstr("both mean 'family name'"));

  EXPECT_FALSE(ParseDonorCsv("", Options()).ok());
  csv = ParseDonorCsv(
      "\xFF\xFE"
      "f\0a",
      Options());
  EXPECT_THAT(std::string(csv.status().message()), HasSubstr("UTF-16"));
  csv = ParseDonorCsv(absl::StrCat(kEnglishHeader, "\xC8\xE2\xE0\xED\xEE\xE2,...\n"), Options());
  EXPECT_THAT(std::string(csv.status().message()), HasSubstr("not UTF-8 (line 2"));
  csv = ParseDonorCsv(absl::StrCat(kEnglishHeader, "\"Ахметов,Нұрсұлтан\n"), Options());
  EXPECT_THAT(std::string(csv.status().message()), HasSubstr("at row 2"));
}

TEST(DonorCsv, TooManyCellsIsARowProblem) {
  const DonorCsvRow row = OnlyRow(kEnglishHeader + Row({{10, "kk,extra"}}));
  EXPECT_EQ(row.kind, Kind::kRejected);
  EXPECT_THAT(row.Message(), HasSubstr("has 12 cells, the header has 11"));
}

TEST(DonorCsv, SecondRowWithTheSameDocumentIsADuplicate) {
  const std::string content =
      absl::StrCat(kEnglishHeader, Row(), Row({{6, "+7 777 555 0000"}}),  // same IIN, another phone
                   Row({{7, "passport"}, {8, "N1234567"}, {9, "UZ"}, {0, "Karimov"}}),
                   Row({{7, "IIN"}, {8, "880 905 312 342"}}));  // the same IIN, spaced
  absl::StatusOr<DonorCsv> csv = ParseDonorCsv(content, Options());
  ASSERT_TRUE(csv.ok()) << csv.status();
  ASSERT_EQ(csv->rows.size(), 4u);
  EXPECT_EQ(csv->rows[0].kind, Kind::kValid);
  EXPECT_EQ(csv->rows[1].kind, Kind::kDuplicate);
  EXPECT_EQ(csv->rows[1].duplicate_of_row, 2);
  EXPECT_EQ(csv->rows[1].Message(), "row 3: duplicate of row 2 (same IIN)");
  EXPECT_EQ(csv->rows[2].kind, Kind::kValid) << csv->rows[2].Message();
  EXPECT_EQ(csv->rows[3].kind, Kind::kDuplicate);
}

TEST(DonorCsv, RequestIdsAreDeterministic) {
  const std::string content = ReadTestdata("donors.csv");
  absl::StatusOr<DonorCsv> first = ParseDonorCsv(content, Options("astana-old-town"));
  absl::StatusOr<DonorCsv> second = ParseDonorCsv(content, Options("astana-old-town"));
  absl::StatusOr<DonorCsv> elsewhere = ParseDonorCsv(content, Options("astana-left-bank"));
  ASSERT_TRUE(first.ok() && second.ok() && elsewhere.ok());
  std::set<std::string> ids;
  for (size_t i = 0; i < first->rows.size(); ++i) {
    if (first->rows[i].kind != Kind::kValid) continue;
    const std::string& id = first->rows[i].request.request_id();
    EXPECT_THAT(id, StartsWith("csv-"));
    EXPECT_LE(id.size(), 64u);
    EXPECT_EQ(id, second->rows[i].request.request_id());
    // Another home site is another request: it must not reuse the id.
    EXPECT_NE(id, elsewhere->rows[i].request.request_id());
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 10u);
  // The same donor written differently is the same request.
  const DonorCsvRow a = OnlyRow(kEnglishHeader + Row());
  const DonorCsvRow b =
      OnlyRow(kEnglishHeader + Row({{3, "1988-09-05"}, {6, "8 (701) 555-02-11"}, {5, "O(I) Rh+"}}));
  EXPECT_EQ(a.request.request_id(), b.request.request_id());
  const DonorCsvRow c = OnlyRow(kEnglishHeader + Row({{6, "+7 701 555 0212"}}));
  EXPECT_NE(a.request.request_id(), c.request.request_id());
}

TEST(DonorCsv, HomeSiteColumnAndOption) {
  const std::string header = absl::StrCat(
      std::string(kEnglishHeader).substr(0, std::string(kEnglishHeader).size() - 1), ",site\n");
  std::string row = Row();
  row.pop_back();
  DonorCsvRow r = OnlyRow(header + row + ",Astana-Central\n", Options("astana-old-town"));
  EXPECT_EQ(r.request.donor().home_site(), "sites/astana-central");
  r = OnlyRow(header + row + ",\n", Options("sites/astana-old-town"));
  EXPECT_EQ(r.request.donor().home_site(), "sites/astana-old-town");
  r = OnlyRow(header + row + ",\n", Options("Old Town!"));
  EXPECT_EQ(r.column, "--home-site");
}

}  // namespace
}  // namespace blooddrive::coordinator
