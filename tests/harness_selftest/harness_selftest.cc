// Proves the harness itself: real redis-server lifecycle, ServiceProcess start/stop/errors, and the
// blooddrive-call client end to end against a stand-in service.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "harness.h"

namespace blooddrive::testing {
namespace {

using ::testing::HasSubstr;

TEST(RedisServerTest, StartsAndAnswersSetGet) {
  RedisServer redis;
  ASSERT_OK(redis.Start());
  EXPECT_EQ(redis.address(), absl::StrCat("127.0.0.1:", redis.port()));
  EXPECT_EQ(redis.Command({"SET", "k", "v w"}).value_or("error"), "OK");
  EXPECT_EQ(redis.Command({"GET", "k"}).value_or("error"), "v w");
  EXPECT_EQ(redis.Command({"GET", "missing"}).value_or("error"), "(nil)");
  EXPECT_EQ(redis.CommandInt({"INCRBY", "n", "41"}).value_or(-1), 41);
  EXPECT_EQ(redis.Command({"RPUSH", "l", "a", "b"}).value_or("error"), "2");
  EXPECT_EQ(redis.Command({"LRANGE", "l", "0", "-1"}).value_or("error"), "[a,b]");
  EXPECT_FALSE(redis.Command({"NOSUCHCOMMAND"}).ok());
  ASSERT_OK(redis.FlushAll());
  EXPECT_EQ(redis.CommandInt({"DBSIZE"}).value_or(-1), 0);
}

TEST(RedisServerTest, CrashThenRestartOnSamePortKeepsAofData) {
  RedisServer redis({.extra_config = {"appendonly yes", "appendfsync always"}});
  ASSERT_OK(redis.Start());
  const int port = redis.port();
  ASSERT_EQ(redis.Command({"SET", "durable", "yes"}).value_or("error"), "OK");
  redis.Stop(SIGKILL);
  EXPECT_FALSE(redis.running());
  EXPECT_EQ(redis.Command({"PING"}).status().code(), absl::StatusCode::kUnavailable);
  ASSERT_OK(redis.Start());
  EXPECT_EQ(redis.port(), port);
  EXPECT_EQ(redis.Command({"GET", "durable"}).value_or("error"), "yes");
}

TEST(RedisServerTest, GracefulStopThenStartWithoutPersistenceStartsEmpty) {
  RedisServer redis;
  ASSERT_OK(redis.Start());
  ASSERT_EQ(redis.Command({"SET", "k", "v"}).value_or("error"), "OK");
  redis.Stop();
  ASSERT_OK(redis.Start());
  EXPECT_EQ(redis.Command({"GET", "k"}).value_or("error"), "(nil)");
}

TEST(RedisServerTest, PasswordAndAclFile) {
  RedisServer redis(
      {.extra_config = {"aclfile {dir}/users.acl"}, .user = "svc", .password = "s3cret"});
  std::ofstream(redis.dir() + "/users.acl") << "user default off\n"
                                            << "user svc on >s3cret ~* &* +@all\n";
  ASSERT_OK(redis.Start());
  EXPECT_EQ(redis.Command({"ACL", "WHOAMI"}).value_or("error"), "svc");
}

TEST(RedisServerTest, BadConfigFailsWithLogTail) {
  RedisServer redis({.extra_config = {"no-such-directive 1"}});
  const absl::Status status = redis.Start();
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("no-such-directive"));
  EXPECT_FALSE(redis.running());
}

TEST(ServiceProcessTest, MissingBinaryFailsClearly) {
  ServiceProcess service("/nonexistent/blooddrive-nothing", {});
  const absl::Status status = service.Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(status.message()), HasSubstr("/nonexistent/blooddrive-nothing"));
  EXPECT_FALSE(service.running());
}

TEST(ServiceProcessTest, EarlyExitReportsCodeAndLogTail) {
  ServiceProcess service("/bin/sh", {"-c", "echo boom >&2; exit 3"});
  const absl::Status status = service.Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), HasSubstr("exited with code 3"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("boom"));
}

TEST(ServiceProcessTest, NeverServingTimesOut) {
  ServiceProcess service("/bin/sh", {"-c", "echo waiting >&2; sleep 30"},
                         {.ready_timeout = absl::Milliseconds(700)});
  const absl::Status status = service.Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(status.message()), HasSubstr("waiting"));
  EXPECT_FALSE(service.running());
}

