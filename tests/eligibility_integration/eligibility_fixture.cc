#include "eligibility_fixture.h"

#include <sys/stat.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace blooddrive::testing {
namespace {

constexpr char kAdminRedisPassword[] = "eligibility-itest-admin";

std::unique_ptr<EligibilityEnvironment>& EnvironmentSlot() {
  static auto* slot = new std::unique_ptr<EligibilityEnvironment>();
  return *slot;
}

}  // namespace

std::string ShippedPacksDir() { return PACKS_DIR; }

std::unique_ptr<ServiceProcess> NewEligibilityProcess(const std::string& packs_dir,
                                                      const std::string& registry_target,
                                                      std::vector<std::string> flags) {
  std::vector<std::string> all = {"--registry_target=" + registry_target,
                                  "--rule_packs_dir=" + packs_dir, "--rule_pack=kz-astana",
                                  FixtureCredentials().flag(),
                                  "--service_token_file=" + ServiceTokenFile("eligibility")};
  all.insert(all.end(), flags.begin(), flags.end());  // later flags win
  ServiceProcess::Options options;
  options.token = AdminToken();
  options.health_service = "blooddrive.v1.Eligibility";
  return std::make_unique<ServiceProcess>(ELIGIBILITY_BIN, std::move(all), options);
}

absl::CivilDay DayOf(const v1::Date& date) {
  return absl::CivilDay(date.year(), date.month(), date.day());
}

std::string Show(const v1::Date& date) {
  if (date.year() == 0) return "(none)";
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(), date.day());
}

const v1::EligibilityReason* FindReason(const v1::EligibilityDecision& decision,
                                        v1::EligibilityReasonCode code) {
  for (const v1::EligibilityReason& reason : decision.reasons()) {
    if (reason.code() == code) return &reason;
  }
  return nullptr;
}

