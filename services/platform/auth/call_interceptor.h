// The server interceptor RunServer installs on every service: for each RPC (except grpc.* health
// and reflection) it authenticates the caller and records the authorization verdict (auth.h),
// writes the access log line (method, principal, status code, duration; for INVALID_ARGUMENT the
// field path) and, for mutating RPCs, appends to the audit log (audit.h).
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <string>

#include "auth/audit.h"
#include "auth/credentials.h"

namespace blooddrive::auth {

class CallInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `audit` may be null for a service without mutating RPCs. Both must outlive the server.
  CallInterceptorFactory(const CredentialStore& credentials, AuditLog* audit)
      : credentials_(credentials), audit_(audit) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  const CredentialStore& credentials_;
  AuditLog* const audit_;
};

// RPCs (other than grpc.* health and reflection) started and not yet finished, in this process.
int CallsInFlight();

// "OK", "INVALID_ARGUMENT", ...
std::string StatusCodeName(grpc::StatusCode code);

}  // namespace blooddrive::auth
