// EventConsumer against a real redis-server, with entries written by the real event prelude
// (lua/event_prelude.lua), as producers write them.
#include "event_consumer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "event_stream.h"
#include "harness.h"

namespace blooddrive::platform {
namespace {

using testing::RedisServer;

constexpr char kStream[] = "sch:{d:drive-1}:events";
constexpr char kSeqKey[] = "sch:{d:drive-1}:meta";

RedisConfig ConfigFor(const RedisServer& redis) {
  RedisConfig config;
  config.port = redis.port();
  config.pool_size = 4;
  config.command_timeout = absl::Seconds(1);
  config.connect_timeout = absl::Milliseconds(200);
  return config;
}

const LuaScript& EmitScript() {
  static const std::string* const source = new std::string(
      WithEventPrelude("return emit_event(KEYS[1], KEYS[2], 'event_seq', ARGV[1], ARGV[2], "
                       "ARGV[3])"));
  static const LuaScript script{"test_emit", *source};
  return script;
}

// Writes one event the way a producer's script does; returns its sequence number.
long long Emit(RedisClient& redis, const std::string& stream, const std::string& seq_key,
               const std::string& drive, const std::string& request_id) {
  v1::Event event;
  event.set_producer("scheduling");
  event.set_partition(drive);
  event.set_drive(absl::StrCat("drives/", drive));
  event.set_request_id(request_id);
  event.mutable_drive_published()->set_drive(absl::StrCat("drives/", drive));
  absl::StatusOr<RedisReply> seq = redis.RunScript(
      EmitScript(), {stream, seq_key}, {"scheduling", drive, event.SerializeAsString()});
  EXPECT_TRUE(seq.ok()) << seq.status();
  return seq.ok() ? seq->integer : -1;
}

long long Emit(RedisClient& redis, const std::string& request_id) {
  return Emit(redis, kStream, kSeqKey, "drive-1", request_id);
}

EventConsumer::StreamLister Fixed(std::vector<std::string> streams) {
  return [streams]() -> absl::StatusOr<std::vector<std::string>> { return streams; };
}

// Records what the handler saw; fails the events named in `fail` (once each, unless `always`).
struct Recorder {
  absl::Mutex mu;
  std::vector<std::string> seen ABSL_GUARDED_BY(mu);
  std::vector<std::string> fail ABSL_GUARDED_BY(mu);
  bool always = false;

  EventConsumer::Handler Handler() {
    return [this](const v1::Event& event) -> absl::Status {
      absl::MutexLock lock(&mu);
      seen.push_back(event.request_id());
      auto it = std::find(fail.begin(), fail.end(), event.request_id());
      if (it == fail.end()) return absl::OkStatus();
      if (!always) fail.erase(it);
      return absl::UnavailableError("not now");
    };
  }
  std::vector<std::string> Seen() {
    absl::MutexLock lock(&mu);
    return seen;
  }
};

EventConsumer::Options Opts(const std::string& consumer = "c1") {
  return {.group = "test", .consumer = consumer, .poll_interval = absl::Milliseconds(20)};
}

class EventConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(redis_.Start());
    client_ = std::make_unique<RedisClient>(ConfigFor(redis_));
  }
  long long Pending(const std::string& stream = kStream) {
    absl::StatusOr<RedisReply> pending = client_->Command({"XPENDING", stream, "test"});
    EXPECT_TRUE(pending.ok()) << pending.status();
    return pending.ok() ? pending->elements.at(0).integer : -1;
  }

  RedisServer redis_;
  std::unique_ptr<RedisClient> client_;
};

TEST_F(EventConsumerTest, HandlesEventsInOrderAndAcksThem) {
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(Emit(*client_, absl::StrCat("e", i)), i);
  std::vector<v1::Event> events;
  EventConsumer consumer(client_.get(), Opts(), Fixed({kStream}), [&](const v1::Event& event) {
    events.push_back(event);
    return absl::OkStatus();
  });
  absl::StatusOr<int> handled = consumer.PollOnce();
  ASSERT_TRUE(handled.ok()) << handled.status();
  EXPECT_EQ(*handled, 5);
  ASSERT_EQ(events.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    // The prelude completed the bytes the producer built.
    EXPECT_EQ(events[i].event_id(), absl::StrCat("scheduling:drive-1:", i + 1));
    EXPECT_EQ(events[i].sequence(), i + 1);
    EXPECT_EQ(events[i].request_id(), absl::StrCat("e", i + 1));
    EXPECT_TRUE(events[i].has_drive_published());
  }
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(consumer.PollOnce().value_or(-1), 0);
  Emit(*client_, "e6");
  EXPECT_EQ(consumer.PollOnce().value_or(-1), 1);
  EXPECT_EQ(events.back().request_id(), "e6");
}

