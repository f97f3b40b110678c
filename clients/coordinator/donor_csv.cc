// The donor spreadsheet reader: the file, its header and its rows (the single cells are read by
// donor_csv_cells.cc).
#include "donor_csv.h"

#include <csv.h>
#include <openssl/evp.h>
#include <unicode/utf8.h>

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "donor_csv_text.h"
#include "donor_validation.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace blooddrive::coordinator {
namespace {

// --- Columns ----------------------------------------------------------------------------------

enum Field {
  kFamilyName,
  kGivenName,
  kPatronymic,
  kPhone,
  kBirthDate,
  kSex,
  kBloodGroup,
  kIin,
  kDocumentType,
  kDocumentNumber,
  kDocumentCountry,
  kDocumentExpiry,
  kCitizenship,
  kLanguage,
  kHomeSite,
  kWeight,
  kSmsConsent,
  kEmail,    // accepted, not stored: the registry keeps no e-mail address
  kIgnored,  // row numbers and notes
  kFieldCount,
};

struct ColumnSpec {
  Field field;
  bool required;
  // Normalized spellings (see NormalizeHeader); the first is the one error messages use.
  std::vector<std::string> names;
};

const std::vector<ColumnSpec>& Columns() {
  static const auto* const kColumns = new std::vector<ColumnSpec>{
      {kFamilyName, true, {"family name", "surname", "last name", "фамилия", "тегі", "familiya"}},
      {kGivenName, true, {"given name", "first name", "имя", "аты", "ism"}},
      {kPatronymic,
       false,
       {"patronymic", "middle name", "отчество", "әкесінің аты", "otasining ismi"}},
      {kPhone,
       false,
       {"phone", "phone number", "mobile", "mobile phone", "телефон", "номер телефона",
        "моб телефон", "мобильный телефон", "мобильный", "сотовый", "тел", "телефон нөмірі"}},
      {kBirthDate,
       true,
       {"date of birth", "birth date", "birthdate", "dob", "born", "дата рождения", "туған күні",
        "туған күні айы жылы", "tug'ilgan sana"}},
      {kSex, true, {"sex", "gender", "пол", "жынысы", "jinsi"}},
      {kBloodGroup,
       true,
       {"blood group", "blood type", "group", "группа крови", "группа крови и резус",
        "группа крови резус", "группа крови и резус фактор", "группа", "қан тобы"}},
      {kIin, false, {"iin", "иин", "жсн", "иин жсн"}},
      {kDocumentType,
       false,
       {"document type", "document", "id type", "документ", "тип документа", "вид документа",
        "құжат", "құжат түрі"}},
      {kDocumentNumber,
       false,
       {"document number", "document no", "document #", "id number", "номер документа",
        "№ документа", "құжат нөмірі"}},
      {kDocumentCountry,
       false,
       {"document country", "issuing country", "country", "страна", "страна выдачи",
        "страна документа", "ел"}},
      {kDocumentExpiry,
       false,
       {"document expiry", "expiry date", "expiry", "valid until", "срок действия",
        "действителен до", "срок действия документа"}},
      {kCitizenship,
       false,
       {"citizenship", "nationality", "гражданство", "азаматтығы", "fuqarolik"}},
      {kLanguage,
       true,
       {"language", "preferred language", "sms language", "язык", "язык sms", "язык смс", "тіл",
        "til"}},
      {kHomeSite, false, {"home site", "site", "площадка", "пункт", "пункт сдачи"}},
      {kWeight, false, {"weight", "weight kg", "вес", "вес кг", "салмағы", "салмақ"}},
      {kSmsConsent,
       false,
       {"sms consent", "sms", "consent", "согласие на sms", "согласие на смс", "согласие sms",
        "смс", "sms келісімі"}},
      {kEmail, false, {"email", "e mail", "эл почта", "электронная почта", "почта"}},
      {kIgnored,
       false,
       {"#", "№", "no", "n", "nr", "notes", "note", "comment", "comments", "примечание",
        "примечания", "комментарий", "ескерту"}},
  };
  return *kColumns;
}

// Lower case; "(...)" hints dropped ("Дата рождения (ДД.ММ.ГГГГ)"); punctuation that varies
// between spreadsheets read as a space; runs of spaces as one.
std::string NormalizeHeader(absl::string_view header) {
  std::string lower = ToLower(TrimCell(header));
  std::string out;
  int depth = 0;
  for (char c : lower) {
    if (c == '(') ++depth;
    if (depth > 0) {
      if (c == ')') --depth;
      continue;
    }
    if (c == '_' || c == '-' || c == '.' || c == '/' || c == ':' || c == '*' || c == ',' ||
        c == '\t') {
      c = ' ';
    }
    out.push_back(c);
  }
  return CollapseSpaces(TrimCell(out));
}

// --- CSV --------------------------------------------------------------------------------------

struct Records {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> current;
};

void OnField(void* data, size_t size, void* records) {
  auto* r = static_cast<Records*>(records);
  r->current.emplace_back(data == nullptr ? "" : std::string(static_cast<char*>(data), size));
}

void OnRecord(int, void* records) {
  auto* r = static_cast<Records*>(records);
  r->rows.push_back(std::move(r->current));
  r->current.clear();
}

int IsSpace(unsigned char c) { return c == ' ' ? 1 : 0; }

// The separator most frequent in the header line (outside quotes); ',' on a tie.
char DetectSeparator(absl::string_view content) {
  int commas = 0, semicolons = 0, tabs = 0;
  bool quoted = false;
  for (char c : content) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\n' || c == '\r') break;
    if (c == ',') ++commas;
    if (c == ';') ++semicolons;
    if (c == '\t') ++tabs;
  }
  if (semicolons > commas && semicolons >= tabs) return ';';
  if (tabs > commas && tabs > semicolons) return '\t';
  return ',';
}

