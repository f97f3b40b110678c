#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "auth/client_credentials.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"

namespace blooddrive::testing {
namespace {

using grpc::health::v1::HealthCheckResponse;

// One health probe's deadline: short, so a wait ends close to its own deadline.
absl::Duration ProbeTimeout(absl::Time deadline) {
  return std::clamp(deadline - absl::Now(), absl::Milliseconds(50), absl::Milliseconds(500));
}

std::string ErrnoText(const std::string& what) { return absl::StrCat(what, ": ", strerror(errno)); }

// Forks and execs argv[0] with stdout and stderr appended to log_path. An exec failure comes back
// through a close-on-exec pipe, so a missing binary is an immediate error, not a health timeout.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& log_path) {
  // Everything the child needs is prepared before fork: allocating after fork in a multithreaded
  // process (gRPC has threads) can deadlock.
  std::vector<char*> cargv;
  for (const std::string& arg : argv) cargv.push_back(const_cast<char*>(arg.c_str()));
  cargv.push_back(nullptr);
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return absl::InternalError(ErrnoText("open " + log_path));
  int exec_pipe[2];
  if (pipe2(exec_pipe, O_CLOEXEC) != 0) {
    close(log_fd);
    return absl::InternalError(ErrnoText("pipe2"));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    close(exec_pipe[0]);
    close(exec_pipe[1]);
    return absl::InternalError(ErrnoText("fork"));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(log_fd, STDOUT_FILENO);  // dup2 clears close-on-exec on the copies
    dup2(log_fd, STDERR_FILENO);
    execv(cargv[0], cargv.data());
    const int err = errno;
    (void)!write(exec_pipe[1], &err, sizeof err);
    _exit(127);
  }
  close(log_fd);
  close(exec_pipe[1]);
  int err = 0;
  ssize_t n;
  do {
    n = read(exec_pipe[0], &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  close(exec_pipe[0]);
  if (n == sizeof err) {
    waitpid(pid, nullptr, 0);
    return absl::FailedPreconditionError(absl::StrCat("exec ", argv[0], ": ", strerror(err)));
  }
  return pid;
}

// The child's wait status once it exits, or nullopt if it is still running after `timeout`.
std::optional<int> WaitExit(pid_t pid, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return 0;  // not our child any more: nothing left to wait for
    if (absl::Now() >= deadline) return std::nullopt;
    absl::SleepFor(absl::Milliseconds(10));
  }
}

// Sends `signal`, escalates to SIGKILL after `timeout`, reaps the child and clears *pid.
int Terminate(pid_t* pid, int signal, absl::Duration timeout) {
  if (*pid <= 0) return -1;
  kill(*pid, signal);
  std::optional<int> status = WaitExit(*pid, timeout);
  if (!status) {
    kill(*pid, SIGKILL);
    status = WaitExit(*pid, absl::Seconds(10));
  }
  *pid = -1;
  return ExitCodeOf(status.value_or(SIGKILL));
}

std::string FindRedisServer() {
  const char* path = getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path ? path : "", ':', absl::SkipEmpty())) {
    std::string candidate = absl::StrCat(dir, "/redis-server");
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "/usr/bin/redis-server";
}

void AppendReply(const redisReply* reply, std::string* out) {
  switch (reply->type) {
    case REDIS_REPLY_INTEGER:
      absl::StrAppend(out, reply->integer);
      break;
    case REDIS_REPLY_NIL:
      out->append("(nil)");
      break;
    case REDIS_REPLY_ARRAY:
      out->push_back('[');
      for (size_t i = 0; i < reply->elements; ++i) {
        if (i > 0) out->push_back(',');
        AppendReply(reply->element[i], out);
      }
      out->push_back(']');
      break;
    default:  // string, status, error
      out->append(reply->str, reply->len);
  }
}

absl::StatusOr<HealthCheckResponse::ServingStatus> CheckHealthOnce(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
    absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  // Without wait_for_ready a call on a channel in backoff fails at once without polling, and then
  // nothing drives the reconnect: it completes only when gRPC's timer thread next wakes (~5 s).
  context.set_wait_for_ready(true);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  const grpc::Status status =
      grpc::health::v1::Health::NewStub(channel)->Check(&context, request, &response);
  if (!status.ok()) {
    return absl::UnavailableError(
        absl::StrCat("Health/Check: code ", status.error_code(), ": ", status.error_message()));
  }
  return response.status();
}

}  // namespace

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::string MakeTempDir(const std::string& prefix) {
  const char* tmp = getenv("TMPDIR");
  std::string templ = absl::StrCat(tmp && *tmp ? tmp : "/tmp", "/", prefix, "-XXXXXX");
  if (mkdtemp(templ.data()) == nullptr) return "";
  return templ;
}

