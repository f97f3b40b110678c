#include "e2e_fixture.h"

#include <fcntl.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

extern char** environ;

namespace blooddrive::testing {
namespace {

std::unique_ptr<E2eEnvironment>& EnvironmentSlot() {
  static auto* slot = new std::unique_ptr<E2eEnvironment>();
  return *slot;
}

std::string WriteTokenFile(const std::string& dir, const std::string& name,
                           const std::string& token) {
  const std::string path = dir + "/" + name + ".token";
  std::ofstream(path) << token << "\n";
  chmod(path.c_str(), 0600);
  return path;
}

std::vector<std::string> FileLines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::vector<std::string> CliResult::Lines() const {
  return absl::StrSplit(out, '\n', absl::SkipEmpty());
}

std::string CliResult::Describe() const {
  return absl::StrCat("exit code ", exit_code, "\n--- stdout:\n", out, "\n--- stderr:\n", err);
}

CliResult RunProgram(const std::string& binary, const std::vector<std::string>& args,
                     const std::vector<std::pair<std::string, std::string>>& env,
                     absl::Duration timeout) {
  CliResult result;
  std::vector<std::string> argv = {binary};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (std::string& arg : argv) cargv.push_back(arg.data());
  cargv.push_back(nullptr);
  // The test's environment without the variables the CLIs read, then the given ones.
  std::vector<std::string> envs;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!absl::StartsWith(*e, "BLOODDRIVE_")) envs.push_back(*e);
  }
  for (const auto& [key, value] : env) envs.push_back(absl::StrCat(key, "=", value));
  std::vector<char*> cenv;
  for (std::string& e : envs) cenv.push_back(e.data());
  cenv.push_back(nullptr);

  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    result.err = "pipe failed";
    return result;
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    const int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    execve(cargv[0], cargv.data(), cenv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (pid < 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    result.err = "fork failed";
    return result;
  }
  // Both streams are drained together, so a program that writes much to one never blocks.
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_streams = 2;
  const absl::Time end = absl::Now() + timeout;
  bool killed = false;
  while (open_streams > 0) {
    const int wait_ms = static_cast<int>(absl::ToInt64Milliseconds(end - absl::Now()));
    if (wait_ms <= 0) {
      kill(pid, SIGKILL);
      killed = true;
      break;
    }
    if (poll(fds, 2, std::min(wait_ms, 1000)) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char buffer[8192];
      const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_streams;
      }
    }
  }
  for (pollfd& fd : fds) {
    if (fd.fd >= 0) close(fd.fd);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = ExitCodeOf(status);
  if (killed)
    absl::StrAppend(&result.err, "\n[killed by the test after ", absl::FormatDuration(timeout),
                    "]");
  return result;
}

// ---------------------------------------------------------------------------------------------

E2eEnvironment& E2eEnvironment::Get() { return *EnvironmentSlot(); }

E2eEnvironment::~E2eEnvironment() {
  if (gateway_ != nullptr) gateway_->Stop(SIGTERM, absl::Seconds(20));
  gateway_.reset();
  reminders_.reset();
  std::string clock_dir;
  if (services_ != nullptr && !services_->clock_file().empty()) {
    clock_dir = std::filesystem::path(services_->clock_file()).parent_path();
  }
  services_.reset();
  std::error_code ignored;
  if (!clock_dir.empty()) std::filesystem::remove_all(clock_dir, ignored);
  if (!dir_.empty() && !::testing::Test::HasFailure()) std::filesystem::remove_all(dir_, ignored);
}

void E2eEnvironment::Start() {
  dir_ = MakeTempDir("blooddrive-e2e");
  // Every token is minted before the first service reads the credentials file.
  coordinator_token_file_ = WriteTokenFile(
      dir_, "coordinator",
      FixtureCredentials().Mint("e2e-coordinator", auth::ROLE_COORDINATOR, "kz-astana"));
  clinic_token_file_ =
      WriteTokenFile(dir_, "clinic",
                     FixtureCredentials().Mint("e2e-clinic", auth::ROLE_CLINIC, "",
                                               {absl::StrCat("sites/", kClinicSite)}));
  const std::string gateway_token_file = WriteTokenFile(
      dir_, "gateway", FixtureCredentials().Mint("e2e-gateway", auth::ROLE_SMS_GATEWAY));
  const std::string reminders_token_file = ServiceTokenFile("reminders");

  services_ = std::make_unique<SchedulingEnvironment>();
  services_->Start();  // redis, registry, eligibility, scheduling
  if (::testing::Test::HasFatalFailure()) return;
  SetSchedulingClock(absl::Now());

  std::vector<std::string> flags = RedisUserFlags("reminders");
  for (const std::string& flag :
       {"--redis=" + services_->redis().address(),
        "--registry_target=" + services_->registry().target(),
        "--eligibility_target=" + services_->eligibility().target(),
        "--scheduling_target=" + services_->scheduling().target(), FixtureCredentials().flag(),
        "--service_token_file=" + reminders_token_file, std::string("--consumer_name=e2e"),
        // Off, so that what is due is sent at any hour the test runs.
        std::string("--quiet_hours=00:00-00:00")}) {
    flags.push_back(flag);
  }
  ServiceProcess::Options options;
  options.token = AdminToken();
  options.health_service = "blooddrive.v1.ReminderFeed";
  reminders_ = std::make_unique<ServiceProcess>(REMINDERS_BIN, std::move(flags), options);
  ASSERT_OK(reminders_->Start());

  gateway_ = std::make_unique<ChildProcess>(
      GATEWAY_BIN,
      std::vector<std::string>{"--feed=" + reminders_->target(),
                               "--token_file=" + gateway_token_file, "--gateway_id=e2e-gw",
                               "--provider=file", "--out_file=" + out_file(),
                               "--in_file=" + in_file(), "--in_log_file=" + in_log_file(),
                               "--in_poll_interval=100ms", "--max_wait=1s", "--lease=30s"},
      dir_ + "/gateway.log");
  gateway_->Start();
}

void E2eEnvironment::SetSchedulingClock(absl::Time now) {
  const std::string tmp = services_->clock_file() + ".tmp";
  std::ofstream(tmp, std::ios::trunc) << Rfc3339(now) << "\n";
  ASSERT_EQ(std::rename(tmp.c_str(), services_->clock_file().c_str()), 0);
}

std::vector<std::pair<std::string, std::string>> E2eEnvironment::CliEnv(
    const std::string& token_file) const {
  return {{"BLOODDRIVE_REGISTRY", services_->registry().target()},
          {"BLOODDRIVE_ELIGIBILITY", services_->eligibility().target()},
          {"BLOODDRIVE_SCHEDULING", services_->scheduling().target()},
          {"BLOODDRIVE_REMINDERS", reminders_->target()},
          {"BLOODDRIVE_TOKEN_FILE", token_file}};
}

CliResult E2eEnvironment::Coordinator(const std::vector<std::string>& args) {
  return RunProgram(COORDINATOR_BIN, args, CliEnv(coordinator_token_file_));
}

CliResult E2eEnvironment::CoordinatorWith(
    const std::vector<std::pair<std::string, std::string>>& env,
    const std::vector<std::string>& args) {
  std::vector<std::pair<std::string, std::string>> merged = CliEnv(coordinator_token_file_);
  for (const auto& [key, value] : env) {
    bool replaced = false;
    for (auto& entry : merged) {
      if (entry.first == key) {
        entry.second = value;
        replaced = true;
      }
    }
    if (!replaced) merged.emplace_back(key, value);
  }
  return RunProgram(COORDINATOR_BIN, args, merged);
}

CliResult E2eEnvironment::Clinic(const std::vector<std::string>& args) {
  return RunProgram(CLINIC_BIN, args, CliEnv(clinic_token_file_));
}

void E2eEnvironment::ReceiveSms(const std::string& id, const std::string& from,
                                const std::string& text) {
  google::protobuf::Struct sms;
  (*sms.mutable_fields())["id"].set_string_value(id);
  (*sms.mutable_fields())["from"].set_string_value(from);
  (*sms.mutable_fields())["text"].set_string_value(text);
  std::string line;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(sms, &line).ok());
  std::ofstream(in_file(), std::ios::app) << line << "\n";
}

