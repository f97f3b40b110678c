// Waitlist RPCs and the clinic's: roster, confirm, check-in, outcome.
#include <grpcpp/grpcpp.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "auth/auth.h"
#include "dates.h"
#include "grpc_status.h"
#include "idempotency.h"
#include "scheduling_internal.h"
#include "scheduling_service.h"
#include "validation.h"

namespace blooddrive::scheduling {
namespace {

using internal::CheckPageToken;

using platform::CheckRequestId;
using platform::CheckResourceName;
using platform::InvalidField;
using platform::ToTimestamp;

absl::Status AsStatus(const grpc::Status& status) { return platform::FromGrpcStatus(status); }

absl::Status CheckOptionalTime(absl::string_view field, const v1::TimeOfDay& t) {
  if (t.hours() < 0 || t.hours() > 24 || t.minutes() < 0 || t.minutes() > 59 ||
      (t.hours() == 24 && t.minutes() != 0)) {
    return InvalidField(field, "must be a time of day 00:00..24:00");
  }
  return absl::OkStatus();
}

template <typename T, typename Out>
void Page(const std::vector<T>& all, int offset, int size, Out* out, std::string* next) {
  for (int i = offset; i < static_cast<int>(all.size()) && i < offset + size; ++i) {
    *out->Add() = all[i];
  }
  if (offset + size < static_cast<int>(all.size())) *next = absl::StrCat(offset + size);
}

}  // namespace

absl::StatusOr<v1::WaitlistEntry> SchedulingService::AddToWaitlist(
    const DriveContext& drive, const v1::WaitlistEntry& wanted, absl::string_view request_id,
    const std::string& fingerprint, bool eligibility_checked, grpc::ServerContext* context,
    const std::function<std::string(const v1::WaitlistEntry&)>& response) {
  const std::string request_key = drive.keys.Request(request_id);
  absl::StatusOr<std::optional<std::string>> replay = store_.Replay(request_key, fingerprint);
  if (!replay.ok()) return replay.status();
  if (replay->has_value()) {
    v1::WaitlistEntry first;
    v1::BookSlotResponse wrapped;
    if (first.ParseFromString(**replay) && !first.name().empty()) return first;
    if (wrapped.ParseFromString(**replay)) return wrapped.waitlist_entry();
    return absl::DataLossError("bad replay");
  }
  const absl::Time now = clock_.Now();
  if (drive.drive().state() != v1::DRIVE_STATE_PUBLISHED) {
    return absl::FailedPreconditionError("the drive is not published");
  }
  const Slot* first_slot = nullptr;
  for (const Slot& slot : drive.slots) {
    if (slot.start_time > now && WaitlistAdmits(wanted, slot)) {
      first_slot = &slot;
      break;
    }
  }
  if (first_slot == nullptr) {
    return absl::FailedPreconditionError(
        "no slot of the drive that has not started fits the entry");
  }
  const std::string donor_id = wanted.donor().substr(wanted.donor().find('/') + 1);
  if (!eligibility_checked) {
    absl::StatusOr<v1::EligibilityDecision> decision =
        CheckEligible(context, drive, *first_slot, donor_id, wanted.donation_type(), "");
    if (!decision.ok()) return decision.status();
  }
  const std::string entry_id = IdFromRequest("entry", request_id);
  v1::WaitlistEntry entry = wanted;
  entry.set_name(EntryName(drive.keys.drive_id, entry_id));
  entry.set_state(v1::WAITLIST_STATE_WAITING);
  entry.clear_booking();
  entry.set_position(0);
  *entry.mutable_create_time() = ToTimestamp(now);
  *entry.mutable_update_time() = ToTimestamp(now);

  PartitionCommit commit(drive.keys.drive_id);
  commit.Request(request_key, fingerprint, response(entry));
  commit.FieldEq(drive.keys.drive, "state",
                 absl::StrCat(static_cast<int>(v1::DRIVE_STATE_PUBLISHED)),
                 "FAILED_PRECONDITION [drive-not-open] the drive is not published");
  commit.FieldEq(drive.keys.donors, donor_id, "",
                 "FAILED_PRECONDITION the donor already has an active booking or waitlist entry "
                 "at this drive");
  commit.Absent(drive.keys.Entry(entry_id));
  const std::string key = drive.keys.Entry(entry_id);
  commit.HSet(key, "pb", entry.SerializeAsString());
  commit.HSet(key, "state", absl::StrCat(static_cast<int>(v1::WAITLIST_STATE_WAITING)));
  commit.HSet(key, "donor", donor_id);
  commit.ZAddNext(drive.keys.Waitlist(wanted.donation_type()), drive.keys.drive, "wl_seq",
                  entry_id);
  commit.HSet(drive.keys.donors, donor_id, absl::StrCat("w:", entry_id));
  commit.HIncr(drive.keys.drive, "rev", 1);
  absl::StatusOr<CommitResult> result = store_.Commit(commit);
  if (!result.ok()) return result.status();
  if (result->kind != CommitResult::Kind::kOk) {
    v1::WaitlistEntry first;
    v1::BookSlotResponse wrapped;
    if (first.ParseFromString(result->bytes) && !first.name().empty()) return first;
    if (wrapped.ParseFromString(result->bytes)) return wrapped.waitlist_entry();
    return absl::DataLossError("bad replay");
  }
  absl::StatusOr<std::vector<v1::WaitlistEntry>> waiting =
      store_.Waiting(drive.keys, wanted.donation_type());
  if (waiting.ok()) {
    for (const v1::WaitlistEntry& w : *waiting) {
      if (w.name() == entry.name()) entry.set_position(w.position());
    }
  }
  return entry;
}

absl::StatusOr<std::optional<v1::WaitlistEntry>> SchedulingService::WaitingEntryOf(
    const DriveContext& drive, absl::string_view donor_id) {
  absl::StatusOr<std::string> at_drive = store_.DonorAtDrive(drive.keys, donor_id);
  if (!at_drive.ok()) return at_drive.status();
  if (!absl::StartsWith(*at_drive, "w:")) return std::nullopt;
  absl::StatusOr<std::optional<v1::WaitlistEntry>> entry =
      store_.GetEntry(drive.keys, at_drive->substr(2));
  if (!entry.ok()) return entry.status();
  if (!entry->has_value() || (*entry)->state() != v1::WAITLIST_STATE_WAITING) return std::nullopt;
  return entry;
}

void SchedulingService::AddStopWaiting(PartitionCommit& commit, const DriveContext& drive,
                                       const v1::WaitlistEntry& entry,
                                       const std::string& booking_name, absl::Time now) const {
  const std::string entry_id = internal::LastSegment(entry.name());
  const std::string key = drive.keys.Entry(entry_id);
  const std::string waiting_state = absl::StrCat(static_cast<int>(v1::WAITLIST_STATE_WAITING));
  constexpr absl::string_view kChanged =
      "ABORTED the donor's waitlist entry at this drive changed meanwhile; try again";
  commit.FieldEq(drive.keys.donors, internal::LastSegment(entry.donor()),
                 absl::StrCat("w:", entry_id), std::string(kChanged));
  commit.FieldEq(key, "state", waiting_state, std::string(kChanged));
  v1::WaitlistEntry after = entry;
  after.set_state(v1::WAITLIST_STATE_LEFT);
  after.set_position(0);
  after.set_booking(booking_name);
  *after.mutable_update_time() = ToTimestamp(now);
  commit.HSet(key, "pb", after.SerializeAsString());
  commit.HSet(key, "state", absl::StrCat(static_cast<int>(v1::WAITLIST_STATE_LEFT)));
  commit.ZRem(drive.keys.Waitlist(entry.donation_type()), entry_id);
}

grpc::Status SchedulingService::JoinWaitlist(grpc::ServerContext* context,
                                             const v1::JoinWaitlistRequest* request,
                                             v1::WaitlistEntry* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::StatusOr<v1::WaitlistEntry> entry = [&]() -> absl::StatusOr<v1::WaitlistEntry> {
    std::string drive_id, donor_id;
    if (absl::Status s = CheckRequestId("request_id", request->request_id()); !s.ok()) return s;
    if (absl::Status s = CheckResourceName("drive", request->drive(), "drives", &drive_id);
        !s.ok()) {
      return s;
    }
    const v1::WaitlistEntry& wanted = request->entry();
    if (absl::Status s = CheckResourceName("entry.donor", wanted.donor(), "donors", &donor_id);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = platform::CheckEnum("entry.donation_type", wanted.donation_type(),
                                             v1::DonationType_IsValid);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckOptionalTime("entry.earliest_start", wanted.earliest_start());
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckOptionalTime("entry.start_before", wanted.start_before()); !s.ok()) {
      return s;
    }
    if (wanted.has_earliest_start() && wanted.has_start_before() &&
        MinuteOfDay(wanted.start_before()) <= MinuteOfDay(wanted.earliest_start())) {
      return InvalidField("entry.start_before", "must be after earliest_start");
    }
    absl::StatusOr<DriveContext> drive = LoadDrive(drive_id);
    if (!drive.ok()) return drive.status();
    if (absl::Status s =
            AsStatus(auth::AuthorizeSite(context, drive->drive().site(), drive->site().branch()));
        !s.ok()) {
      return s;
    }
    bool offered = false;
    for (const v1::SlotCapacity& c : drive->drive().capacities()) {
      offered |= c.donation_type() == wanted.donation_type();
    }
    if (!offered) return InvalidField("entry.donation_type", "the drive does not offer this type");
    v1::WaitlistEntry clean;
    clean.set_donor(wanted.donor());
    clean.set_donation_type(wanted.donation_type());
    if (wanted.has_earliest_start()) *clean.mutable_earliest_start() = wanted.earliest_start();
    if (wanted.has_start_before()) *clean.mutable_start_before() = wanted.start_before();
    return AddToWaitlist(*drive, clean, request->request_id(),
                         platform::RequestFingerprint("JoinWaitlist", *request), false, context,
                         [](const v1::WaitlistEntry& e) { return e.SerializeAsString(); });
  }();
  if (!entry.ok()) return Finish(context, entry.status());
  *response = *std::move(entry);
  return grpc::Status::OK;
}

grpc::Status SchedulingService::LeaveWaitlist(grpc::ServerContext* context,
                                              const v1::LeaveWaitlistRequest* request,
                                              v1::WaitlistEntry* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::StatusOr<v1::WaitlistEntry> entry = [&]() -> absl::StatusOr<v1::WaitlistEntry> {
    if (absl::Status s = CheckRequestId("request_id", request->request_id()); !s.ok()) return s;
    std::vector<absl::string_view> parts = absl::StrSplit(request->name(), '/');
    std::string drive_id, entry_id;
    if (parts.size() != 4 || parts[2] != "waitlistEntries" ||
        !CheckResourceName("name", absl::StrCat(parts[0], "/", parts[1]), "drives", &drive_id)
             .ok() ||
        !CheckResourceName("name", absl::StrCat("e/", parts[3]), "e", &entry_id).ok()) {
      return InvalidField("name", "must be drives/{drive}/waitlistEntries/{entry}");
    }
    absl::StatusOr<DriveContext> drive = LoadDrive(drive_id);
    if (!drive.ok()) return drive.status();
    if (absl::Status s =
            AsStatus(auth::AuthorizeSite(context, drive->drive().site(), drive->site().branch()));
        !s.ok()) {
      return s;
    }
    absl::StatusOr<std::optional<v1::WaitlistEntry>> current =
        store_.GetEntry(drive->keys, entry_id);
    if (!current.ok()) return current.status();
    if (!current->has_value())
      return absl::NotFoundError(absl::StrCat(request->name(), " does not exist"));
    v1::WaitlistEntry before = **current;
    if (before.state() == v1::WAITLIST_STATE_LEFT || before.state() == v1::WAITLIST_STATE_CLOSED) {
      return before;
    }
    if (before.state() == v1::WAITLIST_STATE_PROMOTED) {
      return absl::FailedPreconditionError(
          absl::StrCat("the entry was promoted to ", before.booking(), "; cancel that booking"));
    }
    v1::WaitlistEntry after = before;
    after.set_state(v1::WAITLIST_STATE_LEFT);
    after.set_position(0);
    *after.mutable_update_time() = ToTimestamp(clock_.Now());
    const std::string key = drive->keys.Entry(entry_id);
    PartitionCommit commit(drive_id);
    commit.Request(drive->keys.Request(request->request_id()),
                   platform::RequestFingerprint("LeaveWaitlist", *request),
                   after.SerializeAsString());
    commit.FieldEq(key, "state", absl::StrCat(static_cast<int>(v1::WAITLIST_STATE_WAITING)),
                   "FAILED_PRECONDITION the entry was promoted meanwhile");
    commit.HSet(key, "pb", after.SerializeAsString());
    commit.HSet(key, "state", absl::StrCat(static_cast<int>(v1::WAITLIST_STATE_LEFT)));
    commit.ZRem(drive->keys.Waitlist(before.donation_type()), entry_id);
    commit.HDel(drive->keys.donors, before.donor().substr(before.donor().find('/') + 1));
    commit.HIncr(drive->keys.drive, "rev", 1);
    absl::StatusOr<CommitResult> result = store_.Commit(commit);
    if (!result.ok()) return result.status();
    if (result->kind == CommitResult::Kind::kReplay) {
      v1::WaitlistEntry first;
      if (!first.ParseFromString(result->bytes)) return absl::DataLossError("bad replay");
      return first;
    }
    return after;
  }();
  if (!entry.ok()) return Finish(context, entry.status());
  *response = *std::move(entry);
  return grpc::Status::OK;
}

grpc::Status SchedulingService::ListWaitlist(grpc::ServerContext* context,
                                             const v1::ListWaitlistRequest* request,
                                             v1::ListWaitlistResponse* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::Status status = [&]() -> absl::Status {
    std::string drive_id;
    if (absl::Status s = CheckResourceName("drive", request->drive(), "drives", &drive_id);
        !s.ok()) {
      return s;
    }
    if (request->donation_type() != v1::DONATION_TYPE_UNSPECIFIED &&
        !v1::DonationType_IsValid(request->donation_type())) {
      return InvalidField("donation_type", "unknown value");
    }
    for (int i = 0; i < request->states_size(); ++i) {
      if (absl::Status s = platform::CheckEnum(platform::FieldPath("states", i), request->states(i),
                                               v1::WaitlistState_IsValid);
          !s.ok()) {
        return s;
      }
    }
    int page_size = 0, offset = 0;
    if (absl::Status s =
            platform::CheckPageSize("page_size", request->page_size(), 100, &page_size);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckPageToken(request->page_token(), &offset); !s.ok()) return s;
    absl::StatusOr<DriveContext> drive = LoadDrive(drive_id);
    if (!drive.ok()) return drive.status();
    if (absl::Status s =
            AsStatus(auth::AuthorizeSite(context, drive->drive().site(), drive->site().branch()));
        !s.ok()) {
      return s;
    }
    auto wanted = [&](int state) {
      if (request->states_size() == 0) return state == v1::WAITLIST_STATE_WAITING;
      return std::find(request->states().begin(), request->states().end(), state) !=
             request->states().end();
    };
    // Waiting entries in waiting order (with positions) per type, then the others by creation.
    std::vector<v1::WaitlistEntry> all;
    if (wanted(v1::WAITLIST_STATE_WAITING)) {
      for (const v1::SlotCapacity& c : drive->drive().capacities()) {
        if (request->donation_type() != v1::DONATION_TYPE_UNSPECIFIED &&
            c.donation_type() != request->donation_type()) {
          continue;
        }
        absl::StatusOr<std::vector<v1::WaitlistEntry>> waiting =
            store_.Waiting(drive->keys, c.donation_type());
        if (!waiting.ok()) return waiting.status();
        all.insert(all.end(), waiting->begin(), waiting->end());
      }
    }
    if (request->states_size() > 0) {
      absl::StatusOr<std::vector<v1::WaitlistEntry>> entries = store_.ListEntries(drive->keys);
      if (!entries.ok()) return entries.status();
      for (const v1::WaitlistEntry& e : *entries) {
        if (e.state() == v1::WAITLIST_STATE_WAITING) continue;  // listed above
        if (!wanted(e.state())) continue;
        if (request->donation_type() != v1::DONATION_TYPE_UNSPECIFIED &&
            e.donation_type() != request->donation_type()) {
          continue;
        }
        all.push_back(e);
      }
    }
    Page(all, offset, page_size, response->mutable_entries(), response->mutable_next_page_token());
    return absl::OkStatus();
  }();
  return Finish(context, status);
}

grpc::Status SchedulingService::GetRoster(grpc::ServerContext* context,
                                          const v1::GetRosterRequest* request,
                                          v1::GetRosterResponse* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::Status status = [&]() -> absl::Status {
    std::string drive_id;
    if (absl::Status s = CheckResourceName("drive", request->drive(), "drives", &drive_id);
        !s.ok()) {
      return s;
    }
    std::string slot_id;
    if (!request->slot().empty()) {
      const std::string prefix = absl::StrCat(request->drive(), "/slots/");
      if (!absl::StartsWith(request->slot(), prefix) ||
          !ParseSlotId(request->slot().substr(prefix.size())).has_value()) {
        return InvalidField("slot", "must be a slot of the drive: drives/{drive}/slots/{HHMM}");
      }
      slot_id = request->slot().substr(prefix.size());
    }
    for (int i = 0; i < request->states_size(); ++i) {
      if (absl::Status s = platform::CheckEnum(platform::FieldPath("states", i), request->states(i),
                                               v1::BookingState_IsValid);
          !s.ok()) {
        return s;
      }
    }
    if (request->donation_type() != v1::DONATION_TYPE_UNSPECIFIED &&
        !v1::DonationType_IsValid(request->donation_type())) {
      return InvalidField("donation_type", "unknown value");
    }
    int page_size = 0, offset = 0;
    if (absl::Status s =
            platform::CheckPageSize("page_size", request->page_size(), 200, &page_size);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckPageToken(request->page_token(), &offset); !s.ok()) return s;
    absl::StatusOr<DriveContext> drive = LoadDrive(drive_id);
    if (!drive.ok()) return drive.status();
    if (absl::Status s =
            AsStatus(auth::AuthorizeSite(context, drive->drive().site(), drive->site().branch()));
        !s.ok()) {
      return s;
    }
    absl::StatusOr<std::vector<v1::Booking>> bookings = store_.ListDriveBookings(drive->keys);
    if (!bookings.ok()) return bookings.status();
    std::vector<v1::Booking> roster;
    for (const v1::Booking& b : *bookings) {
      if (!slot_id.empty() && b.slot() != request->slot()) continue;
      if (request->states_size() == 0) {
        if (b.state() == v1::BOOKING_STATE_HOLD_EXPIRED ||
            b.state() == v1::BOOKING_STATE_RESCHEDULED) {
          continue;
        }
      } else if (std::find(request->states().begin(), request->states().end(), b.state()) ==
                 request->states().end()) {
        continue;
      }
      if (request->donation_type() != v1::DONATION_TYPE_UNSPECIFIED &&
          b.donation_type() != request->donation_type()) {
        continue;
      }
      roster.push_back(b);
    }
    auto key = [](const v1::Booking& b) {
      return std::make_tuple(b.slot_start_time().seconds(), b.create_time().seconds(),
                             b.create_time().nanos(), b.name());
    };
    std::sort(roster.begin(), roster.end(),
              [&](const v1::Booking& a, const v1::Booking& b) { return key(a) < key(b); });
    Page(roster, offset, page_size, response->mutable_bookings(),
         response->mutable_next_page_token());
    return absl::OkStatus();
  }();
  return Finish(context, status);
}

grpc::Status SchedulingService::ConfirmBooking(grpc::ServerContext* context,
                                               const v1::ConfirmBookingRequest* request,
                                               v1::Booking* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  if (absl::Status s =
          platform::CheckEnum("channel", request->channel(), v1::ConfirmationChannel_IsValid);
      !s.ok()) {
    return Finish(context, s);
  }
  absl::StatusOr<v1::Booking> booking = Transition(
      context, "name", request->name(), request->request_id(),
      platform::RequestFingerprint("ConfirmBooking", *request), "", BookingAction::kConfirm,
      [this, request](const DriveContext& drive, v1::Booking& after, v1::Event& event) {
        after.set_confirmation_channel(request->channel());
        *after.mutable_confirm_time() = after.update_time();
        *event.mutable_booking_confirmed()->mutable_booking() = Snapshot(drive, after);
        event.mutable_booking_confirmed()->set_channel(request->channel());
        return absl::OkStatus();
      });
  if (!booking.ok()) return Finish(context, booking.status());
  *response = *std::move(booking);
  return grpc::Status::OK;
}

grpc::Status SchedulingService::CheckInBooking(grpc::ServerContext* context,
                                               const v1::CheckInBookingRequest* request,
                                               v1::Booking* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::StatusOr<v1::Booking> booking = Transition(
      context, "name", request->name(), request->request_id(),
      platform::RequestFingerprint("CheckInBooking", *request), "", BookingAction::kCheckIn,
      [this](const DriveContext& drive, v1::Booking& after, v1::Event& event) {
        *after.mutable_check_in_time() = after.update_time();
        *event.mutable_booking_checked_in()->mutable_booking() = Snapshot(drive, after);
        return absl::OkStatus();
      });
  if (!booking.ok()) return Finish(context, booking.status());
  *response = *std::move(booking);
  return grpc::Status::OK;
}

}  // namespace blooddrive::scheduling
