#include "outcome_events.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "dates.h"
#include "donor_validation.h"
#include "idempotency.h"
#include "log.h"
#include "validation.h"

namespace blooddrive::registry {
namespace {

// What the store is asked to record for one outcome: a donation or a deferral.
struct Record {
  std::string donor_id;
  bool is_donation = false;
  v1::Donation donation;
  v1::Deferral deferral;
};

// Retrying a malformed event or one about a donor the registry does not know cannot succeed, and
// keeping it pending would stop its drive's partition for good.
bool IsPermanent(const absl::Status& status) {
  return status.code() == absl::StatusCode::kInvalidArgument ||
         status.code() == absl::StatusCode::kNotFound;
}

absl::StatusOr<Record> RecordOf(const v1::OutcomeRecorded& outcome, absl::CivilDay today) {
  const v1::BookingSnapshot& booking = outcome.booking();
  Record record;
  if (absl::Status s = platform::CheckResourceName("outcome_recorded.booking.donor",
                                                   booking.donor(), "donors", &record.donor_id);
      !s.ok()) {
    return s;
  }
  if (booking.booking().empty()) {
    return platform::InvalidField("outcome_recorded.booking.booking", "is required");
  }
  switch (outcome.outcome()) {
    case v1::DONATION_OUTCOME_DONATED:
    case v1::DONATION_OUTCOME_INCOMPLETE: {
      record.is_donation = true;
      v1::Donation& donation = record.donation;
      *donation.mutable_donation_date() = outcome.donation_date();
      donation.set_donation_type(booking.donation_type());
      donation.set_site(booking.site());
      donation.set_volume_ml(outcome.volume_ml());
      donation.set_hemoglobin_g_per_l(outcome.hemoglobin_g_per_l());
      donation.set_outcome(outcome.outcome());
      donation.set_external_ref(booking.booking());
      // The donation date is the site's civil date; a site east of the registry's time zone may
      // already be a day ahead of the registry's today.
      if (absl::Status s = ValidateDonation("donation", donation, today + 1); !s.ok()) return s;
      return record;
    }
    case v1::DONATION_OUTCOME_DEFERRED_AT_SITE: {
      v1::Deferral& deferral = record.deferral;
      deferral.set_code(outcome.deferral_code());
      *deferral.mutable_start_date() = outcome.donation_date();
      if (outcome.deferral_permanent()) {
        deferral.set_permanent(true);
      } else {
        *deferral.mutable_end_date() = outcome.deferral_end_date();
      }
      deferral.set_site(booking.site());
      deferral.set_external_ref(booking.booking());
      if (absl::Status s = ValidateDeferral("deferral", deferral); !s.ok()) return s;
      return record;
    }
    default:
      return absl::OutOfRangeError("nothing to record");  // NO_SHOW, or not set
  }
}

}  // namespace

absl::Status ApplySchedulingEvent(DonorStore& store, const v1::Event& event, absl::CivilDay today) {
  if (!event.has_outcome_recorded()) return absl::OkStatus();
  const v1::OutcomeRecorded& outcome = event.outcome_recorded();
  absl::StatusOr<Record> record = RecordOf(outcome, today);
  if (record.status().code() == absl::StatusCode::kOutOfRange) return absl::OkStatus();
  absl::Status status = record.status();
  if (status.ok() && event.event_id().empty()) {
    status = platform::InvalidField("event_id", "is required");
  }
  if (status.ok()) {
    // The request record makes a redelivery of this very event a replay; external_ref (the
    // booking) makes any other event about the same booking return the first record.
    const Mutation mutation{absl::StrCat("event:", event.event_id()),
                            platform::RequestFingerprint("OutcomeRecorded", event)};
    const absl::Time now = absl::Now();
    status = record->is_donation
                 ? store.AddDonation(mutation, record->donor_id, record->donation, now).status()
                 : store.AddDeferral(mutation, record->donor_id, record->deferral, now).status();
  }
  if (status.ok()) return status;
  if (IsPermanent(status)) {
    // The message names a field or a donor id, never personal data.
    platform::LogError("outcome event refused", {{"event_id", event.event_id()},
                                                 {"booking", outcome.booking().booking()},
                                                 {"code", absl::StatusCodeToString(status.code())},
                                                 {"error", std::string(status.message())}});
    return absl::OkStatus();
  }
  return status;
}

}  // namespace blooddrive::registry
