// The client side of blooddrive's security, for services calling each other, blooddrive-call and
// the tests: TLS channel credentials from PEM files, and channels that put the bearer token on
// every call.
//
// The token travels as plain call metadata added by a client interceptor rather than as gRPC call
// credentials, because gRPC does not send call credentials over a plaintext channel and the local
// stack may run without TLS.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace blooddrive::auth {

struct ClientTlsFiles {
  std::string ca = "";    // PEM CA bundle that signed the servers; empty: plaintext
  std::string cert = "";  // PEM client certificate for mTLS; empty: none
  std::string key = "";   // its PEM private key
};

// Insecure credentials when files.ca is empty; TLS (mTLS with cert and key) otherwise.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ClientCredentials(
    const ClientTlsFiles& files);

// A channel to `target` whose every call carries "authorization: Bearer <token>" (none when
// `token` is empty). `server_name` is applied as the SSL target name override when not empty.
std::shared_ptr<grpc::Channel> NewTokenChannel(
    const std::string& target, const std::string& token,
    std::shared_ptr<grpc::ChannelCredentials> credentials, grpc::ChannelArguments args = {},
    const std::string& server_name = "");

// The whole file, or an error naming it.
absl::StatusOr<std::string> ReadTextFile(const std::string& path);

}  // namespace blooddrive::auth