// 1-based line of the first byte that is not UTF-8, or 0 when all is.
int FirstNonUtf8Line(absl::string_view content) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(content.data());
  const int32_t length = static_cast<int32_t>(content.size());
  int line = 1;
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) return line;
    if (c == '\n') ++line;
  }
  return 0;
}

absl::StatusOr<Records> ReadRecords(absl::string_view content, char separator) {
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0)
    return absl::InternalError("csv_init failed");
  csv_set_delim(&parser, static_cast<unsigned char>(separator));
  csv_set_space_func(&parser, IsSpace);
  Records records;
  const size_t parsed =
      csv_parse(&parser, content.data(), content.size(), OnField, OnRecord, &records);
  std::string error;
  if (parsed != content.size() || csv_fini(&parser, OnField, OnRecord, &records) != 0) {
    error = csv_strerror(csv_error(&parser));
  }
  csv_free(&parser);
  if (!error.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the file is not valid CSV at row ", records.rows.size() + 1, " (", error,
                     "): a quoted cell that is not closed, or a quote inside a cell that is not "
                     "quoted"));
  }
  return records;
}

// The spreadsheet row number (1-based) of each line libcsv turns into a record. libcsv skips
// lines holding only spaces, which a spreadsheet still numbers; a line break inside quotes does
// not start a row. Empty when the count disagrees with `records` (e.g. bare-CR line ends): the
// caller then numbers records in order.
std::vector<int> RecordRowNumbers(absl::string_view content, size_t records) {
  std::vector<int> numbers;
  int row = 1;
  bool in_quotes = false, blank = true;
  for (char c : content) {
    if (c == '"') in_quotes = !in_quotes;
    if (!in_quotes && c == '\n') {
      if (!blank) numbers.push_back(row);
      ++row;
      blank = true;
      continue;
    }
    if (c != ' ' && c != '\r') blank = false;
  }
  if (!blank) numbers.push_back(row);
  if (numbers.size() != records) numbers.clear();
  return numbers;
}

// --- Rows -------------------------------------------------------------------------------------

struct Layout {
  std::array<int, kFieldCount> index;  // column of each field, -1 when absent
  std::vector<std::string> headers;    // as written
  int width = 0;
};

