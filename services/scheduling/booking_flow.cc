// The steps that booking RPCs share: loading a drive, eligibility, the donor's claim
// (claim-then-book, docs/redis-keys.md), writing a new booking, freeing a seat with a waitlist
// promotion in the same step, and hold expiry.
#include <grpcpp/grpcpp.h>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "dates.h"
#include "grpc_status.h"
#include "log.h"
#include "overlap.h"
#include "scheduling_internal.h"
#include "scheduling_service.h"
#include "validation.h"

namespace blooddrive::scheduling {
namespace {

using platform::ToDate;
using platform::ToTimestamp;

constexpr absl::Duration kEligibilityCallLimit = absl::Seconds(5);
constexpr int kMaxAssumedDonations = 20;
constexpr int kPromotionCandidates = 5;

absl::Status WithFailure(absl::Status status, const v1::BookingFailure& failure) {
  status.SetPayload(kBookingFailurePayloadUrl, absl::Cord(failure.SerializeAsString()));
  return status;
}

char SeatKind(const v1::Booking& booking) {
  if (booking.state() == v1::BOOKING_STATE_HELD) return 'h';
  return booking.walk_in() ? 'w' : 'b';
}

std::string StateText(v1::BookingState state) { return absl::StrCat(static_cast<int>(state)); }

}  // namespace

absl::CivilDay DriveContext::date() const { return platform::ToCivilDay(drive().date()); }

SchedulingService::SchedulingService(SchedulingStore& store,
                                     std::unique_ptr<v1::Eligibility::StubInterface> eligibility,
                                     Clock clock, SchedulingOptions options)
    : store_(store),
      eligibility_(std::move(eligibility)),
      clock_(std::move(clock)),
      options_(options) {}

bool SchedulingService::ChangedMeanwhile(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAborted &&
         absl::StrContains(status.message(), "changed meanwhile");
}

grpc::Status SchedulingService::Finish(grpc::ServerContext* context,
                                       const absl::Status& status) const {
  if (absl::optional<absl::Cord> failure = status.GetPayload(kBookingFailurePayloadUrl)) {
    context->AddTrailingMetadata("blooddrive-booking-failure-bin", std::string(*failure));
  }
  return platform::ToGrpcStatus(status);
}

absl::StatusOr<DriveContext> SchedulingService::LoadDrive(absl::string_view drive_id) const {
  absl::StatusOr<std::optional<StoredDrive>> stored = store_.GetDrive(drive_id);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) {
    return internal::DriveNotFound(drive_id);
  }
  absl::StatusOr<absl::TimeZone> zone =
      LoadSiteTimeZone("site.time_zone", (*stored)->site.time_zone());
  if (!zone.ok()) return absl::InternalError(std::string(zone.status().message()));
  absl::StatusOr<std::vector<Slot>> slots = GenerateSlots((*stored)->drive, *zone);
  if (!slots.ok()) return absl::InternalError(std::string(slots.status().message()));
  return DriveContext{**std::move(stored), DriveKeys(drive_id), *zone, *std::move(slots)};
}

absl::StatusOr<SchedulingService::BookingRef> SchedulingService::ParseBookingName(
    absl::string_view field, absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  std::string drive_id, booking_id;
  if (parts.size() != 4 || parts[2] != "bookings" ||
      !platform::CheckResourceName(field, absl::StrCat(parts[0], "/", parts[1]), "drives",
                                   &drive_id)
           .ok() ||
      !platform::CheckResourceName(field, absl::StrCat("bookings/", parts[3]), "bookings",
                                   &booking_id)
           .ok()) {
    return platform::InvalidField(field, "must be drives/{drive}/bookings/{booking}");
  }
  return BookingRef{drive_id, booking_id};
}

absl::StatusOr<v1::Booking> SchedulingService::LoadBooking(const DriveContext& drive,
                                                           absl::string_view booking_id) const {
  absl::StatusOr<std::optional<v1::Booking>> booking = store_.GetBooking(drive.keys, booking_id);
  if (!booking.ok()) return booking.status();
  if (!booking->has_value()) {
    return absl::NotFoundError(
        absl::StrCat(BookingName(drive.keys.drive_id, booking_id), " does not exist"));
  }
  return **std::move(booking);
}

