#include "backoff.h"

#include <gtest/gtest.h>

namespace blooddrive::sms_gateway {
namespace {

TEST(BackoffDelay, GrowsByTheMultiplierWithJitterInTheUpperHalf) {
  const BackoffPolicy policy{
      .initial = absl::Milliseconds(200), .max = absl::Seconds(30), .multiplier = 2.0};
  // base = 200 ms * 2^attempt; the wait lies in [base/2, base].
  EXPECT_EQ(BackoffDelay(policy, 0, 0.0), absl::Milliseconds(100));
  EXPECT_EQ(BackoffDelay(policy, 0, 0.5), absl::Milliseconds(150));
  EXPECT_EQ(BackoffDelay(policy, 0, 1.0), absl::Milliseconds(200));
  EXPECT_EQ(BackoffDelay(policy, 1, 0.0), absl::Milliseconds(200));
  EXPECT_EQ(BackoffDelay(policy, 1, 1.0), absl::Milliseconds(400));
  EXPECT_EQ(BackoffDelay(policy, 3, 0.0), absl::Milliseconds(800));
  EXPECT_EQ(BackoffDelay(policy, 3, 1.0), absl::Milliseconds(1600));
  EXPECT_EQ(BackoffDelay(policy, 3, 0.25), absl::Milliseconds(1000));
}

TEST(BackoffDelay, IsCappedAndNeverOverflows) {
  const BackoffPolicy policy{
      .initial = absl::Milliseconds(200), .max = absl::Seconds(30), .multiplier = 2.0};
  // 200 ms * 2^8 = 51.2 s > 30 s.
  EXPECT_EQ(BackoffDelay(policy, 8, 0.0), absl::Seconds(15));
  EXPECT_EQ(BackoffDelay(policy, 8, 1.0), absl::Seconds(30));
  for (int attempt : {64, 1000, 1 << 30}) {
    const absl::Duration d = BackoffDelay(policy, attempt, 0.7);
    EXPECT_GE(d, absl::Seconds(15)) << attempt;
    EXPECT_LE(d, absl::Seconds(30)) << attempt;
  }
}

TEST(BackoffDelay, ClampsOddInputs) {
  const BackoffPolicy policy{
      .initial = absl::Seconds(1), .max = absl::Seconds(10), .multiplier = 3.0};
  EXPECT_EQ(BackoffDelay(policy, -5, 1.0), absl::Seconds(1));  // negative attempt: the first
  EXPECT_EQ(BackoffDelay(policy, 1, 7.0), absl::Seconds(3));   // unit above 1: as 1
  EXPECT_EQ(BackoffDelay(policy, 1, -1.0), absl::Milliseconds(1500));
  const BackoffPolicy shrinking{
      .initial = absl::Seconds(1), .max = absl::Seconds(10), .multiplier = 0.5};
  EXPECT_EQ(BackoffDelay(shrinking, 4, 1.0), absl::Seconds(1));  // never below initial
}

TEST(Backoff, CountsFailuresAndResets) {
  Backoff backoff(BackoffPolicy{
      .initial = absl::Milliseconds(100), .max = absl::Seconds(1), .multiplier = 2.0});
  absl::Duration previous_base = absl::Milliseconds(100);
  for (int i = 0; i < 10; ++i) {
    const absl::Duration base = std::min(absl::Milliseconds(100) * (1 << i), absl::Seconds(1));
    const absl::Duration d = backoff.Next();
    EXPECT_GE(d, base / 2) << i;
    EXPECT_LE(d, base) << i;
    EXPECT_GE(base, previous_base);
    previous_base = base;
  }
  EXPECT_EQ(backoff.failures(), 10);
  backoff.Reset();
  EXPECT_EQ(backoff.failures(), 0);
  EXPECT_LE(backoff.Next(), absl::Milliseconds(100));
}

}  // namespace
}  // namespace blooddrive::sms_gateway
