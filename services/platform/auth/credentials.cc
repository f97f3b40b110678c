#include "credentials.h"

#include <fcntl.h>
#include <google/protobuf/text_format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace blooddrive::auth {
namespace {

constexpr struct {
  Role role;
  absl::string_view name;
} kRoleNames[] = {
    {ROLE_COORDINATOR, "coordinator"}, {ROLE_CLINIC, "clinic"},   {ROLE_SMS_GATEWAY, "sms-gateway"},
    {ROLE_PORTAL, "portal"},           {ROLE_SERVICE, "service"}, {ROLE_ADMIN, "admin"},
};

std::string ErrnoText(absl::string_view what, const std::string& path) {
  return absl::StrCat(what, " ", path, ": ", std::strerror(errno));
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

bool IsIdentifier(absl::string_view s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-') return false;
  }
  return true;
}

bool IsSiteName(absl::string_view s) {
  return absl::ConsumePrefix(&s, "sites/") && IsIdentifier(s, 64);
}

bool IsHex(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(c) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

}  // namespace

absl::string_view RoleName(Role role) {
  for (const auto& entry : kRoleNames) {
    if (entry.role == role) return entry.name;
  }
  return "unspecified";
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  for (const auto& entry : kRoleNames) {
    if (entry.name == name) return entry.role;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown role '", name, "' (coordinator, clinic, sms-gateway, portal, service, admin)"));
}

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), length));
}

absl::StatusOr<std::string> NewToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return absl::InternalError("RAND_bytes failed: no token minted");
  }
  std::string token;
  absl::WebSafeBase64Escape(absl::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes),
                            &token);
  OPENSSL_cleanse(bytes, sizeof bytes);
  return token;
}

