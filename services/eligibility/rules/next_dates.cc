// Next eligible date by jumping: every blocking reason blocks each day from the checked day up
// to its end date (evaluate.h keeps that true for every rule kind), so the earliest eligible day
// is at or after the latest of those ends. Re-evaluating there either finds the day eligible or
// jumps again; a permanent or open-ended reason stops the search.
#include <algorithm>

#include "engine.h"
#include "evaluate.h"

namespace blooddrive::eligibility {
namespace {

// Far more than any pack needs (each jump passes at least one donation, deferral or birthday);
// only a pathological history could exhaust it, and then only a change of facts helps.
constexpr int kMaxJumps = 256;

struct BlockingSink {
  static constexpr bool kBlockingOnly = true;
  bool blocked = false;
  bool permanent = false;
  bool open_ended = false;
  Day latest_end = 0;
  void Add(const Reason& reason) {
    if (!reason.blocking) return;
    blocked = true;
    if (reason.permanent) {
      permanent = true;
    } else if (!reason.has_end) {
      open_ended = true;
    } else {
      latest_end = std::max(latest_end, reason.end);
    }
  }
};

}  // namespace

NextEligible NextEligibleDate(const CompiledPack& pack, const DonorFacts& facts,
                              v1::DonationType type, absl::CivilDay from) {
  NextEligible next;
  next.type = type;
  const int ti = TypeIndex(type);
  if (ti < 0) {
    next.outlook = v1::NextEligibleDate::OUTLOOK_NEEDS_CHANGE;
    return next;
  }
  Day day = ToDay(from);
  for (int jump = 0; jump < kMaxJumps; ++jump) {
    BlockingSink sink;
    internal::Evaluate(pack, facts, ti, day, kNoSlot, sink);
    if (!sink.blocked) {
      next.outlook = v1::NextEligibleDate::OUTLOOK_DATE;
      next.date = FromDay(day);
      return next;
    }
    if (sink.permanent) {
      next.outlook = v1::NextEligibleDate::OUTLOOK_PERMANENT;
      return next;
    }
    if (sink.open_ended) {
      next.outlook = v1::NextEligibleDate::OUTLOOK_NEEDS_CHANGE;
      return next;
    }
    day = std::max(day + 1, sink.latest_end);
  }
  next.outlook = v1::NextEligibleDate::OUTLOOK_NEEDS_CHANGE;
  return next;
}

std::array<NextEligible, kNumDonationTypes> NextEligibleDates(const CompiledPack& pack,
                                                              const DonorFacts& facts,
                                                              absl::CivilDay from) {
  std::array<NextEligible, kNumDonationTypes> all;
  for (int t = 0; t < kNumDonationTypes; ++t) {
    all[t] = NextEligibleDate(pack, facts, TypeFromIndex(t), from);
  }
  return all;
}

}  // namespace blooddrive::eligibility