v1::Event SchedulingService::NewEvent(const DriveContext& drive, absl::string_view request_id,
                                      absl::Time now) const {
  v1::Event event;
  *event.mutable_occur_time() = ToTimestamp(now);
  event.set_producer("scheduling");
  event.set_partition(drive.keys.drive_id);
  event.set_drive(DriveName(drive.keys.drive_id));
  event.set_request_id(std::string(request_id));
  return event;
}

v1::BookingSnapshot SchedulingService::Snapshot(const DriveContext& drive,
                                                const v1::Booking& booking) const {
  v1::BookingSnapshot s;
  s.set_booking(booking.name());
  s.set_donor(booking.donor());
  s.set_slot(booking.slot());
  s.set_donation_type(booking.donation_type());
  s.set_state(booking.state());
  *s.mutable_slot_start_time() = booking.slot_start_time();
  *s.mutable_slot_end_time() = booking.slot_end_time();
  *s.mutable_date() = booking.date();
  s.set_site(booking.site());
  s.set_site_time_zone(drive.site().time_zone());
  s.set_place_display_name(drive.drive().display_name().empty() ? drive.site().display_name()
                                                                : drive.drive().display_name());
  s.set_site_address(drive.site().address());
  s.set_venue(drive.drive().venue());
  s.set_blood_group(booking.blood_group());
  s.set_walk_in(booking.walk_in());
  return s;
}

absl::StatusOr<v1::EligibilityDecision> SchedulingService::CheckEligible(
    const grpc::ServerContext* context, const DriveContext& drive, const Slot& slot,
    absl::string_view donor_id, v1::DonationType type, absl::string_view ignore,
    absl::string_view making) const {
  v1::CheckEligibilityRequest request;
  request.set_donor(absl::StrCat("donors/", donor_id));
  request.set_donation_type(type);
  *request.mutable_date() = drive.drive().date();
  *request.mutable_slot_start() = ToTimeOfDay(slot.local_start);
  request.set_rule_pack(drive.site().rule_pack());
  // The donor's other active bookings count as donations, so intervals hold around them.
  absl::StatusOr<std::vector<std::string>> names = store_.DonorBookingNames(donor_id);
  if (!names.ok()) return names.status();
  const absl::Time now = clock_.Now();
  for (const std::string& name : *names) {
    if (request.assumed_donations_size() >= kMaxAssumedDonations) break;
    if (name == ignore || name == making) continue;  // a concurrent retry may have made it
    absl::StatusOr<BookingRef> ref = ParseBookingName("booking", name);
    if (!ref.ok()) continue;
    absl::StatusOr<std::optional<v1::Booking>> other =
        store_.GetBooking(DriveKeys(ref->drive_id), ref->booking_id);
    if (!other.ok()) return other.status();
    if (!other->has_value() || !IsActiveAt(PeriodOf(**other), now)) continue;
    v1::Donation* assumed = request.add_assumed_donations();
    *assumed->mutable_donation_date() = (*other)->date();
    assumed->set_donation_type((*other)->donation_type());
  }
  std::unique_ptr<grpc::ClientContext> call = context != nullptr
                                                  ? grpc::ClientContext::FromServerContext(*context)
                                                  : std::make_unique<grpc::ClientContext>();
  call->set_deadline(absl::ToChronoTime(absl::Now() + kEligibilityCallLimit));
  v1::EligibilityDecision decision;
  grpc::Status status = eligibility_->CheckEligibility(call.get(), request, &decision);
  if (!status.ok()) {
    absl::Status error = platform::FromGrpcStatus(status);
    if (error.code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(absl::StrCat("donor: ", error.message()));
    }
    if (error.code() == absl::StatusCode::kInvalidArgument) {
      return absl::InternalError(
          absl::StrCat("eligibility refused the request: ", error.message()));
    }
    return absl::UnavailableError(absl::StrCat("eligibility: ", error.message()));
  }
  if (!decision.eligible()) {
    std::string why;
    for (const v1::EligibilityReason& reason : decision.reasons()) {
      if (reason.blocking()) {
        why = reason.message();
        break;
      }
    }
    v1::BookingFailure failure;
    failure.set_kind(v1::BookingFailure::KIND_INELIGIBLE);
    *failure.mutable_decision() = decision;
    return WithFailure(
        absl::FailedPreconditionError(absl::StrCat(
            "donors/", donor_id, " is not eligible for this donation on the drive's date: ", why)),
        failure);
  }
  return decision;
}

