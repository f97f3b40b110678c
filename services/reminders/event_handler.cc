#include "event_handler.h"

#include <grpcpp/client_context.h>

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "dates.h"
#include "grpc_status.h"
#include "log.h"

namespace blooddrive::reminders {
namespace {

constexpr absl::Duration kPeerDeadline = absl::Seconds(5);

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + kPeerDeadline));
}

// Messages about an appointment are worth sending only before it; a thank-you or a recall has an
// expiry of its own.
bool ExpiresAtTheSlot(v1::MessageKind kind) {
  return kind == v1::MESSAGE_KIND_BOOKING_CONFIRMATION || kind == v1::MESSAGE_KIND_REMINDER ||
         kind == v1::MESSAGE_KIND_WAITLIST_PROMOTION || kind == v1::MESSAGE_KIND_CANCELLATION ||
         kind == v1::MESSAGE_KIND_DRIVE_CANCELLED;
}

// For staff (state_reason): when the message could first have gone out, and what it would be late
// for. No personal data.
std::string QuietHoursReason(const Intent& intent, const QuietHours& quiet) {
  absl::TimeZone zone;
  absl::LoadTimeZone(intent.time_zone, &zone);
  return absl::StrCat(
      "quiet hours: the next allowed time, ",
      absl::FormatTime("%Y-%m-%d %H:%M", ApplyQuietHours(intent.due, zone, quiet), zone),
      " local, is not before ", ExpiresAtTheSlot(intent.kind) ? "the appointment" : "its expiry");
}

}  // namespace

absl::StatusOr<std::optional<v1::Donor>> FetchDonor(v1::DonorRegistry::StubInterface& registry,
                                                    const std::string& donor_name) {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::GetDonorRequest request;
  request.set_name(donor_name);
  v1::Donor donor;
  const grpc::Status status = registry.GetDonor(&context, request, &donor);
  if (status.error_code() == grpc::StatusCode::NOT_FOUND ||
      status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
    return std::optional<v1::Donor>();
  }
  if (!status.ok()) return platform::FromGrpcStatus(status);
  return std::optional<v1::Donor>(std::move(donor));
}

absl::StatusOr<std::optional<absl::CivilDay>> EventHandler::NextEligible(const RecallQuery& query) {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::GetNextEligibleDatesRequest request;
  request.set_donor(query.donor);
  // The day after: a donor is never eligible again on the day they gave.
  *request.mutable_from_date() = platform::ToDate(query.donation_date + 1);
  request.add_donation_types(query.donation_type);
  // The registry records the donation from the same event, maybe after this: assume it, so the
  // recall is never early (if it is recorded already, the pack sees it twice, which can only make
  // the date later, never earlier).
  v1::Donation* assumed = request.add_assumed_donations();
  *assumed->mutable_donation_date() = platform::ToDate(query.donation_date);
  assumed->set_donation_type(query.donation_type);
  assumed->set_outcome(query.outcome);
  assumed->set_volume_ml(query.volume_ml);
  v1::GetNextEligibleDatesResponse response;
  const grpc::Status status = eligibility_.GetNextEligibleDates(&context, request, &response);
  if (status.error_code() == grpc::StatusCode::NOT_FOUND ||
      status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
    return std::optional<absl::CivilDay>();
  }
  if (!status.ok()) return platform::FromGrpcStatus(status);
  for (const v1::NextEligibleDate& next : response.next_eligible_dates()) {
    if (next.donation_type() == query.donation_type &&
        next.outlook() == v1::NextEligibleDate::OUTLOOK_DATE && platform::IsSet(next.date())) {
      return std::optional<absl::CivilDay>(platform::ToCivilDay(next.date()));
    }
  }
  return std::optional<absl::CivilDay>();
}

