// The eligibility engine: pure functions of (compiled pack, donor facts, donation type, civil
// date). No I/O, no clock, no allocation on the decision path beyond an inline reason buffer.
//
// Date rules (exact civil-date arithmetic, see rules.proto):
// - Age is in whole years on the checked date; someone born on 29 February turns a year older on
//   1 March in common years (and on 29 February in leap years).
// - Interval: a donation of type B on day D is allowed after a donation of type A on day P <= D
//   when D - P >= min_days(A->B). A donation already on record or assumed AFTER D (a booking)
//   constrains D too: D is refused when P - D < min_days(B->A), so a new booking respects the
//   bookings around it.
// - Rolling window of W days (W = 365 unless the rule says otherwise): a window is W consecutive
//   days, e.g. for D the window ending on D is [D - (W - 1), D] = [D - 364, D]. A donation on D
//   is refused when some window that contains D would then hold more than max_count donations of
//   the rule's types (the one on D included). With no donations after D this is exactly the
//   window [D - 364, D].
// - "N months" is calendar months: 31 January + 1 month = 28/29 February.
// - Deferrals: active on D when start <= D < end (end is exclusive), or permanent.
#pragma once

#include <array>
#include <cstdint>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "blooddrive/v1/common.pb.h"
#include "blooddrive/v1/eligibility.pb.h"
#include "compiled_pack.h"
#include "facts.h"

namespace blooddrive::eligibility {

// One rule that does not hold. Maps 1:1 onto v1::EligibilityReason (see proto_convert.h).
struct Reason {
  const CompiledRule* rule;
  v1::EligibilityReasonCode code;
  bool blocking;
  bool permanent;
  bool has_end;                    // false: permanent, or only a change of facts ends it
  Day end;                         // first day on which it no longer applies (when has_end)
  v1::DeferralCode deferral_code;  // for DEFERRED
  int16_t deferral_index;          // for DEFERRED: DonorFacts::deferrals() position; else -1
  uint8_t missing_documents;       // for DOCUMENTS_MISSING: bit per DocumentType
  // Details for the message: the donation behind an interval reason, the measured value and
  // the rule's limit (age in years, weight kg, hemoglobin g/L, count in the window, minute).
  int8_t related_type_index;  // -1: none
  Day related_day;
  double value;
  double limit;

  absl::CivilDay end_date() const { return FromDay(end); }
};

struct Decision {
  bool eligible = true;
  // Every reason, blocking and advisory, ordered by rule id (then by deferral position).
  absl::InlinedVector<Reason, 8> reasons;
};

// No slot time given: slot-time rules are not checked.
inline constexpr int kNoSlot = -1;

// `slot_start_minute` is the slot's local start time in minutes after midnight, or kNoSlot.
// Decides into *decision (cleared first), so a caller can reuse one buffer across decisions.
void Decide(const CompiledPack& pack, const DonorFacts& facts, v1::DonationType type,
            absl::CivilDay date, int slot_start_minute, Decision* decision);
Decision Decide(const CompiledPack& pack, const DonorFacts& facts, v1::DonationType type,
                absl::CivilDay date, int slot_start_minute = kNoSlot);

struct NextEligible {
  v1::DonationType type = v1::DONATION_TYPE_UNSPECIFIED;
  v1::NextEligibleDate::Outlook outlook = v1::NextEligibleDate::OUTLOOK_UNSPECIFIED;
  absl::CivilDay date;  // when outlook is OUTLOOK_DATE
};

// The earliest day >= from on which Decide (without a slot time) says eligible for `type`.
// PERMANENT when a permanent reason blocks first (a permanent deferral, an age limit passed);
// NEEDS_CHANGE when only a change of facts helps (weight, hemoglobin, a document, a deferral with
// no known end). The date is exact however far away it is (e.g. a 3-year deferral).
NextEligible NextEligibleDate(const CompiledPack& pack, const DonorFacts& facts,
                              v1::DonationType type, absl::CivilDay from);
// All four types, ordered by DonationType value.
std::array<NextEligible, kNumDonationTypes> NextEligibleDates(const CompiledPack& pack,
                                                              const DonorFacts& facts,
                                                              absl::CivilDay from);

struct ResolvedDeferral {
  const CompiledRule* rule = nullptr;
  bool permanent = false;
  absl::CivilDay end_date;  // first day it no longer applies, when not permanent
};
// NOT_FOUND when the pack has no duration rule for the code.
absl::StatusOr<ResolvedDeferral> ResolveDeferral(const CompiledPack& pack, v1::DeferralCode code,
                                                 absl::CivilDay start);

// Calendar-month arithmetic: the same day `months` later, clamped to the month's last day.
absl::CivilDay AddMonths(absl::CivilDay day, int months);

}  // namespace blooddrive::eligibility
