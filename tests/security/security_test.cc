// Security of the running services, through real gRPC: every role against every RPC of every
// server, missing/bad/revoked tokens, credentials reload, site scoping, the registry's Redis ACL
// user, the audit stream, TLS + mTLS, and no personal data in logs.
#include "security.h"

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "auth/client_credentials.h"
#include "auth/policy.h"
#include "blooddrive/v1/eligibility.pb.h"
#include "blooddrive/v1/registry.grpc.pb.h"
#include "blooddrive/v1/reminders.pb.h"
#include "blooddrive/v1/scheduling.pb.h"
#include "grpcpp/create_channel.h"
#include "harness.h"
#include "redis_client.h"

namespace blooddrive::testing {
namespace {

namespace pb = google::protobuf;
namespace v1 = ::blooddrive::v1;
using ::testing::HasSubstr;
using ::testing::Not;
using Stub = v1::DonorRegistry::Stub;

constexpr char kAdminRedisPassword[] = "security-admin-password";
constexpr char kHomeSite[] = "sites/astana-old-town";
constexpr char kOtherSite[] = "sites/almaty-central";

// The servers under test. Adding a server is one line: its binary, its Redis ACL user ("" when it
// uses no Redis), the services it serves and any flags of its own ({registry} stands for the
// registry's address, {service_token_file} for a file holding a service-role token); the role x
// RPC walk then covers every method of those services. Servers start in this order.
struct ServerUnderTest {
  std::string name;
  std::string binary;
  std::string redis_user;
  std::vector<std::string> services;
  std::vector<std::string> flags;
};
const std::vector<ServerUnderTest>& Servers() {
  static const auto* servers = new std::vector<ServerUnderTest>{
      {"registry", REGISTRY_BIN, "registry", {"blooddrive.v1.DonorRegistry"}, {}},
      {"eligibility",
       ELIGIBILITY_BIN,
       "",
       {"blooddrive.v1.Eligibility"},
       {"--registry_target={registry}", "--service_token_file={service_token_file}"}},
      {"scheduling",
       SCHEDULING_BIN,
       "scheduling",
       {"blooddrive.v1.DriveScheduling"},
       {"--eligibility_target={eligibility}", "--service_token_file={service_token_file}"}},
      // Reminders' own calls to scheduling and eligibility go nowhere: they fail UNAVAILABLE.
      {"reminders",
       REMINDERS_BIN,
       "reminders",
       {"blooddrive.v1.ReminderFeed"},
       {"--registry_target={registry}", "--service_token_file={service_token_file}",
        "--scheduling_target=127.0.0.1:1", "--eligibility_target=127.0.0.1:1"}},
  };
  return *servers;
}

const std::map<auth::Role, std::string>& RolePrincipals() {
  static const auto* principals =
      new std::map<auth::Role, std::string>{{auth::ROLE_COORDINATOR, "coordinator-astana"},
                                            {auth::ROLE_CLINIC, "clinic-old-town"},
                                            {auth::ROLE_SMS_GATEWAY, "gateway-1"},
                                            {auth::ROLE_PORTAL, "portal"},
                                            {auth::ROLE_SERVICE, "scheduling"},
                                            {auth::ROLE_ADMIN, "ops-admin"}};
  return *principals;
}

// One redis-server (with the services' ACL users) and every server of Servers() for the binary.
class Environment {
 public:
  static Environment& Get() {
    static auto* env = new Environment();
    return *env;
  }

  TestCredentials& credentials() { return credentials_; }
  RedisServer& redis() { return *redis_; }
  const std::string& token(auth::Role role) { return tokens_.at(role); }
  const std::string& revoked_token() const { return revoked_token_; }
  ServiceProcess& server(const std::string& name) { return *servers_.at(name); }

