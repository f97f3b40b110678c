#include "state_machine.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace blooddrive::scheduling {
namespace {

using testing::HasSubstr;
using A = BookingAction;
using S = v1::BookingState;

constexpr S kNone = v1::BOOKING_STATE_UNSPECIFIED;
constexpr S kHeld = v1::BOOKING_STATE_HELD;
constexpr S kBooked = v1::BOOKING_STATE_BOOKED;
constexpr S kConfirmed = v1::BOOKING_STATE_CONFIRMED;
constexpr S kCheckedIn = v1::BOOKING_STATE_CHECKED_IN;
constexpr S kDonated = v1::BOOKING_STATE_DONATED;
constexpr S kDeferred = v1::BOOKING_STATE_DEFERRED;
constexpr S kNoShow = v1::BOOKING_STATE_NO_SHOW;
constexpr S kCancelled = v1::BOOKING_STATE_CANCELLED;
constexpr S kExpired = v1::BOOKING_STATE_HOLD_EXPIRED;
constexpr S kRescheduled = v1::BOOKING_STATE_RESCHEDULED;

const std::vector<S> kAllStates = {kNone,      kHeld,    kBooked,     kConfirmed,
                                   kCheckedIn, kDonated, kDeferred,   kNoShow,
                                   kCancelled, kExpired, kRescheduled};
const std::vector<A> kAllActions = {
    A::kBook,         A::kBookWalkIn, A::kHold,       A::kPromote,       A::kConfirmHold,
    A::kExpireHold,   A::kConfirm,    A::kCheckIn,    A::kRecordDonated, A::kRecordDeferred,
    A::kRecordNoShow, A::kCancel,     A::kReschedule, A::kDriveClosed,   A::kDriveCancelled};

// Facts under which the action's fact checks all pass.
BookingFacts Favourable(A action) {
  BookingFacts f;
  f.drive_state = v1::DRIVE_STATE_PUBLISHED;
  f.on_drive_date = true;
  switch (action) {
    case A::kBookWalkIn:
    case A::kRecordNoShow:
      f.slot_started = true;
      break;
    case A::kExpireHold:
      f.hold_expired = true;
      break;
    default:
      break;
  }
  return f;
}

struct Expected {
  S to;
  bool changed;
};

// Written out from scheduling.proto's comments, independently of the implementation's table.
std::map<std::pair<A, S>, Expected> ExpectedTable() {
  std::map<std::pair<A, S>, Expected> t;
  for (A a : {A::kBook, A::kBookWalkIn, A::kPromote}) t[{a, kNone}] = {kBooked, true};
  t[{A::kHold, kNone}] = {kHeld, true};
  t[{A::kConfirmHold, kHeld}] = {kBooked, true};
  t[{A::kExpireHold, kHeld}] = {kExpired, true};
  t[{A::kConfirm, kBooked}] = {kConfirmed, true};
  t[{A::kConfirm, kConfirmed}] = {kConfirmed, false};
  t[{A::kCheckIn, kBooked}] = {kCheckedIn, true};
  t[{A::kCheckIn, kConfirmed}] = {kCheckedIn, true};
  t[{A::kRecordDonated, kCheckedIn}] = {kDonated, true};
  t[{A::kRecordDeferred, kCheckedIn}] = {kDeferred, true};
  t[{A::kRecordNoShow, kBooked}] = {kNoShow, true};
  t[{A::kRecordNoShow, kConfirmed}] = {kNoShow, true};
  for (S s : {kHeld, kBooked, kConfirmed}) t[{A::kCancel, s}] = {kCancelled, true};
  t[{A::kCancel, kCancelled}] = {kCancelled, false};
  t[{A::kReschedule, kBooked}] = {kRescheduled, true};
  t[{A::kReschedule, kConfirmed}] = {kRescheduled, true};
  for (S s : kAllStates) {
    if (s == kNone) continue;
    t[{A::kDriveClosed, s}] = {s == kHeld ? kExpired : s, s == kHeld};
    const bool active = s == kHeld || s == kBooked || s == kConfirmed || s == kCheckedIn;
    t[{A::kDriveCancelled, s}] = {active ? kCancelled : s, active};
  }
  return t;
}

TEST(BookingStateMachineTest, EveryActionFromEveryState) {
  const auto expected = ExpectedTable();
  for (A action : kAllActions) {
    for (S from : kAllStates) {
      const std::string label =
          absl::StrCat(BookingActionName(action), " from ", v1::BookingState_Name(from));
      absl::StatusOr<BookingTransition> got = NextBookingState(from, action, Favourable(action));
      auto it = expected.find({action, from});
      if (it == expected.end()) {
        EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition) << label;
        EXPECT_THAT(Message(got.status()), HasSubstr("cannot ")) << label;
        continue;
      }
      ASSERT_TRUE(got.ok()) << label << ": " << got.status();
      EXPECT_EQ(got->to, it->second.to) << label;
      EXPECT_EQ(got->changed, it->second.changed) << label;
    }
  }
}

