// Booking RPCs for donor-facing channels: book, hold, confirm a hold, cancel, reschedule, read.
#include <grpcpp/grpcpp.h>

#include <algorithm>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "auth/auth.h"
#include "dates.h"
#include "grpc_status.h"
#include "idempotency.h"
#include "report.h"
#include "scheduling_service.h"
#include "validation.h"

namespace blooddrive::scheduling {
namespace {

using platform::CheckRequestId;
using platform::CheckResourceName;
using platform::InvalidField;
using platform::ToTimestamp;

constexpr absl::Duration kDefaultHold = absl::Minutes(5);

absl::Status ParseSlotName(absl::string_view field, absl::string_view name, std::string* drive_id,
                           std::string* slot_id) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[2] != "slots" ||
      !CheckResourceName(field, absl::StrCat(parts[0], "/", parts[1]), "drives", drive_id).ok() ||
      !ParseSlotId(parts[3]).has_value()) {
    return InvalidField(field, "must be drives/{drive}/slots/{HHMM}");
  }
  *slot_id = std::string(parts[3]);
  return absl::OkStatus();
}

// request_id, slot, donor and donation_type of BookSlot and HoldSlot.
template <typename Request>
absl::Status CheckSeatRequest(const Request& request, std::string* drive_id, std::string* slot_id,
                              std::string* donor_id) {
  if (absl::Status s = CheckRequestId("request_id", request.request_id()); !s.ok()) return s;
  if (absl::Status s = ParseSlotName("slot", request.slot(), drive_id, slot_id); !s.ok()) return s;
  if (absl::Status s = CheckResourceName("donor", request.donor(), "donors", donor_id); !s.ok()) {
    return s;
  }
  return platform::CheckEnum("donation_type", request.donation_type(), v1::DonationType_IsValid);
}

absl::Status AsStatus(const grpc::Status& status) { return platform::FromGrpcStatus(status); }

}  // namespace

// Shared by the RPCs that name a slot: the drive, its site's authorization, the slot, the type.
static absl::Status ResolveSlot(const grpc::ServerContext* context, absl::string_view field,
                                const DriveContext& drive, absl::string_view slot_id,
                                v1::DonationType type, const Slot** slot) {
  if (absl::Status s =
          AsStatus(auth::AuthorizeSite(context, drive.drive().site(), drive.site().branch()));
      !s.ok()) {
    return s;
  }
  *slot = FindSlot(drive.slots, slot_id);
  if (*slot == nullptr) {
    return absl::NotFoundError(absl::StrCat(field, ": the drive has no slot ", slot_id));
  }
  const bool offered =
      std::any_of(drive.drive().capacities().begin(), drive.drive().capacities().end(),
                  [type](const v1::SlotCapacity& c) { return c.donation_type() == type; });
  if (!offered) return InvalidField("donation_type", "the drive does not offer this type");
  return absl::OkStatus();
}

grpc::Status SchedulingService::BookSlot(grpc::ServerContext* context,
                                         const v1::BookSlotRequest* request,
                                         v1::BookSlotResponse* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::Status status = [&]() -> absl::Status {
    std::string drive_id, slot_id, donor_id;
    if (absl::Status s = CheckSeatRequest(*request, &drive_id, &slot_id, &donor_id); !s.ok()) {
      return s;
    }
    absl::StatusOr<DriveContext> drive = LoadDrive(drive_id);
    if (!drive.ok()) return drive.status();
    const Slot* slot = nullptr;
    if (absl::Status s =
            ResolveSlot(context, "slot", *drive, slot_id, request->donation_type(), &slot);
        !s.ok()) {
      return s;
    }
    const std::string fingerprint = platform::RequestFingerprint("BookSlot", *request);
    NewBooking spec;
    spec.slot = slot;
    spec.donor_id = donor_id;
    spec.type = request->donation_type();
    spec.action = request->walk_in() ? BookingAction::kBookWalkIn : BookingAction::kBook;
    spec.booking_id = IdFromRequest("booking", request->request_id());
    absl::StatusOr<MadeBooking> made = MakeBooking(context, *drive, spec, request->request_id(),
                                                   fingerprint, [](const v1::Booking& b) {
                                                     v1::BookSlotResponse r;
                                                     *r.mutable_booking() = b;
                                                     return r.SerializeAsString();
                                                   });
    if (made.ok()) {
      if (made->replay.has_value()) {
        if (!response->ParseFromString(*made->replay)) {
          return absl::DataLossError("stored response does not parse");
        }
        return absl::OkStatus();
      }
      *response->mutable_booking() = made->booking;
      return absl::OkStatus();
    }
    if (made.status().code() != absl::StatusCode::kResourceExhausted ||
        !request->join_waitlist_if_full() || request->walk_in()) {
      return made.status();
    }
    v1::WaitlistEntry wanted;
    wanted.set_donor(request->donor());
    wanted.set_donation_type(request->donation_type());
    absl::StatusOr<v1::WaitlistEntry> entry =
        AddToWaitlist(*drive, wanted, request->request_id(), fingerprint,
                      /*eligibility_checked=*/false, context, [](const v1::WaitlistEntry& e) {
                        v1::BookSlotResponse r;
                        *r.mutable_waitlist_entry() = e;
                        return r.SerializeAsString();
                      });
    if (!entry.ok()) return entry.status();
    *response->mutable_waitlist_entry() = *entry;
    return absl::OkStatus();
  }();
  return Finish(context, status);
}

