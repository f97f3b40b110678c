#include "process.h"

#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "log.h"

namespace blooddrive::platform {
namespace {

void ApplyEnvironment() {
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    const std::string variable = absl::AsciiStrToUpper(absl::StrCat("BLOODDRIVE_", name));
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      std::cerr << "bad value in environment variable " << variable << ": " << error << "\n";
      std::exit(2);
    }
  }
}

}  // namespace

void InitProcess(int argc, char** argv, absl::string_view service_name, absl::string_view usage) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::SetProgramUsageMessage(
      absl::StrCat(usage,
                   "\nEvery flag can also be set by the environment variable "
                   "BLOODDRIVE_<FLAG NAME IN CAPITALS>; the command line wins."));
  ApplyEnvironment();
  absl::ParseCommandLine(argc, argv);
  SetLogServiceName(service_name);
}

}  // namespace blooddrive::platform
