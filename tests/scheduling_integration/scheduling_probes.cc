// Redis probes of the scheduling integration tests: the events of a drive's stream, parsed, and a
// snapshot of every sch:* key to prove that a refused request wrote nothing.
#include <hiredis/hiredis.h>

#include <algorithm>
#include <functional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "scheduling_fixture.h"

namespace blooddrive::testing {
namespace {

// One admin connection to the test's Redis, for replies the harness's text rendering would
// mangle (binary stream values).
class RawRedis {
 public:
  explicit RawRedis(int port) {
    context_ = redisConnect("127.0.0.1", port);
    if (context_ != nullptr && context_->err == 0) {
      Free(Run({"AUTH", SchedulingRedisAdminPassword()}));
    }
  }
  ~RawRedis() {
    if (context_ != nullptr) redisFree(context_);
  }
  bool ok() const { return context_ != nullptr && context_->err == 0; }

  redisReply* Run(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const std::string& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    return static_cast<redisReply*>(
        redisCommandArgv(context_, static_cast<int>(args.size()), argv.data(), lens.data()));
  }
  static void Free(redisReply* reply) {
    if (reply != nullptr) freeReplyObject(reply);
  }

 private:
  redisContext* context_ = nullptr;
};

std::string ReplyString(const redisReply* reply) {
  if (reply == nullptr) return "(null)";
  switch (reply->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      return std::string(reply->str, reply->len);
    case REDIS_REPLY_INTEGER:
      return absl::StrCat(reply->integer);
    case REDIS_REPLY_NIL:
      return "(nil)";
    case REDIS_REPLY_ARRAY: {
      std::vector<std::string> items;
      for (size_t i = 0; i < reply->elements; ++i) items.push_back(ReplyString(reply->element[i]));
      return absl::StrCat("[", absl::StrJoin(items, "|"), "]");
    }
    default:
      return "?";
  }
}

}  // namespace
// ---------------------------------------------------------------------------------------------

std::vector<v1::Event> SchedulingTest::Events(const std::string& drive) {
  std::vector<v1::Event> events;
  RawRedis redis(env().redis().port());
  if (!redis.ok()) {
    ADD_FAILURE() << "cannot connect to Redis";
    return events;
  }
  const std::string key = absl::StrCat("sch:{d:", IdOf(drive), "}:events");
  redisReply* reply = redis.Run({"XRANGE", key, "-", "+"});
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY) {
    ADD_FAILURE() << "XRANGE " << key << ": " << ReplyString(reply);
    RawRedis::Free(reply);
    return events;
  }
  for (size_t i = 0; i < reply->elements; ++i) {
    const redisReply* entry = reply->element[i];
    const redisReply* fields = entry->element[1];
    bool found = false;
    for (size_t f = 0; f + 1 < fields->elements; f += 2) {
      if (std::string(fields->element[f]->str, fields->element[f]->len) != "event") {
        ADD_FAILURE() << key << " entry " << entry->element[0]->str << " has a field "
                      << fields->element[f]->str;
        continue;
      }
      v1::Event event;
      if (!event.ParseFromArray(fields->element[f + 1]->str,
                                static_cast<int>(fields->element[f + 1]->len))) {
        ADD_FAILURE() << key << " entry " << entry->element[0]->str << " is not an Event";
        continue;
      }
      found = true;
      events.push_back(event);
    }
    if (!found) ADD_FAILURE() << key << " entry " << entry->element[0]->str << " has no event";
  }
  RawRedis::Free(reply);
  return events;
}

std::string SchedulingTest::SchSnapshot() {
  RawRedis redis(env().redis().port());
  if (!redis.ok()) return "cannot connect";
  std::vector<std::string> keys;
  std::string cursor = "0";
  do {
    redisReply* reply = redis.Run({"SCAN", cursor, "MATCH", "sch:*", "COUNT", "1000"});
    if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
      RawRedis::Free(reply);
      return "SCAN failed";
    }
    cursor = std::string(reply->element[0]->str, reply->element[0]->len);
    for (size_t i = 0; i < reply->element[1]->elements; ++i) {
      const redisReply* k = reply->element[1]->element[i];
      keys.emplace_back(k->str, k->len);
    }
    RawRedis::Free(reply);
  } while (cursor != "0");
  std::vector<std::string> lines;
  for (const std::string& key : keys) {
    if (absl::StrContains(key, "audit")) continue;
    redisReply* type = redis.Run({"TYPE", key});
    const std::string type_name = ReplyString(type);
    RawRedis::Free(type);
    if (type_name == "stream") {
      // Consumers (the registry, reminders) move their groups' cursors on a stream without
      // scheduling writing anything: compare its entries only.
      redisReply* length = redis.Run({"XLEN", key});
      redisReply* last = redis.Run({"XREVRANGE", key, "+", "-", "COUNT", "1"});
      lines.push_back(absl::StrCat(
          key, " stream ", ReplyString(length), " ",
          last != nullptr && last->elements > 0 ? ReplyString(last->element[0]->element[0]) : "-"));
      RawRedis::Free(length);
      RawRedis::Free(last);
      continue;
    }
    // The DUMP bytes, hashed: a diff then names the key without pages of binary.
    redisReply* dump = redis.Run({"DUMP", key});
    lines.push_back(absl::StrCat(key, " ", type_name, " ",
                                 absl::Hex(std::hash<std::string>()(ReplyString(dump)))));
    RawRedis::Free(dump);
  }
  std::sort(lines.begin(), lines.end());
  return absl::StrJoin(lines, "\n");
}

}  // namespace blooddrive::testing