 private:
  Environment() {
    for (const auto& [role, principal] : RolePrincipals()) {
      tokens_[role] =
          credentials_.Mint(principal, role, role == auth::ROLE_COORDINATOR ? "kz-astana" : "",
                            role == auth::ROLE_COORDINATOR || role == auth::ROLE_CLINIC
                                ? std::vector<std::string>{kHomeSite}
                                : std::vector<std::string>{});
    }
    revoked_token_ = credentials_.Mint("former-clinic", auth::ROLE_CLINIC, "", {kHomeSite});
    credentials_.Revoke("former-clinic");
    redis_ = std::make_unique<RedisServer>(RedisServer::Options{
        .extra_config = RedisAclConfig(kAdminRedisPassword), .password = kAdminRedisPassword});
    EXPECT_OK(redis_->Start());
    const std::string service_token_file = credentials_.dir() + "/service.token";
    {
      std::ofstream out(service_token_file);
      out << credentials_.Mint("test-service", auth::ROLE_SERVICE) << "\n";
    }
    chmod(service_token_file.c_str(), 0600);
    for (const ServerUnderTest& server : Servers()) {
      std::vector<std::string> flags = {credentials_.flag()};
      if (!server.redis_user.empty()) {
        flags = RedisUserFlags(server.redis_user);
        flags.push_back("--redis=" + redis_->address());
        flags.push_back(credentials_.flag());
      }
      for (const std::string& flag : server.flags) {
        std::string value = absl::StrReplaceAll(
            flag,
            {{"{service_token_file}", service_token_file},
             {"{registry}",
              servers_.contains("registry") ? servers_["registry"]->target() : std::string()},
             {"{eligibility}", servers_.contains("eligibility") ? servers_["eligibility"]->target()
                                                                : std::string()}});
        flags.push_back(std::move(value));
      }
      ServiceProcess::Options options;
      options.token = tokens_.at(auth::ROLE_ADMIN);
      auto process = std::make_unique<ServiceProcess>(server.binary, flags, options);
      EXPECT_OK(process->Start());
      servers_[server.name] = std::move(process);
    }
  }

  TestCredentials credentials_;
  std::map<auth::Role, std::string> tokens_;
  std::string revoked_token_;
  std::unique_ptr<RedisServer> redis_;
  std::map<std::string, std::unique_ptr<ServiceProcess>> servers_;
};

// Calls any method (unary or streaming) with one request message (empty: all defaults) through
// a generic stub, and returns the final status.
grpc::Status CallRaw(const std::shared_ptr<grpc::Channel>& channel, const std::string& path,
                     const std::string& token, const std::string& request_bytes = "") {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  context.set_wait_for_ready(true);
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  grpc::CompletionQueue cq;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, path, &cq);
  void* tag = nullptr;
  bool ok = false;
  auto await = [&] { return cq.Next(&tag, &ok) && ok; };
  call->StartCall(&cq);
  if (await()) {
    grpc::Slice slice(request_bytes);
    call->Write(grpc::ByteBuffer(&slice, 1), &cq);
    if (await()) {
      call->WritesDone(&cq);
      await();
    }
    grpc::ByteBuffer response;
    while (true) {
      call->Read(&response, &cq);
      if (!await()) break;
    }
  }
  grpc::Status status;
  call->Finish(&status, &cq);
  await();
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return status;
}

std::vector<const pb::MethodDescriptor*> MethodsOf(const ServerUnderTest& server) {
  // The generated pool holds a .proto's services only when the linker kept its generated code,
  // which it drops for a contract this binary has no stub of: touch one message of each.
  static const pb::FileDescriptor* const kContracts[] = {
      v1::Donor::descriptor()->file(), v1::CheckEligibilityRequest::descriptor()->file(),
      v1::OutboundMessage::descriptor()->file(), v1::Drive::descriptor()->file()};
  (void)kContracts;
  std::vector<const pb::MethodDescriptor*> methods;
  for (const std::string& name : server.services) {
    const pb::ServiceDescriptor* service =
        pb::DescriptorPool::generated_pool()->FindServiceByName(name);
    EXPECT_NE(service, nullptr) << name;
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) methods.push_back(service->method(i));
  }
  return methods;
}

std::string PathOf(const pb::MethodDescriptor* method) {
  return absl::StrCat("/", method->service()->full_name(), "/", method->name());
}

class SecurityTest : public ::testing::Test {
 protected:
  Environment& env() { return Environment::Get(); }
  ServiceProcess& registry() { return env().server("registry"); }
  std::shared_ptr<grpc::Channel> Plain(const ServiceProcess& process) {
    return LoopbackChannel(process.target());
  }
  std::unique_ptr<Stub> RegistryAs(auth::Role role) {
    return v1::DonorRegistry::NewStub(auth::NewTokenChannel(registry().target(), env().token(role),
                                                            grpc::InsecureChannelCredentials()));
  }
};

