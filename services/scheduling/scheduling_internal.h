// Small helpers shared by the service's source files (not part of any interface).
#pragma once

#include <grpcpp/server_context.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "blooddrive/v1/scheduling.pb.h"
#include "scheduling_store.h"

namespace blooddrive::scheduling::internal {

inline constexpr v1::DonationType kAllTypes[] = {
    v1::DONATION_TYPE_WHOLE_BLOOD, v1::DONATION_TYPE_DOUBLE_RED_CELLS, v1::DONATION_TYPE_PLATELETS,
    v1::DONATION_TYPE_PLASMA};

// Days since 1970-01-01 of a civil date (the drive index's score).
int64_t DayNumber(const v1::Date& date);
// "type:S:R,..." for partition_commit's FITS check.
std::string CapsText(const v1::Drive& drive);
// seats:<type> and reserve:<type> of every type (0 for types the drive does not offer).
void WriteCaps(PartitionCommit& commit, const std::string& drive_key, const v1::Drive& drive);
// Great-circle distance.
double DistanceKm(const v1::LatLng& a, const v1::LatLng& b);
// Offset page tokens: "" or a non-negative number this service handed out.
absl::Status CheckPageToken(absl::string_view token, int* offset);
// Drafts are the coordinators' work in progress: donor-facing callers (the portal) are told they
// do not exist, as scheduling.proto promises.
bool HiddenFromCaller(const grpc::ServerContextBase* context, const v1::Drive& drive);
absl::Status DriveNotFound(absl::string_view drive_id);
// "drives/x/bookings/y" -> "y"; "donors/d" -> "d".
inline std::string LastSegment(absl::string_view name) {
  return std::string(name.substr(name.rfind('/') + 1));
}

}  // namespace blooddrive::scheduling::internal
