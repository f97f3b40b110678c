// Redis failures under a running registry: killed, restarted empty of scripts, frozen. Calls must
// fail UNAVAILABLE promptly (never hang), health must follow Redis, and the same service process
// must recover on its own. Also graceful shutdown. Each test gets its own Redis and registry.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "registry_fixture.h"

namespace blooddrive::testing {
namespace {

using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;

constexpr absl::Duration kPrompt = absl::Seconds(3);
const char* const kServiceName = "blooddrive.v1.DonorRegistry";

class OutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Durable like the production profile, so a crash loses nothing that was acknowledged.
    redis_ = std::make_unique<RedisServer>(
        RedisServer::Options{.extra_config = {"appendonly yes", "appendfsync always"}});
    ASSERT_OK(redis_->Start());
    service_ = NewRegistryProcess(
        {absl::StrCat("--redis=", redis_->address()), "--health_interval=200ms"});
    ASSERT_OK(service_->Start());
    stub_ = v1::DonorRegistry::NewStub(service_->Channel());
  }

  Stub& stub() { return *stub_; }

  // Both health names the server registers.
  void ExpectHealth(HealthCheckResponse::ServingStatus expected) {
    for (const char* name : {"", kServiceName}) {
      EXPECT_OK(WaitForHealth(service_->Channel(), name, expected, absl::Seconds(5)));
    }
  }

  template <typename Request, typename Response>
  grpc::Status Timed(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                     const Request& request, absl::Duration* elapsed) {
    Response response;
    const absl::Time start = absl::Now();
    // A deadline well past kPrompt: a hang shows as a slow failure, not as DEADLINE_EXCEEDED.
    const grpc::Status status = Call(stub(), method, request, &response, absl::Seconds(15));
    *elapsed = absl::Now() - start;
    return status;
  }

  template <typename Request, typename Response>
  void ExpectUnavailable(const std::string& what,
                         grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                      Response*),
                         const Request& request) {
    absl::Duration elapsed;
    const grpc::Status status = Timed(method, request, &elapsed);
    EXPECT_TRUE(HasCode(status, grpc::StatusCode::UNAVAILABLE)) << what;
    EXPECT_LT(elapsed, kPrompt) << what;
  }

  v1::Donor MustCreate(const v1::CreateDonorRequest& request) {
    v1::Donor out;
    const grpc::Status status = Call(stub(), &Stub::CreateDonor, request, &out);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    return out;
  }

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<ServiceProcess> service_;
  std::unique_ptr<Stub> stub_;
};

