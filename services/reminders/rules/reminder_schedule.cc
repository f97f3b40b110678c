#include "reminder_schedule.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace blooddrive::reminders {
namespace {

namespace v1 = blooddrive::v1;

int MinuteOfDay(LocalTimeOfDay t) { return t.hour * 60 + t.minute; }

absl::Status CheckTimeOfDay(absl::string_view field, LocalTimeOfDay t) {
  if (t.hour < 0 || t.hour > 23 || t.minute < 0 || t.minute > 59) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": not a time of day"));
  }
  return absl::OkStatus();
}

absl::CivilSecond At(absl::CivilDay day, LocalTimeOfDay t) {
  return absl::CivilSecond(day.year(), day.month(), day.day(), t.hour, t.minute, 0);
}

// Applies quiet hours to a message due at `due` that expires at `expire`: adds it to the plan,
// or counts it as dropped.
void Place(v1::MessageKind kind, absl::Time due, absl::Time expire, absl::Duration offset,
           const absl::TimeZone& zone, const ScheduleOptions& options, Plan* plan) {
  const absl::Time moved = ApplyQuietHours(due, zone, options.quiet);
  if (moved >= expire) {
    plan->dropped.push_back({kind, due, expire, offset, false});
    return;
  }
  plan->messages.push_back({kind, moved, expire, offset, moved != due});
}

// A one-off message nominally due at `nominal`, sent late (now) if planned after that.
Plan PlanOnce(v1::MessageKind kind, absl::Time nominal, absl::Time expire,
              const absl::TimeZone& zone, absl::Time now, const ScheduleOptions& options) {
  Plan plan;
  if (now >= expire) {
    ++plan.skipped;
    return plan;
  }
  Place(kind, std::max(nominal, now), expire, absl::ZeroDuration(), zone, options, &plan);
  return plan;
}

}  // namespace

absl::Status CheckScheduleOptions(const ScheduleOptions& options) {
  for (size_t i = 0; i < options.reminder_offsets.size(); ++i) {
    if (options.reminder_offsets[i] <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          absl::StrCat("reminder_offsets[", i, "]: must be positive"));
    }
  }
  for (const auto& [field, t] :
       {std::pair{"quiet.start", options.quiet.start}, std::pair{"quiet.end", options.quiet.end},
        std::pair{"thank_you_time", options.thank_you_time},
        std::pair{"recall_time", options.recall_time}}) {
    if (absl::Status s = CheckTimeOfDay(field, t); !s.ok()) return s;
  }
  if (options.min_reminder_lead < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("min_reminder_lead: must not be negative");
  }
  if (options.thank_you_ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("thank_you_ttl: must be positive");
  }
  if (options.recall_ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("recall_ttl: must be positive");
  }
  return absl::OkStatus();
}

absl::Time LocalInstant(absl::CivilSecond local, const absl::TimeZone& zone) {
  const absl::TimeZone::TimeInfo info = zone.At(local);
  return info.kind == absl::TimeZone::TimeInfo::SKIPPED ? info.trans : info.pre;
}

bool InQuietHours(absl::Time t, const absl::TimeZone& zone, const QuietHours& quiet) {
  const int start = MinuteOfDay(quiet.start);
  const int end = MinuteOfDay(quiet.end);
  if (start == end) return false;
  const absl::CivilSecond local = absl::ToCivilSecond(t, zone);
  const int m = local.hour() * 60 + local.minute();
  return start < end ? (m >= start && m < end) : (m >= start || m < end);
}

absl::Time ApplyQuietHours(absl::Time due, const absl::TimeZone& zone, const QuietHours& quiet) {
  if (!InQuietHours(due, zone, quiet)) return due;
  const absl::CivilSecond local = absl::ToCivilSecond(due, zone);
  absl::CivilDay end_day = absl::CivilDay(local);
  const int m = local.hour() * 60 + local.minute();
  if (MinuteOfDay(quiet.start) > MinuteOfDay(quiet.end) && m >= MinuteOfDay(quiet.start)) {
    ++end_day;  // the window wraps midnight: it ends tomorrow
  }
  const absl::TimeZone::TimeInfo info = zone.At(At(end_day, quiet.end));
  switch (info.kind) {
    case absl::TimeZone::TimeInfo::SKIPPED:
      return info.trans;
    case absl::TimeZone::TimeInfo::REPEATED:
      // The end reading occurs twice; `due` may already be past the first one.
      return info.pre > due ? info.pre : info.post;
    default:
      return std::max(info.pre, due);
  }
}

Plan PlanBooking(v1::MessageKind announce, absl::Time slot_start, const absl::TimeZone& zone,
                 absl::Time now, const ScheduleOptions& options) {
  Plan plan;
  absl::Time anchor = now;
  if (announce != v1::MESSAGE_KIND_UNSPECIFIED) {
    plan = PlanOnce(announce, now, slot_start, zone, now, options);
    if (!plan.messages.empty()) anchor = plan.messages.back().due;
  }
  std::vector<absl::Duration> offsets = options.reminder_offsets;
  std::sort(offsets.begin(), offsets.end(), std::greater<>());  // earliest due first
  offsets.erase(std::unique(offsets.begin(), offsets.end()), offsets.end());
  const absl::CivilSecond local_slot = absl::ToCivilSecond(slot_start, zone);
  absl::Time last = anchor;
  for (absl::Duration offset : offsets) {
    absl::Time nominal;
    if (offset % absl::Hours(24) == absl::ZeroDuration()) {
      nominal = LocalInstant(local_slot - (offset / absl::Seconds(1)), zone);
    } else {
      nominal = slot_start - offset;
    }
    if (nominal < now) {
      ++plan.skipped;
      continue;
    }
    const absl::Time due = ApplyQuietHours(nominal, zone, options.quiet);
    if (due >= slot_start) {
      plan.dropped.push_back({v1::MESSAGE_KIND_REMINDER, nominal, slot_start, offset, false});
      continue;
    }
    if (due < last + options.min_reminder_lead) {
      ++plan.skipped;
      continue;
    }
    plan.messages.push_back({v1::MESSAGE_KIND_REMINDER, due, slot_start, offset, due != nominal});
    last = due;
  }
  return plan;
}

Plan PlanNotice(v1::MessageKind kind, absl::Time not_before, absl::Time expire,
                const absl::TimeZone& zone, absl::Time now, const ScheduleOptions& options) {
  return PlanOnce(kind, not_before, expire, zone, now, options);
}

Plan PlanThankYou(absl::CivilDay donation_date, const absl::TimeZone& zone, absl::Time now,
                  const ScheduleOptions& options) {
  const absl::Time nominal = LocalInstant(At(donation_date + 1, options.thank_you_time), zone);
  return PlanOnce(v1::MESSAGE_KIND_THANK_YOU, nominal, nominal + options.thank_you_ttl, zone, now,
                  options);
}

Plan PlanRecall(absl::CivilDay next_eligible_date, const absl::TimeZone& zone, absl::Time now,
                const ScheduleOptions& options) {
  const absl::Time nominal = LocalInstant(At(next_eligible_date, options.recall_time), zone);
  return PlanOnce(v1::MESSAGE_KIND_RECALL, nominal, nominal + options.recall_ttl, zone, now,
                  options);
}

}  // namespace blooddrive::reminders
