// Keys for case-insensitive name-prefix search (FindDonors.name_prefix).
//
// A key is the NFKC_Casefold form (NFKC with full Unicode case folding, default-ignorable
// characters such as soft hyphens and zero-width joiners removed), with whitespace runs collapsed
// to one space and trimmed. Scripts are kept as written: no transliteration between Cyrillic and
// Latin, and Kazakh letters (Ә Ғ Қ Ң Ө Ұ Ү Һ І) fold only to their own lowercase. Two variants that
// people type interchangeably are unified: every apostrophe-like mark (' ’ ‘ ʻ ʼ ` ´), so "O'ktam"
// finds "Oʻktam", and the dot that full folding leaves on "İ" (i + U+0307), so "Ibrahim" finds
// "İbrahim".
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "blooddrive/v1/registry.pb.h"

namespace blooddrive::registry {

// The search key of a name or of a typed prefix. Invalid UTF-8 becomes U+FFFD (validate first).
std::string NameSearchKey(absl::string_view text);

// Index keys under which a donor is found by name prefix: "family given" and "given family"
// (patronymic left out), as NameSearchKey; one key when both are equal, none for empty names.
std::vector<std::string> NameIndexKeys(absl::string_view given_name, absl::string_view family_name);
std::vector<std::string> NameIndexKeys(const blooddrive::v1::Donor& donor);

}  // namespace blooddrive::registry