TEST_F(OutageTest, RedisKilledMidTestThenRestartedOnSamePort) {
  const v1::CreateDonorRequest create = CreateRequest(KazakhDonor(), NewRequestId("before"));
  const v1::Donor donor = MustCreate(create);
  v1::CreateDeferralRequest defer;
  defer.set_request_id(NewRequestId("defer"));
  defer.set_parent(donor.name());
  defer.mutable_deferral()->set_code(v1::DEFERRAL_CODE_ACUTE_INFECTION);
  *defer.mutable_deferral()->mutable_start_date() = ToDate(TodayInAlmaty() - 3);
  *defer.mutable_deferral()->mutable_end_date() = ToDate(TodayInAlmaty() + 11);
  v1::Deferral deferral;
  ASSERT_TRUE(Call(stub(), &Stub::CreateDeferral, defer, &deferral).ok());

  redis_->Stop(SIGKILL);

  v1::GetDonorRequest get;
  get.set_name(donor.name());
  ExpectUnavailable("GetDonor", &Stub::GetDonor, get);
  ExpectUnavailable("CreateDonor", &Stub::CreateDonor,
                    CreateRequest(MigrantDonor(), NewRequestId("during")));
  v1::UpdateDonorRequest update;
  update.set_request_id(NewRequestId("update"));
  update.mutable_donor()->set_name(donor.name());
  update.mutable_donor()->set_weight_kg(66);
  update.mutable_update_mask()->add_paths("weight_kg");
  ExpectUnavailable("UpdateDonor", &Stub::UpdateDonor, update);
  v1::FindDonorsRequest find;
  find.set_name_prefix("сер");
  ExpectUnavailable("FindDonors", &Stub::FindDonors, find);
  ExpectUnavailable("ListDonors", &Stub::ListDonors, v1::ListDonorsRequest());
  v1::RecordDonationRequest record;
  record.set_request_id(NewRequestId("donation"));
  record.set_parent(donor.name());
  *record.mutable_donation()->mutable_donation_date() = ToDate(TodayInAlmaty());
  record.mutable_donation()->set_donation_type(v1::DONATION_TYPE_WHOLE_BLOOD);
  record.mutable_donation()->set_outcome(v1::DONATION_OUTCOME_DONATED);
  ExpectUnavailable("RecordDonation", &Stub::RecordDonation, record);
  v1::LiftDeferralRequest lift;
  lift.set_request_id(NewRequestId("lift"));
  lift.set_name(deferral.name());
  lift.set_reason("cleared by the doctor");
  ExpectUnavailable("LiftDeferral", &Stub::LiftDeferral, lift);
  v1::GetDonorFactsRequest facts;
  facts.set_name(donor.name());
  ExpectUnavailable("GetDonorFacts", &Stub::GetDonorFacts, facts);
  // Bad input is still answered without Redis.
  v1::Donor out;
  v1::CreateDonorRequest bad = CreateRequest(MigrantDonor());
  bad.mutable_donor()->set_phone("1");
  EXPECT_TRUE(IsInvalidField(Call(stub(), &Stub::CreateDonor, bad, &out), "donor.phone"));

  ExpectHealth(HealthCheckResponse::NOT_SERVING);
  ASSERT_TRUE(service_->running());

  ASSERT_OK(redis_->Start());
  ExpectHealth(HealthCheckResponse::SERVING);
  EXPECT_TRUE(service_->running());

  // Every call below runs once, with no retry: the first call after recovery must already work.
  // Data written before the crash is there (AOF with fsync always).
  v1::Donor fetched;
  grpc::Status status = Call(stub(), &Stub::GetDonor, get, &fetched);
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_EQ(fetched.etag(), donor.etag());
  // The restarted Redis has an empty script cache: EVALSHA gets NOSCRIPT and must reload.
  status =
      Call(stub(), &Stub::CreateDonor, CreateRequest(MigrantDonor(), NewRequestId("after")), &out);
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  status = Call(stub(), &Stub::UpdateDonor, update, &out);
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_EQ(out.weight_kg(), 66);
  v1::Donation donation;
  status = Call(stub(), &Stub::RecordDonation, record, &donation);
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  v1::Deferral lifted;
  status = Call(stub(), &Stub::LiftDeferral, lift, &lifted);
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_TRUE(lifted.has_lift_time());
  v1::DonorFacts donor_facts;
  ASSERT_TRUE(Call(stub(), &Stub::GetDonorFacts, facts, &donor_facts).ok());
  EXPECT_EQ(donor_facts.donations_size(), 1);
  EXPECT_EQ(donor_facts.deferrals_size(), 0);
  // The idempotency record of the pre-crash create survived too.
  v1::Donor replay;
  ASSERT_TRUE(Call(stub(), &Stub::CreateDonor, create, &replay).ok());
  EXPECT_EQ(replay.name(), donor.name());

  const std::string log = service_->ReadLog();
  EXPECT_THAT(log, HasSubstr("not serving"));
}

