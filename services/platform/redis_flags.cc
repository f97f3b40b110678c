// The --redis* flags every service shares.
#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "redis_client.h"

ABSL_FLAG(std::string, redis, "127.0.0.1:6379", "Redis server as HOST:PORT");
ABSL_FLAG(std::string, redis_user, "", "Redis ACL user (empty: the default user)");
ABSL_FLAG(std::string, redis_password, "",
          "Redis password; prefer the environment variable BLOODDRIVE_REDIS_PASSWORD");
ABSL_FLAG(int, redis_pool_size, 64,
          "Most Redis connections this process opens (opened as calls need them)");
ABSL_FLAG(absl::Duration, redis_connect_timeout, absl::Milliseconds(500),
          "Give up connecting to Redis after this long");
ABSL_FLAG(absl::Duration, redis_command_timeout, absl::Seconds(2),
          "Give up on one Redis command (or on waiting for a free connection) after this long");

namespace blooddrive::platform {

absl::StatusOr<RedisConfig> RedisConfig::FromFlags() {
  RedisConfig config;
  const std::string address = absl::GetFlag(FLAGS_redis);
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &config.port) || config.port <= 0 ||
      config.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--redis: expected HOST:PORT, got '", address, "'"));
  }
  config.host = address.substr(0, colon);
  config.user = absl::GetFlag(FLAGS_redis_user);
  config.password = absl::GetFlag(FLAGS_redis_password);
  config.pool_size = absl::GetFlag(FLAGS_redis_pool_size);
  if (config.pool_size < 1) return absl::InvalidArgumentError("--redis_pool_size: must be >= 1");
  config.connect_timeout = absl::GetFlag(FLAGS_redis_connect_timeout);
  config.command_timeout = absl::GetFlag(FLAGS_redis_command_timeout);
  if (config.connect_timeout <= absl::ZeroDuration() ||
      config.command_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--redis_*_timeout: must be positive");
  }
  return config;
}

}  // namespace blooddrive::platform
