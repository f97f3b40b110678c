// Conversions between the contracts' Date / Timestamp and Abseil's civil and absolute time.
#pragma once

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "blooddrive/v1/common.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace blooddrive::platform {

// Date must be valid (see CheckDate).
absl::CivilDay ToCivilDay(const blooddrive::v1::Date& date);
blooddrive::v1::Date ToDate(absl::CivilDay day);
bool IsSet(const blooddrive::v1::Date& date);

absl::Time ToTime(const google::protobuf::Timestamp& ts);
google::protobuf::Timestamp ToTimestamp(absl::Time t);

}  // namespace blooddrive::platform
