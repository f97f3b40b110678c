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
  const int64_t ns = absl::ToUnixNanos(t);
  ts.set_seconds(ns / 1'000'000'000);
  ts.set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
  return ts;
}

}  // namespace blooddrive::platform