// How problems are phrased: "<column> '<cell>' <problem>".
std::string Phrase(absl::string_view column, absl::string_view cell, absl::string_view problem) {
  if (cell.empty()) {
    if (problem == "is empty") return absl::StrCat(column, " is empty");
    absl::string_view rest = problem;
    if (absl::ConsumePrefix(&rest, "is required")) {
      rest = absl::StripLeadingAsciiWhitespace(rest);
      if (rest.empty()) return absl::StrCat(column, " is empty");
      if (absl::StartsWith(rest, "(")) return absl::StrCat(column, " is empty ", rest);
      return absl::StrCat(column, " is empty (required ", rest, ")");
    }
    return absl::StrCat(column, " is empty: ", problem);
  }
  for (absl::string_view verb : {"is ", "has ", "must ", "may ", "does "}) {
    if (absl::StartsWith(problem, verb)) return absl::StrCat(column, " '", cell, "' ", problem);
  }
  return absl::StrCat(column, " '", cell, "': ", problem);
}

class RowReader {
 public:
  RowReader(const Layout& layout, const std::vector<std::string>& cells,
            const DonorCsvOptions& options)
      : layout_(layout), cells_(cells), options_(options) {}

  // Fills row->request or rejects the row.
  void Read(DonorCsvRow* row);

 private:
  absl::string_view Cell(Field field) const {
    const int i = layout_.index[field];
    if (i < 0 || i >= static_cast<int>(cells_.size())) return "";
    return TrimCell(cells_[i]);
  }
  std::string Column(Field field) const {
    const int i = layout_.index[field];
    if (i >= 0) return layout_.headers[i];
    for (const ColumnSpec& spec : Columns()) {
      if (spec.field == field) return spec.names[0];
    }
    return "?";
  }
  void Reject(DonorCsvRow* row, Field field, absl::string_view cell, absl::string_view problem) {
    row->kind = DonorCsvRow::Kind::kRejected;
    row->column = Column(field);
    row->reason = Phrase(row->column, cell, problem);
  }
  // A failed parse of the cell of `field` rejects the row; true when it did.
  template <typename T>
  bool Failed(DonorCsvRow* row, Field field, const absl::StatusOr<T>& parsed) {
    if (parsed.ok()) return false;
    Reject(row, field, Cell(field), parsed.status().message());
    return true;
  }
  bool AddDocuments(DonorCsvRow* row, v1::Donor* donor);
  void RejectInvalid(DonorCsvRow* row, absl::string_view message);

  const Layout& layout_;
  const std::vector<std::string>& cells_;
  const DonorCsvOptions& options_;
  // For each document of the donor, the column its number came from and its country's column.
  std::vector<std::pair<Field, Field>> document_columns_;
  bool home_site_from_option_ = false;
  bool citizenship_from_document_ = false;
};