absl::Status SchedulingService::ClaimPeriod(absl::string_view donor_id,
                                            absl::string_view booking_name,
                                            const DriveContext& drive, const Slot& slot,
                                            absl::Time now, absl::string_view ignore) {
  auto conflict_error = [&](const std::string& other) {
    v1::BookingFailure failure;
    failure.set_kind(v1::BookingFailure::KIND_CONFLICTING_BOOKING);
    failure.set_conflicting_booking(other);
    return WithFailure(
        absl::FailedPreconditionError(absl::StrCat(
            "the donor already has an active booking in an overlapping period: ", other)),
        failure);
  };
  for (int attempt = 0; attempt < 8; ++attempt) {
    absl::StatusOr<std::optional<SchedulingStore::ClaimConflict>> conflict =
        store_.Claim(donor_id, booking_name, drive.date(), slot.start_time, slot.end_time, now,
                     now + options_.claim_pending, ignore);
    if (!conflict.ok()) return conflict.status();
    if (!conflict->has_value()) return absl::OkStatus();
    const SchedulingStore::ClaimConflict& other = **conflict;
    if (other.pending && !other.stale) return conflict_error(other.booking);
    // A made (or abandoned) claim: its drive partition says whether the booking is active.
    absl::StatusOr<BookingRef> ref = ParseBookingName("booking", other.booking);
    std::optional<v1::Booking> booking;
    if (ref.ok()) {
      absl::StatusOr<std::optional<v1::Booking>> read =
          store_.GetBooking(DriveKeys(ref->drive_id), ref->booking_id);
      if (!read.ok()) return read.status();
      booking = *std::move(read);
    }
    if (booking.has_value() && IsActiveAt(PeriodOf(*booking), now)) {
      if (other.pending) (void)store_.ConfirmClaim(donor_id, other.booking);
      return conflict_error(other.booking);
    }
    absl::Status released = store_.ReleaseClaim(donor_id, other.booking, other.value, false);
    if (!released.ok()) return released;
  }
  return absl::AbortedError("the donor's bookings kept changing; try again");
}

void SchedulingService::ReleaseClaim(absl::string_view donor_id, absl::string_view booking_name) {
  absl::Status status = store_.ReleaseClaim(donor_id, booking_name, "", false);
  if (!status.ok()) {
    // The claim is checked against its booking when it next conflicts, so this is not fatal.
    platform::LogWarning("claim not released", {{"booking", std::string(booking_name)},
                                                {"error", std::string(status.message())}});
  }
}

void SchedulingService::ReleaseUnlessActive(absl::string_view donor_id, const DriveContext& drive,
                                            absl::string_view booking_id) {
  absl::StatusOr<std::optional<v1::Booking>> booking = store_.GetBooking(drive.keys, booking_id);
  if (!booking.ok()) return;  // left to the next conflict's check
  if (booking->has_value() && IsActive((*booking)->state())) return;
  // Only a pending claim: a racing step that made this very booking has confirmed its claim, or
  // will write it again (claim and index entry) when it confirms.
  (void)store_.ReleaseClaim(donor_id, BookingName(drive.keys.drive_id, booking_id), "pending",
                            /*forget=*/true);
}

