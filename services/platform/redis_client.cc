#include "redis_client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace blooddrive::platform {
namespace {

absl::StatusCode CodeFromName(absl::string_view name) {
  static const auto* const kCodes = new absl::flat_hash_map<absl::string_view, absl::StatusCode>{
      {"INVALID_ARGUMENT", absl::StatusCode::kInvalidArgument},
      {"NOT_FOUND", absl::StatusCode::kNotFound},
      {"ALREADY_EXISTS", absl::StatusCode::kAlreadyExists},
      {"FAILED_PRECONDITION", absl::StatusCode::kFailedPrecondition},
      {"RESOURCE_EXHAUSTED", absl::StatusCode::kResourceExhausted},
      {"ABORTED", absl::StatusCode::kAborted},
      {"PERMISSION_DENIED", absl::StatusCode::kPermissionDenied},
      {"OUT_OF_RANGE", absl::StatusCode::kOutOfRange},
  };
  auto it = kCodes->find(name);
  return it == kCodes->end() ? absl::StatusCode::kInternal : it->second;
}

// A script's deliberate error ("ABORTED etag mismatch") keeps its code; anything else is INTERNAL.
absl::Status ErrorReplyToStatus(absl::string_view error) {
  const size_t space = error.find(' ');
  const absl::string_view first = error.substr(0, space);
  const absl::StatusCode code = CodeFromName(first);
  if (code == absl::StatusCode::kInternal)
    return absl::InternalError(absl::StrCat("redis: ", error));
  return absl::Status(code, space == absl::string_view::npos ? "" : error.substr(space + 1));
}

absl::StatusOr<RedisReply> Copy(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_NIL:
      out.type = RedisReply::Type::kNil;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) {
        absl::StatusOr<RedisReply> element = Copy(r->element[i]);
        if (!element.ok()) return element.status();
        out.elements.push_back(*std::move(element));
      }
      break;
    case REDIS_REPLY_ERROR:
      return ErrorReplyToStatus(absl::string_view(r->str, r->len));
    default:
      return absl::InternalError(absl::StrCat("redis: unexpected reply type ", r->type));
  }
  return out;
}

// A pooled connection that the server closed while it sat idle (Redis restarted, or dropped the
// client) reads as end-of-file at once. Handing it out would fail the caller's command although a
// fresh connection would work, e.g. for every pooled connection after a quick Redis restart.
bool ClosedByPeer(const redisContext* context) {
  char byte;
  const ssize_t n = recv(context->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n >= 0) return true;  // end-of-file, or bytes nobody asked for: out of sync either way
  return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

struct ReplyDeleter {
  void operator()(void* r) const { freeReplyObject(r); }
};
using OwnedReply = std::unique_ptr<redisReply, ReplyDeleter>;

std::vector<const char*> ArgvPointers(const std::vector<std::string>& args,
                                      std::vector<size_t>* lengths) {
  std::vector<const char*> argv;
  argv.reserve(args.size());
  lengths->reserve(args.size());
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lengths->push_back(a.size());
  }
  return argv;
}

}  // namespace

// Holds a connection for one call. A connection whose context reports an error is dropped instead
// of returned, so the next call reconnects.
class RedisClient::Lease {
 public:
  Lease(RedisClient* owner, Context context) : owner_(owner), context_(std::move(context)) {}
  ~Lease() {
    if (context_ != nullptr && context_->err == 0) {
      owner_->Release(std::move(context_));
    } else {
      owner_->Release(nullptr);
    }
  }
  redisContext* get() const { return context_.get(); }

  // UNAVAILABLE describing why the connection broke.
  absl::Status ConnectionError() const {
    return absl::UnavailableError(
        absl::StrCat("redis ", owner_->config_.host, ":", owner_->config_.port,
                     " unavailable: ", context_->errstr[0] ? context_->errstr : "I/O error"));
  }

 private:
  RedisClient* owner_;
  Context context_;
};

RedisClient::RedisClient(RedisConfig config) : config_(std::move(config)) {}
RedisClient::~RedisClient() = default;

absl::StatusOr<RedisClient::Context> RedisClient::Connect() {
  Context context(redisConnectWithTimeout(config_.host.c_str(), config_.port,
                                          absl::ToTimeval(config_.connect_timeout)));
  const std::string where = absl::StrCat("redis ", config_.host, ":", config_.port);
  if (context == nullptr) return absl::UnavailableError(absl::StrCat(where, ": out of memory"));
  if (context->err != 0) {
    return absl::UnavailableError(absl::StrCat(where, " unreachable: ", context->errstr));
  }
  if (redisSetTimeout(context.get(), absl::ToTimeval(config_.command_timeout)) != REDIS_OK) {
    return absl::UnavailableError(absl::StrCat(where, ": cannot set timeout"));
  }
  if (!config_.password.empty()) {
    OwnedReply reply;
    if (config_.user.empty()) {
      reply.reset(static_cast<redisReply*>(redisCommand(
          context.get(), "AUTH %b", config_.password.data(), config_.password.size())));
    } else {
      reply.reset(static_cast<redisReply*>(
          redisCommand(context.get(), "AUTH %b %b", config_.user.data(), config_.user.size(),
                       config_.password.data(), config_.password.size())));
    }
    if (reply == nullptr) {
      return absl::UnavailableError(absl::StrCat(where, " AUTH failed: ", context->errstr));
    }
    if (reply->type == REDIS_REPLY_ERROR) {
      // Wrong credentials are a deployment error, not a transient one; still UNAVAILABLE to
      // callers, with a message an operator can act on.
      return absl::UnavailableError(absl::StrCat(where, " refused the credentials of user '",
                                                 config_.user.empty() ? "default" : config_.user,
                                                 "': ", absl::string_view(reply->str, reply->len)));
    }
  }
  return context;
}

