#include "registry_fixture.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "auth/client_credentials.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace blooddrive::testing {
namespace {

// Splits the harness's "[a,b,c]" rendering of an array reply. Keys and members in these tests
// never contain commas; binary values (protobuf bytes) are compared whole, never split.
std::vector<std::string> ArrayItems(const std::string& text) {
  if (text.size() < 2 || text == "[]") return {};
  return absl::StrSplit(text.substr(1, text.size() - 2), ',');
}

constexpr char kAdminRedisPassword[] = "test-admin-password";

std::unique_ptr<RegistryEnvironment>& EnvironmentSlot() {
  static auto* slot = new std::unique_ptr<RegistryEnvironment>();
  return *slot;
}

}  // namespace

TestCredentials& FixtureCredentials() {
  static auto* credentials = new TestCredentials();
  return *credentials;
}

const std::string& ServiceTokenFile(const std::string& principal) {
  static absl::Mutex mu(absl::kConstInit);
  static auto* files = new std::map<std::string, std::string>();
  absl::MutexLock lock(&mu);
  auto [it, inserted] = files->try_emplace(principal);
  if (inserted) {
    it->second = FixtureCredentials().dir() + "/" + principal + "-service.token";
    std::ofstream out(it->second);
    out << FixtureCredentials().Mint(principal, auth::ROLE_SERVICE) << "\n";
    out.close();
    chmod(it->second.c_str(), 0600);
  }
  return it->second;
}

const std::string& AdminToken() {
  static const auto* token =
      new std::string(FixtureCredentials().Mint("test-admin", auth::ROLE_ADMIN));
  return *token;
}

std::unique_ptr<ServiceProcess> NewRegistryProcess(std::vector<std::string> flags) {
  flags.push_back(FixtureCredentials().flag());
  ServiceProcess::Options options;
  options.token = AdminToken();
  return std::make_unique<ServiceProcess>(REGISTRY_BIN, std::move(flags), options);
}

std::shared_ptr<grpc::Channel> PrivateChannel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  return auth::NewTokenChannel(target, AdminToken(), grpc::InsecureChannelCredentials(), args);
}

std::string NewRequestId(const std::string& tag) {
  static std::atomic<int> counter{0};
  // The pid keeps ids unique across the test binaries that share nothing but this code.
  return absl::StrCat(tag, "-", getpid(), "-", counter.fetch_add(1));
}

std::string MakeIin(absl::CivilDay birth, v1::Sex sex, int serial) {
  const int century = static_cast<int>(birth.year()) / 100;  // 18, 19, 20
  const int century_sex = 2 * (century - 18) + (sex == v1::SEX_MALE ? 1 : 2);
  for (;; ++serial) {
    const std::string first = absl::StrCat(absl::Dec(birth.year() % 100, absl::kZeroPad2),
                                           absl::Dec(birth.month(), absl::kZeroPad2),
                                           absl::Dec(birth.day(), absl::kZeroPad2), century_sex,
                                           absl::Dec(serial % 10000, absl::kZeroPad4));
    auto weighted = [&](int offset) {
      int sum = 0;
      for (int i = 0; i < 11; ++i) sum += (first[i] - '0') * ((i + offset) % 11 + 1);
      return sum % 11;
    };
    int check = weighted(0);
    if (check == 10) check = weighted(2);
    if (check != 10) return absl::StrCat(first, check);
  }
}

std::string WithBadCheckDigit(const std::string& iin) {
  std::string bad = iin;
  bad[11] = static_cast<char>('0' + (iin[11] - '0' + 1) % 10);
  return bad;
}

