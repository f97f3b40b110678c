#include "donor_validation.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uloc.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "dates.h"
#include "iin.h"
#include "phone.h"
#include "validation.h"

namespace blooddrive::registry {
namespace {

namespace v1 = ::blooddrive::v1;
using ::blooddrive::platform::CheckDate;
using ::blooddrive::platform::CheckEnum;
using ::blooddrive::platform::CheckResourceName;
using ::blooddrive::platform::CheckText;
using ::blooddrive::platform::FieldPath;
using ::blooddrive::platform::InvalidField;
using ::blooddrive::platform::IsSet;
using ::blooddrive::platform::ToCivilDay;

constexpr int kMinDocumentChars = 4;
constexpr int kMaxDocumentChars = 20;

// Whitespace trimmed at both ends, in NFC so that one name has one byte form (and one search key).
std::string NormalizeName(absl::string_view text) {
  icu::UnicodeString s = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  int32_t begin = 0;
  int32_t end = s.length();
  while (begin < end && u_isUWhiteSpace(s.char32At(begin))) begin = s.moveIndex32(begin, 1);
  while (end > begin && u_isUWhiteSpace(s.char32At(s.moveIndex32(end, -1)))) {
    end = s.moveIndex32(end, -1);
  }
  // A copy: tempSubString aliases s's own buffer, which the assignment would free.
  s = icu::UnicodeString(s, begin, end - begin);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_SUCCESS(status)) {
    icu::UnicodeString normalized = nfc->normalize(s, status);
    if (U_SUCCESS(status)) s = std::move(normalized);
  }
  std::string out;
  s.toUTF8String(out);
  return out;
}

// A name: checked as sent (UTF-8, control characters), then normalized and checked for length.
absl::StatusOr<std::string> CheckName(absl::string_view field, absl::string_view value,
                                      bool required) {
  if (absl::Status s = CheckText(field, value, std::numeric_limits<int>::max(), required);
      !s.ok()) {
    return s;
  }
  std::string name = NormalizeName(value);
  if (absl::Status s = CheckText(field, name, kMaxNameChars, required); !s.ok()) return s;
  return name;
}

bool IsIsoCountry(absl::string_view code) {
  for (const char* const* c = uloc_getISOCountries(); *c != nullptr; ++c) {
    if (code == *c) return true;
  }
  return false;
}

// An ISO 3166-1 alpha-2 code, any case, surrounding spaces ignored -> upper case.
absl::StatusOr<std::string> NormalizeCountry(absl::string_view field, absl::string_view value,
                                             bool required) {
  std::string code = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(value));
  if (code.empty()) {
    if (required) return InvalidField(field, "is required (an ISO 3166-1 alpha-2 code, e.g. KZ)");
    return code;
  }
  if (code.size() != 2 || !absl::ascii_isalpha(static_cast<unsigned char>(code[0])) ||
      !absl::ascii_isalpha(static_cast<unsigned char>(code[1]))) {
    return InvalidField(field, "must be a 2-letter ISO 3166-1 country code, e.g. KZ");
  }
  if (!IsIsoCountry(code)) {
    return InvalidField(field, absl::StrCat("'", code, "' is not an ISO 3166-1 country code"));
  }
  return code;
}

// Drops whitespace and dashes, upper-cases Latin letters; anything else but digits is refused
// (a Cyrillic "А" looks like a Latin "A" and would register the same document twice).
absl::StatusOr<std::string> NormalizeDocumentNumber(absl::string_view field,
                                                    absl::string_view value) {
  std::string number;
  const auto* bytes = reinterpret_cast<const uint8_t*>(value.data());
  const int32_t length = static_cast<int32_t>(value.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) return InvalidField(field, "is not valid UTF-8");
    if (u_isUWhiteSpace(c) || u_charType(c) == U_DASH_PUNCTUATION) continue;
    if (c < 0x80 && absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      number.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
      continue;
    }
    return InvalidField(field,
                        "may contain only Latin letters A-Z and digits (spaces and dashes "
                        "are dropped)");
  }
  if (number.empty()) return InvalidField(field, "is required");
  if (number.size() < kMinDocumentChars || number.size() > kMaxDocumentChars) {
    return InvalidField(field,
                        absl::StrCat("must have ", kMinDocumentChars, "..", kMaxDocumentChars,
                                     " letters and digits (has ", number.size(), ")"));
  }
  return number;
}

struct DonorRules {
  // The 16..100 window is checked at registration and when birth_date itself changes.
  bool check_age_window = true;
};

