// Site RPCs: create, read, list, update.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "auth/auth.h"
#include "dates.h"
#include "drive_validation.h"
#include "grpc_status.h"
#include "idempotency.h"
#include "log.h"
#include "report.h"
#include "scheduling_internal.h"
#include "scheduling_service.h"
#include "site_validation.h"
#include "validation.h"

namespace blooddrive::scheduling {
namespace {

using platform::CheckResourceName;
using platform::InvalidField;
using platform::ToTimestamp;

absl::Status AsStatus(const grpc::Status& status) { return platform::FromGrpcStatus(status); }

}  // namespace

// ---------------------------------------------------------------- sites

grpc::Status SchedulingService::CreateSite(grpc::ServerContext* context,
                                           const v1::CreateSiteRequest* request,
                                           v1::Site* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::StatusOr<v1::Site> site = [&]() -> absl::StatusOr<v1::Site> {
    if (absl::Status s = ValidateCreateSiteRequest(*request); !s.ok()) return s;
    const std::string id = request->site_id().empty() ? IdFromRequest("site", request->request_id())
                                                      : request->site_id();
    v1::Site site = request->site();
    site.set_name(absl::StrCat("sites/", id));
    if (absl::Status s = AsStatus(auth::AuthorizeSite(context, site.name(), site.branch()));
        !s.ok()) {
      return s;
    }
    const absl::Time now = clock_.Now();
    *site.mutable_create_time() = ToTimestamp(now);
    *site.mutable_update_time() = ToTimestamp(now);
    site.set_etag(NewEtag());
    PartitionCommit commit("sites");
    commit.Request(SiteRequestKey(request->request_id()),
                   platform::RequestFingerprint("CreateSite", *request), site.SerializeAsString());
    commit.Absent(SiteKey(id));
    commit.HSet(SiteKey(id), "pb", site.SerializeAsString());
    commit.HSet(SiteKey(id), "etag", site.etag());
    commit.ZAdd(kSitesIndexKey, 0, id);
    absl::StatusOr<CommitResult> result = store_.Commit(commit);
    if (!result.ok()) return result.status();
    if (result->kind == CommitResult::Kind::kExists && !request->site_id().empty()) {
      return absl::AlreadyExistsError(absl::StrCat(site.name(), " already exists"));
    }
    if (result->kind != CommitResult::Kind::kOk && !site.ParseFromString(result->bytes)) {
      return absl::DataLossError("bad replay");
    }
    return site;
  }();
  return platform::Respond(std::move(site), response);
}

grpc::Status SchedulingService::GetSite(grpc::ServerContext* context,
                                        const v1::GetSiteRequest* request, v1::Site* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::StatusOr<v1::Site> site = [&]() -> absl::StatusOr<v1::Site> {
    std::string id;
    if (absl::Status s = CheckResourceName("name", request->name(), "sites", &id); !s.ok())
      return s;
    absl::StatusOr<std::optional<v1::Site>> stored = store_.GetSite(id);
    if (!stored.ok()) return stored.status();
    if (!stored->has_value())
      return absl::NotFoundError(absl::StrCat(request->name(), " does not exist"));
    return **stored;
  }();
  return platform::Respond(std::move(site), response);
}

grpc::Status SchedulingService::ListSites(grpc::ServerContext* context,
                                          const v1::ListSitesRequest* request,
                                          v1::ListSitesResponse* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::Status status = [&]() -> absl::Status {
    if (request->kind() != v1::SITE_KIND_UNSPECIFIED && !v1::SiteKind_IsValid(request->kind())) {
      return InvalidField("kind", "unknown value");
    }
    if (!request->branch().empty()) {
      std::string unused;
      if (!CheckResourceName("branch", absl::StrCat("b/", request->branch()), "b", &unused).ok()) {
        return InvalidField("branch", "must be 1..32 characters [a-z0-9-]");
      }
    }
    int page_size = 0;
    if (absl::Status s =
            platform::CheckPageSize("page_size", request->page_size(), 100, &page_size);
        !s.ok()) {
      return s;
    }
    std::string after = request->page_token();
    if (!after.empty() &&
        !CheckResourceName("page_token", absl::StrCat("sites/", after), "sites", &after).ok()) {
      return InvalidField("page_token", "not a token from this RPC");
    }
    // Filters apply after reading: read on until a page is full or the index ends.
    while (response->sites_size() < page_size) {
      absl::StatusOr<std::vector<v1::Site>> batch = store_.ListSites(after, 200);
      if (!batch.ok()) return batch.status();
      if (batch->empty()) return absl::OkStatus();
      for (const v1::Site& site : *batch) {
        after = site.name().substr(6);
        if (!request->branch().empty() && site.branch() != request->branch()) continue;
        if (request->kind() != v1::SITE_KIND_UNSPECIFIED && site.kind() != request->kind())
          continue;
        *response->add_sites() = site;
        if (response->sites_size() == page_size) {
          response->set_next_page_token(after);
          return absl::OkStatus();
        }
      }
    }
    return absl::OkStatus();
  }();
  return Finish(context, status);
}

grpc::Status SchedulingService::UpdateSite(grpc::ServerContext* context,
                                           const v1::UpdateSiteRequest* request,
                                           v1::Site* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::StatusOr<v1::Site> site = [&]() -> absl::StatusOr<v1::Site> {
    if (absl::Status s = ValidateUpdateSiteRequest(*request); !s.ok()) return s;
    std::string id;
    if (absl::Status s = CheckResourceName("site.name", request->site().name(), "sites", &id);
        !s.ok()) {
      return s;
    }
    const std::string fingerprint = platform::RequestFingerprint("UpdateSite", *request);
    absl::StatusOr<std::optional<std::string>> replay =
        store_.Replay(SiteRequestKey(request->request_id()), fingerprint);
    if (!replay.ok()) return replay.status();
    if (replay->has_value()) {
      v1::Site first;
      if (!first.ParseFromString(**replay)) return absl::DataLossError("bad replay");
      return first;
    }
    absl::StatusOr<std::optional<v1::Site>> current = store_.GetSite(id);
    if (!current.ok()) return current.status();
    if (!current->has_value()) {
      return absl::NotFoundError(absl::StrCat(request->site().name(), " does not exist"));
    }
    if (absl::Status s =
            AsStatus(auth::AuthorizeSite(context, (*current)->name(), (*current)->branch()));
        !s.ok()) {
      return s;
    }
    absl::StatusOr<std::vector<StoredDrive>> drives =
        store_.ListDrives(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
    if (!drives.ok()) return drives.status();
    const bool has_published = std::any_of(drives->begin(), drives->end(), [&](const auto& d) {
      return d.drive.site() == (*current)->name() && d.drive.state() == v1::DRIVE_STATE_PUBLISHED;
    });
    absl::StatusOr<v1::Site> after = ApplySiteUpdate(**current, *request, has_published);
    if (!after.ok()) return after.status();
    if (absl::Status s = AsStatus(auth::AuthorizeSite(context, after->name(), after->branch()));
        !s.ok()) {
      return s;
    }
    *after->mutable_update_time() = ToTimestamp(clock_.Now());
    after->set_etag(NewEtag());
    PartitionCommit commit("sites");
    commit.Request(SiteRequestKey(request->request_id()), fingerprint, after->SerializeAsString());
    commit.FieldEq(SiteKey(id), "etag", (*current)->etag(),
                   "ABORTED the site changed meanwhile; read it again");
    commit.HSet(SiteKey(id), "pb", after->SerializeAsString());
    commit.HSet(SiteKey(id), "etag", after->etag());
    absl::StatusOr<CommitResult> result = store_.Commit(commit);
    if (!result.ok()) return result.status();
    if (result->kind == CommitResult::Kind::kReplay && !after->ParseFromString(result->bytes)) {
      return absl::DataLossError("bad replay");
    }
    return after;
  }();
  return platform::Respond(std::move(site), response);
}

}  // namespace blooddrive::scheduling
