// Availability (one drive, now), its watch stream, and the drive report.
#include <grpcpp/grpcpp.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "auth/auth.h"
#include "dates.h"
#include "grpc_status.h"
#include "report.h"
#include "scheduling_internal.h"
#include "scheduling_service.h"
#include "validation.h"

namespace blooddrive::scheduling {
namespace {

using platform::InvalidField;
using platform::ToTimestamp;

SeatUse UseOf(const SchedulingStore::SeatTable& seats, absl::string_view slot,
              v1::DonationType type) {
  auto it = seats.find(absl::StrCat(slot, ":", static_cast<int>(type)));
  return it == seats.end() ? SeatUse{} : it->second;
}

bool Ended(v1::DriveState state) {
  return state == v1::DRIVE_STATE_CLOSED || state == v1::DRIVE_STATE_CANCELLED;
}

}  // namespace

int SchedulingService::FreeSeats(const DriveContext& drive, const SchedulingStore::SeatTable& seats,
                                 v1::DonationType type) const {
  if (drive.drive().state() != v1::DRIVE_STATE_PUBLISHED) return 0;
  const absl::Time now = clock_.Now();
  int free = 0;
  for (const Slot& slot : drive.slots) {
    if (slot.start_time <= now) continue;
    for (const v1::SlotCapacity& c : drive.drive().capacities()) {
      if (type != v1::DONATION_TYPE_UNSPECIFIED && c.donation_type() != type) continue;
      free += SeatAvailability(c, UseOf(seats, slot.id, c.donation_type())).available();
    }
  }
  return free;
}

absl::StatusOr<v1::DriveAvailability> SchedulingService::Availability(const DriveContext& drive,
                                                                      v1::DonationType type,
                                                                      bool only_free,
                                                                      absl::Time now) {
  absl::StatusOr<SchedulingStore::SeatTable> seats = store_.GetSeats(drive.keys);
  if (!seats.ok()) return seats.status();
  std::map<int, int> waiting;
  for (const v1::SlotCapacity& c : drive.drive().capacities()) {
    absl::StatusOr<int> n = store_.WaitlistLength(drive.keys, c.donation_type());
    if (!n.ok()) return n.status();
    waiting[c.donation_type()] = *n;
  }
  const bool bookable = drive.drive().state() == v1::DRIVE_STATE_PUBLISHED;
  v1::DriveAvailability out;
  out.set_drive(drive.drive().name());
  out.set_state(drive.drive().state());
  out.set_time_zone(drive.site().time_zone());
  out.set_revision(drive.stored.revision);
  for (const Slot& slot : drive.slots) {
    v1::SlotAvailability s;
    s.set_slot(SlotName(drive.keys.drive_id, slot.id));
    *s.mutable_start_time() = ToTimestamp(slot.start_time);
    *s.mutable_end_time() = ToTimestamp(slot.end_time);
    *s.mutable_local_start() = ToTimeOfDay(slot.local_start);
    bool any_free = false;
    for (const v1::SlotCapacity& c : drive.drive().capacities()) {
      if (type != v1::DONATION_TYPE_UNSPECIFIED && c.donation_type() != type) continue;
      v1::TypeAvailability t = SeatAvailability(c, UseOf(*seats, slot.id, c.donation_type()));
      // Nothing is bookable in a drive that is not open or a slot that has started.
      if (!bookable || slot.start_time <= now) t.set_available(0);
      t.set_waitlisted(waiting[c.donation_type()]);
      any_free |= t.available() > 0;
      *s.add_types() = t;
    }
    if (only_free && !any_free) continue;
    *out.add_slots() = std::move(s);
  }
  return out;
}

grpc::Status SchedulingService::GetAvailability(grpc::ServerContext* context,
                                                const v1::GetAvailabilityRequest* request,
                                                v1::DriveAvailability* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::StatusOr<v1::DriveAvailability> availability =
      [&]() -> absl::StatusOr<v1::DriveAvailability> {
    std::string id;
    if (absl::Status s = platform::CheckResourceName("drive", request->drive(), "drives", &id);
        !s.ok()) {
      return s;
    }
    if (request->donation_type() != v1::DONATION_TYPE_UNSPECIFIED &&
        !v1::DonationType_IsValid(request->donation_type())) {
      return InvalidField("donation_type", "unknown value");
    }
    absl::StatusOr<DriveContext> drive = LoadDrive(id);
    if (!drive.ok()) return drive.status();
    if (internal::HiddenFromCaller(context, drive->drive())) return internal::DriveNotFound(id);
    const absl::Time now = clock_.Now();
    absl::StatusOr<std::vector<std::string>> due = store_.ExpiredHolds(drive->keys, now);
    if (due.ok() && !due->empty()) {
      ExpireHolds(*drive, now);
      drive = LoadDrive(id);
      if (!drive.ok()) return drive.status();
    }
    return Availability(*drive, request->donation_type(), request->only_free(), now);
  }();
  return platform::Respond(std::move(availability), response);
}

grpc::Status SchedulingService::WatchAvailability(
    grpc::ServerContext* context, const v1::WatchAvailabilityRequest* request,
    grpc::ServerWriter<v1::AvailabilityUpdate>* writer) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::Status invalid = [&]() -> absl::Status {
    if (request->drives_size() < 1 || request->drives_size() > 50) {
      return InvalidField("drives", "1..50 drives");
    }
    for (int i = 0; i < request->drives_size(); ++i) {
      std::string id;
      if (absl::Status s = platform::CheckResourceName(platform::FieldPath("drives", i),
                                                       request->drives(i), "drives", &id);
          !s.ok()) {
        return s;
      }
    }
    if (request->donation_type() != v1::DONATION_TYPE_UNSPECIFIED &&
        !v1::DonationType_IsValid(request->donation_type())) {
      return InvalidField("donation_type", "unknown value");
    }
    return absl::OkStatus();
  }();
  if (!invalid.ok()) return platform::ToGrpcStatus(invalid);

