// Structured one-line logs (logfmt) on stderr:
//   ts=2026-11-27T22:50:06.123Z level=info svc=registry msg="listening" addr=127.0.0.1:50051
// Values are ids, codes and figures only: never names, phones, document numbers or free text that
// came from a donor. Callers pass key/value pairs; values are quoted when they need it.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace blooddrive::platform {

enum class LogLevel { kInfo, kWarning, kError };

using LogField = std::pair<absl::string_view, std::string>;

void SetLogServiceName(absl::string_view name);
void Log(LogLevel level, absl::string_view message, std::initializer_list<LogField> fields = {});

inline void LogInfo(absl::string_view message, std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kInfo, message, fields);
}
inline void LogWarning(absl::string_view message, std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kWarning, message, fields);
}
inline void LogError(absl::string_view message, std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kError, message, fields);
}

}  // namespace blooddrive::platform
