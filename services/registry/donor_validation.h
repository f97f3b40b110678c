// Validation and normalization of the DonorRegistry's request payloads (no I/O).
//
// Every failure is INVALID_ARGUMENT whose message starts with the path of the offending field, e.g.
// "donor.documents[1].number: ...", and only the first problem, in the order of the proto's fields,
// is reported.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "blooddrive/v1/common.pb.h"
#include "blooddrive/v1/registry.pb.h"
#include "google/protobuf/field_mask.pb.h"

namespace blooddrive::registry {

// Limits from registry.proto / common.proto.
inline constexpr int kMaxNameChars = 100;
inline constexpr int kMinDonorAge = 16;
inline constexpr int kMaxDonorAge = 100;
inline constexpr int kMaxDocuments = 5;
inline constexpr int kMaxExternalRefChars = 200;
inline constexpr int kMaxDeferralNoteChars = 500;

// A document as stored: number without spaces and dashes, upper-cased, 4..20 of [A-Z0-9];
// issuing_country an upper-cased ISO 3166-1 alpha-2 code; an IIN is Kazakh and well-formed.
absl::StatusOr<blooddrive::v1::IdentityDocument> NormalizeDocument(
    absl::string_view field, const blooddrive::v1::IdentityDocument& document);

// Completed years of age on `today` (a birthday on Feb 29 comes round on Mar 1 in common years).
int AgeOn(absl::CivilDay birth_date, absl::CivilDay today);

// The donor payload of CreateDonor, normalized: names trimmed and in NFC, phone in E.164, country
// codes upper-cased, documents normalized. Fields the server owns (name, sms_consent, times, etag)
// are neither checked nor changed. Field paths start with "donor.".
absl::StatusOr<blooddrive::v1::Donor> ValidateNewDonor(const blooddrive::v1::Donor& donor,
                                                       absl::CivilDay today);

// `current` with the fields named in `mask` taken from `patch`, validated and normalized like a new
// donor. The 16..100 age window applies only when birth_date is in the mask: it is a rule for
// registration, and a donor must stay updatable after their 101st birthday.
absl::StatusOr<blooddrive::v1::Donor> ApplyDonorUpdate(const blooddrive::v1::Donor& current,
                                                       const blooddrive::v1::Donor& patch,
                                                       const google::protobuf::FieldMask& mask,
                                                       absl::CivilDay today);

// A donation to record (RecordDonationRequest.donation), `field` its path, e.g. "donation".
absl::Status ValidateDonation(absl::string_view field, const blooddrive::v1::Donation& donation,
                              absl::CivilDay today);

// A deferral to create (CreateDeferralRequest.deferral), `field` its path, e.g. "deferral".
absl::Status ValidateDeferral(absl::string_view field, const blooddrive::v1::Deferral& deferral);

}  // namespace blooddrive::registry
