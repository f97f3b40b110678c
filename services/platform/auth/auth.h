// Server-side authentication and authorization, shared by every blooddrive service.
//
// RunServer (server.h) installs an interceptor that, for every RPC except grpc.* (health,
// reflection), reads "authorization: Bearer <token>", finds the principal in the credentials file
// and checks the policy table (policy.h) for the method, before the handler runs. gRPC 1.51
// server interceptors cannot fail a call, so the interceptor records its verdict for the call and
// every handler enforces it on its first line:
//
//   grpc::Status RegistryService::GetDonor(grpc::ServerContext* context, ...) {
//     if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
//
// Site-scoped RPCs (policy.h) then call AuthorizeSite once they know the resource's site. A
// handler that forgets Authorize is caught by the role x RPC test, which calls every RPC with
// every role through real gRPC.
#pragma once

#include <grpcpp/server_context.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "auth/credentials.h"
#include "auth/policy.h"

namespace blooddrive::auth {

// OK when the caller presented a valid token and its role may call this RPC; UNAUTHENTICATED or
// PERMISSION_DENIED otherwise. Fails closed (PERMISSION_DENIED) when no verdict was recorded.
grpc::Status Authorize(const grpc::ServerContextBase* context);

// For the narrower shapes of a request the policy table lists as "<method>#<variant>", e.g.
// AuthorizeVariant(context, "name_prefix") in FindDonors.
grpc::Status AuthorizeVariant(const grpc::ServerContextBase* context, absl::string_view variant);

// For site-scoped RPCs: a coordinator may act on its listed sites, or on a site whose branch
// (`site_branch`, when the service knows it) is its own; a clinic on its listed sites only, and
// must name one. Other roles are not site-scoped. `site` is "sites/{site}" or empty.
grpc::Status AuthorizeSite(const grpc::ServerContextBase* context, absl::string_view site,
                           absl::string_view site_branch = {});

// The authenticated caller of this RPC, or nullptr.
std::shared_ptr<const Principal> CallerOf(const grpc::ServerContextBase* context);

// ---- The pieces below are for the interceptor and for tests. ----

struct Verdict {
  std::string method;
  std::shared_ptr<const Principal> principal;  // nullptr when not authenticated
  absl::Status status;                         // OK, UNAUTHENTICATED or PERMISSION_DENIED
};

// Authenticates the "authorization" header value (nullopt: none sent) and authorizes `method`.
Verdict Decide(absl::string_view method, std::optional<absl::string_view> authorization,
               const CredentialStore& credentials);
// The site rule of AuthorizeSite for one principal.
absl::Status CheckSite(const Principal& principal, absl::string_view site,
                       absl::string_view site_branch);

// The verdict of each call in flight, keyed by its ServerContext.
void RecordVerdict(const grpc::ServerContextBase* context, Verdict verdict);
void ForgetVerdict(const grpc::ServerContextBase* context);

}  // namespace blooddrive::auth
