#include "log.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace blooddrive::platform {
namespace {

absl::Mutex log_mu;
std::string& ServiceName() {
  static auto* name = new std::string("blooddrive");
  return *name;
}

void AppendValue(std::string* line, absl::string_view value) {
  const bool needs_quotes =
      value.empty() || value.find_first_of(" \"=\\\n") != absl::string_view::npos;
  if (!needs_quotes) {
    line->append(value.data(), value.size());
    return;
  }
  line->push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') line->push_back('\\');
    line->push_back(c == '\n' ? ' ' : c);
  }
  line->push_back('"');
}

}  // namespace

void SetLogServiceName(absl::string_view name) {
  absl::MutexLock lock(&log_mu);
  ServiceName() = std::string(name);
}

void Log(LogLevel level, absl::string_view message, std::initializer_list<LogField> fields) {
  const char* level_name = level == LogLevel::kInfo      ? "info"
                           : level == LogLevel::kWarning ? "warning"
                                                         : "error";
  std::string line = absl::StrCat(
      "ts=", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()),
      " level=", level_name, " svc=");
  absl::MutexLock lock(&log_mu);
  line.append(ServiceName());
  line.append(" msg=");
  AppendValue(&line, message);
  for (const auto& [key, value] : fields) {
    absl::StrAppend(&line, " ", key, "=");
    AppendValue(&line, value);
  }
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace blooddrive::platform
