// The drive and booking state machines as pure, table-driven functions. The service checks them
// before it writes, and the Lua scripts enforce the same table inside the atomic step (the
// script is the authority under concurrency; these functions give the same answer and message).
//
// Booking transitions (from -> to; "-" is no booking yet; facts in brackets):
//   book            -            -> BOOKED        [drive PUBLISHED, slot not started]
//   book walk-in    -            -> BOOKED        [drive PUBLISHED, slot not ended, drive's date]
//   hold            -            -> HELD          [drive PUBLISHED, slot not started]
//   promote         -            -> BOOKED        [drive PUBLISHED, slot not started] (waitlist)
//   confirm hold    HELD         -> BOOKED        [drive PUBLISHED, hold not expired]
//   expire hold     HELD         -> HOLD_EXPIRED  [hold expired]
//   confirm         BOOKED       -> CONFIRMED;  CONFIRMED -> CONFIRMED (unchanged)
//   check in        BOOKED|CONFIRMED -> CHECKED_IN [drive's date]
//   donated         CHECKED_IN   -> DONATED       (outcome DONATED or INCOMPLETE)
//   deferred        CHECKED_IN   -> DEFERRED
//   no-show         BOOKED|CONFIRMED -> NO_SHOW   [slot started]
//   cancel          HELD|BOOKED|CONFIRMED -> CANCELLED [slot not ended];
//                   CANCELLED -> CANCELLED (unchanged)
//   reschedule      BOOKED|CONFIRMED -> RESCHEDULED [slot not ended] (the new booking is a "book"
//                   of the new slot, checked separately; both happen in one step or neither)
//   drive closed    HELD -> HOLD_EXPIRED; any other state unchanged
//   drive cancelled HELD|BOOKED|CONFIRMED|CHECKED_IN -> CANCELLED; final states unchanged
// Everything else is FAILED_PRECONDITION. Decisions beyond the proto comments:
// - Cancel and reschedule end at the slot's end: afterwards the visit is a matter for an outcome
//   (no-show), which a late cancel must not hide. A drive's cancellation is not so limited.
// - Walk-ins are registered on the drive's date only, so the reserve stays for people who come.
// - A second outcome is refused like any move out of a final state; a retry with the same
//   request_id never reaches this function (the idempotency layer answers it).
// Failures that a person must see carry a BookingFailure (kind only) as a status payload under
// kBookingFailurePayloadUrl, for the service to copy into the "blooddrive-booking-failure-bin"
// trailer: KIND_DRIVE_NOT_OPEN (not PUBLISHED, slot started/over, not the drive's date) and
// KIND_HOLD_EXPIRED.
//
// Drive transitions: publish DRAFT -> PUBLISHED; close PUBLISHED -> CLOSED; cancel DRAFT|PUBLISHED
// -> CANCELLED (CANCELLED -> CANCELLED unchanged, CLOSED refused); update allowed in DRAFT and
// PUBLISHED (state unchanged).
#pragma once

#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "blooddrive/v1/scheduling.pb.h"
#include "slots.h"

namespace blooddrive::scheduling {

inline constexpr char kBookingFailurePayloadUrl[] =
    "type.googleapis.com/blooddrive.v1.BookingFailure";

// ---------------------------------------------------------------- Drives

enum class DriveAction { kUpdate, kPublish, kClose, kCancel };

struct DriveTransition {
  v1::DriveState to;
  bool changed;  // false: nothing to write, no event
};

absl::StatusOr<DriveTransition> CheckDriveTransition(v1::DriveState from, DriveAction action);

// ---------------------------------------------------------------- Bookings

enum class BookingAction {
  kBook,
  kBookWalkIn,
  kHold,
  kPromote,
  kConfirmHold,
  kExpireHold,
  kConfirm,
  kCheckIn,
  kRecordDonated,
  kRecordDeferred,
  kRecordNoShow,
  kCancel,
  kReschedule,
  kDriveClosed,
  kDriveCancelled,
};

absl::string_view BookingActionName(BookingAction action);

// What the transition may depend on, as of one instant.
struct BookingFacts {
  v1::DriveState drive_state = v1::DRIVE_STATE_UNSPECIFIED;
  bool slot_started = false;   // now >= slot start_time
  bool slot_ended = false;     // now >= slot end_time
  bool on_drive_date = false;  // now's civil day at the site is the drive's date
  bool hold_expired = false;   // now >= hold_expire_time
};

BookingFacts FactsAt(absl::Time now, v1::DriveState drive_state, absl::Time slot_start,
                     absl::Time slot_end, absl::CivilDay drive_date, absl::TimeZone zone,
                     absl::Time hold_expire_time = absl::InfiniteFuture());

struct BookingTransition {
  v1::BookingState to;
  bool changed;  // false: return the booking as it is, write nothing, emit no event
};

// `from` is BOOKING_STATE_UNSPECIFIED for the actions that create a booking (book, book walk-in,
// hold, promote). FAILED_PRECONDITION with a message naming the action, state and missing fact.
absl::StatusOr<BookingTransition> NextBookingState(v1::BookingState from, BookingAction action,
                                                   const BookingFacts& facts);

// The BookingFailure kind attached to a status by NextBookingState, if any.
std::optional<v1::BookingFailure::Kind> BookingFailureKind(const absl::Status& status);

// HELD, BOOKED, CONFIRMED, CHECKED_IN.
bool IsActive(v1::BookingState state);
// DONATED, DEFERRED, NO_SHOW, CANCELLED, HOLD_EXPIRED, RESCHEDULED.
bool IsFinal(v1::BookingState state);
// Active or completed (DONATED, DEFERRED, NO_SHOW): the booking uses its seat.
bool TakesSeat(v1::BookingState state);

}  // namespace blooddrive::scheduling
