#include "downstream.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "auth/client_credentials.h"
#include "auth/credentials.h"

ABSL_FLAG(std::string, service_token_file, "",
          "File (mode 0600) with this service's token for calls to other services");
ABSL_FLAG(std::string, service_token, "",
          "This service's token for calls to other services; prefer the environment variable "
          "BLOODDRIVE_SERVICE_TOKEN or --service_token_file");
ABSL_FLAG(std::string, downstream_tls_ca, "",
          "PEM CA file to verify other services' certificates; empty: plaintext calls");
ABSL_FLAG(std::string, downstream_tls_cert, "",
          "PEM client certificate presented to other services (mTLS)");
ABSL_FLAG(std::string, downstream_tls_key, "", "PEM private key of --downstream_tls_cert");
ABSL_FLAG(std::string, downstream_tls_server_name, "",
          "Name expected in other services' certificates when it is not the target's host");

namespace blooddrive::platform {

absl::StatusOr<Downstream> Downstream::FromFlags() {
  std::string token = absl::GetFlag(FLAGS_service_token);
  if (const std::string file = absl::GetFlag(FLAGS_service_token_file); !file.empty()) {
    absl::StatusOr<std::string> read = auth::ReadSecretFile(file);
    if (!read.ok()) {
      return absl::Status(read.status().code(),
                          absl::StrCat("--service_token_file: ", read.status().message()));
    }
    token = *std::move(read);
  }
  if (token.empty()) {
    return absl::InvalidArgumentError(
        "--service_token_file or BLOODDRIVE_SERVICE_TOKEN is required to call other services");
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      auth::ClientCredentials({.ca = absl::GetFlag(FLAGS_downstream_tls_ca),
                               .cert = absl::GetFlag(FLAGS_downstream_tls_cert),
                               .key = absl::GetFlag(FLAGS_downstream_tls_key)});
  if (!credentials.ok()) {
    return absl::Status(credentials.status().code(),
                        absl::StrCat("--downstream_tls_*: ", credentials.status().message()));
  }
  return Downstream(std::move(token), *std::move(credentials),
                    absl::GetFlag(FLAGS_downstream_tls_server_name));
}

std::shared_ptr<grpc::Channel> Downstream::NewChannel(const std::string& target,
                                                      grpc::ChannelArguments args) const {
  return auth::NewTokenChannel(target, token_, credentials_, std::move(args), server_name_);
}

}  // namespace blooddrive::platform
