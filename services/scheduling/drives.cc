// Drive RPCs: create, read, list, update, publish, close, cancel.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "auth/auth.h"
#include "dates.h"
#include "drive_validation.h"
#include "grpc_status.h"
#include "idempotency.h"
#include "report.h"
#include "scheduling_internal.h"
#include "scheduling_service.h"
#include "site_validation.h"
#include "validation.h"

namespace blooddrive::scheduling {
namespace {

using internal::DayNumber;
using internal::LastSegment;
using platform::CheckResourceName;
using platform::InvalidField;
using platform::ToTimestamp;

absl::Status AsStatus(const grpc::Status& status) { return platform::FromGrpcStatus(status); }

std::string Num(int value) { return absl::StrCat(value); }

}  // namespace

absl::StatusOr<DriveContext> SchedulingService::LoadAuthorizedDrive(grpc::ServerContext* context,
                                                                    absl::string_view field,
                                                                    absl::string_view name) {
  std::string id;
  if (absl::Status s = CheckResourceName(field, name, "drives", &id); !s.ok()) return s;
  absl::StatusOr<DriveContext> drive = LoadDrive(id);
  if (!drive.ok()) return drive.status();
  if (absl::Status s =
          AsStatus(auth::AuthorizeSite(context, drive->drive().site(), drive->site().branch()));
      !s.ok()) {
    return s;
  }
  return drive;
}

absl::StatusOr<v1::Drive> SchedulingService::Presented(const DriveContext& drive) {
  v1::Drive out = drive.drive();
  if (out.state() == v1::DRIVE_STATE_PUBLISHED) {
    absl::StatusOr<SchedulingStore::SeatTable> seats = store_.GetSeats(drive.keys);
    if (!seats.ok()) return seats.status();
    out.set_free_seats(FreeSeats(drive, *seats, v1::DONATION_TYPE_UNSPECIFIED));
  }
  return out;
}

grpc::Status SchedulingService::CreateDrive(grpc::ServerContext* context,
                                            const v1::CreateDriveRequest* request,
                                            v1::Drive* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::StatusOr<v1::Drive> drive = [&]() -> absl::StatusOr<v1::Drive> {
    if (absl::Status s = ValidateCreateDriveRequest(*request); !s.ok()) return s;
    std::string site_id;
    if (absl::Status s =
            CheckResourceName("drive.site", request->drive().site(), "sites", &site_id);
        !s.ok()) {
      return s;
    }
    absl::StatusOr<std::optional<v1::Site>> site = store_.GetSite(site_id);
    if (!site.ok()) return site.status();
    if (!site->has_value()) {
      return absl::NotFoundError(
          absl::StrCat("drive.site: ", request->drive().site(), " does not exist"));
    }
    if (absl::Status s = AsStatus(auth::AuthorizeSite(context, (*site)->name(), (*site)->branch()));
        !s.ok()) {
      return s;
    }
    absl::StatusOr<absl::TimeZone> zone = LoadSiteTimeZone("site.time_zone", (*site)->time_zone());
    if (!zone.ok()) return absl::InternalError(std::string(zone.status().message()));
    const absl::Time now = clock_.Now();
    const std::string id = IdFromRequest("drive", request->request_id());
    const DriveKeys keys(id);
    const std::string fingerprint = platform::RequestFingerprint("CreateDrive", *request);
    absl::StatusOr<std::optional<std::string>> replay =
        store_.Replay(keys.Request(request->request_id()), fingerprint);
    if (!replay.ok()) return replay.status();
    v1::Drive drive = request->drive();
    if (replay->has_value()) {
      if (!drive.ParseFromString(**replay)) return absl::DataLossError("bad replay");
    } else {
      if (absl::Status s = CheckDateNotPast("drive.date", drive.date(), *zone, now); !s.ok()) {
        return s;
      }
      drive.set_name(DriveName(id));
      drive.set_state(v1::DRIVE_STATE_DRAFT);
      drive.clear_cancel_reason();
      drive.set_free_seats(0);
      *drive.mutable_create_time() = ToTimestamp(now);
      *drive.mutable_update_time() = ToTimestamp(now);
      drive.clear_publish_time();
      drive.clear_close_time();
      drive.set_etag(NewEtag());
      PartitionCommit commit(id);
      commit.Request(keys.Request(request->request_id()), fingerprint, drive.SerializeAsString());
      commit.Absent(keys.drive);
      commit.HSet(keys.drive, "pb", drive.SerializeAsString());
      commit.HSet(keys.drive, "state", Num(v1::DRIVE_STATE_DRAFT));
      commit.HSet(keys.drive, "etag", drive.etag());
      commit.HSet(keys.drive, "site_pb", (*site)->SerializeAsString());
      commit.HSet(keys.drive, "rev", "1");
      internal::WriteCaps(commit, keys.drive, drive);
      absl::StatusOr<CommitResult> result = store_.Commit(commit);
      if (!result.ok()) return result.status();
      if (result->kind != CommitResult::Kind::kOk && !drive.ParseFromString(result->bytes)) {
        return absl::DataLossError("bad replay");
      }
    }
    // The index entry follows the drive (another partition); a retry re-adds it.
    if (absl::Status s = store_.IndexDrive(id, DayNumber(drive.date())); !s.ok()) return s;
    return drive;
  }();
  return platform::Respond(std::move(drive), response);
}

grpc::Status SchedulingService::GetDrive(grpc::ServerContext* context,
                                         const v1::GetDriveRequest* request, v1::Drive* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::StatusOr<v1::Drive> drive = [&]() -> absl::StatusOr<v1::Drive> {
    std::string id;
    if (absl::Status s = CheckResourceName("name", request->name(), "drives", &id); !s.ok())
      return s;
    absl::StatusOr<DriveContext> drive = LoadDrive(id);
    if (!drive.ok()) return drive.status();
    if (internal::HiddenFromCaller(context, drive->drive())) return internal::DriveNotFound(id);
    return Presented(*drive);
  }();
  return platform::Respond(std::move(drive), response);
}

grpc::Status SchedulingService::ListDrives(grpc::ServerContext* context,
                                           const v1::ListDrivesRequest* request,
                                           v1::ListDrivesResponse* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::Status status = [&]() -> absl::Status {
    std::string unused;
    if (!request->site().empty()) {
      if (absl::Status s = CheckResourceName("site", request->site(), "sites", &unused); !s.ok()) {
        return s;
      }
    }
    if (absl::Status s = platform::CheckDate("start_date", request->start_date(), false); !s.ok()) {
      return s;
    }
    if (absl::Status s = platform::CheckDate("end_date", request->end_date(), false); !s.ok()) {
      return s;
    }
    if (platform::IsSet(request->start_date()) && platform::IsSet(request->end_date()) &&
        platform::ToCivilDay(request->end_date()) < platform::ToCivilDay(request->start_date())) {
      return InvalidField("end_date", "must not be before start_date");
    }
    for (int i = 0; i < request->states_size(); ++i) {
      if (absl::Status s = platform::CheckEnum(platform::FieldPath("states", i), request->states(i),
                                               v1::DriveState_IsValid);
          !s.ok()) {
        return s;
      }
    }
    if (request->donation_type() != v1::DONATION_TYPE_UNSPECIFIED &&
        !v1::DonationType_IsValid(request->donation_type())) {
      return InvalidField("donation_type", "unknown value");
    }
    const bool near = request->has_near();
    if (near != (request->radius_km() != 0)) {
      return InvalidField(near ? "radius_km" : "near", "near and radius_km go together");
    }
    if (near) {
      if (absl::Status s = CheckLatLng("near", request->near()); !s.ok()) return s;
      if (!(request->radius_km() >= 0.1 && request->radius_km() <= 500)) {
        return InvalidField("radius_km", "must be 0.1..500");
      }
    }
    if (request->needing_blood_group() != v1::BLOOD_GROUP_UNSPECIFIED &&
        (!v1::BloodGroup_IsValid(request->needing_blood_group()) ||
         request->needing_blood_group() == v1::BLOOD_GROUP_UNKNOWN)) {
      return InvalidField("needing_blood_group", "must be a known blood group");
    }
    int page_size = 0, offset = 0;
    if (absl::Status s = platform::CheckPageSize("page_size", request->page_size(), 50, &page_size);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = internal::CheckPageToken(request->page_token(), &offset); !s.ok())
      return s;

    const int64_t first = platform::IsSet(request->start_date())
                              ? DayNumber(request->start_date())
                              : std::numeric_limits<int32_t>::min();
    const int64_t last = platform::IsSet(request->end_date()) ? DayNumber(request->end_date())
                                                              : std::numeric_limits<int32_t>::max();
    absl::StatusOr<std::vector<StoredDrive>> stored = store_.ListDrives(first, last);
    if (!stored.ok()) return stored.status();
    const absl::Time now = clock_.Now();
    // Ordered for people (date, first opening, display name), then by name: offset paging needs
    // a total order.
    std::vector<std::pair<std::tuple<int64_t, int, std::string, std::string>, v1::Drive>> matching;
    for (StoredDrive& s : *stored) {
      const v1::Drive& d = s.drive;
      if (internal::HiddenFromCaller(context, d)) continue;
      if (!request->site().empty() && d.site() != request->site()) continue;
      if (!request->branch().empty() && s.site.branch() != request->branch()) continue;
      if (request->states_size() > 0 &&
          std::find(request->states().begin(), request->states().end(), d.state()) ==
              request->states().end()) {
        continue;
      }
      if (request->donation_type() != v1::DONATION_TYPE_UNSPECIFIED &&
          std::none_of(d.capacities().begin(), d.capacities().end(), [&](const auto& c) {
            return c.donation_type() == request->donation_type();
          })) {
        continue;
      }
      if (near) {
        const v1::LatLng& where = d.has_location() ? d.location() : s.site.location();
        if (internal::DistanceKm(where, request->near()) > request->radius_km()) continue;
      }
      absl::StatusOr<DriveContext> drive = LoadDrive(LastSegment(d.name()));
      if (!drive.ok()) continue;  // deleted or unreadable meanwhile
      absl::StatusOr<v1::Drive> shown = Presented(*drive);
      if (!shown.ok()) return shown.status();
      if (request->only_with_free_seats()) {
        absl::StatusOr<SchedulingStore::SeatTable> seats = store_.GetSeats(drive->keys);
        if (!seats.ok()) return seats.status();
        if (FreeSeats(*drive, *seats, request->donation_type()) == 0) continue;
      }
      if (request->needing_blood_group() != v1::BLOOD_GROUP_UNSPECIFIED) {
        absl::StatusOr<std::vector<v1::Booking>> bookings = store_.ListDriveBookings(drive->keys);
        if (!bookings.ok()) return bookings.status();
        const v1::DriveReport report =
            ComputeDriveReport(d, static_cast<int>(drive->slots.size()), *bookings, 0,
                               options_.late_cancellation_window, now);
        bool needs = false;
        for (const v1::BloodGroupCollection& c : report.collections()) {
          needs |= c.blood_group() == request->needing_blood_group() && NeedsBloodGroup(c);
        }
        if (!needs) continue;
      }
      const int first_minute =
          d.opening_windows_size() > 0 ? MinuteOfDay(d.opening_windows(0).start()) : 0;
      matching.push_back({{DayNumber(d.date()), first_minute, d.display_name(), d.name()}, *shown});
    }
    std::sort(matching.begin(), matching.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (int i = offset; i < static_cast<int>(matching.size()) && i < offset + page_size; ++i) {
      *response->add_drives() = matching[i].second;
    }
    if (offset + page_size < static_cast<int>(matching.size())) {
      response->set_next_page_token(absl::StrCat(offset + page_size));
    }
    return absl::OkStatus();
  }();
  return Finish(context, status);
}

grpc::Status SchedulingService::UpdateDrive(grpc::ServerContext* context,
                                            const v1::UpdateDriveRequest* request,
                                            v1::Drive* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::StatusOr<v1::Drive> drive = [&]() -> absl::StatusOr<v1::Drive> {
    if (absl::Status s = ValidateUpdateDriveRequest(*request); !s.ok()) return s;
    absl::StatusOr<DriveContext> current =
        LoadAuthorizedDrive(context, "drive.name", request->drive().name());
    if (!current.ok()) return current.status();
    const std::string fingerprint = platform::RequestFingerprint("UpdateDrive", *request);
    const std::string request_key = current->keys.Request(request->request_id());
    absl::StatusOr<std::optional<std::string>> replay = store_.Replay(request_key, fingerprint);
    if (!replay.ok()) return replay.status();
    if (replay->has_value()) {
      v1::Drive first;
      if (!first.ParseFromString(**replay)) return absl::DataLossError("bad replay");
      return first;
    }
    absl::StatusOr<SchedulingStore::SeatTable> seats = store_.GetSeats(current->keys);
    if (!seats.ok()) return seats.status();
    std::vector<SlotTypeUse> use;
    for (const auto& [key, seat_use] : *seats) {
      const size_t colon = key.find(':');
      int type = 0;
      if (colon == std::string::npos || !absl::SimpleAtoi(key.substr(colon + 1), &type)) continue;
      use.push_back({key.substr(0, colon), static_cast<v1::DonationType>(type), seat_use});
    }
    const absl::Time now = clock_.Now();
    absl::StatusOr<v1::Drive> after =
        ApplyDriveUpdate(current->drive(), *request, current->zone, now, use);
    if (!after.ok()) return after.status();
    *after->mutable_update_time() = ToTimestamp(now);
    after->set_etag(NewEtag());
    after->set_free_seats(0);
    const DriveKeys& keys = current->keys;
    PartitionCommit commit(keys.drive_id);
    commit.Request(request_key, fingerprint, after->SerializeAsString());
    commit.FieldEq(keys.drive, "etag", current->drive().etag(),
                   "ABORTED the drive changed meanwhile; read it again");
    commit.Fits(keys.seats, internal::CapsText(*after));
    commit.HSet(keys.drive, "pb", after->SerializeAsString());
    commit.HSet(keys.drive, "etag", after->etag());
    internal::WriteCaps(commit, keys.drive, *after);
    commit.HIncr(keys.drive, "rev", 1);
    absl::StatusOr<CommitResult> result = store_.Commit(commit);
    if (!result.ok()) return result.status();
    if (absl::Status s = store_.IndexDrive(keys.drive_id, DayNumber(after->date())); !s.ok()) {
      return s;
    }
    return after;
  }();
  return platform::Respond(std::move(drive), response);
}

grpc::Status SchedulingService::PublishDrive(grpc::ServerContext* context,
                                             const v1::PublishDriveRequest* request,
                                             v1::Drive* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::StatusOr<v1::Drive> drive = [&]() -> absl::StatusOr<v1::Drive> {
    if (absl::Status s = platform::CheckRequestId("request_id", request->request_id()); !s.ok()) {
      return s;
    }
    absl::StatusOr<DriveContext> current = LoadAuthorizedDrive(context, "name", request->name());
    if (!current.ok()) return current.status();
    const std::string fingerprint = platform::RequestFingerprint("PublishDrive", *request);
    const std::string request_key = current->keys.Request(request->request_id());
    absl::StatusOr<std::optional<std::string>> replay = store_.Replay(request_key, fingerprint);
    if (!replay.ok()) return replay.status();
    if (replay->has_value()) {
      v1::Drive first;
      if (!first.ParseFromString(**replay)) return absl::DataLossError("bad replay");
      return first;
    }
    if (!request->etag().empty() && request->etag() != current->drive().etag()) {
      return absl::AbortedError("etag: the drive changed since it was read; read it again");
    }
    absl::StatusOr<DriveTransition> next =
        CheckDriveTransition(current->drive().state(), DriveAction::kPublish);
    if (!next.ok()) return next.status();
    const absl::Time now = clock_.Now();
    if (absl::Status s = CheckPublishable(current->drive(), current->zone, now); !s.ok()) return s;
    // Donors see the site as it is now.
    absl::StatusOr<std::optional<v1::Site>> site =
        store_.GetSite(LastSegment(current->drive().site()));
    if (!site.ok()) return site.status();
    v1::Drive after = current->drive();
    after.set_state(v1::DRIVE_STATE_PUBLISHED);
    *after.mutable_publish_time() = ToTimestamp(now);
    *after.mutable_update_time() = ToTimestamp(now);
    after.set_etag(NewEtag());
    const DriveKeys& keys = current->keys;
    v1::Event event = NewEvent(*current, request->request_id(), now);
    v1::DrivePublished* published = event.mutable_drive_published();
    published->set_drive(after.name());
    published->set_site(after.site());
    *published->mutable_date() = after.date();
    for (const v1::SlotCapacity& c : after.capacities()) {
      published->add_donation_types(c.donation_type());
    }
    *published->mutable_targets() = after.targets();
    PartitionCommit commit(keys.drive_id);
    commit.Request(request_key, fingerprint, after.SerializeAsString());
    commit.FieldEq(keys.drive, "etag", current->drive().etag(),
                   "ABORTED the drive changed meanwhile; read it again");
    commit.HSet(keys.drive, "pb", after.SerializeAsString());
    commit.HSet(keys.drive, "state", Num(v1::DRIVE_STATE_PUBLISHED));
    commit.HSet(keys.drive, "etag", after.etag());
    if (site->has_value()) commit.HSet(keys.drive, "site_pb", (*site)->SerializeAsString());
    commit.HIncr(keys.drive, "rev", 1);
    commit.Event(keys, event);
    absl::StatusOr<CommitResult> result = store_.Commit(commit);
    if (!result.ok()) return result.status();
    if (result->kind == CommitResult::Kind::kReplay && !after.ParseFromString(result->bytes)) {
      return absl::DataLossError("bad replay");
    }
    DriveContext published_drive = *current;
    published_drive.stored.drive = after;
    return Presented(published_drive);
  }();
  return platform::Respond(std::move(drive), response);
}

grpc::Status SchedulingService::CloseDrive(grpc::ServerContext* context,
                                           const v1::CloseDriveRequest* request,
                                           v1::Drive* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  return platform::Respond(
      EndDrive(context, request->name(), request->request_id(), request->etag(),
               platform::RequestFingerprint("CloseDrive", *request), DriveAction::kClose, ""),
      response);
}

grpc::Status SchedulingService::CancelDrive(grpc::ServerContext* context,
                                            const v1::CancelDriveRequest* request,
                                            v1::Drive* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  if (absl::Status s = platform::CheckText("reason", request->reason(), 500, /*required=*/true);
      !s.ok()) {
    return platform::ToGrpcStatus(s);
  }
  return platform::Respond(
      EndDrive(context, request->name(), request->request_id(), request->etag(),
               platform::RequestFingerprint("CancelDrive", *request), DriveAction::kCancel,
               request->reason()),
      response);
}

absl::StatusOr<v1::Drive> SchedulingService::EndDrive(
    grpc::ServerContext* context, absl::string_view name, absl::string_view request_id,
    absl::string_view etag, const std::string& fingerprint, DriveAction action,
    absl::string_view reason) {
  if (absl::Status s = platform::CheckRequestId("request_id", request_id); !s.ok()) return s;
  const bool cancel = action == DriveAction::kCancel;
  // Bookings change under us; each attempt re-reads them and the commit checks every etag.
  for (int attempt = 0; attempt < 10; ++attempt) {
    absl::StatusOr<DriveContext> current = LoadAuthorizedDrive(context, "name", name);
    if (!current.ok()) return current.status();
    const DriveKeys& keys = current->keys;
    const std::string request_key = keys.Request(request_id);
    absl::StatusOr<std::optional<std::string>> replay = store_.Replay(request_key, fingerprint);
    if (!replay.ok()) return replay.status();
    if (replay->has_value()) {
      v1::Drive first;
      if (!first.ParseFromString(**replay)) return absl::DataLossError("bad replay");
      return first;
    }
    if (!etag.empty() && etag != current->drive().etag()) {
      return absl::AbortedError("etag: the drive changed since it was read; read it again");
    }
    absl::StatusOr<DriveTransition> next = CheckDriveTransition(current->drive().state(), action);
    if (!next.ok()) return next.status();
    if (!next->changed) return Presented(*current);
    absl::StatusOr<std::vector<v1::Booking>> bookings = store_.ListDriveBookings(keys);
    if (!bookings.ok()) return bookings.status();
    absl::StatusOr<std::vector<v1::WaitlistEntry>> entries = store_.ListEntries(keys);
    if (!entries.ok()) return entries.status();

    const absl::Time now = clock_.Now();
    v1::Drive after = current->drive();
    after.set_state(next->to);
    if (cancel) after.set_cancel_reason(std::string(reason));
    *after.mutable_close_time() = ToTimestamp(now);
    *after.mutable_update_time() = ToTimestamp(now);
    after.set_etag(NewEtag());

    PartitionCommit commit(keys.drive_id);
    commit.Request(request_key, fingerprint, after.SerializeAsString());
    commit.FieldEq(keys.drive, "etag", current->drive().etag(),
                   "ABORTED the drive changed meanwhile; read it again");
    commit.HSet(keys.drive, "pb", after.SerializeAsString());
    commit.HSet(keys.drive, "state", Num(next->to));
    commit.HSet(keys.drive, "etag", after.etag());
    commit.HIncr(keys.drive, "rev", 1);
    std::vector<std::pair<std::string, std::string>> released;  // donor id, booking name
    int cancelled = 0;
    for (const v1::Booking& before : *bookings) {
      absl::StatusOr<BookingTransition> moved = NextBookingState(
          before.state(), cancel ? BookingAction::kDriveCancelled : BookingAction::kDriveClosed,
          BookingFacts{});
      if (!moved.ok() || !moved->changed) continue;
      v1::Booking changed = before;
      changed.set_state(moved->to);
      *changed.mutable_update_time() = ToTimestamp(now);
      changed.clear_hold_expire_time();
      v1::Event event = NewEvent(*current, request_id, now);
      if (cancel) {
        changed.set_cancel_reason(v1::CANCEL_REASON_DRIVE_CANCELLED);
        *changed.mutable_cancel_time() = ToTimestamp(now);
        *event.mutable_booking_cancelled()->mutable_booking() = Snapshot(*current, changed);
        event.mutable_booking_cancelled()->set_reason(v1::CANCEL_REASON_DRIVE_CANCELLED);
        ++cancelled;
      } else {
        *event.mutable_booking_hold_expired()->mutable_booking() = Snapshot(*current, changed);
      }
      AddBookingUpdate(commit, *current, before, changed, NewEtag());
      commit.Event(keys, event);
      released.emplace_back(LastSegment(before.donor()), before.name());
    }
    for (const v1::WaitlistEntry& entry : *entries) {
      if (entry.state() != v1::WAITLIST_STATE_WAITING) continue;
      v1::WaitlistEntry closed = entry;
      closed.set_state(v1::WAITLIST_STATE_CLOSED);
      closed.set_position(0);
      *closed.mutable_update_time() = ToTimestamp(now);
      const std::string entry_id = LastSegment(entry.name());
      commit.FieldEq(keys.Entry(entry_id), "state", Num(v1::WAITLIST_STATE_WAITING),
                     "ABORTED the waitlist changed meanwhile");
      commit.HSet(keys.Entry(entry_id), "pb", closed.SerializeAsString());
      commit.HSet(keys.Entry(entry_id), "state", Num(v1::WAITLIST_STATE_CLOSED));
      commit.ZRem(keys.Waitlist(entry.donation_type()), entry_id);
      commit.HDel(keys.donors, LastSegment(entry.donor()));
    }
    if (cancel) {
      v1::Event event = NewEvent(*current, request_id, now);
      v1::DriveCancelled* dc = event.mutable_drive_cancelled();
      dc->set_drive(after.name());
      dc->set_site(after.site());
      *dc->mutable_date() = after.date();
      dc->set_bookings_cancelled(cancelled);
      commit.Event(keys, event);
    }
    absl::StatusOr<CommitResult> result = store_.Commit(commit);
    if (!result.ok()) {
      if (result.status().code() == absl::StatusCode::kAborted && etag.empty()) continue;
      return result.status();
    }
    for (const auto& [donor_id, booking] : released) ReleaseClaim(donor_id, booking);
    (void)store_.ForgetHoldsIndex(keys.drive_id);
    if (result->kind == CommitResult::Kind::kReplay && !after.ParseFromString(result->bytes)) {
      return absl::DataLossError("bad replay");
    }
    return after;
  }
  return absl::AbortedError("the drive kept changing; try again");
}

}  // namespace blooddrive::scheduling