v1::Date ToDate(absl::CivilDay day) {
  v1::Date date;
  date.set_year(static_cast<int>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

absl::CivilDay TodayInAlmaty() {
  absl::TimeZone zone;
  if (!absl::LoadTimeZone("Asia/Almaty", &zone)) zone = absl::UTCTimeZone();
  return absl::ToCivilDay(absl::Now(), zone);
}

v1::Donor KazakhDonor(int serial) {
  const absl::CivilDay birth(1990, 5, 14);
  v1::Donor donor;
  donor.set_given_name("Айгерим");
  donor.set_family_name("Серикова");
  donor.set_patronymic("Болатовна");
  *donor.mutable_birth_date() = ToDate(birth);
  donor.set_sex(v1::SEX_FEMALE);
  donor.set_weight_kg(62.5);
  donor.set_blood_group(v1::BLOOD_GROUP_A_POSITIVE);
  donor.set_phone("8 701 123 45 67");
  donor.set_preferred_language(v1::LANGUAGE_KAZAKH);
  donor.set_home_site("sites/astana-central");
  donor.set_citizenship("kz");
  v1::IdentityDocument* iin = donor.add_documents();
  iin->set_type(v1::DOCUMENT_TYPE_IIN);
  iin->set_number(MakeIin(birth, v1::SEX_FEMALE, serial));
  iin->set_issuing_country("KZ");
  return donor;
}

v1::Donor MigrantDonor(const std::string& passport) {
  v1::Donor donor;
  donor.set_given_name("Oybek");
  donor.set_family_name("Karimov");
  *donor.mutable_birth_date() = ToDate(absl::CivilDay(1995, 2, 28));
  donor.set_sex(v1::SEX_MALE);
  donor.set_blood_group(v1::BLOOD_GROUP_UNKNOWN);
  donor.set_phone("+998 90 123 45 67");
  donor.set_preferred_language(v1::LANGUAGE_UZBEK);
  donor.set_citizenship("UZ");
  v1::IdentityDocument* document = donor.add_documents();
  document->set_type(v1::DOCUMENT_TYPE_PASSPORT);
  document->set_number(passport);
  document->set_issuing_country("UZ");
  return donor;
}

v1::CreateDonorRequest CreateRequest(const v1::Donor& donor, const std::string& request_id) {
  v1::CreateDonorRequest request;
  request.set_request_id(request_id);
  *request.mutable_donor() = donor;
  return request;
}

std::string IdOf(const std::string& name) { return name.substr(name.rfind('/') + 1); }

::testing::AssertionResult IsInvalidField(const grpc::Status& status, const std::string& field) {
  if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT &&
      absl::StartsWith(status.error_message(), field + ":")) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "expected INVALID_ARGUMENT \"" << field << ": ...\", got code " << status.error_code()
         << " \"" << status.error_message() << "\"";
}

::testing::AssertionResult HasCode(const grpc::Status& status, grpc::StatusCode code) {
  if (status.error_code() == code) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected code " << code << ", got code " << status.error_code() << " \""
         << status.error_message() << "\"";
}

// ---------------------------------------------------------------------------------------------

RegistryEnvironment& RegistryEnvironment::Get() { return *EnvironmentSlot(); }

void RegistryEnvironment::Start() {
  // Redis as in production: the registry connects as its least-privilege ACL user, so every test
  // also proves it needs nothing beyond deploy/redis/service-acl.txt.
  redis_ = std::make_unique<RedisServer>(RedisServer::Options{
      .extra_config = RedisAclConfig(kAdminRedisPassword), .password = kAdminRedisPassword});
  ASSERT_OK(redis_->Start());
  std::vector<std::string> flags = RedisUserFlags("registry");
  flags.push_back(absl::StrCat("--redis=", redis_->address()));
  service_ = NewRegistryProcess(std::move(flags));
  ASSERT_OK(service_->Start());
  channel_ = service_->Channel();
}

std::string RegistryEnvironment::Snapshot() const {
  absl::StatusOr<std::string> keys = redis_->Command({"KEYS", "reg:*"});
  if (!keys.ok()) return absl::StrCat("KEYS failed: ", keys.status().ToString());
  std::vector<std::string> lines;
  for (const std::string& key : ArrayItems(*keys)) {
    if (key == "reg:audit") continue;
    const std::string type = redis_->Command({"TYPE", key}).value_or("?");
    std::string value;
    if (type == "string") {
      value = redis_->Command({"GET", key}).value_or("?");
    } else if (type == "hash") {
      value = redis_->Command({"HGETALL", key}).value_or("?");
    } else if (type == "zset") {
      value = redis_->Command({"ZRANGE", key, "0", "-1"}).value_or("?");
    } else {
      value = redis_->Command({"DUMP", key}).value_or("?");
    }
    lines.push_back(absl::StrCat(key, " ", type, " ", value));
  }
  std::sort(lines.begin(), lines.end());
  return absl::StrJoin(lines, "\n");
}

// ---------------------------------------------------------------------------------------------

void RegistryTest::SetUpTestSuite() {
  if (EnvironmentSlot() != nullptr) return;
  EnvironmentSlot() = std::make_unique<RegistryEnvironment>();
  EnvironmentSlot()->Start();
}

void RegistryTest::TearDownTestSuite() {
  if (EnvironmentSlot() == nullptr) return;
  EnvironmentSlot()->channel_.reset();
  EnvironmentSlot().reset();  // SIGTERM to the registry, then SIGKILL to redis-server
}

void RegistryTest::SetUp() {
  ASSERT_NE(EnvironmentSlot(), nullptr);
  RegistryEnvironment& env = RegistryEnvironment::Get();
  ASSERT_TRUE(env.service_ != nullptr && env.service_->running()) << "registry did not start";
  ASSERT_OK(env.redis().FlushAll());
  // The audit stream exists in any running registry; without it the first audited call of a test
  // would add a key, and tests that count keys to prove "nothing written" would see it.
  ASSERT_OK(env.redis().Command({"XADD", "reg:audit", "*", "event", "test-setup"}).status());
  stub_ = v1::DonorRegistry::NewStub(env.channel());
}

v1::Donor RegistryTest::MustCreate(const v1::Donor& donor) {
  v1::Donor created;
  const grpc::Status status = Call(stub(), &Stub::CreateDonor, CreateRequest(donor), &created);
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  return status.ok() ? created : v1::Donor();
}

v1::Donor RegistryTest::MustGet(const std::string& name) {
  v1::GetDonorRequest request;
  request.set_name(name);
  v1::Donor donor;
  const grpc::Status status = Call(stub(), &Stub::GetDonor, request, &donor);
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  return donor;
}

v1::Donor RegistryTest::MustUpdate(const v1::Donor& patch, const std::vector<std::string>& paths,
                                   const std::string& request_id) {
  v1::UpdateDonorRequest request;
  request.set_request_id(request_id);
  *request.mutable_donor() = patch;
  for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
  v1::Donor updated;
  const grpc::Status status = Call(stub(), &Stub::UpdateDonor, request, &updated);
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  return updated;
}

}  // namespace blooddrive::testing