absl::Status CheckPrivateFile(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, " does not exist"));
    return absl::FailedPreconditionError(ErrnoText("cannot stat", path));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, " is not a regular file"));
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return absl::FailedPreconditionError(absl::StrCat(
        path, " is accessible by group or others (mode ", mode, "); run: chmod 600 ", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  if (absl::Status s = CheckPrivateFile(path); !s.ok()) return s;
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::FailedPreconditionError(ErrnoText("cannot read", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string secret(absl::StripTrailingAsciiWhitespace(buffer.str()));
  if (secret.empty()) return absl::FailedPreconditionError(absl::StrCat(path, " is empty"));
  return secret;
}

absl::Status ValidateCredentials(const CredentialsFile& file) {
  for (int i = 0; i < file.credentials_size(); ++i) {
    const Credential& c = file.credentials(i);
    const std::string where = absl::StrCat("credentials[", i, "]");
    if (!IsIdentifier(c.principal(), 64)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".principal: must be 1..64 of [a-z0-9-]"));
    }
    if (c.role() == ROLE_UNSPECIFIED || !Role_IsValid(c.role())) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".role: is required"));
    }
    if (c.token_sha256().size() != 64 || !IsHex(c.token_sha256())) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".token_sha256: must be 64 lowercase hex digits"));
    }
    if (c.role() == ROLE_COORDINATOR && !IsIdentifier(c.branch(), 32)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".branch: a coordinator needs its branch ([a-z0-9-], 1..32)"));
    }
    if (c.role() == ROLE_CLINIC && c.sites().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".sites: a clinic needs its sites"));
    }
    for (const std::string& site : c.sites()) {
      if (!IsSiteName(site)) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ".sites: '", site, "' is not sites/{site}"));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<CredentialsFile> ReadCredentialsFile(const std::string& path) {
  if (absl::Status s = CheckPrivateFile(path); !s.ok()) return s;
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::FailedPreconditionError(ErrnoText("cannot read", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  CredentialsFile file;
  if (!google::protobuf::TextFormat::ParseFromString(buffer.str(), &file)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a text-format blooddrive.auth.CredentialsFile"));
  }
  if (absl::Status s = ValidateCredentials(file); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", s.message()));
  }
  return file;
}

absl::Status WriteCredentialsFile(const std::string& path, const CredentialsFile& file) {
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(file, &text)) {
    return absl::InternalError("cannot print the credentials");
  }
  text = absl::StrCat(
      "# blooddrive credentials: written by blooddrive-tokens; holds token hashes only.\n"
      "# Servers re-read it on SIGHUP. Keep it mode 0600.\n",
      text);
  const std::string temp = absl::StrCat(path, ".tmp.", getpid());
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return absl::FailedPreconditionError(ErrnoText("cannot create", temp));
  fchmod(fd, 0600);  // whatever the umask said
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      unlink(temp.c_str());
      return absl::FailedPreconditionError(ErrnoText("cannot write", temp));
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    unlink(temp.c_str());
    return absl::FailedPreconditionError(ErrnoText("cannot write", temp));
  }
  if (rename(temp.c_str(), path.c_str()) != 0) {
    unlink(temp.c_str());
    return absl::FailedPreconditionError(ErrnoText("cannot replace", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> MintToken(CredentialsFile* file, Credential prototype, absl::Time now) {
  absl::StatusOr<std::string> token = NewToken();
  if (!token.ok()) return token.status();
  prototype.set_token_sha256(Sha256Hex(*token));
  prototype.set_key_id(prototype.token_sha256().substr(0, 12));
  prototype.set_create_time(Rfc3339(now));
  prototype.set_revoked(false);
  prototype.clear_revoke_time();
  CredentialsFile candidate = *file;
  *candidate.add_credentials() = prototype;
  if (absl::Status s = ValidateCredentials(candidate); !s.ok()) return s;
  *file = std::move(candidate);
  return token;
}

int RevokeTokens(CredentialsFile* file, absl::string_view principal, absl::string_view key_id,
                 absl::Time now) {
  int revoked = 0;
  for (Credential& c : *file->mutable_credentials()) {
    if (c.revoked() || c.principal() != principal) continue;
    if (!key_id.empty() && c.key_id() != key_id) continue;
    c.set_revoked(true);
    c.set_revoke_time(Rfc3339(now));
    ++revoked;
  }
  return revoked;
}

absl::Status CredentialStore::Load(const std::string& path) {
  absl::StatusOr<CredentialsFile> file = ReadCredentialsFile(path);
  if (!file.ok()) return file.status();
  auto table = std::make_shared<Table>();
  for (const Credential& c : file->credentials()) {
    if (c.revoked()) continue;
    auto principal = std::make_shared<Principal>();
    principal->id = c.principal();
    principal->role = c.role();
    principal->branch = c.branch();
    principal->sites.insert(c.sites().begin(), c.sites().end());
    principal->key_id = c.key_id();
    (*table)[c.token_sha256()] = std::move(principal);
  }
  absl::MutexLock lock(&mu_);
  path_ = path;
  by_hash_ = std::move(table);
  return absl::OkStatus();
}

absl::Status CredentialStore::Reload() {
  std::string path;
  {
    absl::MutexLock lock(&mu_);
    path = path_;
  }
  if (path.empty()) return absl::FailedPreconditionError("no credentials file loaded");
  return Load(path);
}

absl::StatusOr<std::shared_ptr<const Principal>> CredentialStore::Authenticate(
    absl::string_view token) const {
  std::shared_ptr<const Table> table;
  {
    absl::MutexLock lock(&mu_);
    table = by_hash_;
  }
  // The lookup is by the token's hash, so its timing says nothing about the token; the final
  // comparison is constant-time anyway.
  const std::string hash = Sha256Hex(token);
  if (table != nullptr && !token.empty()) {
    auto it = table->find(hash);
    if (it != table->end() && CRYPTO_memcmp(it->first.data(), hash.data(), hash.size()) == 0) {
      return it->second;
    }
  }
  return absl::UnauthenticatedError("invalid or revoked token");
}

size_t CredentialStore::size() const {
  absl::MutexLock lock(&mu_);
  return by_hash_ == nullptr ? 0 : by_hash_->size();
}

}  // namespace blooddrive::auth
