// RescheduleBooking: the new seat is taken before the old one is released, or nothing changes.
// Same drive: one commit does both. Another drive (another partition): claim-then-book across
// partitions — the donor's claim on the new period (ignoring the old booking), the new booking
// on its drive, then the old booking released on its own drive; when that last step is refused
// (the old booking changed meanwhile) the new booking is cancelled again (compensation), and a
// retry of a request that stopped half-way finishes the second step.
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "auth/auth.h"
#include "dates.h"
#include "grpc_status.h"
#include "idempotency.h"
#include "log.h"
#include "scheduling_service.h"
#include "validation.h"

namespace blooddrive::scheduling {
namespace {

using platform::InvalidField;
using platform::ToTimestamp;

std::string IdOf(absl::string_view name) { return std::string(name.substr(name.rfind('/') + 1)); }
std::string DonorIdOf(const v1::Booking& b) { return b.donor().substr(b.donor().find('/') + 1); }

}  // namespace

grpc::Status SchedulingService::RescheduleBooking(grpc::ServerContext* context,
                                                  const v1::RescheduleBookingRequest* request,
                                                  v1::Booking* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  auto once = [&]() -> absl::Status {
    if (absl::Status s = platform::CheckRequestId("request_id", request->request_id()); !s.ok()) {
      return s;
    }
    absl::StatusOr<BookingRef> ref = ParseBookingName("name", request->name());
    if (!ref.ok()) return ref.status();
    std::vector<absl::string_view> parts = absl::StrSplit(request->new_slot(), '/');
    std::string new_drive_id;
    if (parts.size() != 4 || parts[2] != "slots" || !ParseSlotId(parts[3]).has_value() ||
        !platform::CheckResourceName("new_slot", absl::StrCat(parts[0], "/", parts[1]), "drives",
                                     &new_drive_id)
             .ok()) {
      return InvalidField("new_slot", "must be drives/{drive}/slots/{HHMM}");
    }
    const std::string new_slot_id(parts[3]);

    absl::StatusOr<DriveContext> old_drive = LoadDrive(ref->drive_id);
    if (!old_drive.ok()) return old_drive.status();
    if (absl::Status s = platform::FromGrpcStatus(
            auth::AuthorizeSite(context, old_drive->drive().site(), old_drive->site().branch()));
        !s.ok()) {
      return s;
    }
    absl::StatusOr<v1::Booking> old_booking = LoadBooking(*old_drive, ref->booking_id);
    if (!old_booking.ok()) return old_booking.status();
    const bool same_drive = new_drive_id == ref->drive_id;
    absl::StatusOr<DriveContext> new_drive = same_drive ? *old_drive : LoadDrive(new_drive_id);
    if (!new_drive.ok()) return new_drive.status();
    const Slot* new_slot = FindSlot(new_drive->slots, new_slot_id);
    if (new_slot == nullptr) {
      return absl::NotFoundError(absl::StrCat("new_slot: the drive has no slot ", new_slot_id));
    }
    const v1::DonationType type = old_booking->donation_type();
    bool offered = false;
    for (const v1::SlotCapacity& c : new_drive->drive().capacities()) {
      offered |= c.donation_type() == type;
    }
    if (!offered) return InvalidField("new_slot", "the drive does not offer the booking's type");
    if (absl::Status s = platform::FromGrpcStatus(
            auth::AuthorizeSite(context, new_drive->drive().site(), new_drive->site().branch()));
        !s.ok()) {
      return s;
    }

    const std::string fingerprint = platform::RequestFingerprint("RescheduleBooking", *request);
    const absl::Time now = clock_.Now();
    NewBooking spec;
    spec.slot = new_slot;
    spec.donor_id = DonorIdOf(*old_booking);
    spec.type = type;
    spec.action = BookingAction::kBook;
    spec.booking_id = IdFromRequest("reschedule", request->request_id());
    spec.rescheduled_from = old_booking->name();
    const std::string new_name = BookingName(new_drive_id, spec.booking_id);

    // The old booking's release, as of what was read (its etag guards it).
    const v1::Booking before = *old_booking;
    auto release_old = [&, before](PartitionCommit& commit, const v1::Booking& replacement) {
      v1::Booking after = before;
      after.set_state(v1::BOOKING_STATE_RESCHEDULED);
      after.set_rescheduled_to(replacement.name());
      *after.mutable_update_time() = ToTimestamp(now);
      AddBookingUpdate(commit, *old_drive, before, after, NewEtag());
      v1::Event event = NewEvent(*old_drive, request->request_id(), now);
      *event.mutable_booking_rescheduled()->mutable_from_booking() = Snapshot(*old_drive, after);
      *event.mutable_booking_rescheduled()->mutable_to_booking() =
          Snapshot(*new_drive, replacement);
      commit.Event(old_drive->keys, event);
    };

    // A retry: the replacement exists; finish the release if it did not happen.
    const bool already_moved =
        before.state() == v1::BOOKING_STATE_RESCHEDULED && before.rescheduled_to() == new_name;
    if (!already_moved) {
      if (!request->etag().empty() && request->etag() != before.etag()) {
        return absl::AbortedError("etag: the booking changed since it was read; read it again");
      }
      absl::StatusOr<BookingTransition> allowed = NextBookingState(
          before.state(), BookingAction::kReschedule,
          FactsAt(now, old_drive->drive().state(), platform::ToTime(before.slot_start_time()),
                  platform::ToTime(before.slot_end_time()), old_drive->date(), old_drive->zone));
      if (!allowed.ok()) {
        // Unless this very request already moved it (then the replay answers below).
        absl::StatusOr<std::optional<std::string>> replay =
            store_.Replay(new_drive->keys.Request(request->request_id()), fingerprint);
        if (!replay.ok() || !replay->has_value()) return allowed.status();
      }
    }

    std::function<void(PartitionCommit&, const v1::Booking&)> also;
    if (same_drive && !already_moved) {
      if (IdOf(before.slot()) == new_slot_id) {
        return InvalidField("new_slot", "the booking is already in this slot");
      }
      also = [&](PartitionCommit& commit, const v1::Booking& made) {
        release_old(commit, made);
        // The release dropped the donor's entry at this drive; the new booking holds it.
        commit.HSet(old_drive->keys.donors, spec.donor_id, absl::StrCat("b:", IdOf(made.name())));
      };
    }
    absl::StatusOr<MadeBooking> made = MakeBooking(
        context, *new_drive, spec, request->request_id(), fingerprint,
        [](const v1::Booking& b) { return b.SerializeAsString(); }, before.name(), also);
    if (!made.ok()) return made.status();
    v1::Booking replacement;
    if (made->replay.has_value()) {
      if (!replacement.ParseFromString(*made->replay)) return absl::DataLossError("bad replay");
    } else {
      replacement = made->booking;
    }

    if (!same_drive) {
      absl::StatusOr<v1::Booking> current = LoadBooking(*old_drive, ref->booking_id);
      if (!current.ok()) return current.status();
      if (current->state() != v1::BOOKING_STATE_RESCHEDULED) {
        const Slot* old_slot = FindSlot(old_drive->slots, IdOf(current->slot()));
        const v1::Booking read = *current;
        absl::StatusOr<CommitResult> released =
            current->etag() != before.etag()
                ? absl::StatusOr<CommitResult>(absl::AbortedError(
                      "the booking changed while it was being moved; nothing was moved"))
                : CommitFreeingSeat(
                      context, *old_drive, old_slot, type, request->request_id(), now,
                      [&](PartitionCommit& commit) { release_old(commit, replacement); });
        if (!released.ok()) {
          // Compensation: the replacement goes again, so nothing changed for the donor.
          v1::Booking undone = replacement;
          undone.set_state(v1::BOOKING_STATE_CANCELLED);
          undone.set_cancel_reason(v1::CANCEL_REASON_OTHER);
          undone.set_cancel_note("reschedule undone: the original booking changed meanwhile");
          *undone.mutable_cancel_time() = ToTimestamp(now);
          *undone.mutable_update_time() = ToTimestamp(now);
          absl::StatusOr<CommitResult> compensated = CommitFreeingSeat(
              context, *new_drive, new_slot, type, "", now, [&](PartitionCommit& commit) {
                AddBookingUpdate(commit, *new_drive, replacement, undone, NewEtag());
                v1::Event event = NewEvent(*new_drive, request->request_id(), now);
                *event.mutable_booking_cancelled()->mutable_booking() =
                    Snapshot(*new_drive, undone);
                event.mutable_booking_cancelled()->set_reason(v1::CANCEL_REASON_OTHER);
                commit.Event(new_drive->keys, event);
              });
          if (!compensated.ok()) {
            platform::LogError("reschedule compensation failed",
                               {{"booking", replacement.name()},
                                {"error", std::string(compensated.status().message())}});
          }
          ReleaseClaim(spec.donor_id, replacement.name());
          return released.status();
        }
      }
    }
    ReleaseClaim(spec.donor_id, before.name());
    if (same_drive) {
      if (const Slot* old_slot = FindSlot(old_drive->slots, IdOf(before.slot()))) {
        PromoteIntoFreeSeats(context, *old_drive, *old_slot, type, now);
      }
    }
    *response = replacement;
    return absl::OkStatus();
  };
  // Without an etag from the client, a concurrent change of the booking (seen by the one-drive
  // commit before anything was written) means deciding again.
  absl::Status status = once();
  for (int attempt = 0; attempt < 4 && request->etag().empty() && ChangedMeanwhile(status);
       ++attempt) {
    status = once();
  }
  return Finish(context, status);
}

}  // namespace blooddrive::scheduling