v1::Booking SchedulingService::BuildBooking(const DriveContext& drive, const NewBooking& spec,
                                            const v1::EligibilityDecision& decision,
                                            absl::Time now) const {
  v1::Booking b;
  b.set_name(BookingName(drive.keys.drive_id, spec.booking_id));
  b.set_slot(SlotName(drive.keys.drive_id, spec.slot->id));
  b.set_donor(absl::StrCat("donors/", spec.donor_id));
  b.set_donation_type(spec.type);
  b.set_state(spec.action == BookingAction::kHold ? v1::BOOKING_STATE_HELD
                                                  : v1::BOOKING_STATE_BOOKED);
  *b.mutable_slot_start_time() = ToTimestamp(spec.slot->start_time);
  *b.mutable_slot_end_time() = ToTimestamp(spec.slot->end_time);
  *b.mutable_date() = drive.drive().date();
  b.set_site(drive.drive().site());
  b.set_blood_group(decision.blood_group());
  b.set_first_time(decision.first_time());
  b.set_walk_in(spec.action == BookingAction::kBookWalkIn);
  if (spec.action == BookingAction::kHold)
    *b.mutable_hold_expire_time() = ToTimestamp(spec.hold_expire);
  b.set_rescheduled_from(spec.rescheduled_from);
  b.set_waitlist_entry(spec.waitlist_entry);
  *b.mutable_create_time() = ToTimestamp(now);
  *b.mutable_update_time() = ToTimestamp(now);
  return b;
}

void SchedulingService::AddNewBooking(PartitionCommit& commit, const DriveContext& drive,
                                      const v1::Booking& booking, const std::string& etag) const {
  const DriveKeys& keys = drive.keys;
  const std::string id = booking.name().substr(booking.name().rfind('/') + 1);
  const std::string donor_id = booking.donor().substr(booking.donor().find('/') + 1);
  const std::string slot_id = booking.slot().substr(booking.slot().rfind('/') + 1);
  commit.FieldEq(keys.drive, "state", absl::StrCat(static_cast<int>(v1::DRIVE_STATE_PUBLISHED)),
                 "FAILED_PRECONDITION [drive-not-open] the drive is not published");
  commit.Absent(keys.Booking(id));
  commit.Seat(keys, slot_id, booking.donation_type(), SeatKind(booking));
  commit.HSet(keys.Booking(id), "pb", booking.SerializeAsString());
  commit.HSet(keys.Booking(id), "state", StateText(booking.state()));
  commit.HSet(keys.Booking(id), "etag", etag);
  commit.HSet(keys.Booking(id), "donor", donor_id);
  commit.SAdd(keys.bookings, id);
  commit.HSet(keys.donors, donor_id, absl::StrCat("b:", id));
  commit.HIncr(keys.drive, "rev", 1);
  if (booking.state() == v1::BOOKING_STATE_HELD) {
    commit.ZAdd(
        keys.holds,
        static_cast<double>(absl::ToUnixMillis(platform::ToTime(booking.hold_expire_time()))), id);
  }
}

void SchedulingService::AddBookingUpdate(PartitionCommit& commit, const DriveContext& drive,
                                         const v1::Booking& before, const v1::Booking& after,
                                         const std::string& new_etag) const {
  const DriveKeys& keys = drive.keys;
  const std::string id = before.name().substr(before.name().rfind('/') + 1);
  const std::string donor_id = before.donor().substr(before.donor().find('/') + 1);
  const std::string slot_id = before.slot().substr(before.slot().rfind('/') + 1);
  commit.FieldEq(keys.Booking(id), "etag", before.etag(),
                 "ABORTED the booking changed meanwhile; read it again");
  const bool took = TakesSeat(before.state()), takes = TakesSeat(after.state());
  const char kind_before = SeatKind(before), kind_after = SeatKind(after);
  if (took && (!takes || kind_before != kind_after)) {
    commit.SeatAdd(keys, slot_id, before.donation_type(), kind_before, -1);
  }
  if (takes && took && kind_before != kind_after) {
    commit.SeatAdd(keys, slot_id, before.donation_type(), kind_after, +1);
  }
  if (took != takes || kind_before != kind_after) commit.HIncr(keys.drive, "rev", 1);
  if (IsActive(before.state()) && !IsActive(after.state())) commit.HDel(keys.donors, donor_id);
  if (before.state() == v1::BOOKING_STATE_HELD && after.state() != v1::BOOKING_STATE_HELD) {
    commit.ZRem(keys.holds, id);
  }
  v1::Booking stored = after;
  stored.set_etag(new_etag);
  commit.HSet(keys.Booking(id), "pb", stored.SerializeAsString());
  commit.HSet(keys.Booking(id), "state", StateText(after.state()));
  commit.HSet(keys.Booking(id), "etag", new_etag);
}