grpc::Status SchedulingService::HoldSlot(grpc::ServerContext* context,
                                         const v1::HoldSlotRequest* request,
                                         v1::Booking* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::Status status = [&]() -> absl::Status {
    std::string drive_id, slot_id, donor_id;
    if (absl::Status s = CheckSeatRequest(*request, &drive_id, &slot_id, &donor_id); !s.ok()) {
      return s;
    }
    absl::Duration hold = kDefaultHold;
    if (request->has_hold_duration()) {
      hold = absl::Seconds(request->hold_duration().seconds()) +
             absl::Nanoseconds(request->hold_duration().nanos());
      if (hold < absl::Seconds(30) || hold > absl::Minutes(15)) {
        return InvalidField("hold_duration", "must be 30 s..15 min");
      }
    }
    absl::StatusOr<DriveContext> drive = LoadDrive(drive_id);
    if (!drive.ok()) return drive.status();
    const Slot* slot = nullptr;
    if (absl::Status s =
            ResolveSlot(context, "slot", *drive, slot_id, request->donation_type(), &slot);
        !s.ok()) {
      return s;
    }
    NewBooking spec;
    spec.slot = slot;
    spec.donor_id = donor_id;
    spec.type = request->donation_type();
    spec.action = BookingAction::kHold;
    spec.hold_expire = clock_.Now() + hold;
    spec.booking_id = IdFromRequest("booking", request->request_id());
    absl::StatusOr<MadeBooking> made =
        MakeBooking(context, *drive, spec, request->request_id(),
                    platform::RequestFingerprint("HoldSlot", *request),
                    [](const v1::Booking& b) { return b.SerializeAsString(); });
    if (!made.ok()) return made.status();
    if (made->replay.has_value()) {
      if (!response->ParseFromString(*made->replay)) return absl::DataLossError("bad replay");
    } else {
      *response = made->booking;
    }
    return absl::OkStatus();
  }();
  return Finish(context, status);
}

absl::StatusOr<v1::Booking> SchedulingService::Transition(
    grpc::ServerContext* context, absl::string_view field, absl::string_view name,
    absl::string_view request_id, const std::string& fingerprint, absl::string_view etag,
    BookingAction action,
    const std::function<absl::Status(const DriveContext&, v1::Booking&, v1::Event&)>& apply) {
  // A client that sent no etag asked for no optimistic check: when another change got in first,
  // decide again on the booking as it is now.
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<v1::Booking> result =
        TransitionOnce(context, field, name, request_id, fingerprint, etag, action, apply);
    if (result.ok() || !etag.empty() || attempt == 4 || !ChangedMeanwhile(result.status())) {
      return result;
    }
  }
}

