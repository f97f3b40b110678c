// Runs a gRPC server the way every blooddrive service does:
// - listens on --listen (default: the service's own port on loopback);
// - serves grpc.health.v1.Health ("" and each service name), NOT_SERVING while Redis is unreachable;
// - serves server reflection;
// - logs one line per RPC (method, status code, duration; the offending field for INVALID_ARGUMENT);
// - on SIGHUP calls spec.on_reload;
// - on SIGTERM/SIGINT stops taking calls, lets in-flight calls finish (up to --shutdown_grace), exits 0.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>
#include <vector>

#include "redis_client.h"

namespace blooddrive::platform {

struct ServerSpec {
  std::string default_listen;           // e.g. "127.0.0.1:50051"
  std::vector<grpc::Service*> services;  // not owned
  std::vector<std::string> service_names;  // full names for health, e.g. "blooddrive.v1.DonorRegistry"
  // Called on SIGHUP, on the signal thread, while calls go on (e.g. to re-read rule packs).
  std::function<void()> on_reload;
};

// Blocks until a shutdown signal; returns the process exit code.
int RunServer(const ServerSpec& spec, RedisClient& redis);

}  // namespace blooddrive::platform