TEST(BookingStateMachineTest, RefusalNamesStateAndAllowedStates) {
  const absl::Status s = NextBookingState(kHeld, A::kCheckIn, Favourable(A::kCheckIn)).status();
  EXPECT_EQ(Message(s), "cannot check in a booking that is HELD (only from BOOKED, CONFIRMED)");
  EXPECT_FALSE(BookingFailureKind(s).has_value());
  EXPECT_THAT(Message(NextBookingState(kDonated, A::kRecordDeferred, {}).status()),
              HasSubstr("DONATED (only from CHECKED_IN)"));
  EXPECT_THAT(Message(NextBookingState(kBooked, A::kBook, Favourable(A::kBook)).status()),
              HasSubstr("the booking exists (BOOKED)"));
}

struct FactCase {
  A action;
  S from;
  std::function<void(BookingFacts&)> spoil;
  std::string text;
  std::optional<v1::BookingFailure::Kind> kind;
};

TEST(BookingStateMachineTest, EveryFactIsChecked) {
  const auto not_open = v1::BookingFailure::KIND_DRIVE_NOT_OPEN;
  const auto started = [](BookingFacts& f) { f.slot_started = true; };
  const auto ended = [](BookingFacts& f) { f.slot_started = f.slot_ended = true; };
  const auto other_day = [](BookingFacts& f) { f.on_drive_date = false; };
  const std::vector<FactCase> cases = {
      {A::kBook, kNone, [](BookingFacts& f) { f.drive_state = v1::DRIVE_STATE_DRAFT; },
       "not open for booking (DRAFT)", not_open},
      {A::kBook, kNone, [](BookingFacts& f) { f.drive_state = v1::DRIVE_STATE_CLOSED; }, "(CLOSED)",
       not_open},
      {A::kBook, kNone, started, "already started", not_open},
      {A::kHold, kNone, started, "already started", not_open},
      {A::kHold, kNone, [](BookingFacts& f) { f.drive_state = v1::DRIVE_STATE_CANCELLED; },
       "(CANCELLED)", not_open},
      {A::kPromote, kNone, started, "already started", not_open},
      {A::kBookWalkIn, kNone, ended, "the slot is over", not_open},
      {A::kBookWalkIn, kNone, other_day, "not the drive's date", not_open},
      {A::kConfirmHold, kHeld, [](BookingFacts& f) { f.hold_expired = true; },
       "the hold has expired", v1::BookingFailure::KIND_HOLD_EXPIRED},
      {A::kConfirmHold, kHeld, [](BookingFacts& f) { f.drive_state = v1::DRIVE_STATE_CLOSED; },
       "not open", not_open},
      {A::kExpireHold, kHeld, [](BookingFacts& f) { f.hold_expired = false; },
       "has not expired yet", std::nullopt},
      {A::kCheckIn, kConfirmed, other_day, "not the drive's date", std::nullopt},
      {A::kRecordNoShow, kBooked, [](BookingFacts& f) { f.slot_started = false; },
       "has not started yet", std::nullopt},
      {A::kCancel, kBooked, ended, "the slot is over", std::nullopt},
      {A::kReschedule, kConfirmed, ended, "the slot is over", std::nullopt},
  };
  for (const FactCase& c : cases) {
    BookingFacts facts = Favourable(c.action);
    c.spoil(facts);
    const absl::Status s = NextBookingState(c.from, c.action, facts).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << c.text;
    EXPECT_THAT(Message(s), HasSubstr(c.text));
    EXPECT_EQ(BookingFailureKind(s), c.kind) << c.text;
  }
}

