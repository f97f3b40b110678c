// Helpers of the flow tests (flows_test.cc, clinic_test.cc): call wrappers for the clinic RPCs,
// polling, and the kinds of a stream's events for comparing with an expected sequence.
#pragma once

#include <gmock/gmock.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "scheduling_fixture.h"

namespace blooddrive::testing {

inline bool Eventually(const std::function<bool()>& done,
                       absl::Duration timeout = absl::Seconds(6)) {
  const absl::Time until = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > until) return false;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return true;
}

inline std::vector<std::string> Names(const google::protobuf::RepeatedPtrField<v1::Drive>& drives) {
  std::vector<std::string> names;
  for (const v1::Drive& drive : drives) names.push_back(drive.name());
  return names;
}

// What an event announces, for comparing a stream with the expected sequence.
inline std::string Kind(const v1::Event& event) {
  switch (event.payload_case()) {
    case v1::Event::kBookingCreated:
      return "created";
    case v1::Event::kBookingHeld:
      return "held";
    case v1::Event::kBookingConfirmed:
      return "confirmed";
    case v1::Event::kBookingCheckedIn:
      return "checked_in";
    case v1::Event::kBookingCancelled:
      return "cancelled";
    case v1::Event::kBookingRescheduled:
      return "rescheduled";
    case v1::Event::kBookingHoldExpired:
      return "hold_expired";
    case v1::Event::kWaitlistPromoted:
      return "promoted";
    case v1::Event::kOutcomeRecorded:
      return "outcome";
    case v1::Event::kDrivePublished:
      return "published";
    case v1::Event::kDriveCancelled:
      return "drive_cancelled";
    default:
      return "other";
  }
}

inline std::vector<std::string> Kinds(const std::vector<v1::Event>& events) {
  std::vector<std::string> kinds;
  for (const v1::Event& event : events) kinds.push_back(Kind(event));
  return kinds;
}

class FlowsTest : public SchedulingTest {
 protected:
  v1::ListDrivesResponse ListDrives(const v1::ListDrivesRequest& request) {
    v1::ListDrivesResponse response;
    const grpc::Status status = Call(sch(), &SS::ListDrives, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    return response;
  }
  grpc::Status Confirm(const std::string& booking, v1::Booking* out,
                       const std::string& request_id = NewRequestId("confirm")) {
    v1::ConfirmBookingRequest request;
    request.set_request_id(request_id);
    request.set_name(booking);
    request.set_channel(v1::CONFIRMATION_CHANNEL_SMS_REPLY);
    return Call(sch(), &SS::ConfirmBooking, request, out);
  }
  grpc::Status CheckIn(const std::string& booking, v1::Booking* out) {
    v1::CheckInBookingRequest request;
    request.set_request_id(NewRequestId("checkin"));
    request.set_name(booking);
    return Call(sch(), &SS::CheckInBooking, request, out);
  }
  grpc::Status Record(const std::string& booking, v1::Booking* out,
                      const std::function<void(v1::RecordOutcomeRequest&)>& fill) {
    v1::RecordOutcomeRequest request;
    request.set_request_id(NewRequestId("outcome"));
    request.set_name(booking);
    fill(request);
    return Call(sch(), &SS::RecordOutcome, request, out);
  }
  Outcome HoldFor(const std::string& slot, const std::string& donor, int seconds,
                  v1::Booking* out) {
    v1::HoldSlotRequest request;
    request.set_request_id(NewRequestId("hold"));
    request.set_slot(slot);
    request.set_donor(donor);
    request.set_donation_type(kWholeBlood);
    *request.mutable_hold_duration() = google::protobuf::util::TimeUtil::SecondsToDuration(seconds);
    return Hold(request, out);
  }
  // A copy: callers often pass a temporary availability.
  std::optional<v1::TypeAvailability> TypeIn(const v1::DriveAvailability& availability,
                                             const std::string& slot) {
    for (const v1::SlotAvailability& s : availability.slots()) {
      if (s.slot() == slot && s.types_size() > 0) return s.types(0);
    }
    ADD_FAILURE() << "no slot " << slot << " in " << availability.DebugString();
    return v1::TypeAvailability();
  }
};

}  // namespace blooddrive::testing
