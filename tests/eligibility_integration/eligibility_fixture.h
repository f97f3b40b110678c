// Shared pieces of the Eligibility integration tests: one real redis-server (with the services'
// ACL users), one real blooddrive-registry and one real blooddrive-eligibility per test binary,
// all with auth on. Donors, donations and deferrals are seeded through the registry's gRPC API;
// eligibility fetches them with its own service token, as in production.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "blooddrive/v1/eligibility.grpc.pb.h"
#include "blooddrive/v1/registry.grpc.pb.h"
#include "registry_fixture.h"

namespace blooddrive::testing {

using EligibilityStub = v1::Eligibility::Stub;

// The shipped packs (services/eligibility/packs), which the service of the fixture loads.
std::string ShippedPacksDir();

// An eligibility process on `packs_dir` (active pack kz-astana unless `flags` say otherwise),
// calling the registry at `registry_target` with a service token; its Channel() carries the
// admin token.
std::unique_ptr<ServiceProcess> NewEligibilityProcess(const std::string& packs_dir,
                                                      const std::string& registry_target,
                                                      std::vector<std::string> flags = {});

absl::CivilDay DayOf(const v1::Date& date);
std::string Show(const v1::Date& date);  // "2026-11-28", "(none)" when unset

// The first reason with `code`, or null.
const v1::EligibilityReason* FindReason(const v1::EligibilityDecision& decision,
                                        v1::EligibilityReasonCode code);
// The entry of next_eligible_dates for `type`, or null.
const v1::NextEligibleDate* NextFor(
    const google::protobuf::RepeatedPtrField<v1::NextEligibleDate>& dates, v1::DonationType type);

// Owns the processes of one test binary.
class EligibilityEnvironment {
 public:
  static EligibilityEnvironment& Get();
  void Start();

  RedisServer& redis() { return *redis_; }
  ServiceProcess& registry() { return *registry_; }
  ServiceProcess& eligibility() { return *eligibility_; }

 private:
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<ServiceProcess> registry_;
  std::unique_ptr<ServiceProcess> eligibility_;
};

class EligibilityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  // Stops the processes and removes their directories; the next suite of the binary starts anew.
  static void TearDownTestSuite();
  void SetUp() override;

  EligibilityEnvironment& env() { return EligibilityEnvironment::Get(); }
  v1::DonorRegistry::Stub& registry() { return *registry_; }
  EligibilityStub& eligibility() { return *eligibility_; }
  absl::CivilDay today() const { return today_; }

  // Registry writes that must succeed (they fail the test otherwise).
  v1::Donor MustCreate(const v1::Donor& donor);
  void MustDonate(const v1::Donor& donor, absl::CivilDay day, v1::DonationType type,
                  int hemoglobin = 0);
  v1::Deferral MustDefer(const v1::Donor& donor, v1::DeferralCode code, absl::CivilDay start,
                         absl::CivilDay end);

  // A Kazakh citizen with an IIN, `serial` making the IIN (and so the donor) unique.
  v1::Donor Kazakh(int serial, v1::BloodGroup group = v1::BLOOD_GROUP_A_POSITIVE,
                   const std::string& home_site = "sites/astana-central");

  v1::CheckEligibilityRequest ByName(const std::string& donor, absl::CivilDay day,
                                     v1::DonationType type = v1::DONATION_TYPE_WHOLE_BLOOD);
  // Inline facts of an adult Kazakh citizen with an IIN; first-time unless told otherwise.
  static v1::EligibilityFacts KazakhFacts(bool first_time = true);
  v1::CheckEligibilityRequest Inline(const v1::EligibilityFacts& facts, absl::CivilDay day,
                                     v1::DonationType type = v1::DONATION_TYPE_WHOLE_BLOOD);

  // CheckEligibility that must succeed.
  v1::EligibilityDecision MustCheck(const v1::CheckEligibilityRequest& request);

 private:
  std::unique_ptr<v1::DonorRegistry::Stub> registry_;
  std::unique_ptr<EligibilityStub> eligibility_;
  absl::CivilDay today_;
};

}  // namespace blooddrive::testing
