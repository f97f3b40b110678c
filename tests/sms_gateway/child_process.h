// A long-running program as a child process of the test (the SMS gateway, which has no gRPC
// server of its own, so harness.h's ServiceProcess does not fit): its stdout and stderr go to a
// log file, and it dies with the test (PR_SET_PDEATHSIG; create it on the test's main thread).
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace blooddrive::testing {

class ChildProcess {
 public:
  ChildProcess(std::string binary, std::vector<std::string> flags, std::string log_path)
      : binary_(std::move(binary)), flags_(std::move(flags)), log_path_(std::move(log_path)) {}
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts the program (appending to the log). Fails the test when it cannot fork.
  void Start();
  // Sends `signal` and waits up to `timeout` (then SIGKILL); the exit code, 128+signal if killed
  // by one, -1 when not running.
  int Stop(int signal, absl::Duration timeout);
  bool running() const { return pid_ > 0; }
  const std::string& log_path() const { return log_path_; }
  // The last bytes of the log, for failure messages.
  std::string Log() const;

 private:
  std::string binary_;
  std::vector<std::string> flags_;
  std::string log_path_;
  pid_t pid_ = -1;
};

}  // namespace blooddrive::testing
