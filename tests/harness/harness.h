// Test harness: real redis-server and real service binaries as child processes on loopback ports.
//
// Children get PR_SET_PDEATHSIG(SIGKILL), so a crashed or killed test binary leaves no strays.
// The signal fires when the *thread* that forked exits, so create these objects on the test's
// main thread (gtest's default), not on a short-lived helper thread.
#pragma once

#include <sys/types.h>

#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"

// absl::Status assertions; gtest 1.12 has none of its own.
#ifndef ASSERT_OK
#define ASSERT_OK(expr)                         \
  do {                                          \
    const ::absl::Status _st = (expr);          \
    ASSERT_TRUE(_st.ok()) << #expr ": " << _st; \
  } while (0)
#endif
#ifndef EXPECT_OK
#define EXPECT_OK(expr)                         \
  do {                                          \
    const ::absl::Status _st = (expr);          \
    EXPECT_TRUE(_st.ok()) << #expr ": " << _st; \
  } while (0)
#endif

namespace blooddrive::testing {

// A TCP port on 127.0.0.1 that was free a moment ago (bind port 0, read it, close).
int FreeLoopbackPort();

// A fresh directory under $TMPDIR (or /tmp); the caller removes it.
std::string MakeTempDir(const std::string& prefix);

// Last `max_bytes` of a file, or "" when it cannot be read.
std::string FileTail(const std::string& path, size_t max_bytes = 4000);

// A channel with short reconnect backoff, so tests recover fast after a server restarts.
// A call on a channel that is still connecting fails at once with UNAVAILABLE unless it sets
// ClientContext::set_wait_for_ready(true); WaitForHealth (and ServiceProcess::Start) do that.
std::shared_ptr<grpc::Channel> LoopbackChannel(const std::string& target);

// Runs one unary RPC of any stub with a deadline, so a server that hangs fails the test instead of
// blocking it. `wait_for_ready` is for calls right after a (re)start; elsewhere an unready server
// should fail.
template <typename Stub, typename Request, typename Response>
grpc::Status Call(Stub& stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  const Request& request, Response* response,
                  absl::Duration deadline = absl::Seconds(10), bool wait_for_ready = false) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  context.set_wait_for_ready(wait_for_ready);
  return (stub.*method)(&context, request, response);
}

// Polls grpc.health.v1.Health/Check until `service` reports `expected` or `timeout` passes.
absl::Status WaitForHealth(const std::shared_ptr<grpc::Channel>& channel,
                           const std::string& service,
                           grpc::health::v1::HealthCheckResponse::ServingStatus expected =
                               grpc::health::v1::HealthCheckResponse::SERVING,
                           absl::Duration timeout = absl::Seconds(10));

// Exit code of a wait() status: the code itself, or 128+signal (shell convention).
int ExitCodeOf(int wait_status);

class RedisServer {
 public:
  struct Options {
    // redis.conf lines added after the defaults; "{dir}" is replaced by dir(), e.g.
    // "aclfile {dir}/users.acl", "requirepass s3cret", "appendonly yes", "appendfsync always".
    // A later line overrides an earlier one, so "appendonly yes" overrides the default "no".
    std::vector<std::string> extra_config;
    // Credentials the harness itself uses for PING and Command() (AUTH [user] password).
    std::string user;
    std::string password;
    absl::Duration start_timeout = absl::Seconds(5);
  };

  // Picks the port and creates the directory; does not start the server.
  RedisServer() : RedisServer(Options()) {}
  explicit RedisServer(Options options);
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts redis-server and waits until PING answers. Calling it again after Stop() restarts on
  // the same port and directory, so data written with AOF survives.
  absl::Status Start();
  // SIGTERM lets Redis shut down cleanly; SIGKILL simulates a crash. Waits for the exit.
  void Stop(int signal = SIGTERM);
  bool running() const { return pid_ > 0; }

  int port() const { return port_; }
  std::string address() const;
  const std::string& dir() const { return dir_; }
  std::string log_path() const { return dir_ + "/redis.log"; }

  // Runs one command on a fresh connection. Strings, status replies and integers come back as
  // text ("OK", "42"), nil as "(nil)", arrays as "[a,b]"; an error reply is an error status.
  absl::StatusOr<std::string> Command(const std::vector<std::string>& args) const;
  // Like Command() but expects an integer reply.
  absl::StatusOr<long long> CommandInt(const std::vector<std::string>& args) const;
  absl::Status FlushAll() const;

 private:
  Options options_;
  int port_;
  std::string dir_;
  pid_t pid_ = -1;
};

class ServiceProcess {
 public:
  struct Options {
    absl::Duration ready_timeout = absl::Seconds(10);
    std::string health_service;  // "" = the server as a whole
    // Bearer token that Channel() puts on every call (health checks need none).
    std::string token;
    // Channel credentials for a server started with --tls_*; null: plaintext.
    std::shared_ptr<grpc::ChannelCredentials> channel_credentials;
    // Name expected in the server's certificate when it is not 127.0.0.1.
    std::string tls_server_name;
  };

  // `flags` are passed as given, followed by --listen=127.0.0.1:PORT with a free port.
  ServiceProcess(std::string binary, std::vector<std::string> flags)
      : ServiceProcess(std::move(binary), std::move(flags), Options()) {}
  ServiceProcess(std::string binary, std::vector<std::string> flags, Options options);
  ~ServiceProcess();
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  // Starts the binary and waits until it reports SERVING. On failure the error carries the tail of
  // the service's log. Calling it again after Stop() restarts on the same port with the same log.
  absl::Status Start();
  // Sends `signal`, waits up to `timeout` (then SIGKILLs) and returns the exit code
  // (128+signal when killed by one), or -1 when it was not running.
  int Stop(int signal = SIGTERM, absl::Duration timeout = absl::Seconds(10));
  // SIGKILL: a crash, no graceful shutdown.
  int Kill() { return Stop(SIGKILL); }
  // Sends `signal` without waiting, e.g. SIGHUP to reload.
  void Signal(int signal) const;
  bool running() const { return pid_ > 0; }

  int port() const { return port_; }
  std::string target() const;
  // A channel as LoopbackChannel, with Options' token and TLS credentials.
  std::shared_ptr<grpc::Channel> Channel() const;
  // Everything the service wrote to stdout and stderr so far.
  std::string log_path() const { return dir_ + "/service.log"; }
  std::string ReadLog() const;

 private:
  std::string binary_;
  std::vector<std::string> flags_;
  Options options_;
  int port_;
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace blooddrive::testing
