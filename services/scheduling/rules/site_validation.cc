#include "site_validation.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "slots.h"
#include "validation.h"

namespace blooddrive::scheduling {
namespace {

using platform::FieldPath;
using platform::InvalidField;

constexpr absl::string_view kSiteFields[] = {"display_name", "address", "location", "time_zone",
                                             "branch",       "kind",    "rule_pack"};

absl::Status CheckBranch(absl::string_view field, absl::string_view branch) {
  if (branch.empty()) return InvalidField(field, "is required (e.g. kz-astana)");
  if (branch.size() > 32) return InvalidField(field, "is longer than 32 characters");
  for (char c : branch) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-')) {
      return InvalidField(field, "may only hold a-z, 0-9 and '-'");
    }
  }
  return absl::OkStatus();
}

// One top-level field of a site, by its mask path.
absl::Status CheckSiteField(const v1::Site& site, absl::string_view path) {
  const std::string field = FieldPath("site", path);
  if (path == "display_name") return platform::CheckText(field, site.display_name(), 100, true);
  if (path == "address") return platform::CheckText(field, site.address(), 300, true);
  if (path == "location") {
    if (!site.has_location()) return InvalidField(field, "is required");
    return CheckLatLng(field, site.location());
  }
  if (path == "time_zone") return LoadSiteTimeZone(field, site.time_zone()).status();
  if (path == "branch") return CheckBranch(field, site.branch());
  if (path == "kind") return platform::CheckEnum(field, site.kind(), v1::SiteKind_IsValid);
  if (path == "rule_pack") {
    if (site.rule_pack().empty()) return absl::OkStatus();
    return platform::CheckResourceName(field, site.rule_pack(), "rulePacks", nullptr);
  }
  return InvalidField("update_mask", absl::StrCat("unknown field ", path));
}

}  // namespace

absl::Status CheckUpdateMask(absl::string_view field, const google::protobuf::FieldMask& mask,
                             absl::Span<const absl::string_view> allowed,
                             std::vector<std::string>* paths) {
  paths->clear();
  if (mask.paths_size() == 0) {
    return InvalidField(field, absl::StrCat("is required: list the fields to change (",
                                            absl::StrJoin(allowed, ", "), ")"));
  }
  for (int i = 0; i < mask.paths_size(); ++i) {
    const std::string& path = mask.paths(i);
    if (std::find(allowed.begin(), allowed.end(), absl::string_view(path)) == allowed.end()) {
      return InvalidField(
          FieldPath(FieldPath(field, "paths"), i),
          absl::StrCat("cannot update '", path, "'; updatable: ", absl::StrJoin(allowed, ", ")));
    }
    if (std::find(paths->begin(), paths->end(), path) == paths->end()) paths->push_back(path);
  }
  return absl::OkStatus();
}

absl::Status CheckLatLng(absl::string_view field, const v1::LatLng& point) {
  const double lat = point.latitude();
  const double lng = point.longitude();
  // Written so that NaN fails too.
  if (!(std::isfinite(lat) && lat >= -90 && lat <= 90)) {
    return InvalidField(FieldPath(field, "latitude"), "must be -90..90");
  }
  if (!(std::isfinite(lng) && lng >= -180 && lng <= 180)) {
    return InvalidField(FieldPath(field, "longitude"), "must be -180..180");
  }
  return absl::OkStatus();
}

absl::Status ValidateSite(const v1::Site& site) {
  for (absl::string_view path : kSiteFields) {
    if (absl::Status s = CheckSiteField(site, path); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ValidateCreateSiteRequest(const v1::CreateSiteRequest& request) {
  if (absl::Status s = platform::CheckRequestId("request_id", request.request_id()); !s.ok()) {
    return s;
  }
  if (!request.site_id().empty()) {
    if (absl::Status s = platform::CheckResourceName(
            "site_id", absl::StrCat("sites/", request.site_id()), "sites", nullptr);
        !s.ok()) {
      return s;
    }
  }
  if (!request.has_site()) return InvalidField("site", "is required");
  return ValidateSite(request.site());
}

absl::Status ValidateUpdateSiteRequest(const v1::UpdateSiteRequest& request) {
  if (absl::Status s = platform::CheckRequestId("request_id", request.request_id()); !s.ok()) {
    return s;
  }
  if (!request.has_site()) return InvalidField("site", "is required");
  if (absl::Status s =
          platform::CheckResourceName("site.name", request.site().name(), "sites", nullptr);
      !s.ok()) {
    return s;
  }
  std::vector<std::string> paths;
  if (absl::Status s = CheckUpdateMask("update_mask", request.update_mask(), kSiteFields, &paths);
      !s.ok()) {
    return s;
  }
  for (const std::string& path : paths) {
    if (absl::Status s = CheckSiteField(request.site(), path); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Site> ApplySiteUpdate(const v1::Site& current,
                                         const v1::UpdateSiteRequest& request,
                                         bool has_published_drive) {
  const v1::Site& in = request.site();
  if (!in.etag().empty() && in.etag() != current.etag()) {
    return absl::AbortedError("site.etag: the site changed since it was read; read it again");
  }
  v1::Site out = current;
  for (const std::string& path : request.update_mask().paths()) {
    if (path == "display_name") out.set_display_name(in.display_name());
    if (path == "address") out.set_address(in.address());
    if (path == "location") *out.mutable_location() = in.location();
    if (path == "time_zone") {
      if (in.time_zone() != current.time_zone() && has_published_drive) {
        return absl::FailedPreconditionError(
            "site.time_zone: cannot change while the site has a published drive");
      }
      out.set_time_zone(in.time_zone());
    }
    if (path == "branch") out.set_branch(in.branch());
    if (path == "kind") out.set_kind(in.kind());
    if (path == "rule_pack") out.set_rule_pack(in.rule_pack());
  }
  return out;
}

}  // namespace blooddrive::scheduling
