// blooddrive-tokens: mints, lists and revokes the bearer tokens of the credentials file every
// blooddrive server reads (--credentials_file). The file keeps only SHA-256 hashes; a minted token
// is printed once (or written to --out, mode 0600) and cannot be shown again.
//
//   export BLOODDRIVE_CREDENTIALS_FILE=var/secrets/credentials.textproto
//   blooddrive-tokens mint --principal=clinic-old-town --role=clinic --sites=sites/astana-old-town
//   blooddrive-tokens list
//   blooddrive-tokens revoke --principal=clinic-old-town [--key_id=...]
//
// Servers pick up a change on SIGHUP (deploy/local/up.sh sends it). The file may also be named by
// the environment variable BLOODDRIVE_CREDENTIALS_FILE.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "auth/credentials.h"

ABSL_FLAG(std::string, credentials_file, "",
          "The credentials file (default: $BLOODDRIVE_CREDENTIALS_FILE)");
ABSL_FLAG(std::string, principal, "", "mint, revoke: the principal id, [a-z0-9-] 1..64");
ABSL_FLAG(std::string, role, "",
          "mint: coordinator, clinic, sms-gateway, portal, service or admin");
ABSL_FLAG(std::string, branch, "", "mint: a coordinator's branch, e.g. kz-astana");
ABSL_FLAG(std::vector<std::string>, sites, {},
          "mint: comma-separated sites/{site}: a clinic's sites, a coordinator's branch sites");
ABSL_FLAG(std::string, out, "",
          "mint: write the token to this file (created with mode 0600) instead of stdout");
ABSL_FLAG(std::string, key_id, "", "revoke: only the token with this key id (see list)");

namespace {

using blooddrive::auth::CredentialsFile;

int Fail(const std::string& message, int code = 1) {
  std::cerr << "blooddrive-tokens: " << message << "\n";
  return code;
}

absl::StatusOr<CredentialsFile> ReadOrEmpty(const std::string& path) {
  absl::StatusOr<CredentialsFile> file = blooddrive::auth::ReadCredentialsFile(path);
  if (file.status().code() == absl::StatusCode::kNotFound) return CredentialsFile();
  return file;
}

absl::Status WriteToken(const std::string& path, const std::string& token) {
  unlink(path.c_str());  // a fresh file, so no old mode or owner carries over
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return absl::FailedPreconditionError("cannot create " + path);
  const std::string line = token + "\n";
  const bool ok = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  if (close(fd) != 0 || !ok) return absl::FailedPreconditionError("cannot write " + path);
  return absl::OkStatus();
}

int Mint(const std::string& path) {
  absl::StatusOr<blooddrive::auth::Role> role =
      blooddrive::auth::ParseRole(absl::GetFlag(FLAGS_role));
  if (!role.ok()) return Fail(std::string(role.status().message()), 2);
  absl::StatusOr<CredentialsFile> file = ReadOrEmpty(path);
  if (!file.ok()) return Fail(std::string(file.status().message()));
  blooddrive::auth::Credential prototype;
  prototype.set_principal(absl::GetFlag(FLAGS_principal));
  prototype.set_role(*role);
  prototype.set_branch(absl::GetFlag(FLAGS_branch));
  for (const std::string& site : absl::GetFlag(FLAGS_sites)) prototype.add_sites(site);
  absl::StatusOr<std::string> token = blooddrive::auth::MintToken(&*file, prototype, absl::Now());
  if (!token.ok()) return Fail(std::string(token.status().message()), 2);
  const std::string out = absl::GetFlag(FLAGS_out);
  // The token is stored before the file, so a failure leaves no hash without its token.
  if (!out.empty()) {
    if (absl::Status s = WriteToken(out, *token); !s.ok()) return Fail(std::string(s.message()));
  }
  if (absl::Status s = blooddrive::auth::WriteCredentialsFile(path, *file); !s.ok()) {
    return Fail(std::string(s.message()));
  }
  const auto& minted = file->credentials(file->credentials_size() - 1);
  std::cerr << "minted key " << minted.key_id() << " for " << minted.principal() << " ("
            << blooddrive::auth::RoleName(minted.role()) << ")"
            << (out.empty() ? "; the token is shown once, below" : "; token in " + out)
            << "\nrunning servers use it after SIGHUP\n";
  if (out.empty()) std::cout << *token << "\n";
  return 0;
}

int List(const std::string& path) {
  absl::StatusOr<CredentialsFile> file = blooddrive::auth::ReadCredentialsFile(path);
  if (!file.ok()) return Fail(std::string(file.status().message()));
  std::cout << "principal\trole\tbranch\tsites\tkey_id\tcreated\tstate\n";
  for (const auto& c : file->credentials()) {
    std::cout << c.principal() << "\t" << blooddrive::auth::RoleName(c.role()) << "\t"
              << (c.branch().empty() ? "-" : c.branch()) << "\t"
              << (c.sites().empty() ? "-" : absl::StrJoin(c.sites(), ",")) << "\t" << c.key_id()
              << "\t" << c.create_time() << "\t"
              << (c.revoked() ? "revoked " + c.revoke_time() : "active") << "\n";
  }
  return 0;
}

int Revoke(const std::string& path) {
  const std::string principal = absl::GetFlag(FLAGS_principal);
  if (principal.empty()) return Fail("revoke needs --principal", 2);
  absl::StatusOr<CredentialsFile> file = blooddrive::auth::ReadCredentialsFile(path);
  if (!file.ok()) return Fail(std::string(file.status().message()));
  const int revoked =
      blooddrive::auth::RevokeTokens(&*file, principal, absl::GetFlag(FLAGS_key_id), absl::Now());
  if (revoked == 0) return Fail("no active token matches", 3);
  if (absl::Status s = blooddrive::auth::WriteCredentialsFile(path, *file); !s.ok()) {
    return Fail(std::string(s.message()));
  }
  std::cerr << "revoked " << revoked << " token(s) of " << principal
            << "; running servers refuse them after SIGHUP\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "blooddrive-tokens [--credentials_file=F] mint|list|revoke [flags]\n"
      "  mint --principal=ID --role=ROLE [--branch=B] [--sites=sites/a,...] [--out=FILE]\n"
      "  list\n"
      "  revoke --principal=ID [--key_id=K]\n"
      "Exit: 0 OK, 1 file error, 2 usage, 3 nothing to revoke.");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  std::string path = absl::GetFlag(FLAGS_credentials_file);
  if (path.empty() && std::getenv("BLOODDRIVE_CREDENTIALS_FILE") != nullptr) {
    path = std::getenv("BLOODDRIVE_CREDENTIALS_FILE");
  }
  if (path.empty()) return Fail("--credentials_file is required", 2);
  if (args.size() != 2) return Fail("expected one command: mint, list or revoke; see --help", 2);
  const std::string command = args[1];
  if (command == "mint") return Mint(path);
  if (command == "list") return List(path);
  if (command == "revoke") return Revoke(path);
  return Fail("unknown command '" + command + "'; see --help", 2);
}
