// RecordOutcome: what happened at the visit. The OutcomeRecorded event written with the change
// carries it to the donor registry (which records it idempotently, external_ref = booking name).
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "auth/auth.h"
#include "dates.h"
#include "grpc_status.h"
#include "idempotency.h"
#include "scheduling_service.h"
#include "validation.h"

namespace blooddrive::scheduling {
namespace {

using platform::InvalidField;

absl::Status CheckHemoglobin(absl::string_view field, int value) {
  if (value != 0 && (value < 50 || value > 250)) {
    return InvalidField(field, "must be 0 (not measured) or 50..250 g/L");
  }
  return absl::OkStatus();
}

absl::Status ValidateOutcome(const v1::RecordOutcomeRequest& request) {
  switch (request.outcome_case()) {
    case v1::RecordOutcomeRequest::kDonated:
      if (request.donated().volume_ml() < 1 || request.donated().volume_ml() > 1000) {
        return InvalidField("donated.volume_ml", "must be 1..1000");
      }
      return CheckHemoglobin("donated.hemoglobin_g_per_l", request.donated().hemoglobin_g_per_l());
    case v1::RecordOutcomeRequest::kDeferred: {
      const auto& d = request.deferred();
      if (absl::Status s = platform::CheckEnum("deferred.code", d.code(), v1::DeferralCode_IsValid);
          !s.ok()) {
        return s;
      }
      if (absl::Status s = CheckHemoglobin("deferred.hemoglobin_g_per_l", d.hemoglobin_g_per_l());
          !s.ok()) {
        return s;
      }
      if (absl::Status s = platform::CheckDate("deferred.end_date", d.end_date(), false); !s.ok()) {
        return s;
      }
      if (d.permanent() && platform::IsSet(d.end_date())) {
        return InvalidField("deferred.end_date", "must be empty when permanent");
      }
      return absl::OkStatus();
    }
    case v1::RecordOutcomeRequest::kNoShow:
      return absl::OkStatus();
    default:
      return InvalidField("outcome", "one of donated, deferred or no_show is required");
  }
}

}  // namespace

grpc::Status SchedulingService::RecordOutcome(grpc::ServerContext* context,
                                              const v1::RecordOutcomeRequest* request,
                                              v1::Booking* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  if (absl::Status s = ValidateOutcome(*request); !s.ok()) return Finish(context, s);
  BookingAction action = BookingAction::kRecordNoShow;
  if (request->has_donated()) action = BookingAction::kRecordDonated;
  if (request->has_deferred()) action = BookingAction::kRecordDeferred;
  absl::StatusOr<v1::Booking> booking = Transition(
      context, "name", request->name(), request->request_id(),
      platform::RequestFingerprint("RecordOutcome", *request), "", action,
      [this, request, context](const DriveContext& drive, v1::Booking& after,
                               v1::Event& event) -> absl::Status {
        v1::BookingOutcome* outcome = after.mutable_outcome();
        *outcome->mutable_record_time() = after.update_time();
        v1::OutcomeRecorded* recorded = event.mutable_outcome_recorded();
        *recorded->mutable_donation_date() = drive.drive().date();
        if (request->has_donated()) {
          const auto& d = request->donated();
          outcome->set_outcome(d.incomplete() ? v1::DONATION_OUTCOME_INCOMPLETE
                                              : v1::DONATION_OUTCOME_DONATED);
          outcome->set_volume_ml(d.volume_ml());
          outcome->set_hemoglobin_g_per_l(d.hemoglobin_g_per_l());
        } else if (request->has_deferred()) {
          const auto& d = request->deferred();
          outcome->set_outcome(v1::DONATION_OUTCOME_DEFERRED_AT_SITE);
          outcome->set_deferral_code(d.code());
          outcome->set_hemoglobin_g_per_l(d.hemoglobin_g_per_l());
          if (d.permanent() || platform::IsSet(d.end_date())) {
            outcome->set_deferral_permanent(d.permanent());
            if (platform::IsSet(d.end_date())) *outcome->mutable_deferral_end_date() = d.end_date();
          } else {
            // The pack's duration for the code, from the drive's date.
            v1::ResolveDeferralRequest resolve;
            resolve.set_code(d.code());
            *resolve.mutable_start_date() = drive.drive().date();
            resolve.set_rule_pack(drive.site().rule_pack());
            v1::ResolveDeferralResponse resolved;
            std::unique_ptr<grpc::ClientContext> call =
                grpc::ClientContext::FromServerContext(*context);
            call->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
            grpc::Status s = eligibility_->ResolveDeferral(call.get(), resolve, &resolved);
            if (s.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
                s.error_code() == grpc::StatusCode::FAILED_PRECONDITION ||
                s.error_code() == grpc::StatusCode::NOT_FOUND) {
              return absl::FailedPreconditionError(
                  absl::StrCat("deferred.end_date: the rule pack sets no duration for this code (",
                               s.error_message(), "); give end_date or permanent"));
            }
            if (!s.ok()) {
              return absl::UnavailableError(
                  absl::StrCat("eligibility could not resolve the deferral: ", s.error_message()));
            }
            outcome->set_deferral_permanent(resolved.permanent());
            if (platform::IsSet(resolved.end_date())) {
              *outcome->mutable_deferral_end_date() = resolved.end_date();
            }
          }
        } else {
          outcome->set_outcome(v1::DONATION_OUTCOME_NO_SHOW);
        }
        *recorded->mutable_booking() = Snapshot(drive, after);
        recorded->set_outcome(outcome->outcome());
        recorded->set_volume_ml(outcome->volume_ml());
        recorded->set_hemoglobin_g_per_l(outcome->hemoglobin_g_per_l());
        recorded->set_deferral_code(outcome->deferral_code());
        if (outcome->has_deferral_end_date()) {
          *recorded->mutable_deferral_end_date() = outcome->deferral_end_date();
        }
        recorded->set_deferral_permanent(outcome->deferral_permanent());
        return absl::OkStatus();
      });
  if (!booking.ok()) return Finish(context, booking.status());
  *response = *std::move(booking);
  return grpc::Status::OK;
}

}  // namespace blooddrive::scheduling