std::string E2eEnvironment::Logs() const {
  std::string logs;
  if (services_ != nullptr) {
    absl::StrAppend(&logs, "--- registry:\n", FileTail(services_->registry().log_path(), 2000),
                    "\n--- eligibility:\n", FileTail(services_->eligibility().log_path(), 2000),
                    "\n--- scheduling:\n", FileTail(services_->scheduling().log_path(), 3000));
  }
  if (reminders_ != nullptr) {
    absl::StrAppend(&logs, "\n--- reminders:\n", FileTail(reminders_->log_path(), 3000));
  }
  if (gateway_ != nullptr) absl::StrAppend(&logs, "\n--- gateway:\n", gateway_->Log());
  return logs;
}

// ---------------------------------------------------------------------------------------------

void E2eTest::SetUpTestSuite() {
  if (EnvironmentSlot() != nullptr) return;
  EnvironmentSlot() = std::make_unique<E2eEnvironment>();
  EnvironmentSlot()->Start();
}

void E2eTest::TearDownTestSuite() { EnvironmentSlot().reset(); }

void E2eTest::SetUp() {
  ASSERT_NE(EnvironmentSlot(), nullptr);
  ASSERT_TRUE(env().gateway().running()) << env().Logs();
  today_ = TodayInAlmaty();
}

void E2eTest::TearDown() {
  if (HasFailure()) std::cerr << env().Logs() << "\n";
}

bool E2eTest::Eventually(const std::function<bool()>& check, absl::Duration timeout) {
  for (const absl::Time end = absl::Now() + timeout; absl::Now() < end;) {
    if (check()) return true;
    absl::SleepFor(absl::Milliseconds(200));
  }
  return check();
}

std::vector<E2eTest::SentSms> E2eTest::SentMessages() const {
  std::vector<SentSms> out;
  for (const std::string& line : FileLines(E2eEnvironment::Get().out_file())) {
    google::protobuf::Struct object;
    if (!google::protobuf::util::JsonStringToMessage(line, &object).ok()) continue;  // torn
    const auto& f = object.fields();
    auto get = [&](const char* key) {
      auto it = f.find(key);
      return it == f.end() ? std::string() : it->second.string_value();
    };
    out.push_back({get("name"), get("phone"), get("text"), get("encoding")});
  }
  return out;
}

std::vector<std::string> E2eTest::InboundResults() const {
  return FileLines(E2eEnvironment::Get().in_log_file());
}

std::string Fill(std::string text, const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [key, value] : values) {
    text = absl::StrReplaceAll(text, {{absl::StrCat("{{", key, "}}"), value}});
  }
  return text;
}

std::string TestData(const std::string& name) {
  std::ifstream in(std::string(E2E_TESTDATA_DIR) + "/" + name);
  EXPECT_TRUE(in.good()) << "missing test data " << name;
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace blooddrive::testing
