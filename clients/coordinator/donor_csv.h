// Reading a branch's donor spreadsheet (saved as CSV) into CreateDonor requests: no I/O, no RPCs.
//
// The file: UTF-8 with or without a byte-order mark, RFC 4180 quoting (quoted cells may hold the
// separator, quotes doubled, and line breaks), LF or CRLF line ends, `,` `;` or tab as separator
// (the one most frequent in the header line: Russian-locale Excel writes `;`). The first row names
// the columns, in English, Russian or Kazakh, in any case (see kColumns in donor_csv.cc for every
// spelling). Rows are numbered as a spreadsheet numbers them: the header is row 1.
//
// Each data row becomes a CreateDonorRequest whose donor is already validated and normalized by
// the registry's own rules (registry_rules), and whose request_id is derived from that donor, so
// importing the same file again asks the registry for nothing new. A row that cannot become one is
// rejected with the column (as the file spells it), the cell and the reason:
//   row 14: Дата рождения '31.02.1990' is not a date (expected YYYY-MM-DD or DD.MM.YYYY)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "blooddrive/v1/common.pb.h"
#include "blooddrive/v1/registry.pb.h"

namespace blooddrive::coordinator {

struct DonorCsvOptions {
  // Home site for rows whose home site cell is empty (or when there is no such column):
  // "sites/{site}" or just "{site}". Empty: none.
  std::string home_site;
  // The day the age window (16..100 years) is checked against.
  absl::CivilDay today;
};

struct DonorCsvRow {
  enum class Kind {
    kValid,      // `request` is set
    kRejected,   // `column` (may be empty for a row-wide problem) and `reason`
    kDuplicate,  // the same document as an earlier row of the file: `duplicate_of_row`
  };
  int row = 0;  // spreadsheet row number (header = 1)
  Kind kind = Kind::kValid;
  std::string display_name;  // "Family Given Patronymic" as written, for reports
  v1::CreateDonorRequest request;
  std::string column;  // rejected: the column's header as written in the file
  std::string reason;  // rejected or duplicate: a sentence without the "row N: " lead
  int duplicate_of_row = 0;

  // "row 14: <reason>".
  std::string Message() const;
};

struct DonorCsv {
  char separator = ',';
  std::vector<std::string> headers;  // as written (trimmed)
  std::vector<DonorCsvRow> rows;     // data rows in file order; blank rows are left out
};

// Parses the whole file. INVALID_ARGUMENT (a usage error: nothing should be sent) when the file is
// not a UTF-8 CSV with a recognisable header: a required column is missing, a header is unknown or
// named twice, or the quoting is broken. The message names the column or the row.
absl::StatusOr<DonorCsv> ParseDonorCsv(absl::string_view content, const DonorCsvOptions& options);

// The spreadsheet's spellings of single cells, exposed for the invite command and for tests.
// Each returns INVALID_ARGUMENT with a phrase meant to follow "<column> '<cell>' ", e.g.
// "is not a blood group (e.g. O+, 0+, A(II) Rh-, B Rh+, AB-)".

// "O+", "0+", "O(I) Rh+", "A(II) Rh-", "I+", "IV-", "B pos", "AB отр", Cyrillic look-alike
// letters (О, А, В), "unknown"/"неизвестно"/empty -> BLOOD_GROUP_UNKNOWN. The ABO letter and the
// Roman numeral must agree when both are given.
absl::StatusOr<v1::BloodGroup> ParseBloodGroupCell(absl::string_view cell);
// "M", "F", "М", "Ж", "male", "female", "муж", "жен", "ер", "әйел", ...
absl::StatusOr<v1::Sex> ParseSexCell(absl::string_view cell);
// "YYYY-MM-DD", "DD.MM.YYYY" (also D.M.YYYY).
absl::StatusOr<v1::Date> ParseDateCell(absl::string_view cell);
// "kk", "ru", "en", "uz", "ky", "tg" (also "kk-KZ", "kz") or the language's name in English,
// Russian, Kazakh or the language itself.
absl::StatusOr<v1::Language> ParseLanguageCell(absl::string_view cell);
// "IIN"/"ИИН"/"ЖСН", "passport"/"паспорт", "residence permit"/"вид на жительство"/"ВНЖ",
// "other"/"удостоверение"/"ID card".
absl::StatusOr<v1::DocumentType> ParseDocumentTypeCell(absl::string_view cell);
// ISO 3166-1 alpha-2 ("KZ"), alpha-3 as in a passport's machine-readable zone ("UZB"), or the name
// of a country of the region in English, Russian or Kazakh. Upper-cased alpha-2, not checked
// against the ISO list (the registry does that).
absl::StatusOr<std::string> ParseCountryCell(absl::string_view cell);
// "yes"/"no", "да"/"нет", "иә"/"жоқ", "1"/"0", "true"/"false", "+"/"-".
absl::StatusOr<bool> ParseYesNoCell(absl::string_view cell);

// The columns a file may have, for --help: one line per column, required ones marked, with a few
// of the accepted spellings.
std::string DonorCsvColumnsHelp();

// "csv-" and 40 hex digits of the SHA-256 of the donor's deterministic serialization.
std::string DonorRequestId(const v1::Donor& donor);

}  // namespace blooddrive::coordinator
