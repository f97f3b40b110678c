// How a service calls another blooddrive service: with its own service credentials (a token of
// role "service") on every call, over TLS when configured. Flags (each also BLOODDRIVE_<NAME>):
//   --service_token_file  file (mode 0600) holding this service's token; or
//   --service_token       the token itself (give it as BLOODDRIVE_SERVICE_TOKEN, not as a flag)
//   --downstream_tls_ca   CA that signed the other services' certificates; empty: plaintext
//   --downstream_tls_cert, --downstream_tls_key   this service's client certificate (mTLS)
//   --downstream_tls_server_name   expected server certificate name, when not the target's host
//
//   absl::StatusOr<platform::Downstream> downstream = platform::Downstream::FromFlags();
//   auto registry = v1::DonorRegistry::NewStub(downstream->NewChannel("127.0.0.1:50051"));
//   grpc::ClientContext context;  // the channel adds "authorization: Bearer <token>" itself
//   registry->GetDonorFacts(&context, request, &facts);
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace blooddrive::platform {

class Downstream {
 public:
  // Fails when no token is configured or a file cannot be read.
  static absl::StatusOr<Downstream> FromFlags();

  Downstream(std::string token, std::shared_ptr<grpc::ChannelCredentials> credentials,
             std::string server_name)
      : token_(std::move(token)),
        credentials_(std::move(credentials)),
        server_name_(std::move(server_name)) {}

  // A channel to `target` (HOST:PORT) whose every call carries this service's token.
  std::shared_ptr<grpc::Channel> NewChannel(const std::string& target,
                                            grpc::ChannelArguments args = {}) const;

 private:
  std::string token_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::string server_name_;
};

}  // namespace blooddrive::platform
