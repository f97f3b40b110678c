#include "state_machine.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace blooddrive::scheduling {
namespace {

using v1::BookingState;

constexpr uint32_t Bit(BookingState s) { return 1u << static_cast<int>(s); }

constexpr uint32_t kNone = Bit(v1::BOOKING_STATE_UNSPECIFIED);
constexpr uint32_t kHeld = Bit(v1::BOOKING_STATE_HELD);
constexpr uint32_t kBooked = Bit(v1::BOOKING_STATE_BOOKED);
constexpr uint32_t kConfirmed = Bit(v1::BOOKING_STATE_CONFIRMED);
constexpr uint32_t kCheckedIn = Bit(v1::BOOKING_STATE_CHECKED_IN);
constexpr uint32_t kActive = kHeld | kBooked | kConfirmed | kCheckedIn;
constexpr uint32_t kFinal = Bit(v1::BOOKING_STATE_DONATED) | Bit(v1::BOOKING_STATE_DEFERRED) |
                            Bit(v1::BOOKING_STATE_NO_SHOW) | Bit(v1::BOOKING_STATE_CANCELLED) |
                            Bit(v1::BOOKING_STATE_HOLD_EXPIRED) |
                            Bit(v1::BOOKING_STATE_RESCHEDULED);

// Facts a transition needs, checked in this order.
enum Need : uint32_t {
  kPublished = 1 << 0,
  kBeforeStart = 1 << 1,
  kBeforeEnd = 1 << 2,
  kStarted = 1 << 3,
  kDriveDate = 1 << 4,
  kHoldLive = 1 << 5,
  kHoldOver = 1 << 6,
};

struct Row {
  BookingAction action;
  uint32_t from;
  BookingState to;  // UNSPECIFIED: unchanged
  uint32_t needs;
};

constexpr BookingState kSame = v1::BOOKING_STATE_UNSPECIFIED;

// First matching row wins.
constexpr Row kTable[] = {
    {BookingAction::kBook, kNone, v1::BOOKING_STATE_BOOKED, kPublished | kBeforeStart},
    {BookingAction::kBookWalkIn, kNone, v1::BOOKING_STATE_BOOKED,
     kPublished | kBeforeEnd | kDriveDate},
    {BookingAction::kHold, kNone, v1::BOOKING_STATE_HELD, kPublished | kBeforeStart},
    {BookingAction::kPromote, kNone, v1::BOOKING_STATE_BOOKED, kPublished | kBeforeStart},
    {BookingAction::kConfirmHold, kHeld, v1::BOOKING_STATE_BOOKED, kPublished | kHoldLive},
    {BookingAction::kExpireHold, kHeld, v1::BOOKING_STATE_HOLD_EXPIRED, kHoldOver},
    {BookingAction::kConfirm, kBooked, v1::BOOKING_STATE_CONFIRMED, 0},
    {BookingAction::kConfirm, kConfirmed, kSame, 0},
    {BookingAction::kCheckIn, kBooked | kConfirmed, v1::BOOKING_STATE_CHECKED_IN, kDriveDate},
    {BookingAction::kRecordDonated, kCheckedIn, v1::BOOKING_STATE_DONATED, 0},
    {BookingAction::kRecordDeferred, kCheckedIn, v1::BOOKING_STATE_DEFERRED, 0},
    {BookingAction::kRecordNoShow, kBooked | kConfirmed, v1::BOOKING_STATE_NO_SHOW, kStarted},
    {BookingAction::kCancel, kHeld | kBooked | kConfirmed, v1::BOOKING_STATE_CANCELLED, kBeforeEnd},
    {BookingAction::kCancel, Bit(v1::BOOKING_STATE_CANCELLED), kSame, 0},
    {BookingAction::kReschedule, kBooked | kConfirmed, v1::BOOKING_STATE_RESCHEDULED, kBeforeEnd},
    {BookingAction::kDriveClosed, kHeld, v1::BOOKING_STATE_HOLD_EXPIRED, 0},
    {BookingAction::kDriveClosed, kActive & ~kHeld, kSame, 0},
    {BookingAction::kDriveClosed, kFinal, kSame, 0},
    {BookingAction::kDriveCancelled, kActive, v1::BOOKING_STATE_CANCELLED, 0},
    {BookingAction::kDriveCancelled, kFinal, kSame, 0},
};

std::string StateName(BookingState s) {
  if (s == v1::BOOKING_STATE_UNSPECIFIED) return "no booking";
  return std::string(absl::StripPrefix(v1::BookingState_Name(s), "BOOKING_STATE_"));
}

std::string StatesIn(uint32_t mask) {
  std::vector<std::string> names;
  for (int s = v1::BookingState_MIN; s <= v1::BookingState_MAX; ++s) {
    if (mask & (1u << s)) names.push_back(StateName(static_cast<BookingState>(s)));
  }
  return absl::StrJoin(names, ", ");
}

bool Creates(BookingAction action) {
  return action == BookingAction::kBook || action == BookingAction::kBookWalkIn ||
         action == BookingAction::kHold || action == BookingAction::kPromote;
}

absl::Status Refuse(std::string message, std::optional<v1::BookingFailure::Kind> kind) {
  absl::Status status = absl::FailedPreconditionError(message);
  if (kind.has_value()) {
    v1::BookingFailure failure;
    failure.set_kind(*kind);
    status.SetPayload(kBookingFailurePayloadUrl, absl::Cord(failure.SerializeAsString()));
  }
  return status;
}

// Empty when the fact holds; otherwise why not.
std::string Missing(Need need, const BookingFacts& f) {
  switch (need) {
    case kPublished:
      if (f.drive_state == v1::DRIVE_STATE_PUBLISHED) return "";
      return absl::StrCat("the drive is not open for booking (",
                          absl::StripPrefix(v1::DriveState_Name(f.drive_state), "DRIVE_STATE_"),
                          ")");
    case kBeforeStart:
      return f.slot_started ? "the slot has already started" : "";
    case kBeforeEnd:
      return f.slot_ended ? "the slot is over" : "";
    case kStarted:
      return f.slot_started ? "" : "the slot has not started yet";
    case kDriveDate:
      return f.on_drive_date ? "" : "it is not the drive's date at the site";
    case kHoldLive:
      return f.hold_expired ? "the hold has expired" : "";
    case kHoldOver:
      return f.hold_expired ? "" : "the hold has not expired yet";
  }
  return "";
}

}  // namespace