std::string FileTail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string all = buffer.str();
  return all.size() <= max_bytes ? all : all.substr(all.size() - max_bytes);
}

std::shared_ptr<grpc::Channel> LoopbackChannel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

absl::Status WaitForHealth(const std::shared_ptr<grpc::Channel>& channel,
                           const std::string& service, HealthCheckResponse::ServingStatus expected,
                           absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string last;
  while (true) {
    auto status = CheckHealthOnce(channel, service, ProbeTimeout(deadline));
    if (status.ok() && *status == expected) return absl::OkStatus();
    last = status.ok() ? HealthCheckResponse::ServingStatus_Name(*status)
                       : std::string(status.status().message());
    if (absl::Now() >= deadline) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(absl::StrCat("health of service \"", service, "\" is not ",
                                                  HealthCheckResponse::ServingStatus_Name(expected),
                                                  " after ", absl::FormatDuration(timeout),
                                                  "; last: ", last));
}

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

// ---------------------------------------------------------------------------------------------

RedisServer::RedisServer(Options options)
    : options_(std::move(options)), port_(FreeLoopbackPort()), dir_(MakeTempDir("bd-redis")) {}

RedisServer::~RedisServer() {
  Stop(SIGKILL);
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
}

std::string RedisServer::address() const { return absl::StrCat("127.0.0.1:", port_); }

absl::Status RedisServer::Start() {
  if (running()) return absl::FailedPreconditionError("redis-server is already running");
  if (dir_.empty() || port_ <= 0) {
    return absl::InternalError("no temp dir or free port for redis-server");
  }
  std::vector<std::string> config = {"bind 127.0.0.1",
                                     absl::StrCat("port ", port_),
                                     absl::StrCat("dir ", dir_),
                                     "save \"\"",
                                     "appendonly no",
                                     "daemonize no",
                                     "logfile \"\""};
  for (const std::string& line : options_.extra_config) {
    config.push_back(absl::StrReplaceAll(line, {{"{dir}", dir_}}));
  }
  const std::string config_path = dir_ + "/redis.conf";
  {
    std::ofstream out(config_path, std::ios::trunc);
    out << absl::StrJoin(config, "\n") << "\n";
    if (!out) return absl::InternalError("cannot write " + config_path);
  }
  absl::StatusOr<pid_t> pid = Spawn({FindRedisServer(), config_path}, log_path());
  if (!pid.ok()) return pid.status();
  pid_ = *pid;

  const absl::Time deadline = absl::Now() + options_.start_timeout;
  std::string last;
  while (true) {
    if (std::optional<int> status = WaitExit(pid_, absl::ZeroDuration())) {
      pid_ = -1;
      return absl::FailedPreconditionError(
          absl::StrCat("redis-server exited with code ", ExitCodeOf(*status),
                       " while starting; log tail:\n", FileTail(log_path())));
    }
    absl::StatusOr<std::string> pong = Command({"PING"});
    if (pong.ok() && *pong == "PONG") return absl::OkStatus();
    last = pong.ok() ? *pong : std::string(pong.status().message());
    if (absl::Now() >= deadline) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  Stop(SIGKILL);
  return absl::DeadlineExceededError(
      absl::StrCat("redis-server on ", address(), " did not answer PING within ",
                   absl::FormatDuration(options_.start_timeout), " (last: ", last, "); log tail:\n",
                   FileTail(log_path())));
}

void RedisServer::Stop(int signal) { Terminate(&pid_, signal, absl::Seconds(10)); }

absl::StatusOr<std::string> RedisServer::Command(const std::vector<std::string>& args) const {
  const timeval timeout{2, 0};
  std::unique_ptr<redisContext, void (*)(redisContext*)> context(
      redisConnectWithTimeout("127.0.0.1", port_, timeout), redisFree);
  if (context == nullptr || context->err) {
    return absl::UnavailableError(absl::StrCat("connect to redis ", address(), ": ",
                                               context ? context->errstr : "out of memory"));
  }
  redisSetTimeout(context.get(), timeout);
  auto run = [&](const std::vector<std::string>& argv) -> absl::StatusOr<std::string> {
    std::vector<const char*> ptrs;
    std::vector<size_t> lens;
    for (const std::string& a : argv) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
    std::unique_ptr<redisReply, void (*)(void*)> reply(
        static_cast<redisReply*>(redisCommandArgv(context.get(), static_cast<int>(argv.size()),
                                                  ptrs.data(), lens.data())),
        freeReplyObject);
    if (reply == nullptr) {
      return absl::UnavailableError(absl::StrCat("redis ", argv[0], ": ", context->errstr));
    }
    std::string text;
    AppendReply(reply.get(), &text);
    if (reply->type == REDIS_REPLY_ERROR) return absl::UnknownError(text);
    return text;
  };
  if (!options_.password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!options_.user.empty()) auth.push_back(options_.user);
    auth.push_back(options_.password);
    absl::StatusOr<std::string> ok = run(auth);
    if (!ok.ok()) return ok.status();
  }
  return run(args);
}

absl::StatusOr<long long> RedisServer::CommandInt(const std::vector<std::string>& args) const {
  absl::StatusOr<std::string> text = Command(args);
  if (!text.ok()) return text.status();
  long long value = 0;
  if (!absl::SimpleAtoi(*text, &value)) {
    return absl::InternalError(absl::StrCat("not an integer reply: ", *text));
  }
  return value;
}

absl::Status RedisServer::FlushAll() const { return Command({"FLUSHALL"}).status(); }

// ---------------------------------------------------------------------------------------------

ServiceProcess::ServiceProcess(std::string binary, std::vector<std::string> flags, Options options)
    : binary_(std::move(binary)),
      flags_(std::move(flags)),
      options_(std::move(options)),
      port_(FreeLoopbackPort()),
      dir_(MakeTempDir("bd-service")) {}

ServiceProcess::~ServiceProcess() {
  Stop(SIGTERM, absl::Seconds(5));
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
}

std::string ServiceProcess::target() const { return absl::StrCat("127.0.0.1:", port_); }

std::shared_ptr<grpc::Channel> ServiceProcess::Channel() const {
  if (options_.token.empty() && options_.channel_credentials == nullptr) {
    return LoopbackChannel(target());
  }
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  return auth::NewTokenChannel(target(), options_.token,
                               options_.channel_credentials != nullptr
                                   ? options_.channel_credentials
                                   : grpc::InsecureChannelCredentials(),
                               args, options_.tls_server_name);
}

std::string ServiceProcess::ReadLog() const {
  return FileTail(log_path(), std::numeric_limits<size_t>::max());
}

absl::Status ServiceProcess::Start() {
  if (running()) return absl::FailedPreconditionError(binary_ + " is already running");
  if (access(binary_.c_str(), X_OK) != 0) {
    return absl::NotFoundError(
        absl::StrCat("service binary not found or not executable: \"", binary_, "\""));
  }
  if (dir_.empty() || port_ <= 0) return absl::InternalError("no temp dir or free port");
  std::vector<std::string> argv = {binary_};
  argv.insert(argv.end(), flags_.begin(), flags_.end());
  argv.push_back("--listen=" + target());
  absl::StatusOr<pid_t> pid = Spawn(argv, log_path());
  if (!pid.ok()) return pid.status();
  pid_ = *pid;

  const std::shared_ptr<grpc::Channel> channel = Channel();
  const absl::Time deadline = absl::Now() + options_.ready_timeout;
  std::string last;
  while (true) {
    if (std::optional<int> status = WaitExit(pid_, absl::ZeroDuration())) {
      pid_ = -1;
      return absl::FailedPreconditionError(
          absl::StrCat(binary_, " exited with code ", ExitCodeOf(*status),
                       " before serving; log tail:\n", FileTail(log_path())));
    }
    auto health = CheckHealthOnce(channel, options_.health_service, ProbeTimeout(deadline));
    if (health.ok() && *health == HealthCheckResponse::SERVING) return absl::OkStatus();
    last = health.ok() ? HealthCheckResponse::ServingStatus_Name(*health)
                       : std::string(health.status().message());
    if (absl::Now() >= deadline) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  Stop(SIGKILL);
  return absl::DeadlineExceededError(absl::StrCat(binary_, " on ", target(), " not SERVING within ",
                                                  absl::FormatDuration(options_.ready_timeout),
                                                  " (last: ", last, "); log tail:\n",
                                                  FileTail(log_path())));
}

void ServiceProcess::Signal(int signal) const {
  if (pid_ > 0) kill(pid_, signal);
}

int ServiceProcess::Stop(int signal, absl::Duration timeout) {
  return Terminate(&pid_, signal, timeout);
}

}  // namespace blooddrive::testing
