#include "drive_validation.h"

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "dates.h"
#include "google/protobuf/util/message_differencer.h"
#include "site_validation.h"
#include "state_machine.h"
#include "validation.h"

namespace blooddrive::scheduling {
namespace {

using google::protobuf::util::MessageDifferencer;
using platform::FieldPath;
using platform::InvalidField;

constexpr absl::string_view kDriveFields[] = {"display_name", "sponsor",    "venue",
                                              "location",     "date",       "opening_windows",
                                              "slot_minutes", "capacities", "targets"};

absl::Status CheckTimeOfDay(absl::string_view field, const v1::TimeOfDay& t, bool is_end) {
  if (t.hours() < 0 || t.hours() > 24 || (t.hours() == 24 && !is_end)) {
    return InvalidField(FieldPath(field, "hours"), is_end ? "must be 0..24" : "must be 0..23");
  }
  if (t.minutes() < 0 || t.minutes() > 59) {
    return InvalidField(FieldPath(field, "minutes"), "must be 0..59");
  }
  if (t.hours() == 24 && t.minutes() != 0) {
    return InvalidField(FieldPath(field, "minutes"), "must be 0 when hours is 24");
  }
  return absl::OkStatus();
}

absl::Status CheckWindows(const v1::Drive& drive) {
  constexpr absl::string_view kField = "drive.opening_windows";
  if (drive.opening_windows_size() > 8) return InvalidField(kField, "at most 8 windows");
  int previous_end = -1;
  for (int i = 0; i < drive.opening_windows_size(); ++i) {
    const v1::OpeningWindow& window = drive.opening_windows(i);
    const std::string path = FieldPath(kField, i);
    if (!window.has_start()) return InvalidField(FieldPath(path, "start"), "is required");
    if (!window.has_end()) return InvalidField(FieldPath(path, "end"), "is required");
    if (absl::Status s = CheckTimeOfDay(FieldPath(path, "start"), window.start(), false); !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckTimeOfDay(FieldPath(path, "end"), window.end(), true); !s.ok()) {
      return s;
    }
    const int start = MinuteOfDay(window.start());
    const int end = MinuteOfDay(window.end());
    if (end <= start) {
      return InvalidField(FieldPath(path, "end"),
                          "must be after start (a window cannot cross midnight; 24:00 ends the "
                          "day)");
    }
    if (start < previous_end) {
      return InvalidField(FieldPath(path, "start"),
                          absl::StrCat("must not be before the end of opening_windows[", i - 1,
                                       "] (windows are ordered and do not overlap)"));
    }
    previous_end = end;
  }
  return absl::OkStatus();
}

absl::Status CheckCapacities(const v1::Drive& drive) {
  constexpr absl::string_view kField = "drive.capacities";
  if (drive.capacities_size() > 4) return InvalidField(kField, "at most 4 (one per donation type)");
  absl::flat_hash_set<int> seen;
  for (int i = 0; i < drive.capacities_size(); ++i) {
    const v1::SlotCapacity& c = drive.capacities(i);
    const std::string path = FieldPath(kField, i);
    const std::string type_field = FieldPath(path, "donation_type");
    if (absl::Status s =
            platform::CheckEnum(type_field, c.donation_type(), v1::DonationType_IsValid);
        !s.ok()) {
      return s;
    }
    if (!seen.insert(c.donation_type()).second) {
      return InvalidField(type_field, absl::StrCat(v1::DonationType_Name(c.donation_type()),
                                                   " is given more than once"));
    }
    if (c.seats() < 1 || c.seats() > 100) {
      return InvalidField(FieldPath(path, "seats"), "must be 1..100");
    }
    if (c.walk_in_reserve() < 0 || c.walk_in_reserve() > c.seats()) {
      return InvalidField(FieldPath(path, "walk_in_reserve"),
                          absl::StrCat("must be 0..seats (", c.seats(), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckTargets(const v1::Drive& drive) {
  constexpr absl::string_view kField = "drive.targets";
  absl::flat_hash_set<int> seen;
  for (int i = 0; i < drive.targets_size(); ++i) {
    const v1::BloodGroupTarget& t = drive.targets(i);
    const std::string path = FieldPath(kField, i);
    const std::string group_field = FieldPath(path, "blood_group");
    if (absl::Status s = platform::CheckEnum(group_field, t.blood_group(), v1::BloodGroup_IsValid);
        !s.ok()) {
      return s;
    }
    if (t.blood_group() == v1::BLOOD_GROUP_UNKNOWN) {
      return InvalidField(group_field, "must be a typed blood group, not UNKNOWN");
    }
    if (!seen.insert(t.blood_group()).second) {
      return InvalidField(group_field, absl::StrCat(v1::BloodGroup_Name(t.blood_group()),
                                                    " has more than one target"));
    }
    if (t.units() < 1 || t.units() > 10000) {
      return InvalidField(FieldPath(path, "units"), "must be 1..10000");
    }
  }
  return absl::OkStatus();
}

// One top-level field of a drive, by its mask path ("site" is checked on create only).
absl::Status CheckDriveField(const v1::Drive& drive, absl::string_view path) {
  const std::string field = FieldPath("drive", path);
  if (path == "site") {
    return platform::CheckResourceName(field, drive.site(), "sites", nullptr);
  }
  if (path == "display_name") return platform::CheckText(field, drive.display_name(), 100, false);
  if (path == "sponsor") return platform::CheckText(field, drive.sponsor(), 200, false);
  if (path == "venue") return platform::CheckText(field, drive.venue(), 300, false);
  if (path == "location") {
    return drive.has_location() ? CheckLatLng(field, drive.location()) : absl::OkStatus();
  }
  if (path == "date") return platform::CheckDate(field, drive.date(), true);
  if (path == "opening_windows") return CheckWindows(drive);
  if (path == "slot_minutes") {
    if (drive.slot_minutes() < 5 || drive.slot_minutes() > 240) {
      return InvalidField(field, "must be 5..240");
    }
    return absl::OkStatus();
  }
  if (path == "capacities") return CheckCapacities(drive);
  if (path == "targets") return CheckTargets(drive);
  return InvalidField("update_mask", absl::StrCat("unknown field ", path));
}

// Every window must hold a slot. Names the window, or slot_minutes when only that changed.
absl::Status CheckWindowsFitSlots(const v1::Drive& drive, bool blame_slot_minutes) {
  for (int i = 0; i < drive.opening_windows_size(); ++i) {
    const v1::OpeningWindow& w = drive.opening_windows(i);
    const int length = MinuteOfDay(w.end()) - MinuteOfDay(w.start());
    if (length >= drive.slot_minutes()) continue;
    if (blame_slot_minutes) {
      return InvalidField("drive.slot_minutes", absl::StrCat("is longer than opening_windows[", i,
                                                             "] (", length, " minutes)"));
    }
    return InvalidField(FieldPath("drive.opening_windows", i),
                        absl::StrCat("is shorter than slot_minutes (", drive.slot_minutes(),
                                     "): it would hold no slot"));
  }
  return absl::OkStatus();
}

const v1::SlotCapacity* CapacityFor(const v1::Drive& drive, v1::DonationType type) {
  for (const v1::SlotCapacity& c : drive.capacities()) {
    if (c.donation_type() == type) return &c;
  }
  return nullptr;
}

absl::Status CheckCapacityCoversUse(const v1::Drive& drive, absl::Span<const SlotTypeUse> use) {
  for (const SlotTypeUse& u : use) {
    const v1::SlotCapacity* found = CapacityFor(drive, u.donation_type);
    v1::SlotCapacity none;
    const v1::SlotCapacity& capacity = found != nullptr ? *found : none;
    if (UseFits(capacity, u.use)) continue;
    return absl::FailedPreconditionError(absl::StrCat(
        "drive.capacities: slot ", u.slot_id, " has ", u.use.held + u.use.booked,
        " donor bookings and ", u.use.walk_in, " walk-ins for ",
        v1::DonationType_Name(u.donation_type),
        "; seats (minus the walk-in reserve for donor bookings) cannot go below them"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateDrive(const v1::Drive& drive) {
  if (absl::Status s = CheckDriveField(drive, "site"); !s.ok()) return s;
  for (absl::string_view path : kDriveFields) {
    if (absl::Status s = CheckDriveField(drive, path); !s.ok()) return s;
  }
  return CheckWindowsFitSlots(drive, /*blame_slot_minutes=*/false);
}

absl::Status ValidateCreateDriveRequest(const v1::CreateDriveRequest& request) {
  if (absl::Status s = platform::CheckRequestId("request_id", request.request_id()); !s.ok()) {
    return s;
  }
  if (!request.has_drive()) return InvalidField("drive", "is required");
  return ValidateDrive(request.drive());
}

absl::Status CheckDateNotPast(absl::string_view field, const v1::Date& date, absl::TimeZone zone,
                              absl::Time now) {
  const absl::CivilDay today = absl::ToCivilDay(now, zone);
  if (platform::ToCivilDay(date) < today) {
    return absl::FailedPreconditionError(absl::StrCat(
        field, ": is in the past at the site (today there is ", absl::FormatCivilTime(today), ")"));
  }
  return absl::OkStatus();
}

absl::Status ValidateUpdateDriveRequest(const v1::UpdateDriveRequest& request) {
  if (absl::Status s = platform::CheckRequestId("request_id", request.request_id()); !s.ok()) {
    return s;
  }
  if (!request.has_drive()) return InvalidField("drive", "is required");
  if (absl::Status s =
          platform::CheckResourceName("drive.name", request.drive().name(), "drives", nullptr);
      !s.ok()) {
    return s;
  }
  std::vector<std::string> paths;
  if (absl::Status s = CheckUpdateMask("update_mask", request.update_mask(), kDriveFields, &paths);
      !s.ok()) {
    return s;
  }
  for (const std::string& path : paths) {
    if (absl::Status s = CheckDriveField(request.drive(), path); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Drive> ApplyDriveUpdate(const v1::Drive& current,
                                           const v1::UpdateDriveRequest& request,
                                           absl::TimeZone zone, absl::Time now,
                                           absl::Span<const SlotTypeUse> use) {
  const v1::Drive& in = request.drive();
  if (!in.etag().empty() && in.etag() != current.etag()) {
    return absl::AbortedError("drive.etag: the drive changed since it was read; read it again");
  }
  if (absl::Status s = CheckDriveTransition(current.state(), DriveAction::kUpdate).status();
      !s.ok()) {
    return s;
  }
  const bool published = current.state() == v1::DRIVE_STATE_PUBLISHED;
  v1::Drive out = current;
  bool windows_changed = false;
  bool slot_minutes_changed = false;
  bool date_changed = false;
  bool capacities_changed = false;
  for (const std::string& path : request.update_mask().paths()) {
    if (path == "display_name") out.set_display_name(in.display_name());
    if (path == "sponsor") out.set_sponsor(in.sponsor());
    if (path == "venue") out.set_venue(in.venue());
    if (path == "location") {
      if (in.has_location()) {
        *out.mutable_location() = in.location();
      } else {
        out.clear_location();
      }
    }
    if (path == "date" && !MessageDifferencer::Equals(in.date(), current.date())) {
      date_changed = true;
      *out.mutable_date() = in.date();
    }
    if (path == "opening_windows") {
      windows_changed = in.opening_windows_size() != current.opening_windows_size();
      for (int i = 0; !windows_changed && i < in.opening_windows_size(); ++i) {
        windows_changed =
            !MessageDifferencer::Equals(in.opening_windows(i), current.opening_windows(i));
      }
      *out.mutable_opening_windows() = in.opening_windows();
    }
    if (path == "slot_minutes" && in.slot_minutes() != current.slot_minutes()) {
      slot_minutes_changed = true;
      out.set_slot_minutes(in.slot_minutes());
    }
    if (path == "capacities") {
      capacities_changed = true;
      *out.mutable_capacities() = in.capacities();
    }
    if (path == "targets") *out.mutable_targets() = in.targets();
  }
  if (published && (date_changed || windows_changed || slot_minutes_changed)) {
    const char* field = date_changed      ? "drive.date"
                        : windows_changed ? "drive.opening_windows"
                                          : "drive.slot_minutes";
    return absl::FailedPreconditionError(
        absl::StrCat(field,
                     ": cannot change once the drive is published (its slots are given to donors); "
                     "cancel it and create another"));
  }
  if (absl::Status s = CheckWindowsFitSlots(out, slot_minutes_changed && !windows_changed);
      !s.ok()) {
    return s;
  }
  if (date_changed) {
    if (absl::Status s = CheckDateNotPast("drive.date", out.date(), zone, now); !s.ok()) return s;
  }
  if (published && capacities_changed) {
    if (absl::Status s = CheckCapacityCoversUse(out, use); !s.ok()) return s;
  }
  return out;
}

absl::Status CheckPublishable(const v1::Drive& drive, absl::TimeZone zone, absl::Time now) {
  if (absl::Status s = CheckDriveTransition(drive.state(), DriveAction::kPublish).status();
      !s.ok()) {
    return s;
  }
  if (drive.opening_windows_size() == 0) {
    return absl::FailedPreconditionError(
        "drive.opening_windows: a drive needs a window to publish");
  }
  if (drive.capacities_size() == 0) {
    return absl::FailedPreconditionError("drive.capacities: a drive needs seats to publish");
  }
  if (absl::Status s = CheckDateNotPast("drive.date", drive.date(), zone, now); !s.ok()) return s;
  absl::StatusOr<std::vector<Slot>> slots = GenerateSlots(drive, zone);
  if (!slots.ok()) return slots.status();
  if (std::none_of(slots->begin(), slots->end(),
                   [now](const Slot& slot) { return slot.start_time > now; })) {
    return absl::FailedPreconditionError(
        "drive.opening_windows: no slot of the drive is still to come");
  }
  return absl::OkStatus();
}

}  // namespace blooddrive::scheduling
