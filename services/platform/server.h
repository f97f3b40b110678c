// Runs a gRPC server the way every blooddrive service does:
// - listens on --listen (default: the service's own port on loopback);
// - serves grpc.health.v1.Health ("" and each service name), NOT_SERVING while Redis is
// unreachable;
// - serves server reflection;
// - authenticates every other RPC (bearer token, --credentials_file) and records the policy
//   verdict that each handler enforces first (auth/auth.h); TLS with --tls_cert/--tls_key, mTLS
//   with --tls_client_ca;
// - logs one line per RPC (method, principal, status code, duration; the offending field for
//   INVALID_ARGUMENT) and appends each mutating call to the audit stream (auth/audit.h);
// - on SIGHUP re-reads the credentials file, then calls spec.on_reload;
// - on SIGTERM/SIGINT stops taking calls, lets in-flight calls finish (up to --shutdown_grace),
// exits 0.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>
#include <vector>

#include "redis_client.h"

namespace blooddrive::platform {

struct ServerSpec {
  std::string default_listen;            // e.g. "127.0.0.1:50051"
  std::vector<grpc::Service*> services;  // not owned
  std::vector<std::string>
      service_names;  // full names for health, e.g. "blooddrive.v1.DonorRegistry"
  // Called on SIGHUP, on the signal thread, while calls go on (e.g. to re-read rule packs).
  std::function<void()> on_reload;
  // Redis Stream for the audit log, under the service's own key prefix (e.g. "reg:audit"). Required
  // when a service has mutating RPCs (policy table); RunServer refuses to start without it.
  std::string audit_stream = "";  // (a default, so designated initializers may leave it out)
};

// Blocks until a shutdown signal; returns the process exit code.
int RunServer(const ServerSpec& spec, RedisClient& redis);
// For a service that stores nothing (eligibility): `redis` may be null, and then health is SERVING
// as long as the server runs. A service with mutating RPCs needs Redis for its audit stream.
int RunServer(const ServerSpec& spec, RedisClient* redis);

}  // namespace blooddrive::platform
