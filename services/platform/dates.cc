#include "dates.h"

namespace blooddrive::platform {

absl::CivilDay ToCivilDay(const blooddrive::v1::Date& date) {
  return absl::CivilDay(date.year(), date.month(), date.day());
}

blooddrive::v1::Date ToDate(absl::CivilDay day) {
  blooddrive::v1::Date date;
  date.set_year(static_cast<int32_t>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

bool IsSet(const blooddrive::v1::Date& date) {
  return date.year() != 0 || date.month() != 0 || date.day() != 0;
}

absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  google::protobuf::Timestamp ts;
  // Timestamp wants nanos in 0..999'999'999 even before 1970, so round seconds down.
  const int64_t seconds = absl::ToUnixSeconds(t);
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
  return ts;
}

}  // namespace blooddrive::platform
