// Donation history and deferrals through gRPC: recording (idempotent on external_ref and
// request_id), listing newest first with pages, lifting, and the one-read GetDonorFacts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "registry_fixture.h"

namespace blooddrive::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

class HistoryTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    if (HasFatalFailure()) return;
    donor_ = MustCreate(KazakhDonor());
  }

  v1::RecordDonationRequest DonationRequest(absl::CivilDay day, const std::string& ref = "") {
    v1::RecordDonationRequest request;
    request.set_request_id(NewRequestId("donation"));
    request.set_parent(donor_.name());
    v1::Donation* d = request.mutable_donation();
    *d->mutable_donation_date() = ToDate(day);
    d->set_donation_type(v1::DONATION_TYPE_WHOLE_BLOOD);
    d->set_site("sites/astana-central");
    d->set_volume_ml(450);
    d->set_hemoglobin_g_per_l(128);
    d->set_outcome(v1::DONATION_OUTCOME_DONATED);
    d->set_external_ref(ref);
    return request;
  }

  v1::Donation MustRecord(const v1::RecordDonationRequest& request) {
    v1::Donation out;
    const grpc::Status status = Call(stub(), &Stub::RecordDonation, request, &out);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    return out;
  }

  v1::CreateDeferralRequest DeferralRequest(absl::CivilDay start, int days,
                                            v1::DeferralCode code = v1::DEFERRAL_CODE_DENTAL_WORK) {
    v1::CreateDeferralRequest request;
    request.set_request_id(NewRequestId("deferral"));
    request.set_parent(donor_.name());
    v1::Deferral* d = request.mutable_deferral();
    d->set_code(code);
    *d->mutable_start_date() = ToDate(start);
    if (days == 0) {
      d->set_permanent(true);
    } else {
      *d->mutable_end_date() = ToDate(start + days);
    }
    d->set_note("при осмотре");
    return request;
  }

  v1::Deferral MustDefer(const v1::CreateDeferralRequest& request) {
    v1::Deferral out;
    const grpc::Status status = Call(stub(), &Stub::CreateDeferral, request, &out);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    return out;
  }

  v1::Deferral Lift(const std::string& name, const std::string& reason,
                    const std::string& request_id = NewRequestId("lift")) {
    v1::LiftDeferralRequest request;
    request.set_request_id(request_id);
    request.set_name(name);
    request.set_reason(reason);
    v1::Deferral out;
    const grpc::Status status = Call(stub(), &Stub::LiftDeferral, request, &out);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    return out;
  }

  std::vector<std::string> DeferralNames(bool include_lifted, int page_size = 0) {
    v1::ListDeferralsRequest request;
    request.set_parent(donor_.name());
    request.set_include_lifted(include_lifted);
    request.set_page_size(page_size);
    std::vector<std::string> names;
    for (int page = 0; page < 50; ++page) {
      v1::ListDeferralsResponse response;
      const grpc::Status status = Call(stub(), &Stub::ListDeferrals, request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (const v1::Deferral& d : response.deferrals()) names.push_back(d.name());
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return names;
  }

  v1::Donor donor_;
};

TEST_F(HistoryTest, RecordDonationReturnsItAndListsNewestFirstWithPages) {
  const absl::CivilDay today = TodayInAlmaty();
  // Recorded out of order on purpose.
  const v1::Donation middle = MustRecord(DonationRequest(today - 120, "booking-2"));
  const v1::Donation oldest = MustRecord(DonationRequest(today - 240, "booking-1"));
  const v1::Donation newest = MustRecord(DonationRequest(today, "booking-3"));
  EXPECT_THAT(newest.name(), ::testing::MatchesRegex(donor_.name() + "/donations/[a-z0-9]{1,32}"));
  EXPECT_EQ(newest.volume_ml(), 450);
  EXPECT_EQ(newest.external_ref(), "booking-3");
  EXPECT_GT(newest.create_time().seconds(), 0);

  const std::vector<std::string> expected = {newest.name(), middle.name(), oldest.name()};
  for (int page_size : {0, 1, 2, 3}) {
    SCOPED_TRACE(page_size);
    v1::ListDonationsRequest request;
    request.set_parent(donor_.name());
    request.set_page_size(page_size);
    std::vector<std::string> names;
    for (int page = 0; page < 10; ++page) {
      v1::ListDonationsResponse response;
      ASSERT_TRUE(Call(stub(), &Stub::ListDonations, request, &response).ok());
      if (page_size > 0) {
        EXPECT_LE(response.donations_size(), page_size);
      }
      for (const v1::Donation& d : response.donations()) names.push_back(d.name());
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    EXPECT_THAT(names, ElementsAreArray(expected));
  }
}

TEST_F(HistoryTest, RecordDonationIsIdempotentOnExternalRefAndRequestId) {
  const absl::CivilDay today = TodayInAlmaty();
  const v1::RecordDonationRequest first_request =
      DonationRequest(today - 1, "drives/d7/bookings/b9");
  const v1::Donation first = MustRecord(first_request);

  // A retry of the same request answers the same.
  EXPECT_EQ(MustRecord(first_request).SerializeAsString(), first.SerializeAsString());

  // A new request (new request_id) about the same booking: the first donation, nothing new.
  v1::RecordDonationRequest again = DonationRequest(today, "drives/d7/bookings/b9");
  again.mutable_donation()->set_volume_ml(300);
  const v1::Donation second = MustRecord(again);
  EXPECT_EQ(second.name(), first.name());
  EXPECT_EQ(second.volume_ml(), 450);

  // The same request_id with a different request is refused.
  v1::RecordDonationRequest reused = first_request;
  reused.mutable_donation()->set_volume_ml(200);
  v1::Donation out;
  const grpc::Status status = Call(stub(), &Stub::RecordDonation, reused, &out);
  EXPECT_TRUE(IsInvalidField(status, "request_id"));

  // Without external_ref every request is a new donation.
  MustRecord(DonationRequest(today - 100));
  MustRecord(DonationRequest(today - 100));
  v1::ListDonationsRequest list;
  list.set_parent(donor_.name());
  v1::ListDonationsResponse response;
  ASSERT_TRUE(Call(stub(), &Stub::ListDonations, list, &response).ok());
  EXPECT_EQ(response.donations_size(), 3);
}

TEST_F(HistoryTest, HistoryOfUnknownDonorIsNotFound) {
  v1::RecordDonationRequest record = DonationRequest(TodayInAlmaty());
  record.set_parent("donors/nosuchdonor");
  v1::Donation donation;
  EXPECT_TRUE(
      HasCode(Call(stub(), &Stub::RecordDonation, record, &donation), grpc::StatusCode::NOT_FOUND));
  v1::CreateDeferralRequest defer = DeferralRequest(TodayInAlmaty(), 7);
  defer.set_parent("donors/nosuchdonor");
  v1::Deferral deferral;
  EXPECT_TRUE(
      HasCode(Call(stub(), &Stub::CreateDeferral, defer, &deferral), grpc::StatusCode::NOT_FOUND));
  v1::ListDonationsRequest donations;
  donations.set_parent("donors/nosuchdonor");
  v1::ListDonationsResponse donations_out;
  EXPECT_TRUE(HasCode(Call(stub(), &Stub::ListDonations, donations, &donations_out),
                      grpc::StatusCode::NOT_FOUND));
  v1::ListDeferralsRequest deferrals;
  deferrals.set_parent("donors/nosuchdonor");
  v1::ListDeferralsResponse deferrals_out;
  EXPECT_TRUE(HasCode(Call(stub(), &Stub::ListDeferrals, deferrals, &deferrals_out),
                      grpc::StatusCode::NOT_FOUND));
  v1::GetDonorFactsRequest facts;
  facts.set_name("donors/nosuchdonor");
  v1::DonorFacts facts_out;
  EXPECT_TRUE(
      HasCode(Call(stub(), &Stub::GetDonorFacts, facts, &facts_out), grpc::StatusCode::NOT_FOUND));
  v1::LiftDeferralRequest lift;
  lift.set_request_id(NewRequestId());
  lift.set_name(donor_.name() + "/deferrals/nosuchdeferral");
  lift.set_reason("mistake");
  EXPECT_TRUE(
      HasCode(Call(stub(), &Stub::LiftDeferral, lift, &deferral), grpc::StatusCode::NOT_FOUND));
  // None of that created a key for the unknown donor.
  EXPECT_EQ(redis().Command({"KEYS", "*nosuchdonor*"}).value_or("?"), "[]");
}

TEST_F(HistoryTest, DeferralsCreateListLiftTwice) {
  const absl::CivilDay today = TodayInAlmaty();
  const v1::Deferral dental = MustDefer(DeferralRequest(today - 30, 7));
  const v1::Deferral tattoo =
      MustDefer(DeferralRequest(today - 10, 120, v1::DEFERRAL_CODE_TATTOO_OR_PIERCING));
  const v1::Deferral marker =
      MustDefer(DeferralRequest(today - 400, 0, v1::DEFERRAL_CODE_INFECTIOUS_DISEASE_MARKER));
  EXPECT_TRUE(marker.permanent());
  EXPECT_FALSE(marker.has_end_date());
  EXPECT_EQ(tattoo.note(), "при осмотре");
  EXPECT_FALSE(tattoo.has_lift_time());

  // Newest start first.
  EXPECT_THAT(DeferralNames(false), ElementsAre(tattoo.name(), dental.name(), marker.name()));
  EXPECT_THAT(DeferralNames(false, 1), ElementsAre(tattoo.name(), dental.name(), marker.name()));

  const v1::Deferral lifted = Lift(marker.name(), "reactive test was a lab error");
  EXPECT_TRUE(lifted.has_lift_time());
  EXPECT_EQ(lifted.lift_reason(), "reactive test was a lab error");
  EXPECT_EQ(lifted.name(), marker.name());

  // Lifting again (a new request) changes nothing: same lift time and reason.
  const v1::Deferral again = Lift(marker.name(), "another reason");
  EXPECT_EQ(again.lift_reason(), lifted.lift_reason());
  EXPECT_EQ(again.lift_time().seconds(), lifted.lift_time().seconds());
  EXPECT_EQ(again.lift_time().nanos(), lifted.lift_time().nanos());

  EXPECT_THAT(DeferralNames(false), ElementsAre(tattoo.name(), dental.name()));
  EXPECT_THAT(DeferralNames(true), ElementsAre(tattoo.name(), dental.name(), marker.name()));
  EXPECT_THAT(DeferralNames(true, 2), ElementsAre(tattoo.name(), dental.name(), marker.name()));
}

TEST_F(HistoryTest, CreateDeferralAndLiftAreIdempotentOnRequestId) {
  const v1::CreateDeferralRequest request = DeferralRequest(TodayInAlmaty(), 14);
  const v1::Deferral first = MustDefer(request);
  EXPECT_EQ(MustDefer(request).SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(DeferralNames(true).size(), 1u);

  const std::string lift_id = NewRequestId("lift");
  const v1::Deferral lifted = Lift(first.name(), "entered twice", lift_id);
  EXPECT_EQ(Lift(first.name(), "entered twice", lift_id).SerializeAsString(),
            lifted.SerializeAsString());

  v1::LiftDeferralRequest reused;
  reused.set_request_id(lift_id);
  reused.set_name(first.name());
  reused.set_reason("something else");
  v1::Deferral out;
  EXPECT_TRUE(IsInvalidField(Call(stub(), &Stub::LiftDeferral, reused, &out), "request_id"));
}

TEST_F(HistoryTest, DeferralIdempotentOnExternalRef) {
  v1::CreateDeferralRequest request = DeferralRequest(TodayInAlmaty(), 3);
  request.mutable_deferral()->set_external_ref("drives/d1/bookings/b5");
  const v1::Deferral first = MustDefer(request);
  request.set_request_id(NewRequestId("deferral"));
  EXPECT_EQ(MustDefer(request).name(), first.name());
  EXPECT_EQ(DeferralNames(true).size(), 1u);
}

TEST_F(HistoryTest, FactsHoldDonorWholeHistoryAndUnliftedDeferrals) {
  const absl::CivilDay today = TodayInAlmaty();
  v1::DonorFacts empty;
  v1::GetDonorFactsRequest request;
  request.set_name(donor_.name());
  ASSERT_TRUE(Call(stub(), &Stub::GetDonorFacts, request, &empty).ok());
  EXPECT_EQ(empty.donor().name(), donor_.name());
  EXPECT_EQ(empty.donor().etag(), donor_.etag());
  EXPECT_THAT(empty.donations(), IsEmpty());
  EXPECT_THAT(empty.deferrals(), IsEmpty());

  const v1::Donation older = MustRecord(DonationRequest(today - 200, "b-old"));
  const v1::Donation newer = MustRecord(DonationRequest(today - 60, "b-new"));
  const v1::Deferral past = MustDefer(DeferralRequest(today - 300, 30));
  const v1::Deferral current = MustDefer(DeferralRequest(today - 5, 60));
  const v1::Deferral mistaken = MustDefer(DeferralRequest(today - 2, 10));
  Lift(mistaken.name(), "recorded by mistake");

  v1::DonorFacts facts;
  ASSERT_TRUE(Call(stub(), &Stub::GetDonorFacts, request, &facts).ok());
  EXPECT_EQ(facts.donor().blood_group(), v1::BLOOD_GROUP_A_POSITIVE);
  ASSERT_EQ(facts.donations_size(), 2);
  EXPECT_EQ(facts.donations(0).name(), newer.name());
  EXPECT_EQ(facts.donations(1).name(), older.name());
  ASSERT_EQ(facts.deferrals_size(), 2);  // past ones included, lifted ones not
  EXPECT_EQ(facts.deferrals(0).name(), current.name());
  EXPECT_EQ(facts.deferrals(1).name(), past.name());
}

}  // namespace
}  // namespace blooddrive::testing