absl::Status SchedulingService::SlotFull(const DriveContext& drive, v1::DonationType type,
                                         absl::Status status) {
  v1::BookingFailure failure;
  failure.set_kind(v1::BookingFailure::KIND_SLOT_FULL);
  (void)status;  // the script's words; the failure below says it for people
  if (absl::StatusOr<int> waiting = store_.WaitlistLength(drive.keys, type); waiting.ok()) {
    failure.set_waitlist_length(*waiting);
  }
  if (absl::StatusOr<SchedulingStore::SeatTable> seats = store_.GetSeats(drive.keys); seats.ok()) {
    failure.set_free_seats_in_drive(FreeSeats(drive, *seats, type));
  }
  return WithFailure(
      absl::ResourceExhaustedError(absl::StrCat(
          "the slot is full; ", failure.waitlist_length(), " donors wait for this type, ",
          failure.free_seats_in_drive(), " seats are free in other slots of the drive")),
      failure);
}

absl::StatusOr<SchedulingService::MadeBooking> SchedulingService::MakeBooking(
    grpc::ServerContext* context, const DriveContext& drive, const NewBooking& spec,
    absl::string_view request_id, const std::string& fingerprint,
    const std::function<std::string(const v1::Booking&)>& response,
    absl::string_view ignore_for_overlap,
    const std::function<void(PartitionCommit&, const v1::Booking&)>& also) {
  const std::string request_key = drive.keys.Request(request_id);
  absl::StatusOr<std::optional<std::string>> replay = store_.Replay(request_key, fingerprint);
  if (!replay.ok()) return replay.status();
  if (replay->has_value()) return MadeBooking{{}, **replay};

  absl::Time now = clock_.Now();
  const Slot& slot = *spec.slot;
  absl::StatusOr<BookingTransition> allowed =
      NextBookingState(v1::BOOKING_STATE_UNSPECIFIED, spec.action,
                       FactsAt(now, drive.drive().state(), slot.start_time, slot.end_time,
                               drive.date(), drive.zone));
  if (!allowed.ok()) return allowed.status();

  // A slot that is visibly full (and has no expired hold to free) is refused before the
  // eligibility call and the claim: under a rush for a few seats most callers are answered with
  // two reads. The commit's SEAT check stays the authority.
  if (spec.action != BookingAction::kPromote) {
    absl::StatusOr<SchedulingStore::SeatTable> seats = store_.GetSeats(drive.keys);
    if (!seats.ok()) return seats.status();
    const auto use = seats->find(absl::StrCat(slot.id, ":", static_cast<int>(spec.type)));
    for (const v1::SlotCapacity& c : drive.drive().capacities()) {
      if (c.donation_type() != spec.type) continue;
      const bool walk_in = spec.action == BookingAction::kBookWalkIn;
      if (!HasSeat(c, use == seats->end() ? SeatUse{} : use->second, walk_in)) {
        absl::StatusOr<std::vector<std::string>> due = store_.ExpiredHolds(drive.keys, now);
        if (!due.ok()) return due.status();
        if (due->empty()) {
          return SlotFull(drive, spec.type,
                          absl::ResourceExhaustedError("no seat left in the slot"));
        }
      }
    }
  }

  // The claim first: a clashing booking is the answer a person needs (not the interval rule
  // that the clashing booking, counted as a donation, would also break).
  const std::string name = BookingName(drive.keys.drive_id, spec.booking_id);
  if (absl::Status claimed = ClaimPeriod(spec.donor_id, name, drive, slot, now, ignore_for_overlap);
      !claimed.ok()) {
    return claimed;
  }
  absl::StatusOr<v1::EligibilityDecision> decision =
      CheckEligible(context, drive, slot, spec.donor_id, spec.type, ignore_for_overlap, name);
  if (!decision.ok()) {
    ReleaseUnlessActive(spec.donor_id, drive, spec.booking_id);
    return decision.status();
  }
  std::optional<v1::WaitlistEntry> waiting;
  if (spec.action != BookingAction::kPromote) {
    absl::StatusOr<std::optional<v1::WaitlistEntry>> entry = WaitingEntryOf(drive, spec.donor_id);
    if (!entry.ok()) {
      ReleaseUnlessActive(spec.donor_id, drive, spec.booking_id);
      return entry.status();
    }
    waiting = *std::move(entry);
  }
  v1::Booking booking = BuildBooking(drive, spec, *decision, now);
  booking.set_etag(NewEtag());

  absl::Status failure;
  for (int attempt = 0; attempt < 2; ++attempt) {
    PartitionCommit commit(drive.keys.drive_id);
    commit.Request(request_key, fingerprint, response(booking));
    AddNewBooking(commit, drive, booking, booking.etag());
    v1::Event event = NewEvent(drive, request_id, now);
    if (booking.state() == v1::BOOKING_STATE_HELD) {
      v1::BookingHeld* held = event.mutable_booking_held();
      *held->mutable_booking() = Snapshot(drive, booking);
      *held->mutable_hold_expire_time() = booking.hold_expire_time();
    } else {
      v1::BookingCreated* created = event.mutable_booking_created();
      *created->mutable_booking() = Snapshot(drive, booking);
      created->set_rescheduled_from(booking.rescheduled_from());
    }
    commit.Event(drive.keys, event);
    if (waiting.has_value()) AddStopWaiting(commit, drive, *waiting, booking.name(), now);
    if (also) also(commit, booking);
    absl::StatusOr<CommitResult> result = store_.Commit(commit);
    if (result.ok()) {
      (void)store_.ConfirmClaim(spec.donor_id, name, drive.date(), slot.start_time, slot.end_time);
      if (result->kind == CommitResult::Kind::kReplay) return MadeBooking{{}, result->bytes};
      if (result->kind == CommitResult::Kind::kExists) {
        v1::Booking existing;
        if (!existing.ParseFromString(result->bytes)) {
          return absl::DataLossError("stored booking does not parse");
        }
        return MadeBooking{existing, std::nullopt};
      }
      if (booking.state() == v1::BOOKING_STATE_HELD) {
        (void)store_.NoteHold(drive.keys.drive_id, platform::ToTime(booking.hold_expire_time()));
      }
      return MadeBooking{booking, std::nullopt};
    }
    failure = result.status();
    if (failure.code() != absl::StatusCode::kResourceExhausted || attempt > 0) break;
    // Expired holds still count until swept: sweep this drive's and try once more.
    ExpireHolds(drive, now);
  }
  ReleaseUnlessActive(spec.donor_id, drive, spec.booking_id);
  if (failure.code() == absl::StatusCode::kResourceExhausted) {
    return SlotFull(drive, spec.type, failure);
  }
  if (absl::StrContains(failure.message(), "[drive-not-open]")) {
    v1::BookingFailure kind;
    kind.set_kind(v1::BookingFailure::KIND_DRIVE_NOT_OPEN);
    return WithFailure(failure, kind);
  }
  return failure;
}

