// Documents identify one donor, request ids make retries safe, and etags serialize writers, also
// when many clients race on separate connections.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "registry_fixture.h"

namespace blooddrive::testing {
namespace {

using ::testing::HasSubstr;

constexpr int kRacers = 50;

class ConcurrencyTest : public RegistryTest {
 protected:
  // Runs `call(i)` on kRacers threads, each with its own connection, released together.
  std::vector<grpc::Status> Race(int count,
                                 const std::function<grpc::Status(Stub& stub, int i)>& call) {
    std::vector<std::unique_ptr<Stub>> stubs;
    for (int i = 0; i < count; ++i) {
      auto channel = PrivateChannel(service().target());
      // Connect before the start line so the race is between requests, not handshakes.
      EXPECT_TRUE(channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(5))));
      stubs.push_back(v1::DonorRegistry::NewStub(channel));
    }
    std::vector<grpc::Status> results(count);
    absl::Barrier* start = new absl::Barrier(count);  // the last thread through deletes it
    std::vector<std::thread> threads;
    for (int i = 0; i < count; ++i) {
      threads.emplace_back([&, i] {
        if (start->Block()) delete start;
        results[i] = call(*stubs[i], i);
      });
    }
    for (std::thread& t : threads) t.join();
    return results;
  }

  int DonorCount() {
    v1::ListDonorsRequest request;
    request.set_page_size(500);
    v1::ListDonorsResponse response;
    const grpc::Status status = Call(stub(), &Stub::ListDonors, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.donors_size();
  }
};

TEST_F(ConcurrencyTest, SecondDonorWithRegisteredDocumentNamesTheOwner) {
  const v1::Donor first = MustCreate(MigrantDonor("AA1234567"));
  v1::Donor twin = MigrantDonor("aa-123 4567");  // the same passport, written differently
  twin.set_given_name("Другой");
  v1::Donor out;
  grpc::Status status = Call(stub(), &Stub::CreateDonor, CreateRequest(twin), &out);
  EXPECT_TRUE(HasCode(status, grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_THAT(status.error_message(), HasSubstr(first.name()));

  const v1::Donor kazakh = MustCreate(KazakhDonor());
  v1::Donor iin_twin = KazakhDonor();
  iin_twin.set_phone("");
  status = Call(stub(), &Stub::CreateDonor, CreateRequest(iin_twin), &out);
  EXPECT_TRUE(HasCode(status, grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_THAT(status.error_message(), HasSubstr(kazakh.name()));

  // Same passport number from another country is another document.
  v1::Donor tajik = MigrantDonor("AA1234567");
  tajik.mutable_documents(0)->set_issuing_country("TJ");
  MustCreate(tajik);
  EXPECT_EQ(DonorCount(), 3);
}

TEST_F(ConcurrencyTest, UpdateAddingAnotherDonorsDocumentIsAlreadyExists) {
  const v1::Donor owner = MustCreate(MigrantDonor("AA1234567"));
  const v1::Donor other = MustCreate(KazakhDonor());
  const std::string before = RegistryEnvironment::Get().Snapshot();

  v1::UpdateDonorRequest request;
  request.set_request_id(NewRequestId("steal"));
  request.mutable_donor()->set_name(other.name());
  *request.mutable_donor()->mutable_documents() = other.documents();
  *request.mutable_donor()->add_documents() = owner.documents(0);
  request.mutable_update_mask()->add_paths("documents");
  v1::Donor out;
  const grpc::Status status = Call(stub(), &Stub::UpdateDonor, request, &out);
  EXPECT_TRUE(HasCode(status, grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_THAT(status.error_message(), HasSubstr(owner.name()));
  EXPECT_EQ(RegistryEnvironment::Get().Snapshot(), before);
  EXPECT_EQ(MustGet(other.name()).documents_size(), 1);
}

TEST_F(ConcurrencyTest, CreateRetriedWithSameRequestIdReturnsTheFirstDonor) {
  const v1::CreateDonorRequest request = CreateRequest(MigrantDonor(), NewRequestId("retry"));
  v1::Donor first, second;
  ASSERT_TRUE(Call(stub(), &Stub::CreateDonor, request, &first).ok());
  const grpc::Status status = Call(stub(), &Stub::CreateDonor, request, &second);
  ASSERT_TRUE(status.ok()) << status.error_message();  // not ALREADY_EXISTS against itself
  EXPECT_EQ(second.name(), first.name());
  EXPECT_EQ(second.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(DonorCount(), 1);

  v1::CreateDonorRequest changed = request;
  changed.mutable_donor()->set_given_name("Someone Else");
  v1::Donor out;
  const grpc::Status reused = Call(stub(), &Stub::CreateDonor, changed, &out);
  EXPECT_TRUE(IsInvalidField(reused, "request_id"));
  EXPECT_EQ(DonorCount(), 1);

  // A request id belongs to one RPC: reusing it for another method is refused too.
  v1::UpdateSmsConsentRequest consent;
  consent.set_request_id(request.request_id());
  consent.set_donor(first.name());
  consent.set_channel(v1::CONSENT_CHANNEL_PORTAL);
  EXPECT_TRUE(IsInvalidField(Call(stub(), &Stub::UpdateSmsConsent, consent, &out), "request_id"));
}

TEST_F(ConcurrencyTest, UpdateRetriedAfterSuccessWithStaleEtagReturnsFirstResult) {
  const v1::Donor created = MustCreate(KazakhDonor());
  v1::UpdateDonorRequest request;
  request.set_request_id(NewRequestId("update-retry"));
  request.mutable_donor()->set_name(created.name());
  request.mutable_donor()->set_etag(created.etag());
  request.mutable_donor()->set_weight_kg(64);
  request.mutable_update_mask()->add_paths("weight_kg");
  v1::Donor first, second;
  ASSERT_TRUE(Call(stub(), &Stub::UpdateDonor, request, &first).ok());
  // The etag in the retry is stale now; the first outcome still comes back, not ABORTED.
  const grpc::Status status = Call(stub(), &Stub::UpdateDonor, request, &second);
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_EQ(second.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(MustGet(created.name()).etag(), first.etag());  // applied once
}

TEST_F(ConcurrencyTest, ConcurrentCreatesOfOnePassportExactlyOneWins) {
  const std::vector<grpc::Status> results = Race(kRacers, [](Stub& stub, int i) {
    v1::Donor donor = MigrantDonor("FA5550001");
    donor.set_given_name(absl::StrCat("Racer", i));
    v1::Donor out;
    const grpc::Status status =
        Call(stub, &Stub::CreateDonor, CreateRequest(donor, NewRequestId("race")), &out);
    return status.ok() ? grpc::Status(grpc::StatusCode::OK, out.name()) : status;
  });
  std::string winner;
  int ok = 0;
  for (const grpc::Status& s : results) {
    if (s.ok()) {
      ++ok;
      winner = s.error_message();
    }
  }
  ASSERT_EQ(ok, 1);
  for (const grpc::Status& s : results) {
    if (s.ok()) continue;
    EXPECT_TRUE(HasCode(s, grpc::StatusCode::ALREADY_EXISTS));
    EXPECT_THAT(s.error_message(), HasSubstr(winner));
  }
  EXPECT_EQ(DonorCount(), 1);
  v1::FindDonorsRequest find;
  *find.mutable_document() = MigrantDonor("FA5550001").documents(0);
  v1::FindDonorsResponse found;
  ASSERT_TRUE(Call(stub(), &Stub::FindDonors, find, &found).ok());
  ASSERT_EQ(found.donors_size(), 1);
  EXPECT_EQ(found.donors(0).name(), winner);
}

TEST_F(ConcurrencyTest, ConcurrentRetriesOfOneCreateAllGetTheSameDonor) {
  const v1::CreateDonorRequest request = CreateRequest(MigrantDonor(), NewRequestId("same"));
  const std::vector<grpc::Status> results = Race(20, [&](Stub& stub, int) {
    v1::Donor out;
    const grpc::Status status = Call(stub, &Stub::CreateDonor, request, &out);
    return status.ok() ? grpc::Status(grpc::StatusCode::OK, out.name()) : status;
  });
  for (const grpc::Status& s : results) {
    EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
    EXPECT_EQ(s.error_message(), results[0].error_message());
  }
  EXPECT_EQ(DonorCount(), 1);
}

TEST_F(ConcurrencyTest, ConcurrentUpdatesWithOneEtagExactlyOneWins) {
  const v1::Donor created = MustCreate(KazakhDonor());
  const std::vector<grpc::Status> results = Race(kRacers, [&](Stub& stub, int i) {
    v1::UpdateDonorRequest request;
    request.set_request_id(NewRequestId("etag-race"));
    request.mutable_donor()->set_name(created.name());
    request.mutable_donor()->set_etag(created.etag());
    request.mutable_donor()->set_weight_kg(50 + i);
    request.mutable_update_mask()->add_paths("weight_kg");
    v1::Donor out;
    return Call(stub, &Stub::UpdateDonor, request, &out);
  });
  int ok = 0;
  for (const grpc::Status& s : results) {
    if (s.ok()) {
      ++ok;
    } else {
      EXPECT_TRUE(HasCode(s, grpc::StatusCode::ABORTED));
    }
  }
  EXPECT_EQ(ok, 1);
  long long rev = 0;
  ASSERT_TRUE(absl::SimpleAtoi(MustGet(created.name()).etag(), &rev));
  EXPECT_EQ(rev, 2);
}

TEST_F(ConcurrencyTest, ConcurrentUpdatesWithoutEtagAllApply) {
  const v1::Donor created = MustCreate(KazakhDonor());
  const int count = kRacers;
  const std::vector<grpc::Status> results = Race(count, [&](Stub& stub, int i) {
    v1::UpdateDonorRequest request;
    request.set_request_id(NewRequestId("blind"));
    request.mutable_donor()->set_name(created.name());
    request.mutable_donor()->set_weight_kg(50 + i);
    request.mutable_update_mask()->add_paths("weight_kg");
    v1::Donor out;
    return Call(stub, &Stub::UpdateDonor, request, &out);
  });
  for (const grpc::Status& s : results) {
    EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  }
  long long rev = 0;
  ASSERT_TRUE(absl::SimpleAtoi(MustGet(created.name()).etag(), &rev));
  EXPECT_EQ(rev, 1 + count);  // the creation, then every update exactly once
}

TEST_F(ConcurrencyTest, ConcurrentDonationsWithOneExternalRefRecordOne) {
  const v1::Donor created = MustCreate(KazakhDonor());
  const std::vector<grpc::Status> results = Race(20, [&](Stub& stub, int) {
    v1::RecordDonationRequest request;
    request.set_request_id(NewRequestId("donation-race"));
    request.set_parent(created.name());
    v1::Donation* d = request.mutable_donation();
    *d->mutable_donation_date() = ToDate(TodayInAlmaty());
    d->set_donation_type(v1::DONATION_TYPE_PLASMA);
    d->set_volume_ml(600);
    d->set_outcome(v1::DONATION_OUTCOME_DONATED);
    d->set_external_ref("drives/d9/bookings/b1");
    v1::Donation out;
    const grpc::Status status = Call(stub, &Stub::RecordDonation, request, &out);
    return status.ok() ? grpc::Status(grpc::StatusCode::OK, out.name()) : status;
  });
  for (const grpc::Status& s : results) {
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(s.error_message(), results[0].error_message());
  }
  v1::ListDonationsRequest list;
  list.set_parent(created.name());
  v1::ListDonationsResponse listed;
  ASSERT_TRUE(Call(stub(), &Stub::ListDonations, list, &listed).ok());
  EXPECT_EQ(listed.donations_size(), 1);
}

}  // namespace
}  // namespace blooddrive::testing