TEST_F(OutageTest, QuickRedisRestartLeavesNoDeadPooledConnections) {
  // Fill the service's connection pool: many calls at once each hold their own connection.
  std::vector<std::thread> callers;
  for (int i = 0; i < 16; ++i) {
    callers.emplace_back([&] {
      auto stub = v1::DonorRegistry::NewStub(PrivateChannel(service_->target()));
      v1::ListDonorsResponse out;
      for (int j = 0; j < 5; ++j) Call(*stub, &Stub::ListDonors, v1::ListDonorsRequest(), &out);
    });
  }
  for (std::thread& t : callers) t.join();

  // Back before the health probe could notice: every pooled connection is dead now.
  redis_->Stop(SIGKILL);
  ASSERT_OK(redis_->Start());
  ExpectHealth(HealthCheckResponse::SERVING);
  for (int i = 0; i < 20; ++i) {
    v1::ListDonorsResponse out;
    const grpc::Status status = Call(stub(), &Stub::ListDonors, v1::ListDonorsRequest(), &out);
    EXPECT_TRUE(status.ok()) << "call " << i << ": " << status.error_code() << " "
                             << status.error_message();
  }
}

TEST_F(OutageTest, ScriptCacheFlushedUnderTheServiceIsReloaded) {
  MustCreate(CreateRequest(MigrantDonor("SF0000001")));
  ASSERT_EQ(redis_->Command({"SCRIPT", "FLUSH"}).value_or("?"), "OK");
  const v1::Donor second = MustCreate(CreateRequest(MigrantDonor("SF0000002")));
  v1::RecordDonationRequest record;
  record.set_request_id(NewRequestId("donation"));
  record.set_parent(second.name());
  *record.mutable_donation()->mutable_donation_date() = ToDate(TodayInAlmaty());
  record.mutable_donation()->set_donation_type(v1::DONATION_TYPE_PLATELETS);
  record.mutable_donation()->set_outcome(v1::DONATION_OUTCOME_INCOMPLETE);
  v1::Donation donation;
  const grpc::Status status = Call(stub(), &Stub::RecordDonation, record, &donation);
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
}

TEST_F(OutageTest, RedisRestartedEmptyServesAgain) {
  // Without AOF a restart loses the data and the script cache; the service must not care.
  redis_ = std::make_unique<RedisServer>();
  ASSERT_OK(redis_->Start());
  service_ =
      NewRegistryProcess({absl::StrCat("--redis=", redis_->address()), "--health_interval=200ms"});
  ASSERT_OK(service_->Start());
  stub_ = v1::DonorRegistry::NewStub(service_->Channel());
  const v1::Donor before = MustCreate(CreateRequest(MigrantDonor()));

  redis_->Stop(SIGTERM);
  ExpectHealth(HealthCheckResponse::NOT_SERVING);
  ASSERT_OK(redis_->Start());
  ExpectHealth(HealthCheckResponse::SERVING);

  v1::GetDonorRequest get;
  get.set_name(before.name());
  v1::Donor out;
  EXPECT_TRUE(HasCode(Call(stub(), &Stub::GetDonor, get, &out), grpc::StatusCode::NOT_FOUND));
  MustCreate(CreateRequest(MigrantDonor()));  // the same passport is free again in the empty store
}

TEST_F(OutageTest, FrozenRedisTimesOutInsteadOfHanging) {
  const v1::CreateDonorRequest create = CreateRequest(MigrantDonor(), NewRequestId("frozen"));
  // Every command from every client waits while Redis is paused; the service's 2 s command
  // timeout must answer first.
  ASSERT_EQ(redis_->Command({"CLIENT", "PAUSE", "4000", "ALL"}).value_or("?"), "OK");
  ExpectUnavailable("CreateDonor", &Stub::CreateDonor, create);
  ExpectHealth(HealthCheckResponse::NOT_SERVING);
  ASSERT_EQ(redis_->Command({"CLIENT", "UNPAUSE"}).value_or("?"), "OK");
  ExpectHealth(HealthCheckResponse::SERVING);

  // The timed-out create may still have run once Redis woke up; retrying it with the same
  // request_id is safe either way and leaves exactly one donor.
  v1::Donor first = MustCreate(create);
  v1::Donor again = MustCreate(create);
  EXPECT_EQ(first.name(), again.name());
  v1::ListDonorsRequest list;
  v1::ListDonorsResponse listed;
  ASSERT_TRUE(Call(stub(), &Stub::ListDonors, list, &listed).ok());
  EXPECT_EQ(listed.donors_size(), 1);
}

