#include "security.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "harness.h"

namespace blooddrive::testing {

TestCredentials::TestCredentials()
    : dir_(MakeTempDir("bd-creds")), path_(dir_ + "/credentials.textproto") {
  EXPECT_TRUE(auth::WriteCredentialsFile(path_, file_).ok());
}

TestCredentials::~TestCredentials() {
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
}

std::string TestCredentials::Mint(const std::string& principal, auth::Role role,
                                  const std::string& branch,
                                  const std::vector<std::string>& sites) {
  auth::Credential prototype;
  prototype.set_principal(principal);
  prototype.set_role(role);
  prototype.set_branch(branch);
  for (const std::string& site : sites) prototype.add_sites(site);
  absl::StatusOr<std::string> token = auth::MintToken(&file_, prototype, absl::Now());
  EXPECT_TRUE(token.ok()) << token.status();
  const absl::Status written = auth::WriteCredentialsFile(path_, file_);
  EXPECT_TRUE(written.ok()) << written;
  return token.value_or("");
}

void TestCredentials::Revoke(const std::string& principal) {
  EXPECT_GT(auth::RevokeTokens(&file_, principal, "", absl::Now()), 0);
  const absl::Status written = auth::WriteCredentialsFile(path_, file_);
  EXPECT_TRUE(written.ok()) << written;
}

std::string TestRedisPassword(const std::string& user) {
  return absl::StrCat(user, "-test-password");
}

std::vector<std::string> RedisAclConfig(const std::string& admin_password) {
  std::vector<std::string> lines = {
      absl::StrCat("user default reset on >", admin_password, " ~* &* +@all")};
  std::ifstream in(BLOODDRIVE_SERVICE_ACL);
  EXPECT_TRUE(in.good()) << "cannot read " << BLOODDRIVE_SERVICE_ACL;
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text[0] == '#') continue;
    const size_t space = text.find(' ');
    const std::string user(text.substr(0, space));
    const absl::string_view rules = space == absl::string_view::npos ? "" : text.substr(space + 1);
    lines.push_back(absl::StrCat("user ", user, " reset on >", TestRedisPassword(user),
                                 " resetchannels ", rules));
  }
  return lines;
}

std::vector<std::string> RedisUserFlags(const std::string& user) {
  return {"--redis_user=" + user, "--redis_password=" + TestRedisPassword(user)};
}

}  // namespace blooddrive::testing
