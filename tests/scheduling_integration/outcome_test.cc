// Outcomes reach the donor registry through OutcomeRecorded events (the registry consumes the
// drive's stream), so the next eligibility decision sees them. Drives are on today's date in
// Asia/Almaty: the registry, on the real clock, refuses donations dated in the future.
#include <gmock/gmock.h>

#include <functional>

#include "scheduling_fixture.h"

namespace blooddrive::testing {
namespace {

constexpr absl::Duration kConsumerWait = absl::Seconds(15);

// Polls `done` until it holds or `timeout` passes.
bool Eventually(const std::function<bool()>& done, absl::Duration timeout = kConsumerWait) {
  const absl::Time until = absl::Now() + timeout;
  while (true) {
    if (done()) return true;
    if (absl::Now() > until) return false;
    absl::SleepFor(absl::Milliseconds(100));
  }
}

class OutcomeTest : public SchedulingTest {
 protected:
  std::vector<v1::Donation> Donations(const std::string& donor) {
    v1::ListDonationsRequest request;
    request.set_parent(donor);
    request.set_page_size(500);
    v1::ListDonationsResponse response;
    const grpc::Status status =
        Call(registry(), &v1::DonorRegistry::Stub::ListDonations, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.donations().begin(), response.donations().end()};
  }
  std::vector<v1::Deferral> Deferrals(const std::string& donor) {
    v1::ListDeferralsRequest request;
    request.set_parent(donor);
    request.set_page_size(500);
    v1::ListDeferralsResponse response;
    const grpc::Status status =
        Call(registry(), &v1::DonorRegistry::Stub::ListDeferrals, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.deferrals().begin(), response.deferrals().end()};
  }

  v1::Booking MustCheckIn(const std::string& booking) {
    v1::CheckInBookingRequest request;
    request.set_request_id(NewRequestId("checkin"));
    request.set_name(booking);
    v1::Booking checked_in;
    const grpc::Status status = Call(sch(), &SS::CheckInBooking, request, &checked_in);
    EXPECT_TRUE(status.ok()) << "CheckIn: " << status.error_code() << " " << status.error_message();
    EXPECT_EQ(checked_in.state(), v1::BOOKING_STATE_CHECKED_IN);
    return checked_in;
  }

  grpc::Status RecordOutcome(const v1::RecordOutcomeRequest& request, v1::Booking* booking) {
    return Call(sch(), &SS::RecordOutcome, request, booking);
  }

