// Text helpers shared by the two halves of the donor CSV reader (donor_csv.cc, donor_csv_cells.cc).
// Not for other callers.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace blooddrive::coordinator {

// Lower case by Unicode rules (Cyrillic and Kazakh letters included).
std::string ToLower(absl::string_view text);
// ASCII whitespace and no-break spaces (spreadsheets keep both) stripped at both ends.
absl::string_view TrimCell(absl::string_view text);
// Runs of spaces as one space, none at the end.
std::string CollapseSpaces(absl::string_view text);

}  // namespace blooddrive::coordinator
