// Invariant 4: "a donor holds at most one active booking at a time per overlapping period".
//
// The period of a booking is its drive's civil date at its site together with its slot's UTC
// interval. Two bookings of one donor conflict when both are active and
//   (a) their drive dates are the same civil date, or
//   (b) their slot intervals [start_time, end_time) overlap in UTC.
// Why: a person makes one visit a day — whatever the donation types and sites (two types the
// same day would be refused by every rule pack's intervals anyway, and two bookings on one day
// are the double bookings a retry or a second channel produces). (b) covers two sites in
// different zones whose dates differ but whose slots coincide. Spacing between days (56 days
// for whole blood, ...) is not this rule's business: it is the eligibility engine's, which sees
// the donor's other active bookings as assumed donations.
// - Active: HELD (unexpired at `now`), BOOKED, CONFIRMED, CHECKED_IN. An expired hold that the
//   store has not yet turned into HOLD_EXPIRED does not count.
// - Rescheduling compares the new slot with every active booking but the one being moved.
// - For the claim-then-book protocol: the donor's claims (one small key per donor, with each
//   claim's date and interval) are checked with exactly this rule inside the claim script.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "blooddrive/v1/scheduling.pb.h"

namespace blooddrive::scheduling {

namespace v1 = ::blooddrive::v1;

struct BookingPeriod {
  std::string name;  // "drives/{drive}/bookings/{booking}"; empty for a booking not yet made
  v1::BookingState state = v1::BOOKING_STATE_UNSPECIFIED;
  absl::CivilDay date;  // the drive's civil date at its site
  absl::Time start_time;
  absl::Time end_time;
  absl::Time hold_expire_time = absl::InfiniteFuture();  // HELD only
};

// The period of a stored booking (slot_start_time, slot_end_time, date, hold_expire_time).
BookingPeriod PeriodOf(const v1::Booking& booking);

// Whether the booking holds its seat at `now` (an expired HELD does not).
bool IsActiveAt(const BookingPeriod& booking, absl::Time now);

// (a) or (b) above, ignoring states.
bool SamePeriod(const BookingPeriod& a, const BookingPeriod& b);

// The first of `existing` that is active at `now`, is not named `ignore` (the booking being
// rescheduled), and shares a period with `candidate`; nullptr when none does.
const BookingPeriod* FindConflict(const BookingPeriod& candidate,
                                  absl::Span<const BookingPeriod> existing, absl::Time now,
                                  absl::string_view ignore = {});

}  // namespace blooddrive::scheduling