absl::StatusOr<std::optional<std::pair<std::string, std::string>>> SchedulingService::AddPromotion(
    const grpc::ServerContext* context, PartitionCommit& commit, const DriveContext& drive,
    const Slot& slot, v1::DonationType type, absl::string_view request_id, absl::Time now) {
  if (drive.drive().state() != v1::DRIVE_STATE_PUBLISHED || now >= slot.start_time) {
    return std::nullopt;
  }
  absl::StatusOr<std::vector<v1::WaitlistEntry>> waiting = store_.Waiting(drive.keys, type);
  if (!waiting.ok()) return waiting.status();
  int tried = 0;
  for (const v1::WaitlistEntry& entry : *waiting) {
    if (!WaitlistAdmits(entry, slot)) continue;
    if (++tried > kPromotionCandidates) break;
    const std::string donor_id = entry.donor().substr(entry.donor().find('/') + 1);
    // An ineligible or clashing donor keeps their place; the next one is asked.
    absl::StatusOr<v1::EligibilityDecision> decision =
        CheckEligible(context, drive, slot, donor_id, type, "",
                      BookingName(drive.keys.drive_id, IdFromRequest("promotion", entry.name())));
    if (!decision.ok()) continue;
    const std::string entry_id = entry.name().substr(entry.name().rfind('/') + 1);
    NewBooking spec;
    spec.slot = &slot;
    spec.donor_id = donor_id;
    spec.type = type;
    spec.action = BookingAction::kPromote;
    spec.booking_id = IdFromRequest("promotion", entry.name());
    spec.waitlist_entry = entry.name();
    const std::string name = BookingName(drive.keys.drive_id, spec.booking_id);
    if (!ClaimPeriod(donor_id, name, drive, slot, now, "").ok()) continue;

    v1::Booking booking = BuildBooking(drive, spec, *decision, now);
    booking.set_etag(NewEtag());
    v1::WaitlistEntry promoted = entry;
    promoted.set_state(v1::WAITLIST_STATE_PROMOTED);
    promoted.set_position(0);
    promoted.set_booking(name);
    *promoted.mutable_update_time() = ToTimestamp(now);
    const std::string entry_key = drive.keys.Entry(entry_id);
    commit.FieldEq(
        entry_key, "state", absl::StrCat(static_cast<int>(v1::WAITLIST_STATE_WAITING)),
        "FAILED_PRECONDITION [waitlist-changed] the waitlist entry is no longer waiting");
    commit.HSet(entry_key, "pb", promoted.SerializeAsString());
    commit.HSet(entry_key, "state", absl::StrCat(static_cast<int>(v1::WAITLIST_STATE_PROMOTED)));
    commit.ZRem(drive.keys.Waitlist(type), entry_id);
    commit.HDel(drive.keys.donors, donor_id);
    AddNewBooking(commit, drive, booking, booking.etag());
    v1::Event event = NewEvent(drive, request_id, now);
    *event.mutable_waitlist_promoted()->mutable_booking() = Snapshot(drive, booking);
    event.mutable_waitlist_promoted()->set_waitlist_entry(entry.name());
    commit.Event(drive.keys, event);
    return std::make_pair(donor_id, name);
  }
  return std::nullopt;
}

