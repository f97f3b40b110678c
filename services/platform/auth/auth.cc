#include "auth.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpc_status.h"

namespace blooddrive::auth {
namespace {

struct Verdicts {
  absl::Mutex mu;
  absl::flat_hash_map<const grpc::ServerContextBase*, Verdict> by_context ABSL_GUARDED_BY(mu);
};

Verdicts& AllVerdicts() {
  static auto* verdicts = new Verdicts();
  return *verdicts;
}

std::optional<Verdict> VerdictOf(const grpc::ServerContextBase* context) {
  Verdicts& v = AllVerdicts();
  absl::MutexLock lock(&v.mu);
  auto it = v.by_context.find(context);
  if (it == v.by_context.end()) return std::nullopt;
  return it->second;
}

grpc::Status NoVerdict() {
  // Only possible when a server was built without RunServer's interceptor: refuse everything.
  return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                      "no authorization decision for this call (server misconfigured)");
}

}  // namespace

Verdict Decide(absl::string_view method, std::optional<absl::string_view> authorization,
               const CredentialStore& credentials) {
  Verdict verdict;
  verdict.method = std::string(method);
  if (!authorization.has_value()) {
    verdict.status = absl::UnauthenticatedError(
        "missing credentials: send 'authorization: Bearer <token>' metadata");
    return verdict;
  }
  absl::string_view value = absl::StripAsciiWhitespace(*authorization);
  constexpr absl::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    verdict.status = absl::UnauthenticatedError("authorization metadata is not 'Bearer <token>'");
    return verdict;
  }
  absl::StatusOr<std::shared_ptr<const Principal>> principal =
      credentials.Authenticate(absl::StripAsciiWhitespace(value.substr(kScheme.size())));
  if (!principal.ok()) {
    verdict.status = principal.status();
    return verdict;
  }
  verdict.principal = *std::move(principal);
  const MethodPolicy* policy = FindPolicy(method);
  if (policy == nullptr) {
    verdict.status = absl::PermissionDeniedError(absl::StrCat(method, " has no access policy"));
  } else if (!policy->Allows(verdict.principal->role)) {
    verdict.status = absl::PermissionDeniedError(
        absl::StrCat("principal ", verdict.principal->id, " (role ",
                     RoleName(verdict.principal->role), ") may not call ", method));
  }
  return verdict;
}

absl::Status CheckSite(const Principal& principal, absl::string_view site,
                       absl::string_view site_branch) {
  if (principal.role != ROLE_COORDINATOR && principal.role != ROLE_CLINIC) {
    return absl::OkStatus();
  }
  if (site.empty()) {
    if (principal.role == ROLE_COORDINATOR) return absl::OkStatus();
    return absl::PermissionDeniedError(
        absl::StrCat("principal ", principal.id, " (role clinic) must name one of its sites"));
  }
  if (principal.sites.contains(site)) return absl::OkStatus();
  if (principal.role == ROLE_COORDINATOR && !site_branch.empty() &&
      site_branch == principal.branch) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "principal ", principal.id, " (role ", RoleName(principal.role), ") may not act on ", site));
}

void RecordVerdict(const grpc::ServerContextBase* context, Verdict verdict) {
  Verdicts& v = AllVerdicts();
  absl::MutexLock lock(&v.mu);
  v.by_context[context] = std::move(verdict);
}

void ForgetVerdict(const grpc::ServerContextBase* context) {
  Verdicts& v = AllVerdicts();
  absl::MutexLock lock(&v.mu);
  v.by_context.erase(context);
}

grpc::Status Authorize(const grpc::ServerContextBase* context) {
  std::optional<Verdict> verdict = VerdictOf(context);
  if (!verdict.has_value()) return NoVerdict();
  return platform::ToGrpcStatus(verdict->status);
}

grpc::Status AuthorizeVariant(const grpc::ServerContextBase* context, absl::string_view variant) {
  std::optional<Verdict> verdict = VerdictOf(context);
  if (!verdict.has_value()) return NoVerdict();
  if (!verdict->status.ok()) return platform::ToGrpcStatus(verdict->status);
  const std::string name = absl::StrCat(verdict->method, "#", variant);
  const MethodPolicy* policy = FindPolicy(name);
  if (policy == nullptr) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, name + " has no access policy");
  }
  if (!policy->Allows(verdict->principal->role)) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        absl::StrCat("principal ", verdict->principal->id, " (role ",
                                     RoleName(verdict->principal->role), ") may not call ",
                                     verdict->method, " with ", variant));
  }
  return grpc::Status::OK;
}

grpc::Status AuthorizeSite(const grpc::ServerContextBase* context, absl::string_view site,
                           absl::string_view site_branch) {
  std::optional<Verdict> verdict = VerdictOf(context);
  if (!verdict.has_value()) return NoVerdict();
  if (!verdict->status.ok()) return platform::ToGrpcStatus(verdict->status);
  return platform::ToGrpcStatus(CheckSite(*verdict->principal, site, site_branch));
}

std::shared_ptr<const Principal> CallerOf(const grpc::ServerContextBase* context) {
  std::optional<Verdict> verdict = VerdictOf(context);
  return verdict.has_value() ? verdict->principal : nullptr;
}

}  // namespace blooddrive::auth
