// The policy table against the contracts: every RPC of every blooddrive.v1 service in proto/ has
// an entry, every entry is a real RPC, and "mutating" matches the contracts.
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "auth/policy.h"

namespace blooddrive::auth {
namespace {

namespace pb = google::protobuf;

// Every service of every .proto under proto/ in package blooddrive.v1. The test links all of
// blooddrive_proto, so each file's descriptors are in the generated pool; a new .proto file or
// service is walked as soon as it exists.
std::vector<const pb::ServiceDescriptor*> Services() {
  std::vector<const pb::ServiceDescriptor*> services;
  for (absl::string_view name : absl::StrSplit(BLOODDRIVE_PROTO_FILES, ',', absl::SkipEmpty())) {
    const pb::FileDescriptor* file =
        pb::DescriptorPool::generated_pool()->FindFileByName(std::string(name));
    EXPECT_NE(file, nullptr) << name << " is not compiled into blooddrive_proto";
    if (file == nullptr || file->package() != "blooddrive.v1") continue;
    for (int i = 0; i < file->service_count(); ++i) services.push_back(file->service(i));
  }
  EXPECT_GE(services.size(), 4u);
  return services;
}

std::string PathOf(const pb::MethodDescriptor* method) {
  return absl::StrCat("/", method->service()->full_name(), "/", method->name());
}

TEST(PolicyTable, EveryRpcOfEveryServiceHasAnEntry) {
  int methods = 0;
  for (const pb::ServiceDescriptor* service : Services()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string path = PathOf(service->method(i));
      const MethodPolicy* policy = FindPolicy(path);
      EXPECT_NE(policy, nullptr) << path << " has no entry in services/platform/auth/policy.cc";
      if (policy != nullptr) {
        EXPECT_TRUE(policy->Allows(ROLE_ADMIN)) << path;
      }
      ++methods;
    }
  }
  EXPECT_GE(methods, 50);
}

TEST(PolicyTable, EveryEntryNamesARealRpc) {
  std::set<std::string> paths;
  for (const pb::ServiceDescriptor* service : Services()) {
    for (int i = 0; i < service->method_count(); ++i) paths.insert(PathOf(service->method(i)));
  }
  std::set<absl::string_view> seen;
  for (const MethodPolicy& policy : AllPolicies()) {
    EXPECT_TRUE(seen.insert(policy.method).second) << "duplicate entry " << policy.method;
    const std::string base(policy.method.substr(0, policy.method.find('#')));
    EXPECT_TRUE(paths.contains(base)) << policy.method << " is no RPC of blooddrive.v1";
    EXPECT_NE(policy.roles, 0u) << policy.method;
    // A variant narrows its method: it never lets in a role the method refuses.
    if (base != policy.method) {
      const MethodPolicy* method = FindPolicy(base);
      ASSERT_NE(method, nullptr);
      EXPECT_EQ(policy.roles & ~method->roles, 0u) << policy.method;
    }
  }
}

// The table says which RPCs are audited; the contracts say which take a request_id (mutating).
TEST(PolicyTable, MutatingMatchesTheContracts) {
  for (const pb::ServiceDescriptor* service : Services()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const pb::MethodDescriptor* method = service->method(i);
      const MethodPolicy* policy = FindPolicy(PathOf(method));
      if (policy == nullptr) continue;
      const bool has_request_id = method->input_type()->FindFieldByName("request_id") != nullptr;
      EXPECT_EQ(policy->mutating, has_request_id) << PathOf(method);
    }
  }
}

TEST(PolicyTable, RoleBoundaries) {
  for (const pb::ServiceDescriptor* service : Services()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string path = PathOf(service->method(i));
      const MethodPolicy* policy = FindPolicy(path);
      ASSERT_NE(policy, nullptr);
      // The SMS gateway reaches the reminder feed and nothing else.
      if (service->name() != "ReminderFeed") {
        EXPECT_FALSE(policy->Allows(ROLE_SMS_GATEWAY)) << path;
      }
    }
  }
  // No bulk reads of donors for the portal or the clinic.
  for (const char* path : {"/blooddrive.v1.DonorRegistry/ListDonors",
                           "/blooddrive.v1.DonorRegistry/FindDonors#name_prefix",
                           "/blooddrive.v1.Eligibility/FindEligibleDonors",
                           "/blooddrive.v1.Eligibility/CheckEligibilityBatch"}) {
    ASSERT_NE(FindPolicy(path), nullptr) << path;
    EXPECT_FALSE(FindPolicy(path)->Allows(ROLE_PORTAL)) << path;
    EXPECT_FALSE(FindPolicy(path)->Allows(ROLE_CLINIC)) << path;
    EXPECT_TRUE(FindPolicy(path)->Allows(ROLE_COORDINATOR)) << path;
  }
}

}  // namespace
}  // namespace blooddrive::auth