template <typename Request, typename Response>
grpc::Status Call(Stub& stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  const Request& request, Response* response) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  context.set_wait_for_ready(true);
  return (stub.*method)(&context, request, response);
}

std::string NewRequestId() {
  static int counter = 0;
  return absl::StrCat("sec-", getpid(), "-", counter++);
}

v1::Donor KazakhDonor() {
  v1::Donor donor;
  donor.set_given_name("Гульнара");
  donor.set_family_name("Жаксыбекова");
  donor.set_patronymic("Ерлановна");
  donor.mutable_birth_date()->set_year(1990);
  donor.mutable_birth_date()->set_month(5);
  donor.mutable_birth_date()->set_day(14);
  donor.set_sex(v1::SEX_FEMALE);
  donor.set_blood_group(v1::BLOOD_GROUP_A_POSITIVE);
  donor.set_phone("8 701 987 65 43");
  donor.set_preferred_language(v1::LANGUAGE_KAZAKH);
  donor.set_home_site(kHomeSite);
  v1::IdentityDocument* passport = donor.add_documents();
  passport->set_type(v1::DOCUMENT_TYPE_PASSPORT);
  passport->set_issuing_country("KZ");
  passport->set_number("N98765432");
  return donor;
}

v1::Donor MigrantDonor(const std::string& number = "400123987") {
  v1::Donor donor;
  donor.set_given_name("Shahzoda");
  donor.set_family_name("Rahmonova");
  donor.mutable_birth_date()->set_year(1997);
  donor.mutable_birth_date()->set_month(3);
  donor.mutable_birth_date()->set_day(2);
  donor.set_sex(v1::SEX_FEMALE);
  donor.set_blood_group(v1::BLOOD_GROUP_O_NEGATIVE);
  donor.set_phone("+992 93 555 44 33");
  donor.set_preferred_language(v1::LANGUAGE_TAJIK);
  donor.set_citizenship("TJ");
  v1::IdentityDocument* passport = donor.add_documents();
  passport->set_type(v1::DOCUMENT_TYPE_PASSPORT);
  passport->set_issuing_country("TJ");
  passport->set_number(number);
  return donor;
}

v1::Donor MustCreate(Stub& stub, const v1::Donor& donor) {
  v1::CreateDonorRequest request;
  request.set_request_id(NewRequestId());
  *request.mutable_donor() = donor;
  v1::Donor created;
  const grpc::Status status = Call(stub, &Stub::CreateDonor, request, &created);
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  return created;
}

// ------------------------------------------------------------------------------ role x RPC

TEST_F(SecurityTest, EveryRoleAgainstEveryRpcOfEveryServer) {
  int checked = 0;
  for (const ServerUnderTest& server : Servers()) {
    const auto channel = Plain(env().server(server.name));
    for (const pb::MethodDescriptor* method : MethodsOf(server)) {
      const std::string path = PathOf(method);
      const auth::MethodPolicy* policy = auth::FindPolicy(path);
      ASSERT_NE(policy, nullptr) << path;
      for (const auto& [role, principal] : RolePrincipals()) {
        const grpc::Status status = CallRaw(channel, path, env().token(role));
        if (policy->Allows(role)) {
          EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
              << path << " as " << principal << ": " << status.error_message();
          EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << path;
        } else {
          EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
              << path << " as " << principal << " (a handler without auth::Authorize?): code "
              << status.error_code() << " " << status.error_message();
        }
        ++checked;
      }
      for (const std::string& token :
           {std::string(), std::string("not-a-token"), env().revoked_token()}) {
        const grpc::Status status = CallRaw(channel, path, token);
        EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
            << path << " with token '" << token << "': code " << status.error_code();
      }
    }
  }
  EXPECT_GT(checked, 0);
}

TEST_F(SecurityTest, HealthAndReflectionNeedNoToken) {
  for (const ServerUnderTest& server : Servers()) {
    for (const std::string& service : server.services) {
      EXPECT_OK(WaitForHealth(Plain(env().server(server.name)), service));
    }
  }
}

