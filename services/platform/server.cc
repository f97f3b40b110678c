#include "server.h"

#include <google/protobuf/descriptor.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/support/server_interceptor.h>
#include <signal.h>

#include <memory>
#include <optional>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "auth/audit.h"
#include "auth/call_interceptor.h"
#include "auth/client_credentials.h"
#include "auth/credentials.h"
#include "auth/policy.h"
#include "log.h"

ABSL_FLAG(std::string, listen, "",
          "Address to serve gRPC on, HOST:PORT (default: the service's own)");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGTERM, how long in-flight calls may take to finish");
ABSL_FLAG(absl::Duration, health_interval, absl::Seconds(1),
          "How often Redis is pinged to decide the health status");
ABSL_FLAG(std::string, credentials_file, "",
          "Credentials file (text format, mode 0600, written by blooddrive-tokens); required. "
          "Re-read on SIGHUP");
ABSL_FLAG(std::string, tls_cert, "", "PEM server certificate; with --tls_key: serve TLS only");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA file: require and verify client certificates signed by it (mTLS)");
ABSL_FLAG(int64_t, audit_max_len, 1000000,
          "About how many entries the audit stream keeps (XADD MAXLEN ~)");

namespace blooddrive::platform {
namespace {

namespace exp = grpc::experimental;

void SetServing(grpc::HealthCheckServiceInterface* health, const ServerSpec& spec, bool serving) {
  health->SetServingStatus("", serving);
  for (const std::string& name : spec.service_names) health->SetServingStatus(name, serving);
}

// A service whose RPCs change state must say where its audit entries go.
bool HasMutatingMethods(const ServerSpec& spec) {
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const std::string& name : spec.service_names) {
    const google::protobuf::ServiceDescriptor* service = pool->FindServiceByName(name);
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      const auth::MethodPolicy* policy = auth::FindPolicy(
          absl::StrCat("/", service->full_name(), "/", service->method(i)->name()));
      if (policy != nullptr && policy->mutating) return true;
    }
  }
  return false;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFromFlags(
    std::string* mode) {
  const std::string cert_file = absl::GetFlag(FLAGS_tls_cert);
  const std::string key_file = absl::GetFlag(FLAGS_tls_key);
  const std::string client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  if (cert_file.empty() && key_file.empty()) {
    if (!client_ca_file.empty()) {
      return absl::InvalidArgumentError("--tls_client_ca needs --tls_cert and --tls_key");
    }
    *mode = "plaintext";
    return grpc::InsecureServerCredentials();
  }
  if (cert_file.empty() || key_file.empty()) {
    return absl::InvalidArgumentError("--tls_cert and --tls_key go together");
  }
  absl::StatusOr<std::string> cert = auth::ReadTextFile(cert_file);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = auth::ReadSecretFile(key_file);
  if (!key.ok())
    return absl::InvalidArgumentError(absl::StrCat("--tls_key: ", key.status().message()));
  grpc::SslServerCredentialsOptions options(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_key_cert_pairs.push_back({*std::move(key), *std::move(cert)});
  *mode = "tls";
  if (!client_ca_file.empty()) {
    absl::StatusOr<std::string> ca = auth::ReadTextFile(client_ca_file);
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *std::move(ca);
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    *mode = "mtls";
  }
  return grpc::SslServerCredentials(options);
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
      LogInfo("SIGHUP: reloading");
      on_reload();
      continue;
    }
    return signal;
  }
}

}  // namespace

int RunServer(const ServerSpec& spec, RedisClient& redis) { return RunServer(spec, &redis); }

int RunServer(const ServerSpec& spec, RedisClient* redis) {
  std::string listen = absl::GetFlag(FLAGS_listen);
  if (listen.empty()) listen = spec.default_listen;

  // Nothing is served without credentials: a server that cannot authenticate would either refuse
  // everyone or, worse, be tempted to let everyone in.
  auth::CredentialStore credentials;
  const std::string credentials_file = absl::GetFlag(FLAGS_credentials_file);
  if (credentials_file.empty()) {
    LogError("bad flags", {{"error", "--credentials_file is required (see docs/security.md)"}});
    return 2;
  }
  if (absl::Status s = credentials.Load(credentials_file); !s.ok()) {
    LogError("cannot load credentials", {{"error", std::string(s.message())}});
    return 2;
  }
  std::string tls_mode;
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> server_credentials =
      ServerCredentialsFromFlags(&tls_mode);
  if (!server_credentials.ok()) {
    LogError("bad flags", {{"error", std::string(server_credentials.status().message())}});
    return 2;
  }
  std::optional<auth::AuditLog> audit;
  if (!spec.audit_stream.empty() && redis != nullptr) {
    audit.emplace(*redis, spec.audit_stream, absl::GetFlag(FLAGS_audit_max_len));
  } else if (HasMutatingMethods(spec)) {
    LogError("server misconfigured",
             {{"error", "a service with mutating RPCs needs audit_stream"}});
    return 1;
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(listen, *server_credentials, &bound_port);
  for (grpc::Service* service : spec.services) builder.RegisterService(service);
  auth::CallInterceptorFactory* interceptor_factory =
      new auth::CallInterceptorFactory(credentials, audit ? &*audit : nullptr);
  std::vector<std::unique_ptr<exp::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.emplace_back(interceptor_factory);
  builder.experimental().SetInterceptorCreators(std::move(interceptors));

  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    LogError("cannot listen", {{"addr", listen}});
    return 1;
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  LogInfo(
      "listening",
      {{"addr", listen},
       {"transport", tls_mode},
       {"principals", absl::StrCat(credentials.size())},
       {"redis",
        redis == nullptr ? "-" : absl::StrCat(redis->config().host, ":", redis->config().port)}});

  // Health follows Redis: a service without its store cannot answer, so load balancers and the
  // local stack's start-up wait should send nothing to it. Without Redis it is simply SERVING.
  SetServing(health, spec, false);
  absl::Notification stop_probe;
  std::thread probe([&] {
    std::optional<bool> last;
    const absl::Duration interval = absl::GetFlag(FLAGS_health_interval);
    do {
      const absl::Status status = redis == nullptr ? absl::OkStatus() : redis->Ping();
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

  const int signal = WaitForShutdownSignal([&] {
    // A bad edit of the file (or its mode) keeps the previous credentials in force.
    if (absl::Status s = credentials.Reload(); s.ok()) {
      LogInfo("credentials reloaded", {{"principals", absl::StrCat(credentials.size())}});
    } else {
      LogError("credentials not reloaded; the previous ones stay in force",
               {{"error", std::string(s.message())}});
    }
    if (spec.on_reload) spec.on_reload();
  });
  LogInfo("shutting down", {{"signal", absl::StrCat(signal)}});
  stop_probe.Notify();
  probe.join();
  SetServing(health, spec, false);
  // Calls in flight finish first (up to the grace); then the server closes, giving a call that
  // slipped in meanwhile a moment more. Leaving it all to Shutdown's deadline would also wait for
  // every idle client connection to acknowledge the GOAWAY, which can take the whole grace.
  const absl::Time give_up = absl::Now() + absl::GetFlag(FLAGS_shutdown_grace);
  while (auth::CallsInFlight() > 0 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  server->Shutdown(absl::ToChronoTime(std::min(give_up, absl::Now() + absl::Milliseconds(250))));
  server->Wait();
  LogInfo("stopped");
  return 0;
}

}  // namespace blooddrive::platform