absl::Status EventHandler::PlanIntents(const v1::Event& event, const std::vector<Intent>& intents,
                                       absl::Time now, bool dropped) {
  std::map<std::string, std::optional<v1::Donor>> donors;
  for (const Intent& intent : intents) {
    auto it = donors.find(intent.donor);
    if (it == donors.end()) {
      absl::StatusOr<std::optional<v1::Donor>> donor = FetchDonor(registry_, intent.donor);
      if (!donor.ok()) return donor.status();
      it = donors.emplace(intent.donor, *std::move(donor)).first;
    }
    absl::StatusOr<PlanInput> input =
        Materialize(intent, it->second.has_value() ? &*it->second : nullptr, options_, now);
    if (!input.ok()) {
      platform::LogWarning("message not planned: no template renders",
                           {{"event_id", event.event_id()},
                            {"kind", v1::MessageKind_Name(intent.kind)},
                            {"error", std::string(input.status().message())}});
      continue;
    }
    // A dropped message is kept, DROPPED, so staff see it; one already SUPPRESSED (no phone,
    // opted out) would not have gone out anyway and keeps that reason.
    if (dropped && input->state == v1::MESSAGE_STATE_PENDING) {
      input->state = v1::MESSAGE_STATE_DROPPED;
      input->reason = QuietHoursReason(intent, options_.schedule.quiet);
    }
    absl::StatusOr<std::pair<PlanOutcome, v1::MessageState>> planned = store_.Plan(*input, now);
    if (!planned.ok()) return planned.status();
  }
  return absl::OkStatus();
}

absl::Status EventHandler::Handle(const v1::Event& event) {
  const absl::Time now = absl::Now();
  absl::StatusOr<EventActions> actions = PlanEvent(event, now, options_);
  if (!actions.ok()) {
    platform::LogWarning(
        "event skipped: it cannot be planned",
        {{"event_id", event.event_id()}, {"error", std::string(actions.status().message())}});
    return absl::OkStatus();
  }
  if (actions->consent.has_value()) {
    const ConsentChange& c = *actions->consent;
    absl::StatusOr<int> suppressed = store_.RecordConsent(c.donor_id, c.opted_in, c.at, now);
    if (!suppressed.ok()) return suppressed.status();
  }
  for (const Withdrawal& w : actions->withdrawals) {
    absl::StatusOr<int> ended = w.booking.empty()
                                    ? store_.WithdrawDrive(w.drive_id, w.reason, w.keep, now)
                                    : store_.WithdrawBooking(w.booking, w.reason, w.keep, now);
    if (!ended.ok() && ended.status().code() != absl::StatusCode::kInvalidArgument) {
      return ended.status();
    }
  }
  // The recall comes last: while Eligibility is unreachable the event is offered again, and what
  // was planned before it is found planned (stable ids). Dropped messages are recorded like
  // planned ones, under the ids they would have had, so a replay finds them too.
  if (absl::Status s = PlanIntents(event, actions->intents, now); !s.ok()) return s;
  std::vector<Intent>& dropped = actions->dropped;
  if (absl::Status s = PlanIntents(event, dropped, now, /*dropped=*/true); !s.ok()) return s;
  if (actions->recall.has_value()) {
    absl::StatusOr<std::optional<absl::CivilDay>> next = NextEligible(*actions->recall);
    if (!next.ok()) return next.status();
    if (next->has_value()) {
      std::vector<Intent> recall_dropped;
      const std::vector<Intent> recall =
          RecallIntents(*actions->recall, **next, now, options_, &recall_dropped);
      if (absl::Status s = PlanIntents(event, recall, now); !s.ok()) return s;
      if (absl::Status s = PlanIntents(event, recall_dropped, now, /*dropped=*/true); !s.ok()) {
        return s;
      }
      dropped.insert(dropped.end(), recall_dropped.begin(), recall_dropped.end());
    }
  }
  if (!dropped.empty()) {
    platform::LogInfo("messages dropped: quiet hours reach the appointment",
                      {{"event_id", event.event_id()}, {"dropped", absl::StrCat(dropped.size())}});
  }
  return absl::OkStatus();
}

}  // namespace blooddrive::reminders
