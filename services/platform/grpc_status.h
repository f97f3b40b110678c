// absl::Status <-> grpc::Status. The canonical codes are the same numbers in both.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace blooddrive::platform {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace blooddrive::platform

namespace blooddrive::platform {

// Completes a unary handler: copies the value into the response, or maps the error.
template <typename T>
grpc::Status Respond(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace blooddrive::platform