  static v1::RecordOutcomeRequest Donated(const std::string& booking, int volume, int hb) {
    v1::RecordOutcomeRequest request;
    request.set_request_id(NewRequestId("outcome"));
    request.set_name(booking);
    request.mutable_donated()->set_volume_ml(volume);
    request.mutable_donated()->set_hemoglobin_g_per_l(hb);
    return request;
  }
};

TEST_F(OutcomeTest, DonationReachesTheRegistryAndTheNextEligibilityCheck) {
  const v1::Drive drive = MustPublishedDrive(today(), 2);  // the clock: today 07:00 local
  ASSERT_FALSE(drive.name().empty());
  const v1::Donor donor = MustCreateDonor(v1::BLOOD_GROUP_O_NEGATIVE);
  const v1::Booking booking = MustBook(SlotName(drive.name(), "0900"), donor.name());
  ASSERT_FALSE(booking.name().empty());
  EXPECT_EQ(booking.blood_group(), v1::BLOOD_GROUP_O_NEGATIVE);
  EXPECT_TRUE(booking.first_time());

  // An outcome needs a check-in first.
  v1::Booking out;
  EXPECT_TRUE(HasCode(RecordOutcome(Donated(booking.name(), 450, 135), &out),
                      grpc::StatusCode::FAILED_PRECONDITION));
  MustCheckIn(booking.name());
  SetClock(LocalTime(today(), 9, 12));
  const v1::RecordOutcomeRequest request = Donated(booking.name(), 450, 135);
  v1::Booking donated;
  grpc::Status status = RecordOutcome(request, &donated);
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_EQ(donated.state(), v1::BOOKING_STATE_DONATED);
  EXPECT_EQ(donated.outcome().outcome(), v1::DONATION_OUTCOME_DONATED);
  EXPECT_EQ(donated.outcome().volume_ml(), 450);
  EXPECT_EQ(donated.outcome().hemoglobin_g_per_l(), 135);

  // The same request again answers the same; another outcome is refused.
  v1::Booking again;
  ASSERT_TRUE(RecordOutcome(request, &again).ok());
  EXPECT_EQ(again.etag(), donated.etag());
  v1::RecordOutcomeRequest second = Donated(booking.name(), 300, 0);
  EXPECT_TRUE(HasCode(RecordOutcome(second, &out), grpc::StatusCode::FAILED_PRECONDITION));

  // The registry records it once, with the booking as its reference.
  std::vector<v1::Donation> donations;
  EXPECT_TRUE(Eventually([&] {
    donations = Donations(donor.name());
    return !donations.empty();
  })) << "no donation in the registry after "
      << kConsumerWait;
  ASSERT_EQ(donations.size(), 1u);
  const v1::Donation& recorded = donations[0];
  EXPECT_EQ(recorded.external_ref(), booking.name());
  EXPECT_EQ(DayOf(recorded.donation_date()), today());
  EXPECT_EQ(recorded.donation_type(), kWholeBlood);
  EXPECT_EQ(recorded.volume_ml(), 450);
  EXPECT_EQ(recorded.hemoglobin_g_per_l(), 135);
  EXPECT_EQ(recorded.outcome(), v1::DONATION_OUTCOME_DONATED);
  EXPECT_EQ(recorded.site(), drive.site());

  // A week later the donor is within the whole-blood interval.
  v1::CheckEligibilityRequest check;
  check.set_donor(donor.name());
  check.set_donation_type(kWholeBlood);
  *check.mutable_date() = ToDate(today() + 7);
  v1::EligibilityDecision decision;
  status = Call(eligibility(), &v1::Eligibility::Stub::CheckEligibility, check, &decision);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(decision.eligible()) << decision.DebugString();
  EXPECT_FALSE(decision.first_time());
  EXPECT_NE(FindReason(decision, v1::ELIGIBILITY_REASON_CODE_INTERVAL_NOT_ELAPSED), nullptr)
      << decision.DebugString();

  // The stream carries one OutcomeRecorded with what the registry needed.
  int outcomes = 0;
  for (const v1::Event& event : Events(drive.name())) {
    if (!event.has_outcome_recorded()) continue;
    ++outcomes;
    const v1::OutcomeRecorded& o = event.outcome_recorded();
    EXPECT_EQ(o.booking().booking(), booking.name());
    EXPECT_EQ(o.booking().donor(), donor.name());
    EXPECT_EQ(o.outcome(), v1::DONATION_OUTCOME_DONATED);
    EXPECT_EQ(DayOf(o.donation_date()), today());
    EXPECT_EQ(o.volume_ml(), 450);
  }
  EXPECT_EQ(outcomes, 1);
  // Still one donation after the retries had time to reach the registry.
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(Donations(donor.name()).size(), 1u);
}

TEST_F(OutcomeTest, DeferralAtTheSiteBecomesARegistryDeferral) {
  const v1::Drive drive = MustPublishedDrive(today(), 3);
  ASSERT_FALSE(drive.name().empty());
  const std::vector<v1::Donor> donors = MustCreateDonors(3);
  ASSERT_FALSE(HasFailure());
  const v1::Booking no_show = MustBook(SlotName(drive.name(), "0800"), donors[0].name());
  const v1::Booking tattoo = MustBook(SlotName(drive.name(), "0900"), donors[1].name());
  const v1::Booking other = MustBook(SlotName(drive.name(), "0930"), donors[2].name());

  // No-show: only once the slot has started; nothing reaches the registry.
  v1::RecordOutcomeRequest absent;
  absent.set_request_id(NewRequestId("noshow"));
  absent.set_name(no_show.name());
  absent.mutable_no_show();
  v1::Booking out;
  EXPECT_TRUE(HasCode(RecordOutcome(absent, &out), grpc::StatusCode::FAILED_PRECONDITION));
  SetClock(LocalTime(today(), 8, 5));
  absent.set_request_id(NewRequestId("noshow"));
  ASSERT_TRUE(RecordOutcome(absent, &out).ok());
  EXPECT_EQ(out.state(), v1::BOOKING_STATE_NO_SHOW);
  EXPECT_EQ(out.outcome().outcome(), v1::DONATION_OUTCOME_NO_SHOW);

  // Deferred with a code only: the pack's duration (Eligibility.ResolveDeferral; kz-astana has
  // one for a recent tattoo).
  MustCheckIn(tattoo.name());
  v1::RecordOutcomeRequest deferred;
  deferred.set_request_id(NewRequestId("deferred"));
  deferred.set_name(tattoo.name());
  deferred.mutable_deferred()->set_code(v1::DEFERRAL_CODE_TATTOO_OR_PIERCING);
  deferred.mutable_deferred()->set_hemoglobin_g_per_l(131);
  v1::Booking deferred_booking;
  grpc::Status status = RecordOutcome(deferred, &deferred_booking);
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_EQ(deferred_booking.state(), v1::BOOKING_STATE_DEFERRED);
  EXPECT_EQ(deferred_booking.outcome().outcome(), v1::DONATION_OUTCOME_DEFERRED_AT_SITE);
  EXPECT_EQ(deferred_booking.outcome().deferral_code(), v1::DEFERRAL_CODE_TATTOO_OR_PIERCING);
  const bool permanent = deferred_booking.outcome().deferral_permanent();
  EXPECT_TRUE(permanent || DayOf(deferred_booking.outcome().deferral_end_date()) > today())
      << deferred_booking.outcome().DebugString();

  // Deferred with an explicit end date.
  MustCheckIn(other.name());
  deferred.set_request_id(NewRequestId("deferred"));
  deferred.set_name(other.name());
  deferred.mutable_deferred()->set_code(v1::DEFERRAL_CODE_ACUTE_INFECTION);
  deferred.mutable_deferred()->set_hemoglobin_g_per_l(0);
  *deferred.mutable_deferred()->mutable_end_date() = ToDate(today() + 30);
  v1::Booking other_booking;
  status = RecordOutcome(deferred, &other_booking);
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_EQ(DayOf(other_booking.outcome().deferral_end_date()), today() + 30);

  std::vector<v1::Deferral> deferrals;
  EXPECT_TRUE(Eventually([&] {
    deferrals = Deferrals(donors[2].name());
    return !deferrals.empty();
  })) << "no deferral in the registry after "
      << kConsumerWait;
  ASSERT_EQ(deferrals.size(), 1u);
  EXPECT_EQ(deferrals[0].code(), v1::DEFERRAL_CODE_ACUTE_INFECTION);
  EXPECT_EQ(deferrals[0].external_ref(), other.name());
  EXPECT_EQ(DayOf(deferrals[0].start_date()), today());
  EXPECT_EQ(DayOf(deferrals[0].end_date()), today() + 30);

  // Events of one partition are applied in order: the earlier ones are in by now.
  deferrals = Deferrals(donors[1].name());
  ASSERT_EQ(deferrals.size(), 1u);
  EXPECT_EQ(deferrals[0].code(), v1::DEFERRAL_CODE_TATTOO_OR_PIERCING);
  EXPECT_EQ(deferrals[0].external_ref(), tattoo.name());
  EXPECT_EQ(DayOf(deferrals[0].start_date()), today());
  EXPECT_EQ(deferrals[0].permanent(), permanent);
  if (!permanent) {
    EXPECT_EQ(DayOf(deferrals[0].end_date()),
              DayOf(deferred_booking.outcome().deferral_end_date()));
  }
  EXPECT_TRUE(Donations(donors[0].name()).empty());
  EXPECT_TRUE(Deferrals(donors[0].name()).empty());
  EXPECT_TRUE(Donations(donors[1].name()).empty());

  // The deferral decides the next check.
  v1::CheckEligibilityRequest check;
  check.set_donor(donors[2].name());
  check.set_donation_type(kWholeBlood);
  *check.mutable_date() = ToDate(today() + 1);
  v1::EligibilityDecision decision;
  status = Call(eligibility(), &v1::Eligibility::Stub::CheckEligibility, check, &decision);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(decision.eligible());
  EXPECT_NE(FindReason(decision, v1::ELIGIBILITY_REASON_CODE_DEFERRED), nullptr)
      << decision.DebugString();

  const v1::DriveReport report = MustReport(drive.name());
  EXPECT_EQ(report.no_show(), 1);
  EXPECT_EQ(report.deferred(), 2);
  EXPECT_EQ(report.donated(), 0);
}

TEST_F(OutcomeTest, DeferralCodeWithoutAPackDurationNeedsAnEndDate) {
  // kz-astana gives no duration for LOW_HEMOGLOBIN: the clinic must give an end date or
  // "permanent". Asking again cannot help, so this is FAILED_PRECONDITION (not UNAVAILABLE, which
  // tells clients to retry), and the booking stays CHECKED_IN.
  const v1::Drive drive = MustPublishedDrive(today(), 2);
  ASSERT_FALSE(drive.name().empty());
  const v1::Donor donor = MustCreateDonor();
  const v1::Booking booking = MustBook(SlotName(drive.name(), "0900"), donor.name());
  MustCheckIn(booking.name());
  v1::RecordOutcomeRequest deferred;
  deferred.set_request_id(NewRequestId("deferred"));
  deferred.set_name(booking.name());
  deferred.mutable_deferred()->set_code(v1::DEFERRAL_CODE_LOW_HEMOGLOBIN);
  deferred.mutable_deferred()->set_hemoglobin_g_per_l(112);
  v1::Booking out;
  EXPECT_TRUE(HasCode(RecordOutcome(deferred, &out), grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(MustGetBooking(booking.name()).state(), v1::BOOKING_STATE_CHECKED_IN);
  // With an end date it is recorded.
  deferred.set_request_id(NewRequestId("deferred"));
  *deferred.mutable_deferred()->mutable_end_date() = ToDate(today() + 90);
  const grpc::Status status = RecordOutcome(deferred, &out);
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_EQ(out.state(), v1::BOOKING_STATE_DEFERRED);
  EXPECT_EQ(DayOf(out.outcome().deferral_end_date()), today() + 90);
}

}  // namespace
}  // namespace blooddrive::testing