absl::Status CheckBirthDate(absl::string_view field, const v1::Date& date, absl::CivilDay today,
                            const DonorRules& rules) {
  if (absl::Status s = CheckDate(field, date, /*required=*/true); !s.ok()) return s;
  const absl::CivilDay birth = ToCivilDay(date);
  if (birth > today) {
    return InvalidField(
        field, absl::StrCat("is in the future (today is ", absl::FormatCivilTime(today), ")"));
  }
  if (!rules.check_age_window) return absl::OkStatus();
  const int age = AgeOn(birth, today);
  if (age < kMinDonorAge || age > kMaxDonorAge) {
    return InvalidField(
        field, absl::StrCat("a donor must be ", kMinDonorAge, "..", kMaxDonorAge,
                            " years old, this one is ", age, " on ", absl::FormatCivilTime(today)));
  }
  return absl::OkStatus();
}

absl::Status CheckDocuments(const v1::Donor& donor, v1::Donor* out) {
  constexpr absl::string_view kField = "donor.documents";
  if (donor.documents_size() == 0) {
    return InvalidField(kField, "at least one identity document is required");
  }
  if (donor.documents_size() > kMaxDocuments) {
    return InvalidField(kField, absl::StrCat("at most ", kMaxDocuments, " documents, has ",
                                             donor.documents_size()));
  }
  out->clear_documents();
  for (int i = 0; i < donor.documents_size(); ++i) {
    const std::string field = FieldPath(kField, i);
    absl::StatusOr<v1::IdentityDocument> document = NormalizeDocument(field, donor.documents(i));
    if (!document.ok()) return document.status();
    for (int j = 0; j < i; ++j) {
      const v1::IdentityDocument& other = out->documents(j);
      if (other.type() == document->type() &&
          other.issuing_country() == document->issuing_country()) {
        return InvalidField(
            field, absl::StrCat("has the same type (", v1::DocumentType_Name(document->type()),
                                ") and issuing_country (", document->issuing_country(), ") as ",
                                FieldPath(kField, j), "; one document of each kind"));
      }
    }
    if (document->type() == v1::DOCUMENT_TYPE_IIN) {
      absl::Status s = CheckIinMatches(FieldPath(field, "number"), document->number(),
                                       ToCivilDay(donor.birth_date()), donor.sex(), "donor");
      if (!s.ok()) return s;
    }
    *out->add_documents() = *std::move(document);
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Donor> ValidateDonor(const v1::Donor& donor, absl::CivilDay today,
                                        const DonorRules& rules) {
  v1::Donor out = donor;

  absl::StatusOr<std::string> text = CheckName("donor.given_name", donor.given_name(), true);
  if (!text.ok()) return text.status();
  out.set_given_name(*std::move(text));
  text = CheckName("donor.family_name", donor.family_name(), true);
  if (!text.ok()) return text.status();
  out.set_family_name(*std::move(text));
  text = CheckName("donor.patronymic", donor.patronymic(), false);
  if (!text.ok()) return text.status();
  out.set_patronymic(*std::move(text));

  if (absl::Status s = CheckBirthDate("donor.birth_date", donor.birth_date(), today, rules);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckEnum("donor.sex", donor.sex(), v1::Sex_IsValid); !s.ok()) return s;

  const double weight = donor.weight_kg();
  if (!std::isfinite(weight) || (weight != 0 && (weight < 30 || weight > 300))) {
    return InvalidField("donor.weight_kg", "must be 30..300 kg, or 0 when not measured");
  }
  out.set_weight_kg(weight == 0 ? 0.0 : weight);  // -0.0 would be serialized, unlike 0

  if (absl::Status s = CheckEnum("donor.blood_group", donor.blood_group(), v1::BloodGroup_IsValid);
      !s.ok()) {
    return s;
  }

  if (!donor.phone().empty()) {
    absl::StatusOr<std::string> phone = NormalizePhone(donor.phone());
    if (!phone.ok()) return InvalidField("donor.phone", phone.status().message());
    out.set_phone(*std::move(phone));
  }

  if (absl::Status s =
          CheckEnum("donor.preferred_language", donor.preferred_language(), v1::Language_IsValid);
      !s.ok()) {
    return s;
  }

  if (!donor.home_site().empty()) {
    absl::Status s = CheckResourceName("donor.home_site", donor.home_site(), "sites", nullptr);
    if (!s.ok()) return s;
  }

  absl::StatusOr<std::string> citizenship =
      NormalizeCountry("donor.citizenship", donor.citizenship(), /*required=*/false);
  if (!citizenship.ok()) return citizenship.status();
  out.set_citizenship(*std::move(citizenship));

  if (absl::Status s = CheckDocuments(donor, &out); !s.ok()) return s;
  return out;
}

using DonorFieldCopier = void (*)(const v1::Donor& from, v1::Donor* to);

struct UpdatableField {
  absl::string_view path;
  DonorFieldCopier copy;
};

// UpdateDonorRequest.update_mask's paths (registry.proto).
constexpr UpdatableField kUpdatableFields[] = {
    {"given_name", [](const v1::Donor& f, v1::Donor* t) { t->set_given_name(f.given_name()); }},
    {"family_name", [](const v1::Donor& f, v1::Donor* t) { t->set_family_name(f.family_name()); }},
    {"patronymic", [](const v1::Donor& f, v1::Donor* t) { t->set_patronymic(f.patronymic()); }},
    {"birth_date",
     [](const v1::Donor& f, v1::Donor* t) { *t->mutable_birth_date() = f.birth_date(); }},
    {"sex", [](const v1::Donor& f, v1::Donor* t) { t->set_sex(f.sex()); }},
    {"weight_kg", [](const v1::Donor& f, v1::Donor* t) { t->set_weight_kg(f.weight_kg()); }},
    {"blood_group", [](const v1::Donor& f, v1::Donor* t) { t->set_blood_group(f.blood_group()); }},
    {"phone", [](const v1::Donor& f, v1::Donor* t) { t->set_phone(f.phone()); }},
    {"preferred_language",
     [](const v1::Donor& f, v1::Donor* t) { t->set_preferred_language(f.preferred_language()); }},
    {"home_site", [](const v1::Donor& f, v1::Donor* t) { t->set_home_site(f.home_site()); }},
    {"citizenship", [](const v1::Donor& f, v1::Donor* t) { t->set_citizenship(f.citizenship()); }},
    {"documents",
     [](const v1::Donor& f, v1::Donor* t) { *t->mutable_documents() = f.documents(); }},
};

struct FixedField {
  absl::string_view path;
  absl::string_view why;
};

constexpr FixedField kFixedFields[] = {
    {"name", "identifies the donor and cannot be changed"},
    {"etag", "is output only (send it in donor.etag, not in the mask)"},
    {"sms_consent", "is changed only by UpdateSmsConsent"},
    {"create_time", "is output only"},
    {"update_time", "is output only"},
};

}  // namespace

int AgeOn(absl::CivilDay birth_date, absl::CivilDay today) {
  int age = static_cast<int>(today.year() - birth_date.year());
  if (today.month() < birth_date.month() ||
      (today.month() == birth_date.month() && today.day() < birth_date.day())) {
    --age;
  }
  return age;
}

absl::StatusOr<v1::IdentityDocument> NormalizeDocument(absl::string_view field,
                                                       const v1::IdentityDocument& document) {
  v1::IdentityDocument out = document;
  if (absl::Status s =
          CheckEnum(FieldPath(field, "type"), document.type(), v1::DocumentType_IsValid);
      !s.ok()) {
    return s;
  }
  const std::string number_field = FieldPath(field, "number");
  absl::StatusOr<std::string> number = NormalizeDocumentNumber(number_field, document.number());
  if (!number.ok()) return number.status();
  out.set_number(*std::move(number));

  const std::string country_field = FieldPath(field, "issuing_country");
  absl::StatusOr<std::string> country =
      NormalizeCountry(country_field, document.issuing_country(), /*required=*/true);
  if (!country.ok()) return country.status();
  out.set_issuing_country(*std::move(country));

  if (out.type() == v1::DOCUMENT_TYPE_IIN) {
    if (out.issuing_country() != "KZ") {
      return InvalidField(country_field, "must be KZ for an IIN");
    }
    absl::StatusOr<IinInfo> iin = ParseIin(out.number());
    if (!iin.ok()) return InvalidField(number_field, iin.status().message());
  }

  if (absl::Status s = CheckDate(FieldPath(field, "expiry_date"), document.expiry_date(),
                                 /*required=*/false);
      !s.ok()) {
    return s;
  }
  return out;
}

absl::StatusOr<v1::Donor> ValidateNewDonor(const v1::Donor& donor, absl::CivilDay today) {
  return ValidateDonor(donor, today, DonorRules{});
}

absl::StatusOr<v1::Donor> ApplyDonorUpdate(const v1::Donor& current, const v1::Donor& patch,
                                           const google::protobuf::FieldMask& mask,
                                           absl::CivilDay today) {
  constexpr absl::string_view kMaskField = "update_mask";
  if (mask.paths_size() == 0) {
    return InvalidField(kMaskField, "is required and must name the fields to change");
  }
  v1::Donor updated = current;
  DonorRules rules;
  rules.check_age_window = false;
  for (const std::string& path : mask.paths()) {
    const UpdatableField* updatable = nullptr;
    for (const UpdatableField& f : kUpdatableFields) {
      if (f.path == path) updatable = &f;
    }
    if (updatable != nullptr) {
      updatable->copy(patch, &updated);
      if (path == "birth_date") rules.check_age_window = true;
      continue;
    }
    for (const FixedField& f : kFixedFields) {
      if (f.path == path) return InvalidField(kMaskField, absl::StrCat("'", path, "' ", f.why));
    }
    for (const UpdatableField& f : kUpdatableFields) {
      if (path.size() > f.path.size() && absl::StartsWith(path, f.path) &&
          path[f.path.size()] == '.') {
        return InvalidField(
            kMaskField,
            absl::StrCat("'", path, "': fields are replaced whole, name '", f.path, "' instead"));
      }
    }
    return InvalidField(kMaskField, absl::StrCat("unknown field '", path, "'"));
  }
  return ValidateDonor(updated, today, rules);
}

absl::Status ValidateDonation(absl::string_view field, const v1::Donation& donation,
                              absl::CivilDay today) {
  const std::string date_field = FieldPath(field, "donation_date");
  if (absl::Status s = CheckDate(date_field, donation.donation_date(), /*required=*/true);
      !s.ok()) {
    return s;
  }
  if (ToCivilDay(donation.donation_date()) > today) {
    return InvalidField(
        date_field, absl::StrCat("is in the future (today is ", absl::FormatCivilTime(today), ")"));
  }
  if (absl::Status s = CheckEnum(FieldPath(field, "donation_type"), donation.donation_type(),
                                 v1::DonationType_IsValid);
      !s.ok()) {
    return s;
  }
  if (!donation.site().empty()) {
    absl::Status s = CheckResourceName(FieldPath(field, "site"), donation.site(), "sites", nullptr);
    if (!s.ok()) return s;
  }
  if (donation.volume_ml() < 0 || donation.volume_ml() > 1000) {
    return InvalidField(FieldPath(field, "volume_ml"), "must be 0..1000 ml");
  }
  const int hb = donation.hemoglobin_g_per_l();
  if (hb != 0 && (hb < 50 || hb > 250)) {
    return InvalidField(FieldPath(field, "hemoglobin_g_per_l"),
                        "must be 50..250 g/L, or 0 when not measured");
  }
  const std::string outcome_field = FieldPath(field, "outcome");
  if (absl::Status s = CheckEnum(outcome_field, donation.outcome(), v1::DonationOutcome_IsValid);
      !s.ok()) {
    return s;
  }
  if (donation.outcome() != v1::DONATION_OUTCOME_DONATED &&
      donation.outcome() != v1::DONATION_OUTCOME_INCOMPLETE) {
    return InvalidField(outcome_field,
                        "must be DONATED or INCOMPLETE (a deferral is recorded with "
                        "CreateDeferral; a no-show is not a donation)");
  }
  return CheckText(FieldPath(field, "external_ref"), donation.external_ref(), kMaxExternalRefChars,
                   /*required=*/false);
}

absl::Status ValidateDeferral(absl::string_view field, const v1::Deferral& deferral) {
  if (absl::Status s =
          CheckEnum(FieldPath(field, "code"), deferral.code(), v1::DeferralCode_IsValid);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckDate(FieldPath(field, "start_date"), deferral.start_date(),
                                 /*required=*/true);
      !s.ok()) {
    return s;
  }
  const std::string end_field = FieldPath(field, "end_date");
  if (deferral.permanent()) {
    if (IsSet(deferral.end_date())) {
      return InvalidField(end_field, "must be empty when permanent is true");
    }
  } else {
    if (!IsSet(deferral.end_date())) {
      return InvalidField(end_field, "is required unless permanent is true");
    }
    if (absl::Status s = CheckDate(end_field, deferral.end_date(), /*required=*/true); !s.ok()) {
      return s;
    }
    if (ToCivilDay(deferral.end_date()) <= ToCivilDay(deferral.start_date())) {
      return InvalidField(end_field,
                          absl::StrCat("must be after start_date (",
                                       absl::FormatCivilTime(ToCivilDay(deferral.start_date())),
                                       "); it is the first day the deferral no longer applies"));
    }
  }
  if (absl::Status s = CheckText(FieldPath(field, "note"), deferral.note(), kMaxDeferralNoteChars,
                                 /*required=*/false);
      !s.ok()) {
    return s;
  }
  if (!deferral.site().empty()) {
    absl::Status s = CheckResourceName(FieldPath(field, "site"), deferral.site(), "sites", nullptr);
    if (!s.ok()) return s;
  }
  return CheckText(FieldPath(field, "external_ref"), deferral.external_ref(), kMaxExternalRefChars,
                   /*required=*/false);
}

}  // namespace blooddrive::registry
