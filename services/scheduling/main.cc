// blooddrive-scheduling: the DriveScheduling gRPC service.
#include <atomic>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "blooddrive/v1/eligibility.grpc.pb.h"
#include "downstream.h"
#include "log.h"
#include "process.h"
#include "redis_client.h"
#include "scheduling_service.h"
#include "scheduling_store.h"
#include "server.h"

ABSL_FLAG(std::string, eligibility_target, "127.0.0.1:50052",
          "Eligibility service (host:port) asked before every booking");
ABSL_FLAG(absl::Duration, late_cancellation_window, absl::Hours(24),
          "a cancellation closer than this to the slot's start is late (reports)");
ABSL_FLAG(absl::Duration, hold_sweep_interval, absl::Seconds(1),
          "how often expired holds are released (and their seats offered to the waitlist)");
ABSL_FLAG(std::string, clock_file, "",
          "tests and drills only: read 'now' from this file (one RFC 3339 instant) on every use");

int main(int argc, char** argv) {
  using namespace blooddrive;
  platform::InitProcess(argc, argv, "scheduling",
                        "blooddrive-scheduling: sites, drives, slots, bookings, waitlists, clinic");
  absl::StatusOr<platform::RedisConfig> redis_config = platform::RedisConfig::FromFlags();
  if (!redis_config.ok()) {
    platform::LogError("bad flags", {{"error", std::string(redis_config.status().message())}});
    return 2;
  }
  absl::StatusOr<platform::Downstream> downstream = platform::Downstream::FromFlags();
  if (!downstream.ok()) {
    platform::LogError("bad flags", {{"error", std::string(downstream.status().message())}});
    return 2;
  }
  platform::RedisClient redis(*redis_config);
  scheduling::SchedulingStore store(redis);
  scheduling::SchedulingOptions options;
  options.late_cancellation_window = absl::GetFlag(FLAGS_late_cancellation_window);
  scheduling::SchedulingService service(
      store,
      v1::Eligibility::NewStub(downstream->NewChannel(absl::GetFlag(FLAGS_eligibility_target))),
      scheduling::Clock(absl::GetFlag(FLAGS_clock_file)), options);

  absl::Notification stop;
  const absl::Duration sweep_every = absl::GetFlag(FLAGS_hold_sweep_interval);
  std::thread sweeper([&] {
    while (!stop.WaitForNotificationWithTimeout(sweep_every)) service.SweepExpiredHolds();
  });
  const int code = platform::RunServer({.default_listen = "127.0.0.1:50053",
                                        .services = {&service},
                                        .service_names = {"blooddrive.v1.DriveScheduling"},
                                        .on_reload = nullptr,
                                        .audit_stream = "sch:audit"},
                                       redis);
  stop.Notify();
  sweeper.join();
  return code;
}
