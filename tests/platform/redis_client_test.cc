// RedisClient against a real redis-server: replies, scripts, error codes, outages and recovery.
#include "redis_client.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "harness.h"

namespace blooddrive::platform {
namespace {

using testing::RedisServer;

constexpr LuaScript kEcho{"echo", "return {KEYS[1], ARGV[1]}"};
constexpr LuaScript kRefuse{"refuse", "return redis.error_reply('ALREADY_EXISTS donors/abc')"};
constexpr LuaScript kBroken{"broken", "return redis.call('NO_SUCH_COMMAND')"};

RedisConfig ConfigFor(const RedisServer& redis) {
  RedisConfig config;
  config.port = redis.port();
  config.pool_size = 4;
  config.command_timeout = absl::Seconds(1);
  return config;
}

class RedisClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(redis_.Start()); }
  RedisServer redis_;
};

TEST_F(RedisClientTest, CopiesEveryReplyType) {
  RedisClient client(ConfigFor(redis_));
  ASSERT_TRUE(client.Command({"SET", "k", std::string("a\0b", 3)}).ok());
  absl::StatusOr<RedisReply> value = client.Command({"GET", "k"});
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(value->str, std::string("a\0b", 3));  // binary-safe
  absl::StatusOr<RedisReply> missing = client.Command({"GET", "nope"});
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->is_nil());
  absl::StatusOr<RedisReply> count = client.Command({"INCRBY", "n", "41"});
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->integer, 41);
  absl::StatusOr<std::vector<RedisReply>> replies =
      client.Pipeline({{"RPUSH", "l", "x", "y"}, {"LRANGE", "l", "0", "-1"}});
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->at(1).elements.size(), 2u);
  EXPECT_EQ(replies->at(1).elements[1].str, "y");
}

TEST_F(RedisClientTest, ServerErrorIsInternalAndConnectionStaysUsable) {
  RedisClient client(ConfigFor(redis_));
  absl::StatusOr<RedisReply> wrong = client.Command({"INCR", "not-a-number-key", "extra"});
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInternal);
  absl::StatusOr<std::vector<RedisReply>> mixed =
      client.Pipeline({{"SET", "s", "v"}, {"INCR", "s"}, {"GET", "s"}});
  EXPECT_EQ(mixed.status().code(), absl::StatusCode::kInternal);
  // The pipeline's later replies were drained, so the next command does not read a stale one.
  absl::StatusOr<RedisReply> value = client.Command({"GET", "s"});
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value->str, "v");
}

TEST_F(RedisClientTest, ScriptsRunAndKeepTheirStatusCodes) {
  RedisClient client(ConfigFor(redis_));
  absl::StatusOr<RedisReply> echo = client.RunScript(kEcho, {"key"}, {"arg"});
  ASSERT_TRUE(echo.ok()) << echo.status();
  EXPECT_EQ(echo->elements[0].str, "key");
  EXPECT_EQ(echo->elements[1].str, "arg");

  absl::StatusOr<RedisReply> refused = client.RunScript(kRefuse, {}, {});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(refused.status().message(), "donors/abc");

  absl::StatusOr<RedisReply> broken = client.RunScript(kBroken, {}, {});
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(broken.status().message().find("broken"), absl::string_view::npos);
}

TEST_F(RedisClientTest, ReloadsScriptsAfterTheCacheIsFlushed) {
  RedisClient client(ConfigFor(redis_));
  ASSERT_TRUE(client.RunScript(kEcho, {"a"}, {"b"}).ok());
  ASSERT_OK(redis_.Command({"SCRIPT", "FLUSH"}).status());
  absl::StatusOr<RedisReply> again = client.RunScript(kEcho, {"a"}, {"b"});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->elements[1].str, "b");
}

TEST_F(RedisClientTest, UnreachableIsUnavailableQuicklyThenRecovers) {
  RedisClient client(ConfigFor(redis_));
  ASSERT_OK(client.Ping());
  redis_.Stop(SIGKILL);
  const absl::Time start = absl::Now();
  EXPECT_EQ(client.Command({"GET", "k"}).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(client.RunScript(kEcho, {"a"}, {"b"}).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(client.Ping().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));

  ASSERT_OK(redis_.Start());
  // Broken connections were dropped; the next calls connect afresh, and the new server's empty
  // script cache is refilled.
  EXPECT_OK(client.Ping());
  EXPECT_TRUE(client.RunScript(kEcho, {"a"}, {"b"}).ok());
}

TEST_F(RedisClientTest, ACommandThatHangsTimesOutAsUnavailable) {
  RedisConfig config = ConfigFor(redis_);
  config.command_timeout = absl::Milliseconds(300);
  RedisClient client(config);
  ASSERT_OK(client.Ping());
  // CLIENT PAUSE holds every other client's commands, as a stuck or overloaded Redis would.
  ASSERT_OK(redis_.Command({"CLIENT", "PAUSE", "1000", "ALL"}).status());
  const absl::Time start = absl::Now();
  EXPECT_EQ(client.Command({"GET", "k"}).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(900));
  ASSERT_OK(redis_.Command({"CLIENT", "UNPAUSE"}).status());
  // The timed-out connection was dropped, so its late reply cannot be read by the next call.
  EXPECT_OK(client.Ping());
}

TEST_F(RedisClientTest, WrongPasswordIsUnavailableWithAClearMessage) {
  RedisServer secured({.extra_config = {"requirepass s3cret"}, .password = "s3cret"});
  ASSERT_OK(secured.Start());
  RedisConfig config = ConfigFor(secured);
  config.password = "wrong";
  RedisClient client(config);
  absl::Status status = client.Ping();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("refused the credentials"), absl::string_view::npos) << status;
  config.password = "s3cret";
  RedisClient good(config);
  EXPECT_OK(good.Ping());
}

TEST_F(RedisClientTest, PoolNeverOpensMoreThanItsSize) {
  RedisClient client(ConfigFor(redis_));  // pool_size 4
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) ASSERT_TRUE(client.Command({"INCR", "counter"}).ok());
    });
  }
  for (std::thread& t : threads) t.join();
  absl::StatusOr<RedisReply> counter = client.Command({"GET", "counter"});
  ASSERT_TRUE(counter.ok());
  EXPECT_EQ(counter->str, "800");
  absl::StatusOr<std::string> clients = redis_.Command({"CLIENT", "LIST"});
  ASSERT_TRUE(clients.ok());
  int connections = 0;
  for (size_t at = clients->find("id="); at != std::string::npos;
       at = clients->find("id=", at + 1)) {
    ++connections;
  }
  EXPECT_LE(connections, 4 + 1);  // the pool, plus the harness's own CLIENT LIST connection
}

}  // namespace
}  // namespace blooddrive::platform