absl::StatusOr<DriveTransition> CheckDriveTransition(v1::DriveState from, DriveAction action) {
  const std::string state(absl::StripPrefix(v1::DriveState_Name(from), "DRIVE_STATE_"));
  switch (action) {
    case DriveAction::kUpdate:
      if (from == v1::DRIVE_STATE_DRAFT || from == v1::DRIVE_STATE_PUBLISHED) {
        return DriveTransition{from, false};
      }
      return absl::FailedPreconditionError(
          absl::StrCat("the drive is ", state, ": only DRAFT or PUBLISHED drives can change"));
    case DriveAction::kPublish:
      if (from == v1::DRIVE_STATE_DRAFT) return DriveTransition{v1::DRIVE_STATE_PUBLISHED, true};
      return absl::FailedPreconditionError(
          absl::StrCat("the drive is ", state, ": only a DRAFT can be published"));
    case DriveAction::kClose:
      if (from == v1::DRIVE_STATE_PUBLISHED) return DriveTransition{v1::DRIVE_STATE_CLOSED, true};
      return absl::FailedPreconditionError(
          absl::StrCat("the drive is ", state, ": only a PUBLISHED drive can be closed"));
    case DriveAction::kCancel:
      if (from == v1::DRIVE_STATE_DRAFT || from == v1::DRIVE_STATE_PUBLISHED) {
        return DriveTransition{v1::DRIVE_STATE_CANCELLED, true};
      }
      if (from == v1::DRIVE_STATE_CANCELLED) return DriveTransition{from, false};
      return absl::FailedPreconditionError(absl::StrCat(
          "the drive is ", state, ": only a DRAFT or PUBLISHED drive can be cancelled"));
  }
  return absl::InternalError("unknown drive action");
}

