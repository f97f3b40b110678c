// blooddrive-reminders refuses a --info_phone that messages could not print whole, before it
// touches Redis or the network (flags are checked first, so no server is needed here).
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"

namespace {

using ::testing::HasSubstr;

struct Outcome {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs the binary with one --info_phone value. The values below hold no shell quotes.
Outcome RunWithPhone(const std::string& phone) {
  const std::string command =
      absl::StrCat(REMINDERS_BIN, " --consume_events=false '--info_phone=", phone, "' 2>&1");
  Outcome out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    out.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return out;
}

TEST(InfoPhoneFlagTest, BadValuesStopTheServiceNamingTheFlag) {
  for (const char* phone :
       {"", "+7 7172 55-12-34 ext. 2", "+7.7172.551234", "+996 (3222) 55-12-345", "( - )"}) {
    SCOPED_TRACE(phone);
    const Outcome out = RunWithPhone(phone);
    EXPECT_NE(out.exit_code, 0) << out.output;
    EXPECT_THAT(out.output, HasSubstr("--info_phone:")) << out.output;
  }
}

}  // namespace
