// End-to-end fixture: the whole system as users meet it. Real redis-server (the services' ACL
// users), blooddrive-registry, -eligibility, -scheduling (clock from --clock_file), -reminders
// (quiet hours off, so what is due is sent now) and blooddrive-sms-gateway (file provider: an
// out file it "sends" to and an in file it reads replies from), all with auth on; and the CLIs
// (blooddrive-coordinator, blooddrive-clinic) run as subprocesses the way staff run them, with
// the addresses and a token file in BLOODDRIVE_* environment variables.
//
// One environment per test binary; tests keep apart by using their own site, drive and donors.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "child_process.h"
#include "harness.h"
#include "scheduling_fixture.h"

namespace blooddrive::testing {

// What a CLI run left: exit code (128+signal if killed, -1 if it could not run), stdout, stderr.
struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;

  // stdout's non-empty lines.
  std::vector<std::string> Lines() const;
  // For failure messages: the exit code and both streams.
  std::string Describe() const;
};

// Runs `binary` with `args`, the given environment added to (and overriding) the test's own,
// stdin from /dev/null; kills it after `timeout`.
CliResult RunProgram(const std::string& binary, const std::vector<std::string>& args,
                     const std::vector<std::pair<std::string, std::string>>& env,
                     absl::Duration timeout = absl::Seconds(60));

class E2eEnvironment {
 public:
  static E2eEnvironment& Get();
  // Starts every process; fails the test (with logs) when one does not come up.
  void Start();
  ~E2eEnvironment();

  SchedulingEnvironment& services() { return *services_; }
  ServiceProcess& reminders() { return *reminders_; }
  ChildProcess& gateway() { return *gateway_; }
  const std::string& dir() const { return dir_; }
  // The gateway's files: what it sent, the inbox it reads, and its inbound results.
  std::string out_file() const { return dir_ + "/sms-outbox.jsonl"; }
  std::string in_file() const { return dir_ + "/sms-inbox.jsonl"; }
  std::string in_log_file() const { return dir_ + "/sms-inbound-results.jsonl"; }

  // The scheduling service's "now" (the other services keep the real clock).
  void SetSchedulingClock(absl::Time now);

  // The CLIs as a coordinator of the kz-astana branch and as the clinic of site `kClinicSite`.
  CliResult Coordinator(const std::vector<std::string>& args);
  CliResult Clinic(const std::vector<std::string>& args);
  // The coordinator CLI with some BLOODDRIVE_* variables replaced (e.g. a wrong address or
  // token file).
  CliResult CoordinatorWith(const std::vector<std::pair<std::string, std::string>>& env,
                            const std::vector<std::string>& args);
  // Appends an SMS "received" by the gateway: one JSON line to its in file.
  void ReceiveSms(const std::string& id, const std::string& from, const std::string& text);
  // Every process's log tail, for failure messages.
  std::string Logs() const;

 private:
  std::vector<std::pair<std::string, std::string>> CliEnv(const std::string& token_file) const;

  std::string dir_;
  std::string coordinator_token_file_;
  std::string clinic_token_file_;
  std::unique_ptr<SchedulingEnvironment> services_;
  std::unique_ptr<ServiceProcess> reminders_;
  std::unique_ptr<ChildProcess> gateway_;
};

// The site the clinic token may act on (the coordinator's branch covers it too).
inline constexpr char kClinicSite[] = "astana-e2e";

class E2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;
  void TearDown() override;

  E2eEnvironment& env() { return E2eEnvironment::Get(); }
  // Today in Asia/Almaty by the real clock (the registry's and eligibility's "today").
  absl::CivilDay today() const { return today_; }

  // Polls `check` every 200 ms until it holds or `timeout` passes; whether it held.
  static bool Eventually(const std::function<bool()>& check,
                         absl::Duration timeout = absl::Seconds(20));

  // The gateway's out file: every line as a parsed object's string fields.
  struct SentSms {
    std::string name, phone, text, encoding;
  };
  std::vector<SentSms> SentMessages() const;
  std::vector<std::string> InboundResults() const;

 private:
  absl::CivilDay today_;
};

// "{{KEY}}" -> value, for test data written with placeholders.
std::string Fill(std::string text, const std::vector<std::pair<std::string, std::string>>& values);
// The content of a file in tests/e2e/testdata.
std::string TestData(const std::string& name);

}  // namespace blooddrive::testing