TEST_F(EventConsumerTest, SmallBatchesStillDrainEverythingInOrder) {
  for (int i = 1; i <= 7; ++i) Emit(*client_, absl::StrCat("e", i));
  Recorder recorder;
  EventConsumer::Options options = Opts();
  options.batch = 2;
  EventConsumer consumer(client_.get(), options, Fixed({kStream}), recorder.Handler());
  EXPECT_EQ(consumer.PollOnce().value_or(-1), 7);
  EXPECT_EQ(recorder.Seen(), (std::vector<std::string>{"e1", "e2", "e3", "e4", "e5", "e6", "e7"}));
}

TEST_F(EventConsumerTest, FailedEventComesBackOnTheNextPollBeforeLaterOnes) {
  for (int i = 1; i <= 3; ++i) Emit(*client_, absl::StrCat("e", i));
  Recorder recorder;
  {
    absl::MutexLock lock(&recorder.mu);
    recorder.fail = {"e2"};
  }
  EventConsumer consumer(client_.get(), Opts(), Fixed({kStream}), recorder.Handler());
  EXPECT_EQ(consumer.PollOnce().value_or(-1), 1);
  EXPECT_EQ(recorder.Seen(), (std::vector<std::string>{"e1", "e2"}));  // e3 waits for e2
  EXPECT_EQ(Pending(), 2);
  EXPECT_EQ(consumer.PollOnce().value_or(-1), 2);
  EXPECT_EQ(recorder.Seen(), (std::vector<std::string>{"e1", "e2", "e2", "e3"}));
  EXPECT_EQ(Pending(), 0);
}

TEST_F(EventConsumerTest, FailureAfterCatchingUpIsRetriedToo) {
  Emit(*client_, "e1");
  Recorder recorder;
  EventConsumer consumer(client_.get(), Opts(), Fixed({kStream}), recorder.Handler());
  EXPECT_EQ(consumer.PollOnce().value_or(-1), 1);  // nothing pending left
  {
    absl::MutexLock lock(&recorder.mu);
    recorder.fail = {"e2"};
  }
  Emit(*client_, "e2");
  EXPECT_EQ(consumer.PollOnce().value_or(-1), 0);
  EXPECT_EQ(consumer.PollOnce().value_or(-1), 1);
  EXPECT_EQ(recorder.Seen(), (std::vector<std::string>{"e1", "e2", "e2"}));
  EXPECT_EQ(Pending(), 0);
}

TEST_F(EventConsumerTest, RestartedConsumerHandlesWhatItDidNotAck) {
  for (int i = 1; i <= 3; ++i) Emit(*client_, absl::StrCat("e", i));
  {
    Recorder failing;
    failing.always = true;
    {
      absl::MutexLock lock(&failing.mu);
      failing.fail = {"e2"};
    }
    EventConsumer first(client_.get(), Opts(), Fixed({kStream}), failing.Handler());
    EXPECT_EQ(first.PollOnce().value_or(-1), 1);
  }  // "crash": e2 and e3 were delivered to c1 and not acked
  Emit(*client_, "e4");
  Recorder recorder;
  EventConsumer second(client_.get(), Opts(), Fixed({kStream}), recorder.Handler());
  EXPECT_EQ(second.PollOnce().value_or(-1), 3);
  EXPECT_EQ(recorder.Seen(), (std::vector<std::string>{"e2", "e3", "e4"}));
  EXPECT_EQ(Pending(), 0);
}

TEST_F(EventConsumerTest, PoisonEntriesAreAckedAndSkipped) {
  Emit(*client_, "e1");
  ASSERT_OK(client_->Command({"XADD", kStream, "*", kEventField, "\xff\xff\xff\xff"}).status());
  ASSERT_OK(client_->Command({"XADD", kStream, "*", "other", "x"}).status());
  Emit(*client_, "e2");
  Recorder recorder;
  EventConsumer consumer(client_.get(), Opts(), Fixed({kStream}), recorder.Handler());
  EXPECT_EQ(consumer.PollOnce().value_or(-1), 2);
  EXPECT_EQ(recorder.Seen(), (std::vector<std::string>{"e1", "e2"}));
  EXPECT_EQ(Pending(), 0);
}