bool RowReader::AddDocuments(DonorCsvRow* row, v1::Donor* donor) {
  const absl::string_view iin = Cell(kIin);
  if (!iin.empty()) {
    v1::IdentityDocument* document = donor->add_documents();
    document->set_type(v1::DOCUMENT_TYPE_IIN);
    document->set_number(std::string(iin));
    document->set_issuing_country("KZ");
    document_columns_.push_back({kIin, kIin});
  }
  const absl::string_view number = Cell(kDocumentNumber);
  if (number.empty()) {
    if (!iin.empty()) return true;
    if (layout_.index[kIin] >= 0 && layout_.index[kDocumentNumber] >= 0) {
      Reject(row, kDocumentNumber, "",
             absl::StrCat("is required when ", Column(kIin), " is empty (a passport, say)"));
    } else {
      Reject(row, layout_.index[kIin] >= 0 ? kIin : kDocumentNumber, "", "is required");
    }
    return false;
  }
  if (Cell(kDocumentType).empty()) {
    Reject(row, kDocumentType, "",
           absl::StrCat("is required when ", Column(kDocumentNumber), " is given"));
    return false;
  }
  absl::StatusOr<v1::DocumentType> type = ParseDocumentTypeCell(Cell(kDocumentType));
  if (Failed(row, kDocumentType, type)) return false;
  // The same IIN in both columns is one document.
  if (*type == v1::DOCUMENT_TYPE_IIN && !iin.empty() &&
      absl::StrReplaceAll(number, {{" ", ""}, {"-", ""}}) ==
          absl::StrReplaceAll(iin, {{" ", ""}, {"-", ""}})) {
    return true;
  }
  std::string country;
  if (!Cell(kDocumentCountry).empty()) {
    absl::StatusOr<std::string> parsed = ParseCountryCell(Cell(kDocumentCountry));
    if (Failed(row, kDocumentCountry, parsed)) return false;
    country = *parsed;
  } else if (*type == v1::DOCUMENT_TYPE_IIN || *type == v1::DOCUMENT_TYPE_RESIDENCE_PERMIT) {
    country = "KZ";  // only Kazakhstan issues these to donors of a Kazakh branch
  } else if (!donor->citizenship().empty()) {
    country = donor->citizenship();
  } else {
    Reject(row, kDocumentCountry, "",
           absl::StrCat("is required for a ", Cell(kDocumentType), ", e.g. UZ, KG or TJ"));
    return false;
  }
  v1::IdentityDocument* document = donor->add_documents();
  document->set_type(*type);
  document->set_number(std::string(number));
  document->set_issuing_country(country);
  if (!Cell(kDocumentExpiry).empty()) {
    absl::StatusOr<v1::Date> expiry = ParseDateCell(Cell(kDocumentExpiry));
    if (Failed(row, kDocumentExpiry, expiry)) return false;
    *document->mutable_expiry_date() = *expiry;
  }
  document_columns_.push_back({kDocumentNumber, kDocumentCountry});
  // A passport says whose citizen the donor is.
  if (*type == v1::DOCUMENT_TYPE_PASSPORT && donor->citizenship().empty()) {
    donor->set_citizenship(country);
    citizenship_from_document_ = true;
  }
  return true;
}

// Maps the registry's "donor.<field>: <problem>" onto the column the field came from.
void RowReader::RejectInvalid(DonorCsvRow* row, absl::string_view message) {
  const size_t colon = message.find(": ");
  const std::string path(message.substr(0, colon == absl::string_view::npos ? 0 : colon));
  std::string problem(colon == absl::string_view::npos ? message : message.substr(colon + 2));
  // IIN checks compare with other fields: name those as the file does.
  problem = absl::StrReplaceAll(
      problem, {{"donor.birth_date", Column(kBirthDate)}, {"donor.sex", Column(kSex)}});
  static const auto* const kFields = new absl::flat_hash_map<std::string, Field>{
      {"donor.given_name", kGivenName},
      {"donor.family_name", kFamilyName},
      {"donor.patronymic", kPatronymic},
      {"donor.birth_date", kBirthDate},
      {"donor.sex", kSex},
      {"donor.weight_kg", kWeight},
      {"donor.blood_group", kBloodGroup},
      {"donor.phone", kPhone},
      {"donor.preferred_language", kLanguage},
      {"donor.home_site", kHomeSite},
      {"donor.citizenship", kCitizenship},
  };
  if (auto it = kFields->find(path); it != kFields->end()) {
    Field field = it->second;
    if (field == kHomeSite && home_site_from_option_) {
      row->kind = DonorCsvRow::Kind::kRejected;
      row->column = "--home-site";
      row->reason = Phrase("--home-site", options_.home_site, problem);
      return;
    }
    if (field == kCitizenship && citizenship_from_document_) field = kDocumentCountry;
    Reject(row, field, Cell(field), problem);
    return;
  }
  // "donor.documents[1].number", "donor.documents[0]", "donor.documents".
  int index = 0;
  absl::string_view rest = path;
  if (absl::ConsumePrefix(&rest, "donor.documents[")) {
    const size_t close = rest.find(']');
    if (close != absl::string_view::npos) {
      (void)absl::SimpleAtoi(rest.substr(0, close), &index);
      rest.remove_prefix(close + 1);
    }
  }
  if (index >= 0 && index < static_cast<int>(document_columns_.size())) {
    const auto [number_field, country_field] = document_columns_[index];
    if (rest == ".issuing_country") {
      Reject(row, country_field, Cell(country_field), problem);
    } else if (rest == ".type") {
      Reject(row, kDocumentType, Cell(kDocumentType), problem);
    } else if (rest == ".expiry_date") {
      Reject(row, kDocumentExpiry, Cell(kDocumentExpiry), problem);
    } else {
      Reject(row, number_field, Cell(number_field), problem);
    }
    return;
  }
  row->kind = DonorCsvRow::Kind::kRejected;
  row->column.clear();
  row->reason = std::string(message);
}

