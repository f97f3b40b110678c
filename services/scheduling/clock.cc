#include "clock.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "log.h"

namespace blooddrive::scheduling {

absl::Time Clock::Now() const {
  if (file_.empty()) return absl::Now();
  std::ifstream in(file_);
  if (!in) return absl::Now();
  std::stringstream text;
  text << in.rdbuf();
  const std::string value(absl::StripAsciiWhitespace(text.str()));
  if (value.empty()) return absl::Now();
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, value, &t, &error)) {
    platform::LogWarning("clock file unreadable; using the system clock", {{"error", error}});
    return absl::Now();
  }
  return t;
}

}  // namespace blooddrive::scheduling
