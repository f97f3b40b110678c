#include "call_interceptor.h"

#include <atomic>

#include <google/protobuf/message.h>

#include <iterator>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "auth/auth.h"
#include "auth/policy.h"
#include "log.h"

namespace blooddrive::auth {
namespace {

namespace exp = grpc::experimental;
namespace pb = google::protobuf;

constexpr const char* kCodeNames[] = {
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

std::atomic<int> calls_in_flight{0};

class CallInterceptor : public exp::Interceptor {
 public:
  CallInterceptor(exp::ServerRpcInfo* info, const CredentialStore& credentials, AuditLog* audit)
      : context_(info->server_context()),
        method_(info->method()),
        unary_(info->type() == exp::ServerRpcInfo::Type::UNARY),
        policy_(FindPolicy(method_)),
        credentials_(credentials),
        audit_(policy_ != nullptr && policy_->mutating ? audit : nullptr),
        start_(absl::Now()) {
    calls_in_flight.fetch_add(1, std::memory_order_relaxed);
  }

  ~CallInterceptor() override {
    ForgetVerdict(context_);
    calls_in_flight.fetch_sub(1, std::memory_order_relaxed);
  }

  void Intercept(exp::InterceptorBatchMethods* methods) override {
    using Hook = exp::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(Hook::POST_RECV_INITIAL_METADATA)) {
      Authenticate(*methods->GetRecvInitialMetadata());
    }
    // Requests are typed protobuf messages here (grpc's generated services deserialize before
    // interceptors run); only mutating RPCs, all unary, need them.
    if (audit_ != nullptr && unary_ && !saw_request_ &&
        methods->QueryInterceptionHookPoint(Hook::POST_RECV_MESSAGE)) {
      if (const void* message = methods->GetRecvMessage(); message != nullptr) {
        const auto& request = *static_cast<const pb::Message*>(message);
        resource_ = ResourceOf(request);
        request_id_ = RequestIdOf(request);
        saw_request_ = true;
      }
    }
    // A Create* request names no resource; its answer does.
    if (audit_ != nullptr && unary_ && resource_.empty() &&
        methods->QueryInterceptionHookPoint(Hook::PRE_SEND_MESSAGE)) {
      if (const void* message = methods->GetSendMessage(); message != nullptr) {
        resource_ = ResourceOf(*static_cast<const pb::Message*>(message));
      }
    }
    if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_STATUS)) {
      Finish(methods->GetSendStatus());
    }
    methods->Proceed();
  }

 private:
  void Authenticate(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
    std::optional<absl::string_view> authorization;
    auto it = metadata.find("authorization");
    if (it != metadata.end()) {
      authorization = absl::string_view(it->second.data(), it->second.size());
    }
    Verdict verdict = Decide(method_, authorization, credentials_);
    if (verdict.principal != nullptr) {
      principal_ = verdict.principal->id;
      role_ = std::string(RoleName(verdict.principal->role));
    }
    RecordVerdict(context_, std::move(verdict));
  }

  void Finish(const grpc::Status& status) {
    const std::string code = StatusCodeName(status.error_code());
    const std::string millis = absl::StrCat(absl::ToDoubleMilliseconds(absl::Now() - start_));
    // Error messages are not logged (they may quote input); for INVALID_ARGUMENT the field path
    // before the first ':' is, since that is what an operator needs.
    if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
      const std::string& message = status.error_message();
      platform::LogInfo("rpc", {{"method", method_},
                                {"principal", principal_},
                                {"code", code},
                                {"field", message.substr(0, message.find(':'))},
                                {"ms", millis}});
    } else {
      platform::LogInfo(
          "rpc", {{"method", method_}, {"principal", principal_}, {"code", code}, {"ms", millis}});
    }
    if (audit_ != nullptr) {
      audit_->Append({.time = absl::Now(),
                      .principal = principal_,
                      .role = role_,
                      .method = method_,
                      .resource = resource_,
                      .request_id = request_id_,
                      .code = code});
    }
  }

  const grpc::ServerContextBase* const context_;
  const std::string method_;
  const bool unary_;
  const MethodPolicy* const policy_;
  const CredentialStore& credentials_;
  AuditLog* const audit_;
  const absl::Time start_;
  std::string principal_ = "-";
  std::string role_ = "-";
  std::string resource_;
  std::string request_id_;
  bool saw_request_ = false;
};

}  // namespace

std::string StatusCodeName(grpc::StatusCode code) {
  const int index = static_cast<int>(code);
  if (index >= 0 && index < static_cast<int>(std::size(kCodeNames))) return kCodeNames[index];
  return absl::StrCat(index);
}

exp::Interceptor* CallInterceptorFactory::CreateServerInterceptor(exp::ServerRpcInfo* info) {
  // Health probes and reflection need no token (load balancers, tools) and would drown the log.
  if (absl::StartsWith(info->method(), "/grpc.")) return nullptr;
  return new CallInterceptor(info, credentials_, audit_);
}

int CallsInFlight() { return calls_in_flight.load(std::memory_order_relaxed); }

}  // namespace blooddrive::auth
