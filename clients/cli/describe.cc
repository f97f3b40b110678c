// Turns a failed call into a sentence for staff. Booking refusals carry a BookingFailure in the
// trailers, which says more than the status message (every eligibility reason, the next eligible
// dates, how many people wait); other failures get a short lead for their code.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/cli.h"

namespace blooddrive::cli {

constexpr char kBookingFailureKey[] = "blooddrive-booking-failure-bin";

const v1::BookingFailure* ReadBookingFailure(const grpc::ClientContext& context,
                                             v1::BookingFailure* storage) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find(kBookingFailureKey);
  if (it == trailers.end()) return nullptr;
  if (!storage->ParseFromArray(it->second.data(), static_cast<int>(it->second.size()))) {
    return nullptr;
  }
  return storage;
}

namespace {

std::string People(int n, absl::string_view one, absl::string_view many) {
  return n == 1 ? absl::StrCat("1 ", one) : absl::StrCat(n, " ", many);
}

std::string NextDate(const v1::NextEligibleDate& next) {
  switch (next.outlook()) {
    case v1::NextEligibleDate::OUTLOOK_DATE:
      return FormatDate(next.date());
    case v1::NextEligibleDate::OUTLOOK_PERMANENT:
      return "never under the current rules";
    case v1::NextEligibleDate::OUTLOOK_NEEDS_CHANGE:
      return "none until the donor's facts change";
    default:
      return "unknown";
  }
}

std::string DescribeReason(const v1::EligibilityReason& reason) {
  std::string text = EnumLabel(v1::EligibilityReasonCode_descriptor(), reason.code());
  if (reason.code() == v1::ELIGIBILITY_REASON_CODE_DEFERRED &&
      reason.deferral_code() != v1::DEFERRAL_CODE_UNSPECIFIED) {
    absl::StrAppend(&text, " (", EnumLabel(v1::DeferralCode_descriptor(), reason.deferral_code()),
                    ")");
  }
  if (!reason.message().empty()) absl::StrAppend(&text, ": ", reason.message());
  if (reason.permanent()) {
    absl::StrAppend(&text, ", permanent");
  } else if (reason.has_end_date() &&
             !absl::StrContains(reason.message(), FormatDate(reason.end_date()))) {
    absl::StrAppend(&text, ", until ", FormatDate(reason.end_date()));
  }
  return text;
}

std::string DescribeIneligible(const v1::EligibilityDecision& decision) {
  std::vector<std::string> blocking;
  std::vector<std::string> advisory;
  for (const v1::EligibilityReason& reason : decision.reasons()) {
    (reason.blocking() ? blocking : advisory).push_back(DescribeReason(reason));
  }
  std::string text = "Not eligible";
  if (decision.has_date()) absl::StrAppend(&text, " on ", FormatDate(decision.date()));
  if (decision.donation_type() != v1::DONATION_TYPE_UNSPECIFIED) {
    absl::StrAppend(&text, " for ", FormatDonationType(decision.donation_type()));
  }
  if (!blocking.empty()) absl::StrAppend(&text, ": ", absl::StrJoin(blocking, "; "));
  absl::StrAppend(&text, ".");
  if (!advisory.empty()) absl::StrAppend(&text, " Advice: ", absl::StrJoin(advisory, "; "), ".");
  // The requested type first: it is the answer to "when can they come back?"; the others help a
  // coordinator offer another donation type.
  // Other types sharing one answer are named together: "plasma, platelets: 2026-12-15".
  std::vector<std::pair<std::string, std::vector<std::string>>> others;  // answer -> types
  for (const v1::NextEligibleDate& next : decision.next_eligible_dates()) {
    if (next.donation_type() == decision.donation_type()) {
      absl::StrAppend(&text, " Next eligible date for ", FormatDonationType(next.donation_type()),
                      ": ", NextDate(next), ".");
      continue;
    }
    const std::string answer = NextDate(next);
    auto it = std::find_if(others.begin(), others.end(),
                           [&](const auto& other) { return other.first == answer; });
    if (it == others.end()) it = others.insert(others.end(), {answer, {}});
    it->second.push_back(FormatDonationType(next.donation_type()));
  }
  std::vector<std::string> parts;
  for (const auto& [answer, types] : others) {
    parts.push_back(absl::StrCat(absl::StrJoin(types, ", "), ": ", answer));
  }
  if (!parts.empty()) absl::StrAppend(&text, " Other types: ", absl::StrJoin(parts, "; "), ".");
  return text;
}

}  // namespace