  struct Watched {
    std::string id;
    v1::DriveAvailability last;
    bool sent = false;
  };
  std::vector<Watched> watched;
  for (const std::string& name : request->drives()) {
    watched.push_back({internal::LastSegment(name), {}, false});
  }
  // More changed slots than this in one poll: a fresh snapshot is shorter and as good.
  constexpr int kSnapshotThreshold = 8;
  while (!context->IsCancelled()) {
    const absl::Time now = clock_.Now();
    bool all_ended = true;
    for (Watched& w : watched) {
      absl::StatusOr<DriveContext> drive = LoadDrive(w.id);
      if (!drive.ok()) return platform::ToGrpcStatus(drive.status());
      if (internal::HiddenFromCaller(context, drive->drive())) {
        return platform::ToGrpcStatus(internal::DriveNotFound(w.id));
      }
      all_ended &= Ended(drive->drive().state());
      if (w.sent && drive->stored.revision == w.last.revision() &&
          drive->drive().state() == w.last.state()) {
        continue;
      }
      absl::StatusOr<v1::DriveAvailability> now_available =
          Availability(*drive, request->donation_type(), false, now);
      if (!now_available.ok()) return platform::ToGrpcStatus(now_available.status());
      std::vector<v1::AvailabilityUpdate> updates;
      if (!w.sent || now_available->slots_size() != w.last.slots_size()) {
        v1::AvailabilityUpdate u;
        u.set_drive(now_available->drive());
        u.set_revision(now_available->revision());
        *u.mutable_snapshot() = *now_available;
        updates.push_back(std::move(u));
      } else {
        if (now_available->state() != w.last.state()) {
          v1::AvailabilityUpdate u;
          u.set_drive(now_available->drive());
          u.set_revision(now_available->revision());
          u.set_state(now_available->state());
          updates.push_back(std::move(u));
        }
        for (int i = 0; i < now_available->slots_size(); ++i) {
          if (now_available->slots(i).SerializeAsString() == w.last.slots(i).SerializeAsString()) {
            continue;
          }
          v1::AvailabilityUpdate u;
          u.set_drive(now_available->drive());
          u.set_revision(now_available->revision());
          *u.mutable_slot() = now_available->slots(i);
          updates.push_back(std::move(u));
        }
        if (static_cast<int>(updates.size()) > kSnapshotThreshold) {
          updates.clear();
          v1::AvailabilityUpdate u;
          u.set_drive(now_available->drive());
          u.set_revision(now_available->revision());
          *u.mutable_snapshot() = *now_available;
          updates.push_back(std::move(u));
        }
      }
      for (const v1::AvailabilityUpdate& u : updates) {
        if (!writer->Write(u)) return grpc::Status::OK;  // the client went away
      }
      w.last = *std::move(now_available);
      w.sent = true;
    }
    if (all_ended) return grpc::Status::OK;
    absl::SleepFor(options_.watch_poll_interval);
  }
  return grpc::Status::OK;
}

grpc::Status SchedulingService::GetDriveReport(grpc::ServerContext* context,
                                               const v1::GetDriveReportRequest* request,
                                               v1::DriveReport* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::StatusOr<v1::DriveReport> report = [&]() -> absl::StatusOr<v1::DriveReport> {
    absl::StatusOr<DriveContext> drive = LoadAuthorizedDrive(context, "drive", request->drive());
    if (!drive.ok()) return drive.status();
    absl::StatusOr<std::vector<v1::Booking>> bookings = store_.ListDriveBookings(drive->keys);
    if (!bookings.ok()) return bookings.status();
    int waitlisted = 0;
    for (const v1::SlotCapacity& c : drive->drive().capacities()) {
      absl::StatusOr<int> n = store_.WaitlistLength(drive->keys, c.donation_type());
      if (!n.ok()) return n.status();
      waitlisted += *n;
    }
    return ComputeDriveReport(drive->drive(), static_cast<int>(drive->slots.size()), *bookings,
                              waitlisted, options_.late_cancellation_window, clock_.Now());
  }();
  return platform::Respond(std::move(report), response);
}

}  // namespace blooddrive::scheduling