absl::StatusOr<v1::Booking> SchedulingService::TransitionOnce(
    grpc::ServerContext* context, absl::string_view field, absl::string_view name,
    absl::string_view request_id, const std::string& fingerprint, absl::string_view etag,
    BookingAction action,
    const std::function<absl::Status(const DriveContext&, v1::Booking&, v1::Event&)>& apply) {
  if (absl::Status s = CheckRequestId("request_id", request_id); !s.ok()) return s;
  absl::StatusOr<BookingRef> ref = ParseBookingName(field, name);
  if (!ref.ok()) return ref.status();
  absl::StatusOr<DriveContext> drive = LoadDrive(ref->drive_id);
  if (!drive.ok()) return drive.status();
  if (absl::Status s =
          AsStatus(auth::AuthorizeSite(context, drive->drive().site(), drive->site().branch()));
      !s.ok()) {
    return s;
  }
  const std::string request_key = drive->keys.Request(request_id);
  absl::StatusOr<std::optional<std::string>> replay = store_.Replay(request_key, fingerprint);
  if (!replay.ok()) return replay.status();
  if (replay->has_value()) {
    v1::Booking first;
    if (!first.ParseFromString(**replay)) return absl::DataLossError("bad replay");
    return first;
  }
  absl::StatusOr<v1::Booking> before = LoadBooking(*drive, ref->booking_id);
  if (!before.ok()) return before.status();
  if (!etag.empty() && etag != before->etag()) {
    return absl::AbortedError("etag: the booking changed since it was read; read it again");
  }
  const absl::Time now = clock_.Now();
  const absl::Time hold_expire = before->has_hold_expire_time()
                                     ? platform::ToTime(before->hold_expire_time())
                                     : absl::InfiniteFuture();
  absl::StatusOr<BookingTransition> next = NextBookingState(
      before->state(), action,
      FactsAt(now, drive->drive().state(), platform::ToTime(before->slot_start_time()),
              platform::ToTime(before->slot_end_time()), drive->date(), drive->zone, hold_expire));
  if (!next.ok()) {
    if (action == BookingAction::kConfirmHold &&
        before->state() == v1::BOOKING_STATE_HOLD_EXPIRED) {
      v1::BookingFailure failure;
      failure.set_kind(v1::BookingFailure::KIND_HOLD_EXPIRED);
      absl::Status expired = absl::FailedPreconditionError("the hold has expired; book again");
      expired.SetPayload(kBookingFailurePayloadUrl, absl::Cord(failure.SerializeAsString()));
      return expired;
    }
    return next.status();
  }
  if (!next->changed) return *before;

  v1::Booking after = *before;
  after.set_state(next->to);
  *after.mutable_update_time() = ToTimestamp(now);
  if (next->to != v1::BOOKING_STATE_HELD) after.clear_hold_expire_time();
  v1::Event event = NewEvent(*drive, request_id, now);
  if (absl::Status s = apply(*drive, after, event); !s.ok()) return s;
  after.set_etag(NewEtag());

  auto build = [&](PartitionCommit& commit) {
    commit.Request(request_key, fingerprint, after.SerializeAsString());
    AddBookingUpdate(commit, *drive, *before, after, after.etag());
    commit.Event(drive->keys, event);
  };
  const bool frees_seat = TakesSeat(before->state()) && !TakesSeat(after.state());
  const Slot* slot = FindSlot(drive->slots, before->slot().substr(before->slot().rfind('/') + 1));
  absl::StatusOr<CommitResult> result =
      frees_seat ? CommitFreeingSeat(context, *drive, slot, before->donation_type(), request_id,
                                     now, build)
                 : [&]() {
                     PartitionCommit commit(drive->keys.drive_id);
                     build(commit);
                     return store_.Commit(commit);
                   }();
  if (!result.ok()) return result.status();
  if (result->kind == CommitResult::Kind::kReplay) {
    v1::Booking first;
    if (!first.ParseFromString(result->bytes)) return absl::DataLossError("bad replay");
    return first;
  }
  if (IsActive(before->state()) && !IsActive(after.state())) {
    ReleaseClaim(before->donor().substr(before->donor().find('/') + 1), before->name());
  }
  return after;
}

grpc::Status SchedulingService::ConfirmHold(grpc::ServerContext* context,
                                            const v1::ConfirmHoldRequest* request,
                                            v1::Booking* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::StatusOr<v1::Booking> booking = Transition(
      context, "name", request->name(), request->request_id(),
      platform::RequestFingerprint("ConfirmHold", *request), "", BookingAction::kConfirmHold,
      [this](const DriveContext& drive, v1::Booking& after, v1::Event& event) {
        *event.mutable_booking_created()->mutable_booking() = Snapshot(drive, after);
        return absl::OkStatus();
      });
  if (!booking.ok()) return Finish(context, booking.status());
  *response = *std::move(booking);
  return grpc::Status::OK;
}