TEST_F(OutageTest, SigtermExitsZero) {
  MustCreate(CreateRequest(KazakhDonor()));
  // Our connection stays open and idle: the server must not wait for idle peers to acknowledge
  // its GOAWAY (gRPC clients may take 5 s to), only for calls in flight, and there are none.
  const absl::Time start = absl::Now();
  EXPECT_EQ(service_->Stop(SIGTERM), 0);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2)) << service_->ReadLog();
  EXPECT_THAT(service_->ReadLog(), HasSubstr("stopped"));
}

TEST_F(OutageTest, SigtermWhileRedisIsDownExitsZero) {
  redis_->Stop(SIGKILL);
  ExpectHealth(HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(service_->Stop(SIGTERM), 0);
}

TEST_F(OutageTest, SigtermWaitsForTheCallInFlight) {
  // Redis holds the call's commands for a second, so the call is surely in its handler when
  // SIGTERM arrives; it must still complete and be stored.
  ASSERT_EQ(redis_->Command({"CLIENT", "PAUSE", "1000", "ALL"}).value_or("?"), "OK");
  grpc::Status status;
  v1::Donor created;
  std::thread caller([&] {
    auto stub = v1::DonorRegistry::NewStub(PrivateChannel(service_->target()));
    status = Call(*stub, &Stub::CreateDonor, CreateRequest(MigrantDonor()), &created);
  });
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(service_->Stop(SIGTERM), 0);
  caller.join();
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();

  ASSERT_OK(service_->Start());
  stub_ = v1::DonorRegistry::NewStub(service_->Channel());
  v1::GetDonorRequest get;
  get.set_name(created.name());
  v1::Donor fetched;
  EXPECT_TRUE(Call(stub(), &Stub::GetDonor, get, &fetched).ok());
}

TEST_F(OutageTest, SigtermLetsInFlightCallsFinish) {
  // Callers racing the shutdown get an answer, or a refusal (UNAVAILABLE; CANCELLED when gRPC had
  // already accepted the stream but no handler had picked it up), never a crash or a hang; the
  // process exits 0, and whatever was answered OK is stored.
  std::vector<std::thread> callers;
  std::vector<grpc::Status> results(8);
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&, i] {
      auto stub = v1::DonorRegistry::NewStub(PrivateChannel(service_->target()));
      v1::Donor out;
      results[i] =
          Call(*stub, &Stub::CreateDonor, CreateRequest(MigrantDonor(absl::StrCat("SD000000", i))),
               &out, absl::Seconds(10), /*wait_for_ready=*/false);
    });
  }
  absl::SleepFor(absl::Milliseconds(5));
  EXPECT_EQ(service_->Stop(SIGTERM), 0);
  for (std::thread& t : callers) t.join();
  int ok = 0;
  for (const grpc::Status& s : results) {
    EXPECT_TRUE(s.ok() || s.error_code() == grpc::StatusCode::UNAVAILABLE ||
                s.error_code() == grpc::StatusCode::CANCELLED)
        << s.error_code() << " " << s.error_message();
    ok += s.ok() ? 1 : 0;
  }
  // Every call answered OK was really written. (A refused one may have been too: its retry with
  // the same request_id would get that outcome.)
  ASSERT_OK(service_->Start());
  stub_ = v1::DonorRegistry::NewStub(service_->Channel());
  v1::ListDonorsResponse listed;
  ASSERT_TRUE(Call(stub(), &Stub::ListDonors, v1::ListDonorsRequest(), &listed).ok());
  EXPECT_GE(listed.donors_size(), ok);
}

}  // namespace
}  // namespace blooddrive::testing
