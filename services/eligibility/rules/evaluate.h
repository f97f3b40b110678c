// The single evaluation of every rule kind, shared by Decide (which collects reasons) and the
// next-eligible-date search (which only needs the blocking reasons' end dates), so the two can
// never disagree. Internal to the engine.
#pragma once

#include <algorithm>

#include "absl/container/inlined_vector.h"
#include "engine.h"

namespace blooddrive::eligibility::internal {

inline Reason MakeReason(const CompiledRule* rule, v1::EligibilityReasonCode code) {
  Reason r{};
  r.rule = rule;
  r.code = code;
  r.blocking = rule->blocking;
  r.deferral_index = -1;
  r.related_type_index = -1;
  return r;
}

inline bool SexMatches(uint8_t mask, v1::Sex sex) { return (mask >> static_cast<int>(sex)) & 1u; }

Day DeferralEnd(const DeferralDuration& duration, Day start);

// The day the donor turns `years`; 29 February births turn on 1 March in common years.
inline Day BirthdayOf(const DonorFacts& facts, int years) {
  const int year = facts.birth_year() + years;
  int month = facts.birth_month_day() / 100;
  int day = facts.birth_month_day() % 100;
  if (month == 2 && day == 29 && !IsLeapYear(year)) {
    month = 3;
    day = 1;
  }
  return DaysFromCivil(year, month, day);
}

// Calls sink.Add(const Reason&) for every reason that applies to a donation of type index `ti`
// on day `d`. Sink::kBlockingOnly lets the next-date search skip advisory rules.
template <typename Sink>
void Evaluate(const CompiledPack& pack, const DonorFacts& facts, int ti, Day d, int slot_minute,
              Sink& sink) {
  const uint8_t type_bit = static_cast<uint8_t>(1u << ti);

  // Age, in whole years on d; comparing month*100+day handles 29 February (see engine.h).
  if (!pack.age.empty()) {
    int year, month, day_of_month;
    CivilFromDays(d, &year, &month, &day_of_month);
    const int month_day = month * 100 + day_of_month;
    const int age = year - facts.birth_year() - (month_day < facts.birth_month_day() ? 1 : 0);
    for (const AgeCheck& check : pack.age) {
      if (!(check.type_mask & type_bit)) continue;
      if (Sink::kBlockingOnly && !check.rule->blocking) continue;
      if (age < check.min_years) {
        Reason r = MakeReason(check.rule, v1::ELIGIBILITY_REASON_CODE_AGE_BELOW_MINIMUM);
        r.has_end = true;
        r.end = BirthdayOf(facts, check.min_years);
        r.value = age;
        r.limit = check.min_years;
        sink.Add(r);
      }
      if (check.max_years > 0 && age > check.max_years) {
        Reason r = MakeReason(check.rule, v1::ELIGIBILITY_REASON_CODE_AGE_ABOVE_MAXIMUM);
        r.permanent = true;
        r.value = age;
        r.limit = check.max_years;
        sink.Add(r);
      }
      if (facts.first_time() && check.first_time_max_years > 0 &&
          age > check.first_time_max_years) {
        Reason r = MakeReason(check.rule, v1::ELIGIBILITY_REASON_CODE_AGE_ABOVE_FIRST_TIME_MAXIMUM);
        r.permanent = true;
        r.value = age;
        r.limit = check.first_time_max_years;
        sink.Add(r);
      }
    }
  }

  const v1::Sex sex = facts.sex();
  // Weight and hemoglobin: only measured values are checked; only new facts end these.
  if (facts.weight_kg() > 0) {
    for (const LimitCheck& check : pack.weight[ti]) {
      if (!SexMatches(check.sex_mask, sex)) continue;
      if (Sink::kBlockingOnly && !check.rule->blocking) continue;
      if (facts.weight_kg() < check.min) {
        Reason r = MakeReason(check.rule, v1::ELIGIBILITY_REASON_CODE_WEIGHT_BELOW_MINIMUM);
        r.value = facts.weight_kg();
        r.limit = check.min;
        sink.Add(r);
      }
    }
  }
  if (facts.latest_hemoglobin_g_per_l() > 0) {
    const double hb = facts.latest_hemoglobin_g_per_l();
    for (const LimitCheck& check : pack.hemoglobin[ti]) {
      if (!SexMatches(check.sex_mask, sex)) continue;
      if (Sink::kBlockingOnly && !check.rule->blocking) continue;
      if (hb < check.min) {
        Reason r = MakeReason(check.rule, v1::ELIGIBILITY_REASON_CODE_HEMOGLOBIN_BELOW_MINIMUM);
        r.value = hb;
        r.limit = check.min;
        sink.Add(r);
      }
      if (check.max > 0 && hb > check.max) {
        Reason r = MakeReason(check.rule, v1::ELIGIBILITY_REASON_CODE_HEMOGLOBIN_ABOVE_MAXIMUM);
        r.value = hb;
        r.limit = check.max;
        sink.Add(r);
      }
    }
  }

  // Intervals. after[x]: a donation of type x on or before d, rule x->ti; before[x]: one after d,
  // rule ti->x. Per rule only the donation that blocks longest is reported.
  const auto& donations = facts.donations();
  if (!donations.empty()) {
    Day after_end[kNumDonationTypes] = {0, 0, 0, 0};
    Day after_day[kNumDonationTypes] = {0, 0, 0, 0};
    Day before_end[kNumDonationTypes] = {0, 0, 0, 0};
    Day before_day[kNumDonationTypes] = {0, 0, 0, 0};
    bool after_hit[kNumDonationTypes] = {false, false, false, false};
    bool before_hit[kNumDonationTypes] = {false, false, false, false};
    for (const PastDonation& p : donations) {
      const int x = p.type_index;
      if (p.day <= d) {
        const int min_days = pack.interval_days[x][ti];
        if (d - p.day < min_days) {
          after_hit[x] = true;
          after_end[x] = p.day + min_days;  // sorted: the latest such donation wins
          after_day[x] = p.day;
        }
      } else {
        const int min_days = pack.interval_days[ti][x];
        if (p.day - d < min_days) {
          // It stops applying once d reaches the donation; then rule x->ti takes over.
          if (!before_hit[x]) {
            before_hit[x] = true;
            before_day[x] = p.day;
          }
          before_end[x] = p.day;
        }
      }
    }
    for (int x = 0; x < kNumDonationTypes; ++x) {
      if (after_hit[x]) {
        const CompiledRule* rule = pack.interval_rule[x][ti];
        if (!(Sink::kBlockingOnly && !rule->blocking)) {
          Reason r = MakeReason(rule, v1::ELIGIBILITY_REASON_CODE_INTERVAL_NOT_ELAPSED);
          r.has_end = true;
          r.end = after_end[x];
          if (x == ti && before_hit[x]) r.end = std::max(r.end, before_end[x]);
          r.related_type_index = static_cast<int8_t>(x);
          r.related_day = after_day[x];
          r.limit = pack.interval_days[x][ti];
          sink.Add(r);
        }
      }
      if (before_hit[x] && !(x == ti && after_hit[x])) {
        const CompiledRule* rule = pack.interval_rule[ti][x];
        if (!(Sink::kBlockingOnly && !rule->blocking)) {
          Reason r = MakeReason(rule, v1::ELIGIBILITY_REASON_CODE_INTERVAL_NOT_ELAPSED);
          r.has_end = true;
          r.end = before_end[x];
          r.related_type_index = static_cast<int8_t>(x);
          r.related_day = before_day[x];
          r.limit = pack.interval_days[ti][x];
          sink.Add(r);
        }
      }
    }
  }

  // Rolling-window maxima. With the donations of the rule's types sorted, d is blocked by each
  // run of max_count consecutive ones that fits in a window with d:
  // [run_last - (W - 1), run_first + (W - 1)]. Runs' bounds rise with the run, so the blocked
  // stretch containing d is found (and its end extended) in one pass.
  for (const AnnualCheck& check : pack.annual[ti]) {
    if (!SexMatches(check.sex_mask, sex)) continue;
    if (Sink::kBlockingOnly && !check.rule->blocking) continue;
    const int w = check.window_days;
    const int k = check.max_count;
    absl::InlinedVector<Day, 32> days;
    for (const PastDonation& p : donations) {
      if (p.day > d - w && (check.type_mask & (1u << p.type_index))) days.push_back(p.day);
    }
    const int n = static_cast<int>(days.size());
    if (n < k) continue;
    bool active = false;
    Day stretch_end = 0;
    for (int i = 0; i + k - 1 < n; ++i) {
      const Day start = days[i + k - 1] - (w - 1);
      const Day end = days[i] + (w - 1);
      if (!active) {
        if (start > d) break;
        if (end >= d) {
          active = true;
          stretch_end = end;
        }
      } else {
        if (start > stretch_end + 1) break;
        stretch_end = std::max(stretch_end, end);
      }
    }
    if (!active) continue;
    Reason r = MakeReason(check.rule, v1::ELIGIBILITY_REASON_CODE_ANNUAL_MAXIMUM_REACHED);
    r.has_end = true;
    r.end = stretch_end + 1;
    int in_window = 0;
    for (Day day : days) in_window += (day <= d) ? 1 : 0;
    r.value = in_window;
    r.limit = k;
    sink.Add(r);
  }

  // Deferrals.
  for (const DeferralFact& f : facts.deferrals()) {
    if (f.start > d) continue;
    const int code = static_cast<int>(f.code);
    const DeferralDuration* duration =
        (code > 0 && code < kNumDeferralCodes) ? &pack.deferral[code] : nullptr;
    const CompiledRule* rule = duration != nullptr && duration->rule != nullptr
                                   ? duration->rule
                                   : &pack.recorded_deferral_rule();
    Reason r = MakeReason(rule, v1::ELIGIBILITY_REASON_CODE_DEFERRED);
    r.blocking = true;  // a recorded deferral blocks whatever the duration rule's effect
    r.deferral_code = f.code;
    r.deferral_index = f.index;
    r.related_day = f.start;
    if (f.permanent) {
      r.permanent = true;
    } else if (f.has_end) {
      if (d >= f.end) continue;
      r.has_end = true;
      r.end = f.end;
    } else if (duration != nullptr && duration->rule != nullptr) {
      if (duration->permanent) {
        r.permanent = true;
      } else {
        const Day end = DeferralEnd(*duration, f.start);
        if (d >= end) continue;
        r.has_end = true;
        r.end = end;
      }
    }
    // else: no end known; only staff (lifting it) ends it.
    sink.Add(r);
  }

  // Branch policy on slot times.
  if (slot_minute >= 0) {
    for (const SlotCheck& check : pack.slot) {
      if (!(check.type_mask & type_bit)) continue;
      if (check.group == v1::DONOR_GROUP_FIRST_TIME && !facts.first_time()) continue;
      if (check.group == v1::DONOR_GROUP_REPEAT && facts.first_time()) continue;
      if (Sink::kBlockingOnly && !check.rule->blocking) continue;
      const bool too_early = check.earliest_minute >= 0 && slot_minute < check.earliest_minute;
      const bool too_late = check.before_minute >= 0 && slot_minute >= check.before_minute;
      if (too_early || too_late) {
        Reason r = MakeReason(check.rule, v1::ELIGIBILITY_REASON_CODE_SLOT_TIME_NOT_ALLOWED);
        r.value = slot_minute;
        r.limit = too_late ? check.before_minute : check.earliest_minute;
        sink.Add(r);
      }
    }
  }

  // Required identity documents.
  if (!pack.documents.empty()) {
    char citizenship[2] = {facts.citizenship()[0], facts.citizenship()[1]};  // or passport's
    if (citizenship[0] == 0) {
      for (const DocumentFact& doc : facts.documents()) {
        if (doc.type == v1::DOCUMENT_TYPE_PASSPORT) {
          citizenship[0] = doc.country[0];
          citizenship[1] = doc.country[1];
          break;
        }
      }
    }
    for (const DocumentCheck& check : pack.documents) {
      if (Sink::kBlockingOnly && !check.rule->blocking) continue;
      // No recorded citizenship and no passport: a citizen of the rule's home country.
      const bool is_citizen = citizenship[0] == 0 || (citizenship[0] == check.home_country[0] &&
                                                      citizenship[1] == check.home_country[1]);
      if (check.scope == v1::RequiredDocumentsRule::SCOPE_CITIZENS && !is_citizen) continue;
      if (check.scope == v1::RequiredDocumentsRule::SCOPE_FOREIGN_CITIZENS && is_citizen) continue;
      uint8_t held = 0;
      for (const DocumentFact& doc : facts.documents()) {
        if (doc.has_expiry && doc.expiry < d) continue;
        if (doc.type == v1::DOCUMENT_TYPE_IIN &&
            !(doc.country[0] == 'K' && doc.country[1] == 'Z')) {
          continue;
        }
        held |= static_cast<uint8_t>(1u << static_cast<int>(doc.type));
      }
      const uint8_t missing = check.required_mask & static_cast<uint8_t>(~held);
      if (missing != 0) {
        Reason r = MakeReason(check.rule, v1::ELIGIBILITY_REASON_CODE_DOCUMENTS_MISSING);
        r.missing_documents = missing;
        sink.Add(r);
      }
    }
  }
}

}  // namespace blooddrive::eligibility::internal