void RowReader::Read(DonorCsvRow* row) {
  row->display_name = CollapseSpaces(
      absl::StrCat(Cell(kFamilyName), " ", Cell(kGivenName), " ", Cell(kPatronymic)));
  int used = 0;
  for (int i = 0; i < static_cast<int>(cells_.size()); ++i) {
    if (!TrimCell(cells_[i]).empty()) used = i + 1;
  }
  if (used > layout_.width) {
    row->kind = DonorCsvRow::Kind::kRejected;
    row->reason = absl::StrCat("has ", used, " cells, the header has ", layout_.width,
                               " columns (a separator inside a cell that is not quoted?)");
    return;
  }
  v1::Donor donor;
  donor.set_family_name(std::string(Cell(kFamilyName)));
  donor.set_given_name(std::string(Cell(kGivenName)));
  donor.set_patronymic(std::string(Cell(kPatronymic)));

  absl::StatusOr<v1::Date> birth = ParseDateCell(Cell(kBirthDate));
  if (Failed(row, kBirthDate, birth)) return;
  *donor.mutable_birth_date() = *birth;
  absl::StatusOr<v1::Sex> sex = ParseSexCell(Cell(kSex));
  if (Failed(row, kSex, sex)) return;
  donor.set_sex(*sex);
  if (!Cell(kWeight).empty()) {
    double weight = 0;
    if (!absl::SimpleAtod(absl::StrReplaceAll(Cell(kWeight), {{",", "."}}), &weight)) {
      Reject(row, kWeight, Cell(kWeight), "is not a weight in kg (e.g. 72 or 72,5)");
      return;
    }
    donor.set_weight_kg(weight);
  }
  absl::StatusOr<v1::BloodGroup> group = ParseBloodGroupCell(Cell(kBloodGroup));
  if (Failed(row, kBloodGroup, group)) return;
  donor.set_blood_group(*group);
  donor.set_phone(std::string(Cell(kPhone)));
  absl::StatusOr<v1::Language> language = ParseLanguageCell(Cell(kLanguage));
  if (Failed(row, kLanguage, language)) return;
  donor.set_preferred_language(*language);

  std::string site(Cell(kHomeSite));
  if (site.empty()) {
    site = options_.home_site;
    home_site_from_option_ = !site.empty();
  }
  if (!site.empty()) {
    site = absl::AsciiStrToLower(site);
    if (!absl::StartsWith(site, "sites/")) site = absl::StrCat("sites/", site);
    donor.set_home_site(site);
  }
  if (!Cell(kCitizenship).empty()) {
    absl::StatusOr<std::string> citizenship = ParseCountryCell(Cell(kCitizenship));
    if (Failed(row, kCitizenship, citizenship)) return;
    donor.set_citizenship(*citizenship);
  }
  if (!AddDocuments(row, &donor)) return;
  if (!Cell(kSmsConsent).empty()) {
    absl::StatusOr<bool> consent = ParseYesNoCell(Cell(kSmsConsent));
    if (Failed(row, kSmsConsent, consent)) return;
    if (*consent && donor.phone().empty()) {
      Reject(row, kSmsConsent, Cell(kSmsConsent),
             absl::StrCat("is yes, but ", Column(kPhone), " is empty"));
      return;
    }
    donor.mutable_sms_consent()->set_opted_in(*consent);
    donor.mutable_sms_consent()->set_channel(v1::CONSENT_CHANNEL_REGISTRATION_FORM);
  }

  absl::StatusOr<v1::Donor> valid = registry::ValidateNewDonor(donor, options_.today);
  if (!valid.ok()) {
    RejectInvalid(row, valid.status().message());
    return;
  }
  row->kind = DonorCsvRow::Kind::kValid;
  row->request.set_request_id(DonorRequestId(*valid));
  *row->request.mutable_donor() = *std::move(valid);
}

