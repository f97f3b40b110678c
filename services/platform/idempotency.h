// Request fingerprints for request_id idempotency: a retry must be the same request as the first.
#pragma once

#include <google/protobuf/message.h>

#include <string>

#include "absl/strings/string_view.h"

namespace blooddrive::platform {

// The method name and the deterministic serialization of the request (request_id included).
std::string RequestFingerprint(absl::string_view method, const google::protobuf::Message& request);

}  // namespace blooddrive::platform
