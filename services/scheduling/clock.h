// The service's "now". Production reads the system clock; tests and drills may point
// --clock_file at a file holding one RFC 3339 instant, re-read on every use, to make "the drive's
// date", "the slot has started" and hold expiry happen when they need them.
#pragma once

#include <string>

#include "absl/time/time.h"

namespace blooddrive::scheduling {

class Clock {
 public:
  explicit Clock(std::string file = "") : file_(std::move(file)) {}
  // The file's instant when the file is set, exists and is not empty; the system clock otherwise.
  absl::Time Now() const;

 private:
  std::string file_;
};

}  // namespace blooddrive::scheduling
