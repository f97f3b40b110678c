#include "scheduling_internal.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "auth/auth.h"
#include "dates.h"
#include "validation.h"

namespace blooddrive::scheduling::internal {

bool HiddenFromCaller(const grpc::ServerContextBase* context, const v1::Drive& drive) {
  if (drive.state() != v1::DRIVE_STATE_DRAFT) return false;
  std::shared_ptr<const auth::Principal> caller = auth::CallerOf(context);
  return caller == nullptr || caller->role == auth::ROLE_PORTAL;
}

absl::Status DriveNotFound(absl::string_view drive_id) {
  return absl::NotFoundError(absl::StrCat("drives/", drive_id, " does not exist"));
}

int64_t DayNumber(const v1::Date& date) {
  return platform::ToCivilDay(date) - absl::CivilDay(1970, 1, 1);
}

std::string CapsText(const v1::Drive& drive) {
  std::vector<std::string> parts;
  for (const v1::SlotCapacity& c : drive.capacities()) {
    parts.push_back(absl::StrCat(static_cast<int>(c.donation_type()), ":", c.seats(), ":",
                                 c.walk_in_reserve()));
  }
  return absl::StrJoin(parts, ",");
}

void WriteCaps(PartitionCommit& commit, const std::string& drive_key, const v1::Drive& drive) {
  for (v1::DonationType type : kAllTypes) {
    int seats = 0, reserve = 0;
    for (const v1::SlotCapacity& c : drive.capacities()) {
      if (c.donation_type() == type) {
        seats = c.seats();
        reserve = c.walk_in_reserve();
      }
    }
    commit.HSet(drive_key, absl::StrCat("seats:", static_cast<int>(type)), absl::StrCat(seats));
    commit.HSet(drive_key, absl::StrCat("reserve:", static_cast<int>(type)), absl::StrCat(reserve));
  }
}

double DistanceKm(const v1::LatLng& a, const v1::LatLng& b) {
  constexpr double kEarthKm = 6371.0088, kRad = M_PI / 180.0;
  const double dlat = (b.latitude() - a.latitude()) * kRad;
  const double dlon = (b.longitude() - a.longitude()) * kRad;
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(a.latitude() * kRad) * std::cos(b.latitude() * kRad) *
                       std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthKm * std::asin(std::min(1.0, std::sqrt(h)));
}

absl::Status CheckPageToken(absl::string_view token, int* offset) {
  *offset = 0;
  if (!token.empty() && (!absl::SimpleAtoi(token, offset) || *offset < 0)) {
    return platform::InvalidField("page_token", "not a token from this RPC");
  }
  return absl::OkStatus();
}

}  // namespace blooddrive::scheduling::internal
