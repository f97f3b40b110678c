#include "backoff.h"

#include <algorithm>
#include <cmath>

namespace blooddrive::sms_gateway {

absl::Duration BackoffDelay(const BackoffPolicy& policy, int attempt, double unit) {
  // Past ~64 doublings every base is capped anyway; stopping there keeps pow() finite.
  const double factor = std::pow(std::max(policy.multiplier, 1.0), std::clamp(attempt, 0, 64));
  const absl::Duration base = std::min(policy.max, policy.initial * factor);
  return base / 2 + (base / 2) * std::clamp(unit, 0.0, 1.0);
}

absl::Duration Backoff::Next() {
  const absl::Duration delay =
      BackoffDelay(policy_, attempt_, absl::Uniform<double>(random_, 0.0, 1.0));
  if (attempt_ < 64) ++attempt_;
  return delay;
}

}  // namespace blooddrive::sms_gateway