TEST(ServiceProcessTest, ServesStopsGracefullyAndRestarts) {
  ServiceProcess service(FAKE_SERVICE_BIN, {"--redis=127.0.0.1:1"});
  ASSERT_OK(service.Start());
  EXPECT_EQ(service.target(), absl::StrCat("127.0.0.1:", service.port()));
  EXPECT_OK(WaitForHealth(service.Channel(), "", grpc::health::v1::HealthCheckResponse::SERVING,
                          absl::Seconds(2)));
  EXPECT_THAT(service.ReadLog(), HasSubstr("serving on " + service.target()));
  EXPECT_EQ(service.Stop(), 0);
  EXPECT_THAT(service.ReadLog(), HasSubstr("shutting down"));
  EXPECT_FALSE(WaitForHealth(service.Channel(), "", grpc::health::v1::HealthCheckResponse::SERVING,
                             absl::Milliseconds(300))
                   .ok());
  ASSERT_OK(service.Start());
  EXPECT_EQ(service.Kill(), 128 + SIGKILL);
}

// ---- blooddrive-call ----

struct CallResult {
  int exit_code;
  std::string output;  // stdout and stderr
};

CallResult RunCall(const std::string& args, const std::string& stdin_text = "") {
  const std::string dir = MakeTempDir("bd-call");
  const std::string input = dir + "/stdin";
  std::ofstream(input) << stdin_text;
  const std::string command = absl::StrCat(BLOODDRIVE_CALL_BIN, " ", args, " <", input, " 2>&1");
  CallResult run{-1, ""};
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.output.append(buffer, n);
    run.exit_code = ExitCodeOf(pclose(pipe));
  }
  std::filesystem::remove_all(dir);
  return run;
}

TEST(GrpcCallTest, ListShowsCompiledInMethods) {
  const CallResult run = RunCall("--list");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("blooddrive.v1.DonorRegistry/CreateDonor\n"));
  EXPECT_THAT(run.output, HasSubstr("grpc.health.v1.Health/Check\n"));
  EXPECT_THAT(run.output, HasSubstr("grpc.health.v1.Health/Watch (server streaming)\n"));
}

TEST(GrpcCallTest, MalformedJsonExitsTwo) {
  const CallResult run = RunCall("blooddrive.v1.DonorRegistry/CreateDonor '{\"donor\": '");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("ERROR USAGE: request is not a valid "
                                    "blooddrive.v1.CreateDonorRequest JSON"));
}

TEST(GrpcCallTest, UnknownFieldAndUnknownMethodExitTwo) {
  EXPECT_EQ(RunCall("grpc.health.v1.Health/Check '{\"nope\": 1}'").exit_code, 2);
  const CallResult run = RunCall("blooddrive.v1.DonorRegistry/NoSuchMethod '{}'");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("unknown method"));
  EXPECT_EQ(RunCall("").exit_code, 2);
}

TEST(GrpcCallTest, UnreachableServerIsUnavailable) {
  const CallResult run = RunCall(absl::StrCat("--addr=127.0.0.1:", FreeLoopbackPort(),
                                              " --timeout=3s grpc.health.v1.Health/Check '{}'"));
  EXPECT_EQ(run.exit_code, 10 + 14) << run.output;
  EXPECT_THAT(run.output, HasSubstr("ERROR UNAVAILABLE: "));
}

TEST(GrpcCallTest, CallsServiceFromArgumentAndStdin) {
  ServiceProcess service(FAKE_SERVICE_BIN, {});
  ASSERT_OK(service.Start());
  const std::string addr = "--addr=" + service.target() + " --token=t0k ";

  CallResult run = RunCall(addr + "grpc.health.v1.Health/Check '{}'");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.output, "{\"status\":\"SERVING\"}\n");

  run = RunCall(addr + "grpc.health.v1.Health.Check -", "# seed\n{}\n\n{\"service\": \"\"}\n");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.output, "{\"status\":\"SERVING\"}\n{\"status\":\"SERVING\"}\n");

  // Stops at the first failure and says which line it was.
  run = RunCall(addr + "grpc.health.v1.Health/Check", "{}\n{\"service\": \"nope\"}\n{}\n");
  EXPECT_EQ(run.exit_code, 10 + 5) << run.output;
  EXPECT_THAT(run.output, HasSubstr("ERROR NOT_FOUND: "));
  EXPECT_THAT(run.output, HasSubstr("stdin line 2"));

  run = RunCall(addr + "blooddrive.v1.DonorRegistry/GetDonor '{\"name\": \"donors/x\"}'");
  EXPECT_EQ(run.exit_code, 10 + 12) << run.output;
  EXPECT_THAT(run.output, HasSubstr("ERROR UNIMPLEMENTED: "));

  // Server streaming: Watch sends the current status, then waits; the deadline ends it.
  run = RunCall(addr + "--timeout=1s grpc.health.v1.Health/Watch '{}'");
  EXPECT_EQ(run.exit_code, 10 + 4) << run.output;
  EXPECT_THAT(run.output, HasSubstr("{\"status\":\"SERVING\"}\n"));
}

}  // namespace
}  // namespace blooddrive::testing
