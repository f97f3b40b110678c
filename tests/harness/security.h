// Security fixtures for integration tests: a credentials file with tokens minted per test, and
// Redis ACL users as in deploy/redis/service-acl.txt (the same rules as the local stack).
#pragma once

#include <string>
#include <vector>

#include "auth/credentials.h"

namespace blooddrive::testing {

// A credentials file in a temp dir (mode 0600), removed with the object.
class TestCredentials {
 public:
  TestCredentials();
  ~TestCredentials();
  TestCredentials(const TestCredentials&) = delete;
  TestCredentials& operator=(const TestCredentials&) = delete;

  // Adds a token and rewrites the file; returns the token. Fails the test on error.
  std::string Mint(const std::string& principal, auth::Role role, const std::string& branch = "",
                   const std::vector<std::string>& sites = {});
  // Revokes every token of `principal` and rewrites the file.
  void Revoke(const std::string& principal);

  const std::string& path() const { return path_; }
  std::string flag() const { return "--credentials_file=" + path_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::string path_;
  auth::CredentialsFile file_;
};

// The password the tests give the Redis ACL user `user`.
std::string TestRedisPassword(const std::string& user);
// redis.conf lines (RedisServer::Options::extra_config) creating every user of
// deploy/redis/service-acl.txt with TestRedisPassword, and giving the default user
// `admin_password` (the harness's own Command() then needs Options::password = admin_password).
std::vector<std::string> RedisAclConfig(const std::string& admin_password);
// Flags that make a service connect as its ACL user.
std::vector<std::string> RedisUserFlags(const std::string& user);

}  // namespace blooddrive::testing
