// Bearer tokens and the credentials file.
//
// A token is 32 random bytes in unpadded base64url, shown once when minted (blooddrive-tokens);
// the file keeps only its SHA-256, so a leaked file grants nothing. The file must not be readable
// by group or others: servers refuse to start (and keep their old credentials on SIGHUP) otherwise.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "auth/credentials.pb.h"

namespace blooddrive::auth {

// Who is calling, as the credentials file says.
struct Principal {
  std::string id;
  Role role = ROLE_UNSPECIFIED;
  std::string branch;
  absl::flat_hash_set<std::string> sites;
  std::string key_id;
};

// "coordinator", "clinic", "sms-gateway", "portal", "service", "admin".
absl::string_view RoleName(Role role);
absl::StatusOr<Role> ParseRole(absl::string_view name);

// Lowercase hex SHA-256.
std::string Sha256Hex(absl::string_view data);
// 32 bytes from OpenSSL's CSPRNG, unpadded base64url (43 characters).
absl::StatusOr<std::string> NewToken();

// OK when `path` is a regular file that neither group nor others may read or write.
absl::Status CheckPrivateFile(const std::string& path);
// Reads a file that must be private (CheckPrivateFile) and returns its contents without the
// trailing newline: for token and password files.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path);

// Parses and validates the text-format file. A missing file is NOT_FOUND.
absl::StatusOr<CredentialsFile> ReadCredentialsFile(const std::string& path);
// Writes atomically (temporary file, then rename) with mode 0600.
absl::Status WriteCredentialsFile(const std::string& path, const CredentialsFile& file);
// INVALID_ARGUMENT naming the entry and field when an entry is malformed.
absl::Status ValidateCredentials(const CredentialsFile& file);

// Adds a credential for `prototype` (principal, role, branch, sites) with a fresh token and
// returns the token, the only time it exists in clear.
absl::StatusOr<std::string> MintToken(CredentialsFile* file, Credential prototype, absl::Time now);
// Marks every live token of `principal` (or only the one with `key_id`, when not empty) revoked;
// returns how many it revoked.
int RevokeTokens(CredentialsFile* file, absl::string_view principal, absl::string_view key_id,
                 absl::Time now);

// The live credentials of a server, replaced whole on reload.
class CredentialStore {
 public:
  // Reads the file; fails on a missing, malformed or group/world-accessible file.
  absl::Status Load(const std::string& path);
  // Reads the same file again; on failure the previous credentials stay in force.
  absl::Status Reload();

  // The principal holding `token`; UNAUTHENTICATED for an unknown or revoked token.
  absl::StatusOr<std::shared_ptr<const Principal>> Authenticate(absl::string_view token) const;

  size_t size() const;

 private:
  using Table = absl::flat_hash_map<std::string, std::shared_ptr<const Principal>>;

  mutable absl::Mutex mu_;
  std::string path_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const Table> by_hash_ ABSL_GUARDED_BY(mu_);
};

}  // namespace blooddrive::auth