absl::StatusOr<Layout> ReadHeader(const std::vector<std::string>& headers) {
  Layout layout;
  layout.index.fill(-1);
  layout.headers.reserve(headers.size());
  for (const std::string& h : headers) layout.headers.emplace_back(TrimCell(h));
  layout.width = static_cast<int>(headers.size());
  for (int i = 0; i < layout.width; ++i) {
    const std::string key = NormalizeHeader(headers[i]);
    if (key.empty()) continue;  // an unnamed column: spreadsheets leave some at the right
    const ColumnSpec* match = nullptr;
    for (const ColumnSpec& spec : Columns()) {
      for (const std::string& name : spec.names) {
        if (key == name) match = &spec;
      }
    }
    if (match == nullptr) {
      std::vector<std::string> known;
      for (const ColumnSpec& spec : Columns()) {
        if (spec.field != kIgnored) known.push_back(spec.names[0]);
      }
      return absl::InvalidArgumentError(
          absl::StrCat("unknown column '", layout.headers[i], "' (column ", i + 1,
                       " of the header row); known columns: ", absl::StrJoin(known, ", "),
                       " (also in Russian and Kazakh, e.g. Фамилия, Дата рождения, Группа крови)"));
    }
    if (match->field == kIgnored) continue;
    if (layout.index[match->field] >= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("columns ", layout.index[match->field] + 1, " ('",
                       layout.headers[layout.index[match->field]], "') and ", i + 1, " ('",
                       layout.headers[i], "') both mean '", match->names[0], "'"));
    }
    layout.index[match->field] = i;
  }
  auto missing = [&](const ColumnSpec& spec, absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "missing column '", spec.names[0], "'", why,
        " (also accepted: ", absl::StrJoin(spec.names.begin() + 1, spec.names.end(), ", "),
        "); the header row has: ", absl::StrJoin(layout.headers, ", ")));
  };
  for (const ColumnSpec& spec : Columns()) {
    if (spec.required && layout.index[spec.field] < 0) return missing(spec, "");
  }
  const ColumnSpec* number = nullptr;
  const ColumnSpec* type = nullptr;
  for (const ColumnSpec& spec : Columns()) {
    if (spec.field == kDocumentNumber) number = &spec;
    if (spec.field == kDocumentType) type = &spec;
  }
  if (layout.index[kIin] < 0 && layout.index[kDocumentNumber] < 0) {
    return missing(*number, " or 'iin': every donor needs an identity document");
  }
  if (layout.index[kDocumentNumber] >= 0 && layout.index[kDocumentType] < 0) {
    return missing(*type, ", which 'document number' needs");
  }
  return layout;
}

}  // namespace

std::string DonorCsvColumnsHelp() {
  std::string out;
  for (const ColumnSpec& spec : Columns()) {
    if (spec.field == kIgnored) continue;
    // A couple of English spellings and the first Russian and Kazakh ones.
    std::vector<std::string> shown;
    int latin = 0, cyrillic = 0;
    for (size_t i = 1; i < spec.names.size(); ++i) {
      const bool ascii = static_cast<unsigned char>(spec.names[i][0]) < 0x80;
      if (ascii ? latin++ < 2 : cyrillic++ < 2) shown.push_back(spec.names[i]);
    }
    absl::StrAppend(&out, "  ", spec.names[0], spec.required ? " (required)" : "", ": also ",
                    absl::StrJoin(shown, ", "), "\n");
  }
  absl::StrAppend(&out,
                  "  Every row needs an IIN or a document type + number (+ country for a "
                  "passport).\n  Columns such as '№' or 'notes'/'примечание' are ignored.\n");
  return out;
}

