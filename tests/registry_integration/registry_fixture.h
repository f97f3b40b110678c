// Shared pieces of the DonorRegistry integration tests: one real redis-server and one real
// blooddrive-registry per test binary, typed call helpers, valid request builders and the Redis
// probes that prove "nothing written".
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "blooddrive/v1/registry.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "harness.h"
#include "security.h"

namespace blooddrive::testing {

namespace v1 = ::blooddrive::v1;
using Stub = v1::DonorRegistry::Stub;

// The credentials file every registry of these tests reads, and the admin token the tests' calls
// carry (auth is always on: see docs/security.md).
TestCredentials& FixtureCredentials();
const std::string& AdminToken();

// A file (mode 0600) holding a token of role "service" for `principal`, minted once in
// FixtureCredentials(): call it before the processes start, so their credentials know it.
const std::string& ServiceTokenFile(const std::string& principal);

// A registry process on `flags` plus the fixture's credentials, whose Channel() carries the admin
// token.
std::unique_ptr<ServiceProcess> NewRegistryProcess(std::vector<std::string> flags);

// A fresh channel with its own TCP connection (a local subchannel pool), for tests that want truly
// parallel clients rather than many streams on one connection. Carries the admin token.
std::shared_ptr<grpc::Channel> PrivateChannel(const std::string& target);

// A request id never used before in this process.
std::string NewRequestId(const std::string& tag = "r");

// A valid IIN for this birth date and sex: YYMMDD, century/sex digit, `serial` as 4 digits, check
// digit. Serials whose first check pass and second pass both give 10 are skipped upward.
std::string MakeIin(absl::CivilDay birth, v1::Sex sex, int serial);
// Same 11 first digits with a wrong 12th digit.
std::string WithBadCheckDigit(const std::string& iin);

v1::Date ToDate(absl::CivilDay day);
// Today in Asia/Almaty, the service's time zone (its "today" decides what is in the future).
absl::CivilDay TodayInAlmaty();

// A Kazakh donor with an IIN (Cyrillic names, phone written the local way: "8 701 ...").
v1::Donor KazakhDonor(int serial = 1);
// A labour migrant from Uzbekistan: Latin names, a +998 phone and only a passport.
v1::Donor MigrantDonor(const std::string& passport = "AA1234567");

v1::CreateDonorRequest CreateRequest(const v1::Donor& donor,
                                     const std::string& request_id = NewRequestId("create"));

// "donors/abc" -> "abc".
std::string IdOf(const std::string& name);

// INVALID_ARGUMENT whose message starts with "<field>:"; on failure says what came back instead.
::testing::AssertionResult IsInvalidField(const grpc::Status& status, const std::string& field);
::testing::AssertionResult HasCode(const grpc::Status& status, grpc::StatusCode code);

// Owns the redis-server and registry of one test binary. Tests use the RegistryTest fixture below.
class RegistryEnvironment {
 public:
  static RegistryEnvironment& Get();

  RedisServer& redis() { return *redis_; }
  ServiceProcess& service() { return *service_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }

  // Sorted "key" lines of every reg:* key with its type and contents, to compare before and after
  // requests that must not write anything. The audit stream (reg:audit), which records refused
  // calls too, is left out.
  std::string Snapshot() const;

 private:
  friend class RegistryTest;
  void Start();

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<ServiceProcess> service_;
  std::shared_ptr<grpc::Channel> channel_;
};

class RegistryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  RedisServer& redis() { return RegistryEnvironment::Get().redis(); }
  ServiceProcess& service() { return RegistryEnvironment::Get().service(); }
  Stub& stub() { return *stub_; }

  // CreateDonor that must succeed; fails the test (and returns an empty donor) otherwise.
  v1::Donor MustCreate(const v1::Donor& donor);
  v1::Donor MustGet(const std::string& name);
  v1::Donor MustUpdate(const v1::Donor& patch, const std::vector<std::string>& paths,
                       const std::string& request_id = NewRequestId("update"));

  std::unique_ptr<Stub> stub_;
};

}  // namespace blooddrive::testing
