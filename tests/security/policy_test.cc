// The pure pieces of authentication: decisions, site scoping, the credentials file and audit
// resource names.
#include "auth/policy.h"

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <set>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "auth/audit.h"
#include "auth/auth.h"
#include "auth/credentials.h"
#include "blooddrive/v1/registry.grpc.pb.h"
#include "harness.h"

namespace blooddrive::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class DecideTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = blooddrive::testing::MakeTempDir("bd-policy");
    path_ = dir_ + "/credentials.textproto";
    Credential clinic;
    clinic.set_principal("clinic-a");
    clinic.set_role(ROLE_CLINIC);
    clinic.add_sites("sites/a");
    clinic_token_ = *MintToken(&file_, clinic, absl::Now());
    Credential old;
    old.set_principal("old");
    old.set_role(ROLE_ADMIN);
    old_token_ = *MintToken(&file_, old, absl::Now());
    RevokeTokens(&file_, "old", "", absl::Now());
    ASSERT_TRUE(WriteCredentialsFile(path_, file_).ok());
    ASSERT_TRUE(store_.Load(path_).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_, path_;
  CredentialsFile file_;
  CredentialStore store_;
  std::string clinic_token_, old_token_;
};

TEST_F(DecideTest, AuthenticatesAndAuthorizes) {
  const std::string get = "/blooddrive.v1.DonorRegistry/GetDonor";
  const std::string list = "/blooddrive.v1.DonorRegistry/ListDonors";
  EXPECT_TRUE(Decide(get, "Bearer " + clinic_token_, store_).status.ok());
  EXPECT_TRUE(Decide(get, "bearer  " + clinic_token_ + " ", store_).status.ok());
  EXPECT_EQ(Decide(list, "Bearer " + clinic_token_, store_).status.code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Decide("/blooddrive.v1.DonorRegistry/NoSuchRpc", "Bearer " + clinic_token_, store_)
                .status.code(),
            absl::StatusCode::kPermissionDenied);
  // The headers are owned here: views of temporaries would dangle by the time they are read.
  const std::vector<std::optional<std::string>> headers = {std::nullopt,
                                                           "Bearer",
                                                           "Basic " + clinic_token_,
                                                           clinic_token_,
                                                           "Bearer x" + clinic_token_,
                                                           "Bearer " + old_token_};
  for (const std::optional<std::string>& header : headers) {
    const Verdict verdict =
        Decide(get, header ? std::optional<absl::string_view>(*header) : std::nullopt, store_);
    EXPECT_EQ(verdict.status.code(), absl::StatusCode::kUnauthenticated)
        << (header ? std::string(*header) : "(none)");
    EXPECT_EQ(verdict.principal, nullptr);
  }
}

TEST_F(DecideTest, FileMustBePrivate) {
  ASSERT_EQ(chmod(path_.c_str(), 0640), 0);
  CredentialStore store;
  const absl::Status status = store.Load(path_);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), HasSubstr("chmod 600"));
  // A failed reload keeps what was loaded.
  EXPECT_FALSE(store_.Reload().ok());
  EXPECT_TRUE(store_.Authenticate(clinic_token_).ok());
  ASSERT_EQ(chmod(path_.c_str(), 0600), 0);
  EXPECT_TRUE(store_.Reload().ok());
}

TEST_F(DecideTest, FileHoldsHashesOnly) {
  const std::string text = blooddrive::testing::FileTail(path_, 1 << 20);
  EXPECT_THAT(text, Not(HasSubstr(clinic_token_)));
  EXPECT_THAT(text, HasSubstr(Sha256Hex(clinic_token_)));
  EXPECT_EQ(clinic_token_.size(), 43u);  // 32 bytes, unpadded base64url
}

TEST(SiteScope, CoordinatorClinicAndOthers) {
  Principal coordinator{
      .id = "c", .role = ROLE_COORDINATOR, .branch = "kz-astana", .sites = {"sites/a"}};
  Principal clinic{.id = "k", .role = ROLE_CLINIC, .sites = {"sites/a"}};
  Principal portal{.id = "p", .role = ROLE_PORTAL};
  EXPECT_TRUE(CheckSite(coordinator, "sites/a", "").ok());
  EXPECT_TRUE(CheckSite(coordinator, "sites/b", "kz-astana").ok());
  EXPECT_TRUE(CheckSite(coordinator, "", "").ok());
  EXPECT_EQ(CheckSite(coordinator, "sites/b", "").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckSite(coordinator, "sites/b", "kz-almaty").code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(CheckSite(clinic, "sites/a", "").ok());
  EXPECT_EQ(CheckSite(clinic, "sites/b", "").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckSite(clinic, "", "").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(CheckSite(portal, "sites/b", "").ok());
}

TEST(Audit, ResourceNamesOnlyNeverFreeText) {
  v1::UpdateDonorRequest update;
  update.set_request_id("r-1");
  update.mutable_donor()->set_name("donors/abc");
  update.mutable_donor()->set_phone("+77011234567");
  EXPECT_EQ(ResourceOf(update), "donors/abc");
  EXPECT_EQ(RequestIdOf(update), "r-1");
  v1::RecordDonationRequest record;
  record.set_parent("donors/abc");
  EXPECT_EQ(ResourceOf(record), "donors/abc");
  v1::GetDonorRequest get;
  get.set_name("Айгерим Серикова");
  EXPECT_EQ(ResourceOf(get), "(malformed)");
  get.set_name("+7 701 123 45 67");
  EXPECT_EQ(ResourceOf(get), "(malformed)");
  EXPECT_EQ(ResourceOf(v1::CreateDonorRequest()), "");
  v1::Donor created;
  created.set_name("donors/xyz");
  EXPECT_EQ(ResourceOf(created), "donors/xyz");
}

}  // namespace
}  // namespace blooddrive::auth
