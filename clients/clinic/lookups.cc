// Donor names and site time zones for the clinic's tables and confirmation lines.
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "clinic.h"
#include "dates.h"

namespace blooddrive::clinic {

const DonorInfo& DonorDirectory::Get(const std::string& donor) {
  auto it = cache_.find(donor);
  if (it != cache_.end()) return it->second;
  DonorInfo info;
  info.display_name = donor;
  if (v1::DonorRegistry::Stub* stub = session_.registry(); stub != nullptr) {
    std::unique_ptr<grpc::ClientContext> context = session_.NewContext();
    v1::GetDonorRequest request;
    request.set_name(donor);
    v1::Donor reply;
    const grpc::Status status = stub->GetDonor(context.get(), request, &reply);
    if (status.ok()) {
      info.display_name = DonorDisplayName(reply);
      info.phone = reply.phone();
      info.known = true;
    } else if (!warned_) {
      // One note, not one per row: the cause is the same for every donor (a token without
      // registry access, the registry down).
      warned_ = true;
      std::cerr << "note: donor names not shown (" << cli::Describe(status, *context)
                << "); showing donor ids\n";
    }
  }
  return cache_.emplace(donor, std::move(info)).first->second;
}

std::optional<v1::Site> SiteDirectory::Get(const std::string& site) {
  auto it = sites_.find(site);
  if (it != sites_.end()) return it->second;
  v1::DriveScheduling::Stub* stub = session_.scheduling();
  if (stub == nullptr) return std::nullopt;
  std::unique_ptr<grpc::ClientContext> context = session_.NewContext();
  v1::GetSiteRequest request;
  request.set_name(site);
  v1::Site reply;
  if (grpc::Status status = stub->GetSite(context.get(), request, &reply); !status.ok()) {
    session_.Fail(status, *context);
    return std::nullopt;
  }
  sites_[site] = reply;
  return reply;
}

absl::TimeZone SiteDirectory::Zone(const std::string& site) {
  std::string zone_name;
  if (auto it = sites_.find(site); it != sites_.end()) {
    zone_name = it->second.time_zone();
  } else if (v1::DriveScheduling::Stub* stub = session_.scheduling(); stub != nullptr) {
    std::unique_ptr<grpc::ClientContext> context = session_.NewContext();
    v1::GetSiteRequest request;
    request.set_name(site);
    v1::Site reply;
    if (stub->GetSite(context.get(), request, &reply).ok()) {
      sites_[site] = reply;
      zone_name = reply.time_zone();
    }
  }
  absl::TimeZone zone;
  if (zone_name.empty() || !absl::LoadTimeZone(zone_name, &zone)) {
    std::cerr << "note: times in UTC (the time zone of " << site << " is not known here)\n";
    return absl::UTCTimeZone();
  }
  return zone;
}

absl::CivilDay TodayIn(const absl::TimeZone& zone) { return absl::ToCivilDay(absl::Now(), zone); }

std::string ShortLocal(const google::protobuf::Timestamp& instant, const absl::TimeZone& zone) {
  const absl::Time t = platform::ToTime(instant);
  if (absl::ToCivilDay(t, zone) == TodayIn(zone)) return absl::FormatTime("%H:%M", t, zone);
  return absl::FormatTime("%Y-%m-%d %H:%M", t, zone);
}

}  // namespace blooddrive::clinic
