// Small POSIX file helpers shared by the file provider (outbox) and the inbound reader (inbox).
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace blooddrive::sms_gateway {

// "<what> <path>: <strerror(errno)>", for errors right after a failed system call.
std::string ErrnoText(absl::string_view what, const std::string& path);

// Writes all of `data`, retrying short writes and EINTR; false (errno set) on an error.
bool WriteAll(int fd, absl::string_view data);

}  // namespace blooddrive::sms_gateway
