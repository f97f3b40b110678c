#include "server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/support/server_interceptor.h>
#include <signal.h>

#include <memory>
#include <optional>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "log.h"

ABSL_FLAG(std::string, listen, "", "Address to serve gRPC on, HOST:PORT (default: the service's own)");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGTERM, how long in-flight calls may take to finish");
ABSL_FLAG(absl::Duration, health_interval, absl::Seconds(1),
          "How often Redis is pinged to decide the health status");

namespace blooddrive::platform {
namespace {

namespace exp = grpc::experimental;

constexpr const char* kCodeNames[] = {
    "OK",        "CANCELLED",         "UNKNOWN",        "INVALID_ARGUMENT",    "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS",    "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",      "UNIMPLEMENTED",  "INTERNAL",            "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

std::string CodeName(grpc::StatusCode code) {
  const int index = static_cast<int>(code);
  if (index >= 0 && index < static_cast<int>(std::size(kCodeNames))) return kCodeNames[index];
  return absl::StrCat(index);
}

// One log line per RPC. Error messages are not logged (they may quote input); for INVALID_ARGUMENT
// the field path before the first ':' is, since that is what an operator needs.
class AccessLogInterceptor : public exp::Interceptor {
 public:
  explicit AccessLogInterceptor(exp::ServerRpcInfo* info)
      : method_(info->method()), start_(absl::Now()) {}

  void Intercept(exp::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(exp::InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const std::string millis =
          absl::StrCat(absl::ToDoubleMilliseconds(absl::Now() - start_));
      if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
        const std::string& message = status.error_message();
        LogInfo("rpc", {{"method", method_},
                        {"code", CodeName(status.error_code())},
                        {"field", message.substr(0, message.find(':'))},
                        {"ms", millis}});
      } else {
        LogInfo("rpc", {{"method", method_}, {"code", CodeName(status.error_code())}, {"ms", millis}});
      }
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
  const absl::Time start_;
};

class AccessLogFactory : public exp::ServerInterceptorFactoryInterface {
 public:
  exp::Interceptor* CreateServerInterceptor(exp::ServerRpcInfo* info) override {
    // Health probes and reflection would drown the log.
    if (absl::StartsWith(info->method(), "/grpc.")) return nullptr;
    return new AccessLogInterceptor(info);
  }
};

void SetServing(grpc::HealthCheckServiceInterface* health, const ServerSpec& spec, bool serving) {
  health->SetServingStatus("", serving);
  for (const std::string& name : spec.service_names) health->SetServingStatus(name, serving);
}

int WaitForShutdownSignal(const std::function<void()>& on_reload) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  while (true) {
    int signal = 0;
    if (sigwait(&signals, &signal) != 0) continue;
    if (signal == SIGHUP) {
      if (on_reload) {
        LogInfo("SIGHUP: reloading");
        on_reload();
      } else {
        LogInfo("SIGHUP: nothing to reload");
      }
      continue;
    }
    return signal;
  }
}

}  // namespace

int RunServer(const ServerSpec& spec, RedisClient& redis) {
  std::string listen = absl::GetFlag(FLAGS_listen);
  if (listen.empty()) listen = spec.default_listen;

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &bound_port);
  for (grpc::Service* service : spec.services) builder.RegisterService(service);
  std::vector<std::unique_ptr<exp::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<AccessLogFactory>());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));

  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    LogError("cannot listen", {{"addr", listen}});
    return 1;
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  LogInfo("listening", {{"addr", listen},
                        {"redis", absl::StrCat(redis.config().host, ":", redis.config().port)}});

  // Health follows Redis: a service without its store cannot answer, so load balancers and the
  // local stack's start-up wait should send nothing to it.
  SetServing(health, spec, false);
  absl::Notification stop_probe;
  std::thread probe([&] {
    std::optional<bool> last;
    const absl::Duration interval = absl::GetFlag(FLAGS_health_interval);
    do {
      const absl::Status status = redis.Ping();
      const bool serving = status.ok();
      if (last != serving) {
        SetServing(health, spec, serving);
        if (serving) {
          LogInfo("serving");
        } else {
          LogWarning("not serving: redis unreachable", {{"error", std::string(status.message())}});
        }
      }
      last = serving;
    } while (!stop_probe.WaitForNotificationWithTimeout(interval));
  });

  const int signal = WaitForShutdownSignal(spec.on_reload);
  LogInfo("shutting down", {{"signal", absl::StrCat(signal)}});
  stop_probe.Notify();
  probe.join();
  SetServing(health, spec, false);
  server->Shutdown(absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_shutdown_grace)));
  server->Wait();
  LogInfo("stopped");
  return 0;
}

}  // namespace blooddrive::platform