std::string DonorCsvRow::Message() const { return absl::StrCat("row ", row, ": ", reason); }

std::string DonorRequestId(const v1::Donor& donor) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    donor.SerializeToCodedStream(&coded);
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest;
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(), nullptr);
  constexpr char kHex[] = "0123456789abcdef";
  std::string id = "csv-";
  for (unsigned int i = 0; i < 20 && i < size; ++i) {
    id.push_back(kHex[digest[i] >> 4]);
    id.push_back(kHex[digest[i] & 15]);
  }
  return id;
}

absl::StatusOr<DonorCsv> ParseDonorCsv(absl::string_view content, const DonorCsvOptions& options) {
  if (absl::StartsWith(content, "\xFF\xFE") || absl::StartsWith(content, "\xFE\xFF")) {
    return absl::InvalidArgumentError(
        "the file is UTF-16 (Excel's 'Unicode text'); save it as 'CSV UTF-8' instead");
  }
  absl::ConsumePrefix(&content, "\xEF\xBB\xBF");
  if (const int line = FirstNonUtf8Line(content); line != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the file is not UTF-8 (line ", line,
        "; Excel's plain 'CSV' saves Cyrillic as Windows-1251 and loses Kazakh letters): save it "
        "as 'CSV UTF-8 (comma delimited)'"));
  }
  if (TrimCell(content).empty()) return absl::InvalidArgumentError("the file is empty");
  DonorCsv csv;
  csv.separator = DetectSeparator(content);
  absl::StatusOr<Records> records = ReadRecords(content, csv.separator);
  if (!records.ok()) return records.status();
  // Not reached for a file with any non-blank byte, but rows.at(0) would throw and end the tool.
  if (records->rows.empty()) return absl::InvalidArgumentError("the file has no header row");
  const std::vector<int> row_numbers = RecordRowNumbers(content, records->rows.size());
  absl::StatusOr<Layout> layout = ReadHeader(records->rows.front());
  if (!layout.ok()) return layout.status();
  csv.headers = layout->headers;

  // Documents seen in earlier rows: "type/country/number" -> row.
  absl::flat_hash_map<std::string, int> documents;
  for (size_t i = 1; i < records->rows.size(); ++i) {
    const std::vector<std::string>& cells = records->rows[i];
    bool blank = true;
    for (const std::string& cell : cells) blank = blank && TrimCell(cell).empty();
    if (blank) continue;
    DonorCsvRow row;
    row.row = row_numbers.empty() ? static_cast<int>(i) + 1 : row_numbers[i];
    RowReader(*layout, cells, options).Read(&row);
    if (row.kind == DonorCsvRow::Kind::kValid) {
      for (const v1::IdentityDocument& d : row.request.donor().documents()) {
        auto it = documents.find(absl::StrCat(d.type(), "/", d.issuing_country(), "/", d.number()));
        if (it != documents.end()) {
          row.kind = DonorCsvRow::Kind::kDuplicate;
          row.duplicate_of_row = it->second;
          row.reason = absl::StrCat("duplicate of row ", it->second, " (same ",
                                    d.type() == v1::DOCUMENT_TYPE_IIN ? "IIN" : "document", ")");
          break;
        }
      }
      if (row.kind == DonorCsvRow::Kind::kValid) {
        for (const v1::IdentityDocument& d : row.request.donor().documents()) {
          documents.emplace(absl::StrCat(d.type(), "/", d.issuing_country(), "/", d.number()),
                            row.row);
        }
      }
    }
    csv.rows.push_back(std::move(row));
  }
  return csv;
}

}  // namespace blooddrive::coordinator
