// Exponential backoff with jitter, for calls to the feed that fail because it is unreachable.
//
// The n-th consecutive failure (n = 0, 1, ...) waits a random time in [base/2, base] where
// base = min(max, initial * multiplier^n): growing waits so a feed that is down is not hammered,
// and jitter so gateways that lost the feed together do not come back in lockstep.
#pragma once

#include "absl/random/random.h"
#include "absl/time/time.h"

namespace blooddrive::sms_gateway {

struct BackoffPolicy {
  absl::Duration initial = absl::Milliseconds(200);
  absl::Duration max = absl::Seconds(30);
  double multiplier = 2.0;
};

// The wait after failure number `attempt` (0-based) for a uniform random `unit` in [0, 1).
absl::Duration BackoffDelay(const BackoffPolicy& policy, int attempt, double unit);

// Counts consecutive failures; Reset() after a success.
class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy) : policy_(policy) {}

  // The wait before the next try, counting one more failure.
  absl::Duration Next();
  void Reset() { attempt_ = 0; }
  int failures() const { return attempt_; }

 private:
  BackoffPolicy policy_;
  int attempt_ = 0;
  absl::BitGen random_;
};

}  // namespace blooddrive::sms_gateway
