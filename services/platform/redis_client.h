// Redis access shared by every service: a pool of hiredis connections with connect and command
// timeouts, reconnection on the next use after a failure, and Lua scripts run with EVALSHA.
//
// Errors: Redis unreachable or timed out -> UNAVAILABLE (never a hang: every socket operation has a
// timeout). A script may fail on purpose with an error reply whose first word is a canonical status
// code name ("ALREADY_EXISTS donors/abc"); that becomes an absl::Status with that code.
#pragma once

#include <hiredis/hiredis.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace blooddrive::platform {

struct RedisConfig {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user;      // ACL user; empty: "default"
  std::string password;  // empty: no AUTH
  int pool_size = 16;
  absl::Duration connect_timeout = absl::Milliseconds(500);
  absl::Duration command_timeout = absl::Seconds(2);
  // How long a caller waits for a free pooled connection under load before UNAVAILABLE.
  absl::Duration pool_wait = absl::Seconds(10);

  // From the --redis* flags (see redis_flags.cc).
  static absl::StatusOr<RedisConfig> FromFlags();
};

// A reply copied out of hiredis, so callers never hold hiredis memory.
struct RedisReply {
  enum class Type { kNil, kString, kInteger, kArray };
  Type type = Type::kNil;
  std::string str;  // kString (bulk and status replies)
  long long integer = 0;
  std::vector<RedisReply> elements;

  bool is_nil() const { return type == Type::kNil; }
};

// A Lua script embedded at build time. `name` is for logs and errors.
struct LuaScript {
  absl::string_view name;
  absl::string_view source;
};

class RedisClient {
 public:
  explicit RedisClient(RedisConfig config);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Runs one command. Arguments are binary-safe.
  absl::StatusOr<RedisReply> Command(const std::vector<std::string>& args);

  // Runs a pipeline of commands on one connection; replies in order. A command's error reply fails
  // the whole call (callers pipeline reads only).
  absl::StatusOr<std::vector<RedisReply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);

  // EVALSHA with the script's SHA1 (loaded with SCRIPT LOAD on first use, and again after NOSCRIPT,
  // e.g. when Redis restarted and lost its script cache).
  absl::StatusOr<RedisReply> RunScript(const LuaScript& script,
                                       const std::vector<std::string>& keys,
                                       const std::vector<std::string>& args);

  // PING; OK when Redis answers.
  absl::Status Ping();

  const RedisConfig& config() const { return config_; }

 private:
  struct ContextDeleter {
    void operator()(redisContext* c) const { redisFree(c); }
  };
  using Context = std::unique_ptr<redisContext, ContextDeleter>;

  // Borrows a connection, connecting if needed; returns it to the pool unless it broke.
  class Lease;

  absl::StatusOr<Context> Connect();
  absl::StatusOr<Context> Acquire();
  void Release(Context context);
  absl::StatusOr<std::string> ScriptSha(const LuaScript& script, bool reload);
  absl::StatusOr<RedisReply> EvalSha(const std::string& sha, const std::vector<std::string>& keys,
                                     const std::vector<std::string>& args);

  const RedisConfig config_;
  absl::Mutex mu_;
  std::vector<Context> idle_ ABSL_GUARDED_BY(mu_);
  int in_use_ ABSL_GUARDED_BY(mu_) = 0;
  // Callers waiting for a connection, served first come first served: a Mutex condition alone
  // lets late arrivals overtake, and under a burst of a thousand calls some waited past pool_wait.
  std::deque<uint64_t> waiting_ ABSL_GUARDED_BY(mu_);
  uint64_t next_ticket_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, std::string> shas_ ABSL_GUARDED_BY(mu_);
};

}  // namespace blooddrive::platform