absl::StatusOr<CommitResult> SchedulingService::CommitFreeingSeat(
    const grpc::ServerContext* context, const DriveContext& drive, const Slot* slot,
    v1::DonationType type, absl::string_view request_id, absl::Time now,
    const std::function<void(PartitionCommit&)>& build) {
  constexpr int kAttempts = 5;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const bool with_promotion = attempt < kAttempts - 1 && slot != nullptr;
    PartitionCommit commit(drive.keys.drive_id);
    build(commit);
    std::optional<std::pair<std::string, std::string>> promoted;
    if (with_promotion) {
      absl::StatusOr<std::optional<std::pair<std::string, std::string>>> added =
          AddPromotion(context, commit, drive, *slot, type, request_id, now);
      if (added.ok()) promoted = *added;
    }
    absl::StatusOr<CommitResult> result = store_.Commit(commit);
    if (promoted.has_value()) {
      if (result.ok() && result->kind == CommitResult::Kind::kOk) {
        (void)store_.ConfirmClaim(promoted->first, promoted->second, drive.date(), slot->start_time,
                                  slot->end_time);
      } else {
        // Another change may have promoted the same entry into the same booking: keep its claim.
        ReleaseUnlessActive(promoted->first, drive, internal::LastSegment(promoted->second));
      }
    }
    if (result.ok()) {
      // Committed without a promotion although donors may wait (the last attempt): offer the
      // freed seat now.
      if (!promoted.has_value() && slot != nullptr && result->kind == CommitResult::Kind::kOk &&
          attempt > 0) {
        PromoteIntoFreeSeats(context, drive, *slot, type, now);
      }
      return result;
    }
    if (!promoted.has_value()) return result;
    // The promotion no longer fits (the entry was promoted or left meanwhile, a walk-in seat
    // cannot go to a donor-facing booking): build the change again.
    const bool promotion_failed =
        result.status().code() == absl::StatusCode::kResourceExhausted ||
        absl::StrContains(result.status().message(), "[waitlist-changed]");
    if (!promotion_failed) return result;
  }
  return absl::AbortedError("the drive kept changing; try again");
}