TEST(BookingStateMachineTest, FactsThatDoNotMatter) {
  BookingFacts late;
  late.drive_state = v1::DRIVE_STATE_CLOSED;
  late.slot_started = late.slot_ended = true;
  // Outcomes may be recorded after the drive closed and the slot ended.
  EXPECT_TRUE(NextBookingState(kCheckedIn, A::kRecordDonated, late).ok());
  EXPECT_TRUE(NextBookingState(kBooked, A::kRecordNoShow, late).ok());
  EXPECT_TRUE(NextBookingState(kCheckedIn, A::kDriveCancelled, late).ok());
  // Cancelling before the slot started, or just after it started, is allowed.
  BookingFacts started = Favourable(A::kCancel);
  started.slot_started = true;
  EXPECT_TRUE(NextBookingState(kConfirmed, A::kCancel, started).ok());
}

TEST(FactsAtTest, ComputesFromInstants) {
  absl::TimeZone almaty;
  ASSERT_TRUE(absl::LoadTimeZone("Asia/Almaty", &almaty));
  const absl::Time start = absl::FromCivil(absl::CivilMinute(2026, 6, 1, 9, 0), almaty);
  const absl::Time end = start + absl::Minutes(30);
  const absl::CivilDay day(2026, 6, 1);
  BookingFacts f =
      FactsAt(start - absl::Seconds(1), v1::DRIVE_STATE_PUBLISHED, start, end, day, almaty);
  EXPECT_FALSE(f.slot_started);
  EXPECT_TRUE(f.on_drive_date);
  EXPECT_FALSE(f.hold_expired);
  f = FactsAt(start, v1::DRIVE_STATE_PUBLISHED, start, end, day, almaty, start);
  EXPECT_TRUE(f.slot_started);
  EXPECT_FALSE(f.slot_ended);
  EXPECT_TRUE(f.hold_expired);
  f = FactsAt(end, v1::DRIVE_STATE_PUBLISHED, start, end, day, almaty);
  EXPECT_TRUE(f.slot_ended);
  f = FactsAt(absl::FromCivil(absl::CivilDay(2026, 5, 31), almaty), v1::DRIVE_STATE_PUBLISHED,
              start, end, day, almaty);
  EXPECT_FALSE(f.on_drive_date);
}

TEST(StatePredicatesTest, ActiveFinalAndSeats) {
  for (S s : kAllStates) {
    const bool active = s == kHeld || s == kBooked || s == kConfirmed || s == kCheckedIn;
    EXPECT_EQ(IsActive(s), active) << s;
    EXPECT_EQ(IsFinal(s), !active && s != kNone) << s;
    EXPECT_EQ(TakesSeat(s), active || s == kDonated || s == kDeferred || s == kNoShow) << s;
  }
  EXPECT_FALSE(IsActive(static_cast<S>(40)));
}

TEST(DriveStateMachineTest, Transitions) {
  using D = v1::DriveState;
  const D draft = v1::DRIVE_STATE_DRAFT, published = v1::DRIVE_STATE_PUBLISHED,
          closed = v1::DRIVE_STATE_CLOSED, cancelled = v1::DRIVE_STATE_CANCELLED;
  struct Row {
    DriveAction action;
    D from;
    std::optional<D> to;  // nullopt: FAILED_PRECONDITION
    bool changed;
  };
  const std::vector<Row> rows = {
      {DriveAction::kPublish, draft, published, true},
      {DriveAction::kPublish, published, std::nullopt, false},
      {DriveAction::kPublish, closed, std::nullopt, false},
      {DriveAction::kPublish, cancelled, std::nullopt, false},
      {DriveAction::kClose, draft, std::nullopt, false},
      {DriveAction::kClose, published, closed, true},
      {DriveAction::kClose, closed, std::nullopt, false},
      {DriveAction::kClose, cancelled, std::nullopt, false},
      {DriveAction::kCancel, draft, cancelled, true},
      {DriveAction::kCancel, published, cancelled, true},
      {DriveAction::kCancel, closed, std::nullopt, false},
      {DriveAction::kCancel, cancelled, cancelled, false},
      {DriveAction::kUpdate, draft, draft, false},
      {DriveAction::kUpdate, published, published, false},
      {DriveAction::kUpdate, closed, std::nullopt, false},
      {DriveAction::kUpdate, cancelled, std::nullopt, false},
  };
  for (const Row& r : rows) {
    absl::StatusOr<DriveTransition> got = CheckDriveTransition(r.from, r.action);
    if (!r.to.has_value()) {
      EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition) << r.from;
      EXPECT_THAT(Message(got.status()), HasSubstr("the drive is "));
      continue;
    }
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->to, *r.to);
    EXPECT_EQ(got->changed, r.changed);
  }
}

}  // namespace
}  // namespace blooddrive::scheduling