absl::StatusOr<RedisClient::Context> RedisClient::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    const uint64_t ticket = next_ticket_++;
    waiting_.push_back(ticket);
    auto my_turn = [this, ticket]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return waiting_.front() == ticket && (!idle_.empty() || in_use_ < config_.pool_size);
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&my_turn), config_.pool_wait)) {
      waiting_.erase(std::find(waiting_.begin(), waiting_.end(), ticket));
      return absl::UnavailableError(absl::StrCat("redis: all ", config_.pool_size,
                                                 " connections busy for ",
                                                 absl::FormatDuration(config_.pool_wait)));
    }
    waiting_.pop_front();
    ++in_use_;
    while (!idle_.empty()) {
      Context context = std::move(idle_.back());
      idle_.pop_back();
      if (!ClosedByPeer(context.get())) return context;
    }
  }
  absl::StatusOr<Context> context = Connect();
  if (!context.ok()) Release(nullptr);
  return context;
}

void RedisClient::Release(Context context) {
  absl::MutexLock lock(&mu_);
  --in_use_;
  if (context != nullptr) idle_.push_back(std::move(context));
}

absl::StatusOr<RedisReply> RedisClient::Command(const std::vector<std::string>& args) {
  absl::StatusOr<Context> context = Acquire();
  if (!context.ok()) return context.status();
  Lease lease(this, *std::move(context));
  std::vector<size_t> lengths;
  std::vector<const char*> argv = ArgvPointers(args, &lengths);
  OwnedReply reply(static_cast<redisReply*>(
      redisCommandArgv(lease.get(), static_cast<int>(argv.size()), argv.data(), lengths.data())));
  if (reply == nullptr) return lease.ConnectionError();
  return Copy(reply.get());
}

absl::StatusOr<std::vector<RedisReply>> RedisClient::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  absl::StatusOr<Context> context = Acquire();
  if (!context.ok()) return context.status();
  Lease lease(this, *std::move(context));
  for (const auto& args : commands) {
    std::vector<size_t> lengths;
    std::vector<const char*> argv = ArgvPointers(args, &lengths);
    if (redisAppendCommandArgv(lease.get(), static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) != REDIS_OK) {
      return lease.ConnectionError();
    }
  }
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  absl::Status first_error;
  // Every reply is read even after an error so the connection stays in sync for its next user.
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(lease.get(), &raw) != REDIS_OK) return lease.ConnectionError();
    OwnedReply reply(static_cast<redisReply*>(raw));
    absl::StatusOr<RedisReply> copied = Copy(reply.get());
    if (!copied.ok()) {
      if (first_error.ok()) first_error = copied.status();
      continue;
    }
    replies.push_back(*std::move(copied));
  }
  if (!first_error.ok()) return first_error;
  return replies;
}

absl::StatusOr<std::string> RedisClient::ScriptSha(const LuaScript& script, bool reload) {
  const std::string name(script.name);
  if (!reload) {
    absl::MutexLock lock(&mu_);
    auto it = shas_.find(name);
    if (it != shas_.end()) return it->second;
  }
  absl::StatusOr<RedisReply> sha = Command({"SCRIPT", "LOAD", std::string(script.source)});
  if (!sha.ok()) {
    if (sha.status().code() == absl::StatusCode::kInternal) {
      return absl::InternalError(absl::StrCat("script ", name, ": ", sha.status().message()));
    }
    return sha.status();
  }
  absl::MutexLock lock(&mu_);
  shas_[name] = sha->str;
  return sha->str;
}

absl::StatusOr<RedisReply> RedisClient::EvalSha(const std::string& sha,
                                                const std::vector<std::string>& keys,
                                                const std::vector<std::string>& args) {
  std::vector<std::string> command;
  command.reserve(3 + keys.size() + args.size());
  command.push_back("EVALSHA");
  command.push_back(sha);
  command.push_back(std::to_string(keys.size()));
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), args.begin(), args.end());
  return Command(command);
}

absl::StatusOr<RedisReply> RedisClient::RunScript(const LuaScript& script,
                                                  const std::vector<std::string>& keys,
                                                  const std::vector<std::string>& args) {
  absl::StatusOr<std::string> sha = ScriptSha(script, /*reload=*/false);
  if (!sha.ok()) return sha.status();
  absl::StatusOr<RedisReply> reply = EvalSha(*sha, keys, args);
  if (!reply.ok() && absl::StartsWith(reply.status().message(), "redis: NOSCRIPT")) {
    sha = ScriptSha(script, /*reload=*/true);
    if (!sha.ok()) return sha.status();
    reply = EvalSha(*sha, keys, args);
  }
  if (!reply.ok() && reply.status().code() == absl::StatusCode::kInternal) {
    return absl::InternalError(
        absl::StrCat("script ", script.name, ": ", reply.status().message()));
  }
  return reply;
}

absl::Status RedisClient::Ping() {
  absl::StatusOr<RedisReply> reply = Command({"PING"});
  return reply.status();
}

}  // namespace blooddrive::platform
