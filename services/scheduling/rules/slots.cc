#include "slots.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "dates.h"
#include "validation.h"

namespace blooddrive::scheduling {
namespace {

using platform::FieldPath;
using platform::InvalidField;

bool ValidTimeOfDay(const v1::TimeOfDay& t, bool is_end) {
  if (t.minutes() < 0 || t.minutes() > 59 || t.hours() < 0) return false;
  if (t.hours() == 24) return is_end && t.minutes() == 0;
  return t.hours() <= 23;
}

// F(L): the first instant at which the wall clock reads L or later. For a skipped L that is the
// moment of the jump; for a repeated L its first occurrence.
absl::Time FirstReaching(absl::TimeZone zone, absl::CivilMinute local) {
  const absl::TimeZone::TimeInfo info = zone.At(absl::CivilSecond(local));
  switch (info.kind) {
    case absl::TimeZone::TimeInfo::SKIPPED:
      return info.trans;
    case absl::TimeZone::TimeInfo::REPEATED:
    case absl::TimeZone::TimeInfo::UNIQUE:
      break;
  }
  return info.pre;
}

}  // namespace

absl::StatusOr<absl::TimeZone> LoadSiteTimeZone(absl::string_view field, absl::string_view name) {
  if (name.empty()) return InvalidField(field, "is required (an IANA time zone, e.g. Asia/Almaty)");
  if (name.size() > 64) return InvalidField(field, "is longer than 64 characters");
  // cctz reads any absolute path or "localtime" as a zone file: only IANA-shaped names may pass.
  for (char c : name) {
    if (!(absl::ascii_isalnum(c) || c == '_' || c == '+' || c == '-' || c == '/')) {
      return InvalidField(field, "is not an IANA time zone name (e.g. Asia/Almaty)");
    }
  }
  if (name.front() == '/' || name.back() == '/' || absl::StrContains(name, "//") ||
      absl::StrContains(name, "..") || name == "localtime" || absl::StartsWith(name, "Fixed/")) {
    return InvalidField(field, "is not an IANA time zone name (e.g. Asia/Almaty)");
  }
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(std::string(name), &zone)) {
    return InvalidField(field,
                        absl::StrCat("is not a time zone known to this system's tzdata: ", name));
  }
  return zone;
}

int MinuteOfDay(const v1::TimeOfDay& t) { return t.hours() * 60 + t.minutes(); }

v1::TimeOfDay ToTimeOfDay(absl::CivilMinute m) {
  v1::TimeOfDay t;
  t.set_hours(m.hour());
  t.set_minutes(m.minute());
  return t;
}

std::string SlotId(absl::CivilMinute local_start) {
  return absl::StrFormat("%02d%02d", local_start.hour(), local_start.minute());
}

std::optional<int> ParseSlotId(absl::string_view id) {
  if (id.size() != 4) return std::nullopt;
  for (char c : id) {
    if (!absl::ascii_isdigit(c)) return std::nullopt;
  }
  const int hours = (id[0] - '0') * 10 + (id[1] - '0');
  const int minutes = (id[2] - '0') * 10 + (id[3] - '0');
  if (hours > 23 || minutes > 59) return std::nullopt;
  return hours * 60 + minutes;
}

absl::StatusOr<std::vector<Slot>> GenerateSlots(const v1::Drive& drive, absl::TimeZone zone) {
  if (absl::Status s = platform::CheckDate("drive.date", drive.date(), true); !s.ok()) return s;
  if (drive.slot_minutes() < 5 || drive.slot_minutes() > 240) {
    return InvalidField("drive.slot_minutes", "must be 5..240");
  }
  const absl::CivilMinute midnight(platform::ToCivilDay(drive.date()));
  const int step = drive.slot_minutes();
  std::vector<Slot> slots;
  int previous_end = 0;
  for (int i = 0; i < drive.opening_windows_size(); ++i) {
    const v1::OpeningWindow& window = drive.opening_windows(i);
    const std::string path = FieldPath("drive.opening_windows", i);
    if (!ValidTimeOfDay(window.start(), false) || !ValidTimeOfDay(window.end(), true)) {
      return InvalidField(path, "has an invalid time of day");
    }
    const int begin = MinuteOfDay(window.start());
    const int end = MinuteOfDay(window.end());
    if (end <= begin) return InvalidField(FieldPath(path, "end"), "must be after start");
    if (begin < previous_end) {
      return InvalidField(path, "overlaps or precedes the window before it");
    }
    previous_end = end;
    for (int minute = begin; minute + step <= end; minute += step) {
      const absl::CivilMinute local_start = midnight + minute;
      if (zone.At(absl::CivilSecond(local_start)).kind == absl::TimeZone::TimeInfo::SKIPPED) {
        continue;
      }
      Slot slot;
      slot.id = SlotId(local_start);
      slot.local_start = local_start;
      slot.local_end = local_start + step;
      slot.start_time = FirstReaching(zone, local_start);
      slot.end_time =
          std::min(FirstReaching(zone, slot.local_end), slot.start_time + absl::Minutes(step));
      slots.push_back(std::move(slot));
    }
  }
  return slots;
}

const Slot* FindSlot(absl::Span<const Slot> slots, absl::string_view id) {
  for (const Slot& slot : slots) {
    if (slot.id == id) return &slot;
  }
  return nullptr;
}

bool WaitlistAdmits(const v1::WaitlistEntry& entry, const Slot& slot) {
  const int minute = slot.local_start.hour() * 60 + slot.local_start.minute();
  if (entry.has_earliest_start() && minute < MinuteOfDay(entry.earliest_start())) return false;
  if (entry.has_start_before() && minute >= MinuteOfDay(entry.start_before())) return false;
  return true;
}

v1::TypeAvailability SeatAvailability(const v1::SlotCapacity& capacity, const SeatUse& use) {
  v1::TypeAvailability out;
  out.set_donation_type(capacity.donation_type());
  out.set_seats(capacity.seats());
  out.set_held(use.held);
  out.set_booked(use.booked + use.walk_in);
  const int walk_in_left = std::max(0, capacity.walk_in_reserve() - use.walk_in);
  out.set_walk_in_left(walk_in_left);
  out.set_available(
      std::max(0, capacity.seats() - use.held - use.booked - use.walk_in - walk_in_left));
  return out;
}

bool UseFits(const v1::SlotCapacity& capacity, const SeatUse& use) {
  const int donor_facing = use.held + use.booked;
  return donor_facing <= capacity.seats() - capacity.walk_in_reserve() &&
         donor_facing + use.walk_in <= capacity.seats();
}

bool HasSeat(const v1::SlotCapacity& capacity, const SeatUse& use, bool walk_in) {
  SeatUse next = use;
  if (walk_in) {
    ++next.walk_in;
  } else {
    ++next.booked;
  }
  return UseFits(capacity, next);
}

}  // namespace blooddrive::scheduling
