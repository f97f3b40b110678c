#include <cmath>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "coordinator.h"
#include "dates.h"

namespace blooddrive::coordinator {

void AddRequestIdOption(CLI::App& command, std::string& request_id) {
  command.add_option("--request-id", request_id,
                     "Idempotency key: a retry with the same id changes nothing more "
                     "(default: a new random id)");
}

std::string RequestIdOrNew(const std::string& request_id) {
  return request_id.empty() ? cli::NewRequestId() : request_id;
}

CLI::Validator Degrees(double limit) {
  return CLI::Validator(
      [limit](std::string& text) -> std::string {
        double value = 0;
        if (!absl::SimpleAtod(text, &value) || !std::isfinite(value) || value < -limit ||
            value > limit) {
          return absl::StrCat("'", text, "' is not a number of degrees from ", -limit, " to ",
                              limit);
        }
        return std::string();
      },
      absl::StrCat("-", limit, "..", limit));
}

absl::TimeZone LoadZoneOrUtc(const std::string& name) {
  absl::TimeZone zone;
  if (absl::LoadTimeZone(name, &zone)) return zone;
  std::cerr << "note: time zone " << name << " is unknown on this machine (install tzdata); "
            << "times are shown in UTC" << std::endl;
  return absl::UTCTimeZone();
}

std::optional<absl::TimeZone> SiteZones::Of(const std::string& site) {
  auto it = zones_.find(site);
  if (it != zones_.end()) return it->second;
  v1::GetSiteRequest request;
  request.set_name(site);
  v1::Site response;
  if (!cli::CallOrFail(session_, session_.scheduling(), &v1::DriveScheduling::Stub::GetSite,
                       request, &response)) {
    return std::nullopt;
  }
  const absl::TimeZone zone = LoadZoneOrUtc(response.time_zone());
  zones_.emplace(site, zone);
  return zone;
}

absl::TimeZone SiteZones::OfOrUtc(const std::string& site) {
  auto it = zones_.find(site);
  if (it != zones_.end()) return it->second;
  v1::DriveScheduling::Stub* stub = session_.scheduling();
  if (stub != nullptr) {
    v1::GetSiteRequest request;
    request.set_name(site);
    v1::Site response;
    std::unique_ptr<grpc::ClientContext> context = session_.NewContext();
    if (stub->GetSite(context.get(), request, &response).ok()) {
      const absl::TimeZone zone = LoadZoneOrUtc(response.time_zone());
      zones_.emplace(site, zone);
      return zone;
    }
  }
  std::cerr << "note: the time zone of " << site << " could not be read; times are shown in UTC"
            << std::endl;
  return absl::UTCTimeZone();
}

void PrintJson(const google::protobuf::Message& message) {
  std::cout << cli::ToJsonLine(message) << '\n';
  std::cout.flush();
}

std::string FullName(const v1::Donor& donor) {
  std::vector<std::string> parts;
  for (const std::string* part : {&donor.family_name(), &donor.given_name(), &donor.patronymic()}) {
    if (!part->empty()) parts.push_back(*part);
  }
  return absl::StrJoin(parts, " ");
}

std::string LocalSpan(const google::protobuf::Timestamp& start,
                      const google::protobuf::Timestamp& end, const absl::TimeZone& zone) {
  const auto time = [&](const google::protobuf::Timestamp& t) {
    return absl::FormatTime("%H:%M", platform::ToTime(t), zone);
  };
  return absl::StrCat(time(start), "-", time(end));
}

}  // namespace blooddrive::coordinator