absl::string_view BookingActionName(BookingAction action) {
  switch (action) {
    case BookingAction::kBook:
      return "book";
    case BookingAction::kBookWalkIn:
      return "book a walk-in";
    case BookingAction::kHold:
      return "hold";
    case BookingAction::kPromote:
      return "promote from the waitlist";
    case BookingAction::kConfirmHold:
      return "confirm the hold of";
    case BookingAction::kExpireHold:
      return "expire the hold of";
    case BookingAction::kConfirm:
      return "confirm";
    case BookingAction::kCheckIn:
      return "check in";
    case BookingAction::kRecordDonated:
      return "record a donation for";
    case BookingAction::kRecordDeferred:
      return "record a deferral for";
    case BookingAction::kRecordNoShow:
      return "record a no-show for";
    case BookingAction::kCancel:
      return "cancel";
    case BookingAction::kReschedule:
      return "reschedule";
    case BookingAction::kDriveClosed:
      return "close the drive of";
    case BookingAction::kDriveCancelled:
      return "cancel the drive of";
  }
  return "?";
}

BookingFacts FactsAt(absl::Time now, v1::DriveState drive_state, absl::Time slot_start,
                     absl::Time slot_end, absl::CivilDay drive_date, absl::TimeZone zone,
                     absl::Time hold_expire_time) {
  BookingFacts facts;
  facts.drive_state = drive_state;
  facts.slot_started = now >= slot_start;
  facts.slot_ended = now >= slot_end;
  facts.on_drive_date = absl::ToCivilDay(now, zone) == drive_date;
  facts.hold_expired = now >= hold_expire_time;
  return facts;
}

absl::StatusOr<BookingTransition> NextBookingState(BookingState from, BookingAction action,
                                                   const BookingFacts& facts) {
  if (!v1::BookingState_IsValid(from)) return absl::InvalidArgumentError("unknown booking state");
  uint32_t allowed = 0;
  for (const Row& row : kTable) {
    if (row.action != action) continue;
    if (row.to != kSame) allowed |= row.from;
    if ((row.from & Bit(from)) == 0) continue;
    for (uint32_t need = 1; need <= kHoldOver; need <<= 1) {
      if ((row.needs & need) == 0) continue;
      const std::string missing = Missing(static_cast<Need>(need), facts);
      if (missing.empty()) continue;
      std::optional<v1::BookingFailure::Kind> kind;
      if (need == kHoldLive) {
        kind = v1::BookingFailure::KIND_HOLD_EXPIRED;
      } else if (Creates(action) || action == BookingAction::kConfirmHold) {
        kind = v1::BookingFailure::KIND_DRIVE_NOT_OPEN;
      }
      return Refuse(absl::StrCat("cannot ", BookingActionName(action),
                                 Creates(action) ? " this slot: " : " this booking: ", missing),
                    kind);
    }
    if (row.to == kSame) return BookingTransition{from, false};
    return BookingTransition{row.to, true};
  }
  if (Creates(action)) {
    return Refuse(absl::StrCat("cannot ", BookingActionName(action), ": the booking exists (",
                               StateName(from), ")"),
                  std::nullopt);
  }
  return Refuse(absl::StrCat("cannot ", BookingActionName(action), " a booking that is ",
                             StateName(from), " (only from ", StatesIn(allowed), ")"),
                std::nullopt);
}

std::optional<v1::BookingFailure::Kind> BookingFailureKind(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kBookingFailurePayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  v1::BookingFailure failure;
  if (!failure.ParseFromString(std::string(*payload))) return std::nullopt;
  return failure.kind();
}

bool IsActive(BookingState state) {
  return v1::BookingState_IsValid(state) && (Bit(state) & kActive) != 0;
}
bool IsFinal(BookingState state) {
  return v1::BookingState_IsValid(state) && (Bit(state) & kFinal) != 0;
}
bool TakesSeat(BookingState state) {
  return IsActive(state) || state == v1::BOOKING_STATE_DONATED ||
         state == v1::BOOKING_STATE_DEFERRED || state == v1::BOOKING_STATE_NO_SHOW;
}

}  // namespace blooddrive::scheduling