TEST_F(SecurityTest, RevokedTokenIsRefusedAfterSighup) {
  const std::string token = env().credentials().Mint("temp-portal", auth::ROLE_PORTAL);
  const std::string path = "/blooddrive.v1.DonorRegistry/GetDonor";
  // Minted after the server started: unknown until it reloads.
  EXPECT_EQ(CallRaw(Plain(registry()), path, token).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  registry().Signal(SIGHUP);
  auto wait_for = [&](grpc::StatusCode code) {
    grpc::Status status;
    for (int i = 0; i < 100; ++i) {
      status = CallRaw(Plain(registry()), path, token);
      if (status.error_code() == code) break;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return status.error_code();
  };
  EXPECT_EQ(wait_for(grpc::StatusCode::INVALID_ARGUMENT), grpc::StatusCode::INVALID_ARGUMENT);
  env().credentials().Revoke("temp-portal");
  registry().Signal(SIGHUP);
  EXPECT_EQ(wait_for(grpc::StatusCode::UNAUTHENTICATED), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(SecurityTest, ReloadOfAnUnsafeFileKeepsTheOldCredentials) {
  ASSERT_EQ(chmod(env().credentials().path().c_str(), 0644), 0);
  registry().Signal(SIGHUP);
  for (int i = 0;
       i < 100 && registry().ReadLog().find("credentials not reloaded") == std::string::npos; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(chmod(env().credentials().path().c_str(), 0600), 0);
  EXPECT_THAT(registry().ReadLog(), HasSubstr("credentials not reloaded"));
  EXPECT_EQ(CallRaw(Plain(registry()), "/blooddrive.v1.DonorRegistry/GetDonor",
                    env().token(auth::ROLE_ADMIN))
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(SecurityTest, RefusesToStartWithoutSafeCredentials) {
  ServiceProcess none(REGISTRY_BIN, {"--redis=" + env().redis().address()});
  absl::Status status = none.Start();
  EXPECT_THAT(std::string(status.message()), HasSubstr("exited with code 2"));
  EXPECT_THAT(none.ReadLog(), HasSubstr("--credentials_file is required"));

  TestCredentials loose;
  loose.Mint("a", auth::ROLE_ADMIN);
  ASSERT_EQ(chmod(loose.path().c_str(), 0604), 0);
  ServiceProcess open(REGISTRY_BIN, {"--redis=" + env().redis().address(), loose.flag()});
  status = open.Start();
  EXPECT_THAT(std::string(status.message()), HasSubstr("exited with code 2"));
  EXPECT_THAT(open.ReadLog(), HasSubstr("accessible by group or others"));
}

// ------------------------------------------------------------------------------ site scope

TEST_F(SecurityTest, ClinicRecordsOnlyAtItsSites) {
  auto admin = RegistryAs(auth::ROLE_ADMIN);
  const v1::Donor donor = MustCreate(*admin, MigrantDonor());
  auto clinic = RegistryAs(auth::ROLE_CLINIC);
  auto record = [&](const std::string& site) {
    v1::RecordDonationRequest request;
    request.set_request_id(NewRequestId());
    request.set_parent(donor.name());
    v1::Donation* donation = request.mutable_donation();
    const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) - 1;
    donation->mutable_donation_date()->set_year(static_cast<int>(today.year()));
    donation->mutable_donation_date()->set_month(today.month());
    donation->mutable_donation_date()->set_day(today.day());
    donation->set_donation_type(v1::DONATION_TYPE_WHOLE_BLOOD);
    donation->set_volume_ml(450);
    donation->set_outcome(v1::DONATION_OUTCOME_DONATED);
    donation->set_site(site);
    v1::Donation out;
    return Call(*clinic, &Stub::RecordDonation, request, &out);
  };
  EXPECT_TRUE(record(kHomeSite).ok()) << record(kHomeSite).error_message();
  EXPECT_EQ(record(kOtherSite).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(record("").error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(SecurityTest, CoordinatorListsItsSitesAndNoBulkReadsForPortal) {
  auto coordinator = RegistryAs(auth::ROLE_COORDINATOR);
  v1::ListDonorsRequest list;
  v1::ListDonorsResponse listed;
  list.set_home_site(kHomeSite);
  EXPECT_TRUE(Call(*coordinator, &Stub::ListDonors, list, &listed).ok());
  list.set_home_site(kOtherSite);
  EXPECT_EQ(Call(*coordinator, &Stub::ListDonors, list, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  v1::FindDonorsRequest by_name;
  by_name.set_name_prefix("ra");
  v1::FindDonorsResponse found;
  EXPECT_TRUE(Call(*coordinator, &Stub::FindDonors, by_name, &found).ok());
  for (auth::Role role : {auth::ROLE_PORTAL, auth::ROLE_CLINIC}) {
    auto stub = RegistryAs(role);
    EXPECT_EQ(Call(*stub, &Stub::FindDonors, by_name, &found).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    v1::FindDonorsRequest by_phone;
    by_phone.set_phone("+992 93 000 00 01");
    EXPECT_TRUE(Call(*stub, &Stub::FindDonors, by_phone, &found).ok());
  }
}

// ------------------------------------------------------------------------------ Redis ACL

TEST_F(SecurityTest, RegistryRedisUserIsConfinedToItsKeys) {
  platform::RedisConfig config;
  config.port = env().redis().port();
  config.user = "registry";
  config.password = TestRedisPassword("registry");
  platform::RedisClient redis(config);
  EXPECT_OK(redis.Ping());
  EXPECT_OK(redis.Command({"SET", "reg:acl-probe", "1"}).status());
  EXPECT_OK(redis.Command({"DEL", "reg:acl-probe"}).status());
  for (const std::vector<std::string>& command :
       std::vector<std::vector<std::string>>{{"SET", "sch:x", "1"},
                                             {"GET", "rem:x"},
                                             {"XADD", "sch:audit", "*", "a", "b"},
                                             {"FLUSHALL"},
                                             {"KEYS", "*"},
                                             {"SCAN", "0"},
                                             {"CONFIG", "GET", "dir"},
                                             {"EVAL", "return 1", "0"},
                                             {"SCRIPT", "FLUSH"},
                                             {"ACL", "LIST"}}) {
    const absl::Status status = redis.Command(command).status();
    EXPECT_THAT(std::string(status.message()), HasSubstr("NOPERM")) << command[0];
  }
  // A script reaching outside reg:* is refused too: scripts run with the caller's rights.
  const platform::LuaScript escape{"escape", "return redis.call('SET', KEYS[1], '1')"};
  EXPECT_THAT(std::string(redis.RunScript(escape, {"sch:x"}, {}).status().message()),
              HasSubstr("NOPERM"));
}

// ------------------------------------------------------------------------------ audit

std::string AuditDump(RedisServer& redis) {
  return redis.Command({"XRANGE", "reg:audit", "-", "+"}).value_or("?");
}

// Entries are written just after the answer: wait for `needle` to appear.
std::string WaitForAudit(RedisServer& redis, const std::string& needle) {
  std::string dump;
  for (int i = 0; i < 100; ++i) {
    dump = AuditDump(redis);
    if (dump.find(needle) != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return dump;
}

TEST_F(SecurityTest, MutatingCallsAreAuditedWithoutPersonalData) {
  auto admin = RegistryAs(auth::ROLE_ADMIN);
  const v1::Donor donor = MustCreate(*admin, KazakhDonor());
  ASSERT_FALSE(donor.name().empty());
  std::string dump = WaitForAudit(env().redis(), donor.name());
  EXPECT_THAT(dump, HasSubstr(absl::StrCat("principal,ops-admin,role,admin,method,/blooddrive.v1."
                                           "DonorRegistry/CreateDonor,resource,",
                                           donor.name())));

  // Refused: a portal may not update donors; unauthenticated callers are recorded as "-".
  v1::UpdateDonorRequest update;
  update.set_request_id("sec-audit-update");
  update.mutable_donor()->set_name(donor.name());
  update.mutable_donor()->set_phone("+7 702 000 11 22");
  update.mutable_update_mask()->add_paths("phone");
  v1::Donor out;
  auto portal = RegistryAs(auth::ROLE_PORTAL);
  EXPECT_EQ(Call(*portal, &Stub::UpdateDonor, update, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  dump = WaitForAudit(env().redis(), "sec-audit-update");
  EXPECT_THAT(dump, HasSubstr(absl::StrCat("principal,portal,role,portal,method,/blooddrive.v1."
                                           "DonorRegistry/UpdateDonor,resource,",
                                           donor.name(),
                                           ",request_id,sec-audit-update,code,"
                                           "PERMISSION_DENIED")));
  auto anonymous = v1::DonorRegistry::NewStub(Plain(registry()));
  update.set_request_id("sec-audit-anonymous");
  EXPECT_EQ(Call(*anonymous, &Stub::UpdateDonor, update, &out).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  dump = WaitForAudit(env().redis(), "sec-audit-anonymous");
  EXPECT_THAT(dump,
              HasSubstr("principal,-,role,-,method,/blooddrive.v1.DonorRegistry/UpdateDonor"));

  // Reads are not audited.
  v1::GetDonorRequest get;
  get.set_name(donor.name());
  ASSERT_TRUE(Call(*admin, &Stub::GetDonor, get, &out).ok());
  EXPECT_THAT(AuditDump(env().redis()), Not(HasSubstr("GetDonor")));
  // Ids and codes only.
  for (const char* personal :
       {"Гульнара", "Жаксыбекова", "987 65 43", "77019876543", "N98765432", "77020001122"}) {
    EXPECT_THAT(dump, Not(HasSubstr(personal)));
  }
}

// ------------------------------------------------------------------------------ no leaks

TEST_F(SecurityTest, ServiceLogCarriesNoNamesPhonesOrDocuments) {
  auto admin = RegistryAs(auth::ROLE_ADMIN);
  auto clinic = RegistryAs(auth::ROLE_CLINIC);
  auto portal = RegistryAs(auth::ROLE_PORTAL);
  v1::Donor kazakh = KazakhDonor();
  kazakh.mutable_documents(0)->set_number("N55501234");
  kazakh.set_phone("8 707 444 22 11");
  const v1::Donor migrant = MigrantDonor();
  v1::Donor migrant_copy = migrant;
  migrant_copy.mutable_documents(0)->set_number("400555777");
  migrant_copy.set_phone("+992 93 777 66 55");
  const v1::Donor a = MustCreate(*admin, kazakh);
  const v1::Donor b = MustCreate(*clinic, migrant_copy);

  // Errors: a taken document, a bad phone, a bad document, a wrong IIN, a stale etag.
  v1::CreateDonorRequest create;
  create.set_request_id(NewRequestId());
  *create.mutable_donor() = kazakh;
  v1::Donor out;
  EXPECT_EQ(Call(*admin, &Stub::CreateDonor, create, &out).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  create.set_request_id(NewRequestId());
  create.mutable_donor()->set_phone("8 707 444 22 1x");
  EXPECT_EQ(Call(*admin, &Stub::CreateDonor, create, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  create.set_request_id(NewRequestId());
  create.mutable_donor()->set_phone("8 707 444 22 11");
  create.mutable_donor()->mutable_documents(0)->set_number("N55501234!");
  EXPECT_EQ(Call(*admin, &Stub::CreateDonor, create, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  create.set_request_id(NewRequestId());
  create.mutable_donor()->mutable_documents(0)->set_type(v1::DOCUMENT_TYPE_IIN);
  create.mutable_donor()->mutable_documents(0)->set_number("901314300123");
  EXPECT_EQ(Call(*admin, &Stub::CreateDonor, create, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::UpdateDonorRequest update;
  update.set_request_id(NewRequestId());
  *update.mutable_donor() = a;
  update.mutable_donor()->set_etag("999");
  update.mutable_donor()->set_phone("8 707 444 22 12");
  update.mutable_update_mask()->add_paths("phone");
  EXPECT_EQ(Call(*admin, &Stub::UpdateDonor, update, &out).error_code(), grpc::StatusCode::ABORTED);
  update.set_request_id(NewRequestId());
  update.mutable_donor()->clear_etag();
  EXPECT_TRUE(Call(*clinic, &Stub::UpdateDonor, update, &out).ok());

  // Finds by every key, allowed and refused.
  v1::FindDonorsResponse found;
  for (const char* phone : {"8 707 444 22 12", "+77074442212", "+992937776655"}) {
    v1::FindDonorsRequest find;
    find.set_phone(phone);
    EXPECT_TRUE(Call(*portal, &Stub::FindDonors, find, &found).ok());
  }
  v1::FindDonorsRequest find;
  *find.mutable_document() = migrant_copy.documents(0);
  EXPECT_TRUE(Call(*clinic, &Stub::FindDonors, find, &found).ok());
  EXPECT_EQ(found.donors_size(), 1);
  find.set_name_prefix("Жаксы");
  EXPECT_TRUE(Call(*admin, &Stub::FindDonors, find, &found).ok());
  EXPECT_EQ(Call(*portal, &Stub::FindDonors, find, &found).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  find.set_phone("8 707 444");
  EXPECT_EQ(Call(*portal, &Stub::FindDonors, find, &found).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // Personal data where a resource name belongs.
  v1::GetDonorRequest get;
  get.set_name("Shahzoda Rahmonova +992937776655");
  EXPECT_EQ(Call(*admin, &Stub::GetDonor, get, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  get.set_name(b.name());
  EXPECT_TRUE(Call(*clinic, &Stub::GetDonor, get, &out).ok());

  absl::SleepFor(absl::Milliseconds(200));  // the audit writer, which logs its failures
  const std::string log = registry().ReadLog();
  ASSERT_THAT(log, HasSubstr("CreateDonor"));
  for (const std::string& personal :
       {kazakh.given_name(), kazakh.family_name(), kazakh.patronymic(), migrant.given_name(),
        migrant.family_name(), std::string("Жаксы"), std::string("8 707 444 22 11"),
        std::string("87074442211"), std::string("+77074442211"), std::string("77074442212"),
        std::string("444 22"), std::string("+992 93 777 66 55"), std::string("992937776655"),
        std::string("N55501234"), std::string("400555777"), std::string("901314"),
        std::string("300123")}) {
    EXPECT_THAT(log, Not(HasSubstr(personal))) << "the service log carries " << personal;
  }
}

// ------------------------------------------------------------------------------ TLS

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new std::string(MakeTempDir("bd-tls"));
    const std::string command = absl::StrCat(TLS_CERTS_SCRIPT, " ", *certs_, " >/dev/null 2>&1");
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  static void TearDownTestSuite() {
    std::system(absl::StrCat("rm -rf ", *certs_).c_str());
    delete certs_;
  }
  static std::string Cert(const std::string& name) { return *certs_ + "/" + name; }

  static std::shared_ptr<grpc::ChannelCredentials> Client(bool with_cert) {
    auth::ClientTlsFiles files{.ca = Cert("ca.pem")};
    if (with_cert) {
      files.cert = Cert("client.pem");
      files.key = Cert("client.key");
    }
    return *auth::ClientCredentials(files);
  }

  static std::string* certs_;
};
std::string* TlsTest::certs_ = nullptr;

TEST_F(TlsTest, RegistryOverMutualTls) {
  Environment& env = Environment::Get();
  ServiceProcess::Options options;
  options.token = env.token(auth::ROLE_ADMIN);
  options.channel_credentials = Client(/*with_cert=*/true);
  std::vector<std::string> flags = RedisUserFlags("registry");
  flags.insert(flags.end(), {"--redis=" + env.redis().address(), env.credentials().flag(),
                             "--tls_cert=" + Cert("server.pem"), "--tls_key=" + Cert("server.key"),
                             "--tls_client_ca=" + Cert("ca.pem")});
  ServiceProcess registry(REGISTRY_BIN, flags, options);
  ASSERT_OK(registry.Start());  // health over mTLS
  EXPECT_THAT(registry.ReadLog(), HasSubstr("transport=mtls"));

  auto stub = v1::DonorRegistry::NewStub(registry.Channel());
  const v1::Donor donor = MustCreate(*stub, MigrantDonor("400900900"));
  v1::GetDonorRequest get;
  get.set_name(donor.name());
  v1::Donor out;
  EXPECT_TRUE(Call(*stub, &Stub::GetDonor, get, &out).ok());
  EXPECT_EQ(out.name(), donor.name());

  // The token is still required over mTLS.
  auto tokenless = v1::DonorRegistry::NewStub(
      auth::NewTokenChannel(registry.target(), "", Client(/*with_cert=*/true)));
  EXPECT_EQ(Call(*tokenless, &Stub::GetDonor, get, &out).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // No client certificate, or no TLS at all: no connection.
  auto deadline = [] { return absl::ToChronoTime(absl::Now() + absl::Seconds(2)); };
  for (const auto& channel :
       {auth::NewTokenChannel(registry.target(), env.token(auth::ROLE_ADMIN), Client(false)),
        auth::NewTokenChannel(registry.target(), env.token(auth::ROLE_ADMIN),
                              grpc::InsecureChannelCredentials())}) {
    grpc::ClientContext context;
    context.set_deadline(deadline());
    const grpc::Status status = v1::DonorRegistry::NewStub(channel)->GetDonor(&context, get, &out);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  }
}

}  // namespace
}  // namespace blooddrive::testing
