// blooddrive-registry: the DonorRegistry gRPC service, and the consumer that records visit
// outcomes from scheduling's event streams.
#include <unistd.h>

#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "event_consumer.h"
#include "log.h"
#include "outcome_events.h"
#include "process.h"
#include "redis_client.h"
#include "registry_service.h"
#include "server.h"

ABSL_FLAG(std::string, time_zone, "Asia/Almaty",
          "IANA time zone that decides 'today' for ages and donation dates");
ABSL_FLAG(bool, consume_events, true,
          "record visit outcomes from scheduling's event streams (consumer group 'registry')");
ABSL_FLAG(std::string, event_consumer, "",
          "this instance's consumer name in the group, stable across restarts so unacked events "
          "are re-read; empty: registry-<hostname>");
ABSL_FLAG(int, event_lookback_days, 60,
          "read the event streams of drives dated at most this many days ago");

namespace {

std::string ConsumerName() {
  std::string name = absl::GetFlag(FLAGS_event_consumer);
  if (!name.empty()) return name;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') return "registry";
  return std::string("registry-") + host;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace blooddrive;
  platform::InitProcess(argc, argv, "registry",
                        "blooddrive-registry: donors, documents, donation history and deferrals");
  absl::StatusOr<platform::RedisConfig> redis_config = platform::RedisConfig::FromFlags();
  if (!redis_config.ok()) {
    platform::LogError("bad flags", {{"error", std::string(redis_config.status().message())}});
    return 2;
  }
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(absl::GetFlag(FLAGS_time_zone), &zone)) {
    platform::LogError("bad flags", {{"error", "--time_zone: unknown IANA time zone"}});
    return 2;
  }
  platform::RedisClient redis(*redis_config);
  registry::DonorStore store(redis);
  registry::RegistryService service(store, zone);

  std::unique_ptr<platform::EventConsumer> outcomes;
  if (absl::GetFlag(FLAGS_consume_events)) {
    platform::EventConsumer::Options options;
    options.group = registry::kRegistryConsumerGroup;
    options.consumer = ConsumerName();
    outcomes = std::make_unique<platform::EventConsumer>(
        &redis, options,
        platform::SchedulingStreams(&redis,
                                    absl::Hours(24) * absl::GetFlag(FLAGS_event_lookback_days)),
        [&store, zone](const v1::Event& event) {
          return registry::ApplySchedulingEvent(store, event, absl::ToCivilDay(absl::Now(), zone));
        });
    outcomes->Start();
  }
  const int exit_code = platform::RunServer({.default_listen = "127.0.0.1:50051",
                                             .services = {&service},
                                             .service_names = {"blooddrive.v1.DonorRegistry"},
                                             .on_reload = nullptr,
                                             .audit_stream = "reg:audit"},
                                            redis);
  if (outcomes != nullptr) outcomes->Stop();
  return exit_code;
}
