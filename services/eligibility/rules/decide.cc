#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine.h"
#include "evaluate.h"

namespace blooddrive::eligibility {
namespace internal {

Day DeferralEnd(const DeferralDuration& duration, Day start) {
  if (duration.days > 0) return start + duration.days;
  return ToDay(AddMonths(FromDay(start), duration.months));
}

}  // namespace internal

namespace {

struct CollectingSink {
  static constexpr bool kBlockingOnly = false;
  Decision* decision;
  void Add(const Reason& reason) {
    decision->reasons.push_back(reason);
    if (reason.blocking) decision->eligible = false;
  }
};

bool ReasonLess(const Reason& a, const Reason& b) {
  if (a.rule->ordinal != b.rule->ordinal) return a.rule->ordinal < b.rule->ordinal;
  if (a.deferral_index != b.deferral_index) return a.deferral_index < b.deferral_index;
  return a.code < b.code;
}

}  // namespace

absl::CivilDay AddMonths(absl::CivilDay day, int months) {
  const absl::CivilMonth month = absl::CivilMonth(day) + months;
  const absl::CivilDay first = absl::CivilDay(month);
  const int days_in_month = static_cast<int>(absl::CivilDay(month + 1) - first);
  return first + (std::min(day.day(), days_in_month) - 1);
}

void Decide(const CompiledPack& pack, const DonorFacts& facts, v1::DonationType type,
            absl::CivilDay date, int slot_start_minute, Decision* decision) {
  decision->eligible = true;
  decision->reasons.clear();
  const int ti = TypeIndex(type);
  if (ti < 0) return;
  CollectingSink sink{decision};
  internal::Evaluate(pack, facts, ti, ToDay(date), slot_start_minute, sink);
  // Insertion sort: there are few reasons, and it keeps the decision path allocation-free.
  auto& reasons = decision->reasons;
  for (size_t i = 1; i < reasons.size(); ++i) {
    Reason r = reasons[i];
    size_t j = i;
    while (j > 0 && ReasonLess(r, reasons[j - 1])) {
      reasons[j] = reasons[j - 1];
      --j;
    }
    reasons[j] = r;
  }
}

Decision Decide(const CompiledPack& pack, const DonorFacts& facts, v1::DonationType type,
                absl::CivilDay date, int slot_start_minute) {
  Decision decision;
  Decide(pack, facts, type, date, slot_start_minute, &decision);
  return decision;
}

absl::StatusOr<ResolvedDeferral> ResolveDeferral(const CompiledPack& pack, v1::DeferralCode code,
                                                 absl::CivilDay start) {
  const int c = static_cast<int>(code);
  if (c <= 0 || c >= kNumDeferralCodes || pack.deferral[c].rule == nullptr) {
    return absl::NotFoundError(absl::StrCat("rule pack ", pack.id(),
                                            " has no duration rule for deferral code ",
                                            v1::DeferralCode_Name(code)));
  }
  const internal::DeferralDuration& duration = pack.deferral[c];
  ResolvedDeferral resolved;
  resolved.rule = duration.rule;
  resolved.permanent = duration.permanent;
  if (!duration.permanent)
    resolved.end_date = FromDay(internal::DeferralEnd(duration, ToDay(start)));
  return resolved;
}

}  // namespace blooddrive::eligibility
