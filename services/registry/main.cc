// blooddrive-registry: the DonorRegistry gRPC service.
#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "log.h"
#include "process.h"
#include "redis_client.h"
#include "registry_service.h"
#include "server.h"

ABSL_FLAG(std::string, time_zone, "Asia/Almaty",
          "IANA time zone that decides 'today' for ages and donation dates");

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
  return platform::RunServer({.default_listen = "127.0.0.1:50051",
                              .services = {&service},
                              .service_names = {"blooddrive.v1.DonorRegistry"},
                              .on_reload = nullptr,
                              .audit_stream = "reg:audit"},
                             redis);
}