TEST_F(EventConsumerTest, MissingStreamIsNotCreatedAndIsPickedUpLater) {
  const std::string later = SchedulingStreamKey("drive-2");
  Emit(*client_, "e1");
  Recorder recorder;
  EventConsumer consumer(client_.get(), Opts(), Fixed({kStream, later}), recorder.Handler());
  EXPECT_EQ(consumer.PollOnce().value_or(-1), 1);
  EXPECT_EQ(client_->Command({"EXISTS", later}).value_or(RedisReply()).integer, 0);
  Emit(*client_, later, "sch:{d:drive-2}:meta", "drive-2", "x1");
  EXPECT_EQ(consumer.PollOnce().value_or(-1), 1);
  EXPECT_EQ(recorder.Seen(), (std::vector<std::string>{"e1", "x1"}));
}

TEST_F(EventConsumerTest, ConsumerGroupsAreIndependent) {
  Emit(*client_, "e1");
  Recorder a, b;
  EventConsumer first(client_.get(), Opts(), Fixed({kStream}), a.Handler());
  EventConsumer::Options other = Opts();
  other.group = "other";
  EventConsumer second(client_.get(), other, Fixed({kStream}), b.Handler());
  EXPECT_EQ(first.PollOnce().value_or(-1), 1);
  EXPECT_EQ(second.PollOnce().value_or(-1), 1);
}

int64_t DaysSinceEpoch(absl::CivilDay day) { return day - absl::CivilDay(1970, 1, 1); }

TEST_F(EventConsumerTest, SchedulingStreamsSkipsDrivesPastTheLookback) {
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  const std::vector<std::pair<std::string, absl::CivilDay>> drives = {
      {"today", today}, {"recent", today - 59}, {"old", today - 61}, {"future", today + 30}};
  for (const auto& [id, day] : drives) {
    ASSERT_OK(
        client_
            ->Command({"ZADD", kSchedulingPartitionIndexKey, absl::StrCat(DaysSinceEpoch(day)), id})
            .status());
  }
  absl::StatusOr<std::vector<std::string>> streams =
      SchedulingStreams(client_.get(), absl::Hours(24 * 60))();
  ASSERT_TRUE(streams.ok()) << streams.status();
  EXPECT_EQ(*streams, (std::vector<std::string>{"sch:{d:recent}:events", "sch:{d:today}:events",
                                                "sch:{d:future}:events"}));
  // Streams of the index are read like any other.
  Emit(*client_, "sch:{d:today}:events", "sch:{d:today}:meta", "today", "t1");
  Emit(*client_, "sch:{d:old}:events", "sch:{d:old}:meta", "old", "o1");
  Recorder recorder;
  EventConsumer consumer(client_.get(), Opts(), SchedulingStreams(client_.get()),
                         recorder.Handler());
  EXPECT_EQ(consumer.PollOnce().value_or(-1), 1);
  EXPECT_EQ(recorder.Seen(), (std::vector<std::string>{"t1"}));
}

TEST_F(EventConsumerTest, BackgroundThreadKeepsGoingThroughARedisOutage) {
  Recorder recorder;
  EventConsumer consumer(client_.get(), Opts(), Fixed({kStream}), recorder.Handler());
  auto wait_for = [&](size_t n) {
    for (int i = 0; i < 250 && recorder.Seen().size() < n; ++i) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    return recorder.Seen().size();
  };
  consumer.Start();
  consumer.Start();  // a second Start changes nothing
  Emit(*client_, "e1");
  EXPECT_EQ(wait_for(1), 1u);

  redis_.Stop();
  EXPECT_EQ(consumer.PollOnce().status().code(), absl::StatusCode::kUnavailable);
  absl::SleepFor(absl::Milliseconds(300));  // the thread fails and backs off meanwhile
  ASSERT_OK(redis_.Start());                // no AOF: an empty Redis on the same port
  Emit(*client_, "e2");
  EXPECT_EQ(wait_for(2), 2u);
  consumer.Stop();
  consumer.Stop();
  Emit(*client_, "e3");
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(recorder.Seen(), (std::vector<std::string>{"e1", "e2"}));
}

TEST_F(EventConsumerTest, StreamListerFailureIsReported) {
  Recorder recorder;
  EventConsumer consumer(
      client_.get(), Opts(),
      []() -> absl::StatusOr<std::vector<std::string>> { return absl::UnavailableError("down"); },
      recorder.Handler());
  EXPECT_EQ(consumer.PollOnce().status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace blooddrive::platform