void SchedulingService::PromoteIntoFreeSeats(const grpc::ServerContext* context,
                                             const DriveContext& drive, const Slot& slot,
                                             v1::DonationType type, absl::Time now) {
  for (int i = 0; i < kPromotionCandidates; ++i) {
    PartitionCommit commit(drive.keys.drive_id);
    absl::StatusOr<std::optional<std::pair<std::string, std::string>>> added =
        AddPromotion(context, commit, drive, slot, type, "", now);
    if (!added.ok() || !added->has_value()) return;
    absl::StatusOr<CommitResult> result = store_.Commit(commit);
    if (result.ok()) {
      (void)store_.ConfirmClaim((*added)->first, (*added)->second, drive.date(), slot.start_time,
                                slot.end_time);
      continue;
    }
    ReleaseUnlessActive((*added)->first, drive, internal::LastSegment((*added)->second));
    if (!absl::StrContains(result.status().message(), "[waitlist-changed]")) {
      return;  // no free seat left (RESOURCE_EXHAUSTED): nothing more to do
    }
  }
}

void SchedulingService::ExpireHolds(const DriveContext& drive, absl::Time now) {
  absl::StatusOr<std::vector<std::string>> due = store_.ExpiredHolds(drive.keys, now);
  if (!due.ok() || due->empty()) return;
  for (const std::string& id : *due) {
    absl::StatusOr<std::optional<v1::Booking>> read = store_.GetBooking(drive.keys, id);
    if (!read.ok() || !read->has_value()) continue;
    const v1::Booking& before = **read;
    absl::StatusOr<BookingTransition> next = NextBookingState(
        before.state(), BookingAction::kExpireHold,
        FactsAt(now, drive.drive().state(), absl::InfinitePast(), absl::InfinitePast(),
                drive.date(), drive.zone, platform::ToTime(before.hold_expire_time())));
    if (!next.ok()) continue;
    v1::Booking after = before;
    after.set_state(next->to);
    after.clear_hold_expire_time();
    *after.mutable_update_time() = ToTimestamp(now);
    const std::string etag = NewEtag();
    const Slot* slot = FindSlot(drive.slots, before.slot().substr(before.slot().rfind('/') + 1));
    absl::StatusOr<CommitResult> result = CommitFreeingSeat(
        nullptr, drive, slot, before.donation_type(), "", now, [&](PartitionCommit& commit) {
          AddBookingUpdate(commit, drive, before, after, etag);
          v1::Event event = NewEvent(drive, "", now);
          v1::Booking snapshot = after;
          *event.mutable_booking_hold_expired()->mutable_booking() = Snapshot(drive, snapshot);
          commit.Event(drive.keys, event);
        });
    if (result.ok())
      ReleaseClaim(before.donor().substr(before.donor().find('/') + 1), before.name());
  }
  (void)store_.ForgetHoldsIndex(drive.keys.drive_id);
}

void SchedulingService::SweepExpiredHolds() {
  const absl::Time now = clock_.Now();
  absl::StatusOr<std::vector<std::string>> drives = store_.DrivesWithHoldsDue(now);
  if (!drives.ok()) return;
  for (const std::string& drive_id : *drives) {
    absl::StatusOr<DriveContext> drive = LoadDrive(drive_id);
    if (drive.ok()) ExpireHolds(*drive, now);
  }
}

}  // namespace blooddrive::scheduling