grpc::Status SchedulingService::CancelBooking(grpc::ServerContext* context,
                                              const v1::CancelBookingRequest* request,
                                              v1::Booking* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::Status invalid = [&]() -> absl::Status {
    if (absl::Status s = platform::CheckEnum("reason", request->reason(), v1::CancelReason_IsValid);
        !s.ok()) {
      return s;
    }
    if (request->reason() == v1::CANCEL_REASON_DRIVE_CANCELLED) {
      return InvalidField("reason", "DRIVE_CANCELLED is set only by CancelDrive");
    }
    return platform::CheckText("note", request->note(), 500, /*required=*/false);
  }();
  if (!invalid.ok()) return Finish(context, invalid);
  absl::StatusOr<v1::Booking> booking = Transition(
      context, "name", request->name(), request->request_id(),
      platform::RequestFingerprint("CancelBooking", *request), request->etag(),
      BookingAction::kCancel,
      [this, request](const DriveContext& drive, v1::Booking& after, v1::Event& event) {
        const absl::Time now = platform::ToTime(after.update_time());
        const bool late = IsLateCancellation(now, platform::ToTime(after.slot_start_time()),
                                             options_.late_cancellation_window, request->reason());
        after.set_cancel_reason(request->reason());
        after.set_cancel_note(request->note());
        *after.mutable_cancel_time() = after.update_time();
        after.set_late_cancellation(late);
        v1::BookingCancelled* cancelled = event.mutable_booking_cancelled();
        *cancelled->mutable_booking() = Snapshot(drive, after);
        cancelled->set_reason(request->reason());
        cancelled->set_late_cancellation(late);
        return absl::OkStatus();
      });
  if (!booking.ok()) return Finish(context, booking.status());
  *response = *std::move(booking);
  return grpc::Status::OK;
}

grpc::Status SchedulingService::GetBooking(grpc::ServerContext* context,
                                           const v1::GetBookingRequest* request,
                                           v1::Booking* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::StatusOr<v1::Booking> booking = [&]() -> absl::StatusOr<v1::Booking> {
    absl::StatusOr<BookingRef> ref = ParseBookingName("name", request->name());
    if (!ref.ok()) return ref.status();
    absl::StatusOr<DriveContext> drive = LoadDrive(ref->drive_id);
    if (!drive.ok()) return drive.status();
    if (absl::Status s =
            AsStatus(auth::AuthorizeSite(context, drive->drive().site(), drive->site().branch()));
        !s.ok()) {
      return s;
    }
    return LoadBooking(*drive, ref->booking_id);
  }();
  return platform::Respond(std::move(booking), response);
}

grpc::Status SchedulingService::ListBookings(grpc::ServerContext* context,
                                             const v1::ListBookingsRequest* request,
                                             v1::ListBookingsResponse* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::Status status = [&]() -> absl::Status {
    std::string donor_id;
    if (absl::Status s = CheckResourceName("donor", request->donor(), "donors", &donor_id);
        !s.ok()) {
      return s;
    }
    for (int i = 0; i < request->states_size(); ++i) {
      if (absl::Status s = platform::CheckEnum(platform::FieldPath("states", i), request->states(i),
                                               v1::BookingState_IsValid);
          !s.ok()) {
        return s;
      }
    }
    if (absl::Status s = platform::CheckDate("start_date", request->start_date(), false); !s.ok()) {
      return s;
    }
    if (absl::Status s = platform::CheckDate("end_date", request->end_date(), false); !s.ok()) {
      return s;
    }
    int page_size = 0, offset = 0;
    if (absl::Status s = platform::CheckPageSize("page_size", request->page_size(), 50, &page_size);
        !s.ok()) {
      return s;
    }
    if (!request->page_token().empty() &&
        (!absl::SimpleAtoi(request->page_token(), &offset) || offset < 0)) {
      return InvalidField("page_token", "not a token from this RPC");
    }
    absl::StatusOr<std::vector<std::string>> names = store_.DonorBookingNames(donor_id);
    if (!names.ok()) return names.status();
    std::vector<v1::Booking> matching;
    for (const std::string& name : *names) {
      absl::StatusOr<BookingRef> ref = ParseBookingName("name", name);
      if (!ref.ok()) continue;
      absl::StatusOr<std::optional<v1::Booking>> booking =
          store_.GetBooking(DriveKeys(ref->drive_id), ref->booking_id);
      if (!booking.ok()) return booking.status();
      if (!booking->has_value()) continue;  // claimed but never made
      const v1::Booking& b = **booking;
      if (request->states_size() > 0 &&
          std::find(request->states().begin(), request->states().end(), b.state()) ==
              request->states().end()) {
        continue;
      }
      const absl::CivilDay day = platform::ToCivilDay(b.date());
      if (platform::IsSet(request->start_date()) &&
          day < platform::ToCivilDay(request->start_date())) {
        continue;
      }
      if (platform::IsSet(request->end_date()) && day > platform::ToCivilDay(request->end_date())) {
        continue;
      }
      matching.push_back(b);
    }
    for (int i = offset; i < static_cast<int>(matching.size()) && i < offset + page_size; ++i) {
      *response->add_bookings() = matching[i];
    }
    if (offset + page_size < static_cast<int>(matching.size())) {
      response->set_next_page_token(absl::StrCat(offset + page_size));
    }
    return absl::OkStatus();
  }();
  return Finish(context, status);
}

}  // namespace blooddrive::scheduling
