// Builders shared by the scheduling rules' tests.
#pragma once

#include <initializer_list>
#include <string>

#include "absl/status/status.h"
#include "blooddrive/v1/scheduling.pb.h"

namespace blooddrive::scheduling {

namespace v1 = ::blooddrive::v1;

inline v1::Date D(int y, int m, int d) {
  v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

struct W {
  int start_h, start_m, end_h, end_m;
};

inline v1::Drive MakeDrive(const v1::Date& date, std::initializer_list<W> windows,
                           int slot_minutes) {
  v1::Drive drive;
  drive.set_site("sites/astana-1");
  *drive.mutable_date() = date;
  for (const W& w : windows) {
    v1::OpeningWindow* window = drive.add_opening_windows();
    window->mutable_start()->set_hours(w.start_h);
    window->mutable_start()->set_minutes(w.start_m);
    window->mutable_end()->set_hours(w.end_h);
    window->mutable_end()->set_minutes(w.end_m);
  }
  drive.set_slot_minutes(slot_minutes);
  return drive;
}

// A complete, valid drive: 09:00-13:00 and 14:00-18:00, 30-minute slots, whole blood 4 seats
// (1 walk-in) and plasma 2, targets O+ 20 and A- 5.
inline v1::Drive ValidDrive(const v1::Date& date) {
  v1::Drive drive = MakeDrive(date, {{9, 0, 13, 0}, {14, 0, 18, 0}}, 30);
  drive.set_display_name("University spring drive");
  drive.set_sponsor("Nazarbayev University");
  v1::SlotCapacity* whole = drive.add_capacities();
  whole->set_donation_type(v1::DONATION_TYPE_WHOLE_BLOOD);
  whole->set_seats(4);
  whole->set_walk_in_reserve(1);
  v1::SlotCapacity* plasma = drive.add_capacities();
  plasma->set_donation_type(v1::DONATION_TYPE_PLASMA);
  plasma->set_seats(2);
  v1::BloodGroupTarget* o = drive.add_targets();
  o->set_blood_group(v1::BLOOD_GROUP_O_POSITIVE);
  o->set_units(20);
  v1::BloodGroupTarget* a = drive.add_targets();
  a->set_blood_group(v1::BLOOD_GROUP_A_NEGATIVE);
  a->set_units(5);
  return drive;
}

inline v1::Site ValidSite() {
  v1::Site site;
  site.set_display_name("Astana blood centre");
  site.set_address("Kabanbay Batyr 53, Astana");
  site.mutable_location()->set_latitude(51.09);
  site.mutable_location()->set_longitude(71.42);
  site.set_time_zone("Asia/Almaty");
  site.set_branch("kz-astana");
  site.set_kind(v1::SITE_KIND_FIXED);
  return site;
}

inline std::string Message(const absl::Status& s) { return std::string(s.message()); }

}  // namespace blooddrive::scheduling