std::string DescribeBookingFailure(const v1::BookingFailure& failure,
                                   absl::string_view server_message) {
  switch (failure.kind()) {
    case v1::BookingFailure::KIND_INELIGIBLE:
      return DescribeIneligible(failure.decision());
    case v1::BookingFailure::KIND_SLOT_FULL: {
      std::string text = "The slot is full; ";
      if (failure.waitlist_length() == 0) {
        absl::StrAppend(&text, "nobody is waiting for this donation type yet.");
      } else {
        absl::StrAppend(&text, People(failure.waitlist_length(), "person is", "people are"),
                        " waiting for this donation type.");
      }
      if (failure.free_seats_in_drive() > 0) {
        absl::StrAppend(&text, " ", People(failure.free_seats_in_drive(), "seat is", "seats are"),
                        " free in other slots of the drive.");
      } else {
        absl::StrAppend(&text, " No seat is free in other slots of the drive.");
      }
      return text;
    }
    case v1::BookingFailure::KIND_DRIVE_NOT_OPEN:
      return server_message.empty()
                 ? std::string("The drive is not open for booking.")
                 : absl::StrCat("The drive is not open for booking: ", server_message);
    case v1::BookingFailure::KIND_CONFLICTING_BOOKING:
      return absl::StrCat("The donor already has an active booking in an overlapping period: ",
                          failure.conflicting_booking(), ".");
    case v1::BookingFailure::KIND_HOLD_EXPIRED:
      return "The hold has expired and the seat was released; book again.";
    default:
      return std::string(server_message);
  }
}

std::string DescribeWithTarget(const grpc::Status& status, const grpc::ClientContext& context,
                               absl::string_view target) {
  v1::BookingFailure storage;
  if (const v1::BookingFailure* failure = ReadBookingFailure(context, &storage)) {
    std::string text = DescribeBookingFailure(*failure, status.error_message());
    if (!text.empty()) return text;
  }
  const std::string& message = status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::NOT_FOUND:
      return absl::StrCat("Not found: ", message);
    case grpc::StatusCode::INVALID_ARGUMENT:
      return absl::StrCat("Invalid request: ", message);
    case grpc::StatusCode::ALREADY_EXISTS:
      return absl::StrCat("Already exists: ", message);
    case grpc::StatusCode::FAILED_PRECONDITION:
      return absl::StrCat("Refused: ", message);
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return absl::StrCat("No room: ", message);
    case grpc::StatusCode::ABORTED:
      return absl::StrCat("Changed by someone else meanwhile; look again and retry: ", message);
    case grpc::StatusCode::PERMISSION_DENIED:
      return absl::StrCat("Not allowed: ", message);
    case grpc::StatusCode::UNAUTHENTICATED:
      return absl::StrCat("Not signed in (give --token-file or BLOODDRIVE_TOKEN_FILE): ", message);
    case grpc::StatusCode::UNAVAILABLE:
      return absl::StrCat("Service unavailable", target.empty() ? "" : absl::StrCat(" at ", target),
                          " (is the stack running?): ", message);
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::StrCat("No answer in time", target.empty() ? "" : absl::StrCat(" from ", target),
                          " (raise --timeout, or retry later): ", message);
    default:
      return absl::StrCat("Internal error (code ", static_cast<int>(status.error_code()),
                          "): ", message);
  }
}

std::string Describe(const grpc::Status& status, const grpc::ClientContext& context) {
  return DescribeWithTarget(status, context, context.peer());
}

}  // namespace blooddrive::cli
