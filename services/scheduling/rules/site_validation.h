// Validation of sites (CreateSite, UpdateSite), naming the offending field ("site.time_zone: ...").
//
// Order of checks in an RPC: first the request alone (INVALID_ARGUMENT: request_id, name, mask,
// each given field), then, with the stored resource, ApplySiteUpdate (ABORTED: stale etag;
// FAILED_PRECONDITION: what the stored state forbids).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "blooddrive/v1/common.pb.h"
#include "blooddrive/v1/scheduling.pb.h"
#include "google/protobuf/field_mask.pb.h"

namespace blooddrive::scheduling {

namespace v1 = ::blooddrive::v1;

// Latitude -90..90 and longitude -180..180, finite. `field` names the LatLng ("site.location").
absl::Status CheckLatLng(absl::string_view field, const v1::LatLng& point);

// update_mask: required, not empty, each path one of `allowed` (top-level fields only). Duplicates
// are dropped; *paths gets the distinct paths in request order.
absl::Status CheckUpdateMask(absl::string_view field, const google::protobuf::FieldMask& mask,
                             absl::Span<const absl::string_view> allowed,
                             std::vector<std::string>* paths);

// Every field of a site payload: display_name 1..100, address 1..300, location required and in
// range, time_zone a loadable IANA zone, branch [a-z0-9-] 1..32, kind required, rule_pack empty
// or "rulePacks/{id}". Output-only fields are ignored.
absl::Status ValidateSite(const v1::Site& site);

absl::Status ValidateCreateSiteRequest(const v1::CreateSiteRequest& request);

// request_id, site.name ("sites/{id}"), update_mask (required; only display_name, address,
// location, time_zone, branch, kind, rule_pack) and the value of each masked field.
absl::Status ValidateUpdateSiteRequest(const v1::UpdateSiteRequest& request);

// Applies a validated UpdateSiteRequest to the stored site and returns the result (output-only
// fields as stored; the caller sets update_time and etag). ABORTED when request.site.etag is not
// empty and differs from current.etag; FAILED_PRECONDITION when time_zone would change while the
// site has a PUBLISHED drive (its slots' instants are already given to donors).
absl::StatusOr<v1::Site> ApplySiteUpdate(const v1::Site& current,
                                         const v1::UpdateSiteRequest& request,
                                         bool has_published_drive);

}  // namespace blooddrive::scheduling