const v1::NextEligibleDate* NextFor(
    const google::protobuf::RepeatedPtrField<v1::NextEligibleDate>& dates, v1::DonationType type) {
  for (const v1::NextEligibleDate& next : dates) {
    if (next.donation_type() == type) return &next;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------

EligibilityEnvironment& EligibilityEnvironment::Get() { return *EnvironmentSlot(); }

void EligibilityEnvironment::Start() {
  ServiceTokenFile("eligibility");
  redis_ = std::make_unique<RedisServer>(RedisServer::Options{
      .extra_config = RedisAclConfig(kAdminRedisPassword), .password = kAdminRedisPassword});
  ASSERT_OK(redis_->Start());
  std::vector<std::string> flags = RedisUserFlags("registry");
  flags.push_back(absl::StrCat("--redis=", redis_->address()));
  registry_ = NewRegistryProcess(std::move(flags));
  ASSERT_OK(registry_->Start());
  eligibility_ = NewEligibilityProcess(ShippedPacksDir(), registry_->target());
  ASSERT_OK(eligibility_->Start());
}

void EligibilityTest::SetUpTestSuite() {
  if (EnvironmentSlot() != nullptr) return;
  EnvironmentSlot() = std::make_unique<EligibilityEnvironment>();
  EnvironmentSlot()->Start();
}

void EligibilityTest::TearDownTestSuite() { EnvironmentSlot().reset(); }

void EligibilityTest::SetUp() {
  ASSERT_NE(EnvironmentSlot(), nullptr);
  EligibilityEnvironment& e = env();
  ASSERT_TRUE(e.registry().running()) << "registry did not start";
  ASSERT_TRUE(e.eligibility().running()) << "eligibility did not start";
  ASSERT_OK(e.redis().FlushAll());
  registry_ = v1::DonorRegistry::NewStub(e.registry().Channel());
  eligibility_ = v1::Eligibility::NewStub(e.eligibility().Channel());
  today_ = TodayInAlmaty();
}

v1::Donor EligibilityTest::MustCreate(const v1::Donor& donor) {
  v1::Donor created;
  const grpc::Status status = Call(registry(), &v1::DonorRegistry::Stub::CreateDonor,
                                   CreateRequest(donor), &created, absl::Seconds(10), true);
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  return created;
}

void EligibilityTest::MustDonate(const v1::Donor& donor, absl::CivilDay day, v1::DonationType type,
                                 int hemoglobin) {
  v1::RecordDonationRequest request;
  request.set_request_id(NewRequestId("donation"));
  request.set_parent(donor.name());
  v1::Donation* donation = request.mutable_donation();
  *donation->mutable_donation_date() = ToDate(day);
  donation->set_donation_type(type);
  donation->set_volume_ml(type == v1::DONATION_TYPE_WHOLE_BLOOD ? 450 : 600);
  donation->set_hemoglobin_g_per_l(hemoglobin);
  donation->set_outcome(v1::DONATION_OUTCOME_DONATED);
  donation->set_site("sites/astana-central");
  v1::Donation recorded;
  const grpc::Status status =
      Call(registry(), &v1::DonorRegistry::Stub::RecordDonation, request, &recorded);
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
}

v1::Deferral EligibilityTest::MustDefer(const v1::Donor& donor, v1::DeferralCode code,
                                        absl::CivilDay start, absl::CivilDay end) {
  v1::CreateDeferralRequest request;
  request.set_request_id(NewRequestId("deferral"));
  request.set_parent(donor.name());
  v1::Deferral* deferral = request.mutable_deferral();
  deferral->set_code(code);
  *deferral->mutable_start_date() = ToDate(start);
  *deferral->mutable_end_date() = ToDate(end);
  deferral->set_site("sites/astana-central");
  v1::Deferral created;
  const grpc::Status status =
      Call(registry(), &v1::DonorRegistry::Stub::CreateDeferral, request, &created);
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  return created;
}

v1::Donor EligibilityTest::Kazakh(int serial, v1::BloodGroup group, const std::string& home_site) {
  v1::Donor donor = KazakhDonor(serial);
  donor.set_blood_group(group);
  donor.set_home_site(home_site);
  return donor;
}

v1::CheckEligibilityRequest EligibilityTest::ByName(const std::string& donor, absl::CivilDay day,
                                                    v1::DonationType type) {
  v1::CheckEligibilityRequest request;
  request.set_donor(donor);
  request.set_donation_type(type);
  *request.mutable_date() = ToDate(day);
  return request;
}

v1::EligibilityFacts EligibilityTest::KazakhFacts(bool first_time) {
  v1::EligibilityFacts facts;
  *facts.mutable_birth_date() = ToDate(absl::CivilDay(1988, 2, 29));
  facts.set_sex(v1::SEX_MALE);
  facts.set_weight_kg(80);
  facts.set_latest_hemoglobin_g_per_l(150);
  facts.set_first_time(first_time);
  facts.set_citizenship("KZ");
  facts.set_blood_group(v1::BLOOD_GROUP_B_NEGATIVE);
  v1::IdentityDocument* iin = facts.add_documents();
  iin->set_type(v1::DOCUMENT_TYPE_IIN);
  iin->set_number(MakeIin(absl::CivilDay(1988, 2, 29), v1::SEX_MALE, 7));
  iin->set_issuing_country("KZ");
  return facts;
}

v1::CheckEligibilityRequest EligibilityTest::Inline(const v1::EligibilityFacts& facts,
                                                    absl::CivilDay day, v1::DonationType type) {
  v1::CheckEligibilityRequest request;
  *request.mutable_facts() = facts;
  request.set_donation_type(type);
  *request.mutable_date() = ToDate(day);
  return request;
}

v1::EligibilityDecision EligibilityTest::MustCheck(const v1::CheckEligibilityRequest& request) {
  v1::EligibilityDecision decision;
  const grpc::Status status =
      Call(eligibility(), &EligibilityStub::CheckEligibility, request, &decision);
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  return decision;
}

}  // namespace blooddrive::testing
