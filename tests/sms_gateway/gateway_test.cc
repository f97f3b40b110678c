// The gateway loop against an in-process fake ReminderFeed that follows reminders.proto's lease
// rules, with a scripted provider: what is sent, what is acknowledged, and how the gateway behaves
// when the feed is unreachable or it is told to stop.
#include "gateway.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "harness.h"

namespace blooddrive::sms_gateway {
namespace {

absl::Duration FromProto(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

google::protobuf::Timestamp ToProto(absl::Time t) {
  google::protobuf::Timestamp out;
  out.set_seconds(absl::ToUnixSeconds(t));
  return out;
}

// The feed's side of leases and acks, in memory.
class FakeFeed final : public v1::ReminderFeed::Service {
 public:
  void Add(const std::string& id) {
    absl::MutexLock lock(&mu_);
    v1::OutboundMessage& m = messages_[id];
    m.set_name("messages/" + id);
    m.set_state(v1::MESSAGE_STATE_PENDING);
    m.set_phone("+77011234567");
    m.set_text("Напоминание " + id);
    m.set_encoding(v1::SMS_ENCODING_UCS2);
    m.set_segment_count(1);
  }

  // The next `n` LeaseMessages lease as usual but answer UNAVAILABLE (the answer was lost).
  void LoseLeaseAnswers(int n) {
    absl::MutexLock lock(&mu_);
    lose_lease_answers_ = n;
  }
  // The next `n` AckMessage calls fail with UNAVAILABLE before doing anything.
  void FailAcks(int n) {
    absl::MutexLock lock(&mu_);
    fail_acks_ = n;
  }

  v1::OutboundMessage Get(const std::string& id) const {
    absl::MutexLock lock(&mu_);
    return messages_.at(id);
  }
  std::vector<v1::LeaseMessagesRequest> lease_requests() const {
    absl::MutexLock lock(&mu_);
    return lease_requests_;
  }
  std::vector<v1::AckMessageRequest> acks() const {
    absl::MutexLock lock(&mu_);
    return acks_;
  }
  int CountInState(v1::MessageState state) const {
    absl::MutexLock lock(&mu_);
    int n = 0;
    for (const auto& [id, m] : messages_) n += m.state() == state;
    return n;
  }

  grpc::Status LeaseMessages(grpc::ServerContext* context, const v1::LeaseMessagesRequest* request,
                             v1::LeaseMessagesResponse* response) override {
    const absl::Time wait_until = absl::Now() + FromProto(request->max_wait());
    absl::MutexLock lock(&mu_);
    lease_requests_.push_back(*request);
    if (auto it = by_request_.find(request->request_id()); it != by_request_.end()) {
      *response = it->second;
      return grpc::Status::OK;
    }
    while (true) {
      const absl::Time now = absl::Now();
      for (auto& [id, m] : messages_) {
        if (response->messages_size() >= request->max_messages()) break;
        const bool expired = m.state() == v1::MESSAGE_STATE_LEASED &&
                             m.lease().expire_time().seconds() < absl::ToUnixSeconds(now);
        if (m.state() != v1::MESSAGE_STATE_PENDING && !expired) continue;
        m.set_state(v1::MESSAGE_STATE_LEASED);
        m.set_attempt_count(m.attempt_count() + 1);
        m.mutable_lease()->set_lease_id(absl::StrCat("lease-", ++lease_counter_));
        m.mutable_lease()->set_gateway_id(request->gateway_id());
        *m.mutable_lease()->mutable_expire_time() =
            ToProto(now + FromProto(request->lease_duration()));
        *response->add_messages() = m;
      }
      if (response->messages_size() > 0 || now >= wait_until || context->IsCancelled()) break;
      static const bool kNever = false;
      mu_.AwaitWithTimeout(absl::Condition(&kNever), absl::Milliseconds(20));
    }
    by_request_[request->request_id()] = *response;
    if (lose_lease_answers_ > 0) {
      --lose_lease_answers_;
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "answer lost");
    }
    return grpc::Status::OK;
  }

  grpc::Status AckMessage(grpc::ServerContext*, const v1::AckMessageRequest* request,
                          v1::OutboundMessage* response) override {
    absl::MutexLock lock(&mu_);
    if (fail_acks_ > 0) {
      --fail_acks_;
      failed_ack_ids_.push_back(request->request_id());
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "feed down");
    }
    acks_.push_back(*request);
    const std::string id = request->name().substr(std::string("messages/").size());
    auto it = messages_.find(id);
    if (it == messages_.end()) return grpc::Status(grpc::StatusCode::NOT_FOUND, "no message");
    v1::OutboundMessage& m = it->second;
    const bool holds =
        m.state() == v1::MESSAGE_STATE_LEASED && m.lease().lease_id() == request->lease_id();
    if (request->has_sent()) {
      if (m.state() == v1::MESSAGE_STATE_LEASED || m.state() == v1::MESSAGE_STATE_PENDING) {
        m.set_state(v1::MESSAGE_STATE_SENT);
        m.set_provider_message_id(request->sent().provider_message_id());
        m.clear_lease();
      }
    } else if (!holds) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "lease expired");
    } else if (request->has_transient_failure()) {
      m.set_state(v1::MESSAGE_STATE_PENDING);
      m.clear_lease();
    } else {
      m.set_state(v1::MESSAGE_STATE_FAILED);
      m.clear_lease();
    }
    *response = m;
    return grpc::Status::OK;
  }

  std::vector<std::string> failed_ack_ids() const {
    absl::MutexLock lock(&mu_);
    return failed_ack_ids_;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, v1::OutboundMessage> messages_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, v1::LeaseMessagesResponse> by_request_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::LeaseMessagesRequest> lease_requests_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::AckMessageRequest> acks_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> failed_ack_ids_ ABSL_GUARDED_BY(mu_);
  int lose_lease_answers_ ABSL_GUARDED_BY(mu_) = 0;
  int fail_acks_ ABSL_GUARDED_BY(mu_) = 0;
  int lease_counter_ ABSL_GUARDED_BY(mu_) = 0;
};

// Sends by recording; `script` may decide the result per message, `gate` may hold the first send.
class FakeProvider : public Provider {
 public:
  SendResult Send(const v1::OutboundMessage& message) override {
    {
      absl::MutexLock lock(&mu_);
      sent_.push_back(message.name());
    }
    if (entered_ != nullptr && !entered_->HasBeenNotified()) entered_->Notify();
    if (gate_ != nullptr) gate_->WaitForNotification();
    if (script) return script(message);
    return SendResult::Sent("p-" + message.name().substr(9), absl::Now());
  }
  std::optional<SendResult> AlreadySent(const std::string& name) override {
    absl::MutexLock lock(&mu_);
    auto it = already_.find(name);
    if (it == already_.end()) return std::nullopt;
    return SendResult::Sent(it->second, absl::Now());
  }

  std::vector<std::string> sent() const {
    absl::MutexLock lock(&mu_);
    return sent_;
  }
  void MarkAlreadySent(const std::string& name, const std::string& id) {
    absl::MutexLock lock(&mu_);
    already_[name] = id;
  }
  // The first Send notifies `entered` and then waits for `gate`.
  void HoldFirstSend(absl::Notification* entered, absl::Notification* gate) {
    entered_ = entered;
    gate_ = gate;
  }

  std::function<SendResult(const v1::OutboundMessage&)> script;

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> sent_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> already_ ABSL_GUARDED_BY(mu_);
  absl::Notification* entered_ = nullptr;
  absl::Notification* gate_ = nullptr;
};

bool WaitFor(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return done();
}

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.gateway_id = "test-gw";
    options_.batch = 10;
    options_.lease = absl::Seconds(30);
    options_.max_wait = absl::Milliseconds(200);
    options_.rpc_timeout = absl::Seconds(2);
    options_.send_margin = absl::Seconds(1);
    options_.backoff = {.initial = absl::Milliseconds(10), .max = absl::Milliseconds(100)};
    port_ = testing::FreeLoopbackPort();
  }
  void TearDown() override {
    if (gateway_ != nullptr) {
      gateway_->Abort();
      if (runner_.joinable()) runner_.join();
    }
    if (server_ != nullptr) server_->Shutdown(absl::ToChronoTime(absl::Now()));
  }

  void StartFeed() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort(absl::StrCat("127.0.0.1:", port_), grpc::InsecureServerCredentials());
    builder.RegisterService(&feed_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }

  void StartGateway() {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 50);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 200);
    gateway_ = std::make_unique<Gateway>(
        options_,
        grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port_),
                                  grpc::InsecureChannelCredentials(), args),
        &provider_);
    runner_ = std::thread([this] { gateway_->Run(); });
  }

  // Stop() and wait for Run() to return; false if it took longer than `timeout`.
  bool StopGateway(absl::Duration timeout = absl::Seconds(5)) {
    gateway_->Stop();
    absl::Notification joined;
    std::thread waiter([&] {
      runner_.join();
      joined.Notify();
    });
    const bool ok = joined.WaitForNotificationWithTimeout(timeout);
    if (!ok) gateway_->Abort();
    waiter.join();
    return ok;
  }

  GatewayOptions options_;
  int port_ = 0;
  FakeFeed feed_;
  FakeProvider provider_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Gateway> gateway_;
  std::thread runner_;
};

TEST_F(GatewayTest, SendsEveryDueMessageOnceAndAcknowledgesItSent) {
  for (int i = 0; i < 25; ++i) feed_.Add(absl::StrCat("m", i));
  StartFeed();
  StartGateway();
  ASSERT_TRUE(WaitFor([&] { return feed_.CountInState(v1::MESSAGE_STATE_SENT) == 25; }));
  ASSERT_TRUE(StopGateway());
  EXPECT_EQ(provider_.sent().size(), 25u);
  for (int i = 0; i < 25; ++i) {
    const v1::OutboundMessage m = feed_.Get(absl::StrCat("m", i));
    EXPECT_EQ(m.provider_message_id(), absl::StrCat("p-m", i));
  }
  // Every lease asked for what the flags say, each with a request id of its own.
  const std::vector<v1::LeaseMessagesRequest> leases = feed_.lease_requests();
  ASSERT_GE(leases.size(), 3u);  // 25 messages in batches of 10
  for (const auto& lease : leases) {
    EXPECT_EQ(lease.gateway_id(), "test-gw");
    EXPECT_EQ(lease.max_messages(), 10);
    EXPECT_EQ(FromProto(lease.lease_duration()), absl::Seconds(30));
    EXPECT_EQ(FromProto(lease.max_wait()), absl::Milliseconds(200));
    EXPECT_LE(lease.request_id().size(), 64u);
  }
  EXPECT_NE(leases[0].request_id(), leases[1].request_id());
  EXPECT_EQ(gateway_->stats().sent, 25);
}

TEST_F(GatewayTest, FailuresAreAcknowledgedAsTransientOrPermanent) {
  feed_.Add("ok");
  feed_.Add("busy");
  feed_.Add("bad");
  provider_.script = [](const v1::OutboundMessage& m) {
    if (m.name() == "messages/busy")
      return SendResult::Transient("http status 503", absl::Seconds(7));
    if (m.name() == "messages/bad") return SendResult::Permanent("http status 400");
    return SendResult::Sent("p-ok", absl::Now());
  };
  StartFeed();
  StartGateway();
  ASSERT_TRUE(WaitFor([&] { return feed_.acks().size() >= 3; }));
  ASSERT_TRUE(StopGateway());
  std::map<std::string, v1::AckMessageRequest> by_name;
  for (const auto& ack : feed_.acks()) by_name.try_emplace(ack.name(), ack);
  ASSERT_TRUE(by_name["messages/ok"].has_sent());
  EXPECT_EQ(by_name["messages/ok"].sent().provider_message_id(), "p-ok");
  EXPECT_TRUE(by_name["messages/ok"].sent().has_sent_time());
  ASSERT_TRUE(by_name["messages/busy"].has_transient_failure());
  EXPECT_EQ(by_name["messages/busy"].transient_failure().error(), "http status 503");
  EXPECT_EQ(FromProto(by_name["messages/busy"].transient_failure().retry_after()),
            absl::Seconds(7));
  ASSERT_TRUE(by_name["messages/bad"].has_permanent_failure());
  EXPECT_EQ(by_name["messages/bad"].permanent_failure().error(), "http status 400");
  EXPECT_EQ(feed_.Get("bad").state(), v1::MESSAGE_STATE_FAILED);
  for (const auto& [name, ack] : by_name) {
    EXPECT_FALSE(ack.lease_id().empty()) << name;
    EXPECT_FALSE(ack.request_id().empty()) << name;
  }
}

TEST_F(GatewayTest, LostLeaseAnswerIsAskedAgainWithTheSameRequestId) {
  for (int i = 0; i < 3; ++i) feed_.Add(absl::StrCat("m", i));
  feed_.LoseLeaseAnswers(1);
  StartFeed();
  StartGateway();
  // Well before the 30 s lease could expire: the retry got the same lease back.
  ASSERT_TRUE(
      WaitFor([&] { return feed_.CountInState(v1::MESSAGE_STATE_SENT) == 3; }, absl::Seconds(5)));
  ASSERT_TRUE(StopGateway());
  const std::vector<v1::LeaseMessagesRequest> leases = feed_.lease_requests();
  ASSERT_GE(leases.size(), 2u);
  EXPECT_EQ(leases[0].request_id(), leases[1].request_id());
  EXPECT_EQ(provider_.sent().size(), 3u);
}

TEST_F(GatewayTest, SentAckIsRetriedWithTheSameRequestIdWhileTheFeedIsDown) {
  feed_.Add("m0");
  feed_.FailAcks(3);
  StartFeed();
  StartGateway();
  ASSERT_TRUE(WaitFor([&] { return feed_.CountInState(v1::MESSAGE_STATE_SENT) == 1; }));
  ASSERT_TRUE(StopGateway());
  const std::vector<std::string> failed = feed_.failed_ack_ids();
  ASSERT_EQ(failed.size(), 3u);
  ASSERT_EQ(feed_.acks().size(), 1u);
  EXPECT_EQ(failed[0], feed_.acks()[0].request_id());
  EXPECT_EQ(failed[2], feed_.acks()[0].request_id());
  EXPECT_EQ(provider_.sent().size(), 1u);  // acknowledged, not sent again
}

TEST_F(GatewayTest, StopFinishesTheMessageBeingSentAndReleasesTheRest) {
  for (int i = 0; i < 4; ++i) feed_.Add(absl::StrCat("m", i));
  absl::Notification entered;
  absl::Notification gate;
  provider_.HoldFirstSend(&entered, &gate);
  StartFeed();
  StartGateway();
  ASSERT_TRUE(entered.WaitForNotificationWithTimeout(absl::Seconds(10)));
  gateway_->Stop();
  gate.Notify();
  ASSERT_TRUE(StopGateway());
  ASSERT_EQ(provider_.sent().size(), 1u);
  const std::string first = provider_.sent()[0];
  std::vector<v1::AckMessageRequest> acks = feed_.acks();
  ASSERT_EQ(acks.size(), 4u);
  for (const auto& ack : acks) {
    if (ack.name() == first) {
      EXPECT_TRUE(ack.has_sent());
    } else {
      ASSERT_TRUE(ack.has_transient_failure()) << ack.name();
      EXPECT_EQ(ack.transient_failure().error(), "not sent: gateway stopping");
      ASSERT_TRUE(ack.transient_failure().has_retry_after());
      EXPECT_EQ(FromProto(ack.transient_failure().retry_after()), absl::ZeroDuration());
    }
  }
  // Nothing is left leased: one SENT, three leasable again.
  EXPECT_EQ(feed_.CountInState(v1::MESSAGE_STATE_SENT), 1);
  EXPECT_EQ(feed_.CountInState(v1::MESSAGE_STATE_PENDING), 3);
  EXPECT_EQ(feed_.CountInState(v1::MESSAGE_STATE_LEASED), 0);
  EXPECT_EQ(gateway_->stats().released, 3);
}

TEST_F(GatewayTest, FeedDownAtStartIsRetriedWithBackoffUntilItComesUp) {
  feed_.Add("m0");
  feed_.Add("m1");
  StartGateway();  // nothing listens on the port yet
  ASSERT_TRUE(WaitFor([&] { return gateway_->stats().feed_failures >= 3; }));
  StartFeed();
  ASSERT_TRUE(WaitFor([&] { return feed_.CountInState(v1::MESSAGE_STATE_SENT) == 2; }));
  ASSERT_TRUE(StopGateway());
  EXPECT_EQ(provider_.sent().size(), 2u);
}

TEST_F(GatewayTest, MessageTheProviderAlreadyHasIsAcknowledgedWithoutSendingAgain) {
  feed_.Add("m0");
  feed_.Add("m1");
  provider_.MarkAlreadySent("messages/m0", "earlier-id");
  StartFeed();
  StartGateway();
  ASSERT_TRUE(WaitFor([&] { return feed_.CountInState(v1::MESSAGE_STATE_SENT) == 2; }));
  ASSERT_TRUE(StopGateway());
  EXPECT_EQ(provider_.sent(), std::vector<std::string>{"messages/m1"});
  EXPECT_EQ(feed_.Get("m0").provider_message_id(), "earlier-id");
}

TEST_F(GatewayTest, MessageWithTooLittleLeaseLeftIsReleasedNotSent) {
  feed_.Add("m0");
  options_.send_margin = options_.lease;  // never enough
  StartFeed();
  StartGateway();
  ASSERT_TRUE(WaitFor([&] { return !feed_.acks().empty(); }));
  ASSERT_TRUE(StopGateway());
  EXPECT_TRUE(provider_.sent().empty());
  ASSERT_TRUE(feed_.acks()[0].has_transient_failure());
  EXPECT_EQ(feed_.acks()[0].transient_failure().error(), "not sent: lease too short");
}

TEST_F(GatewayTest, SendsArePacedBySendInterval) {
  for (int i = 0; i < 5; ++i) feed_.Add(absl::StrCat("m", i));
  options_.send_interval = absl::Milliseconds(60);
  StartFeed();
  const absl::Time start = absl::Now();
  StartGateway();
  ASSERT_TRUE(WaitFor([&] { return feed_.CountInState(v1::MESSAGE_STATE_SENT) == 5; }));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(4 * 60));
  ASSERT_TRUE(StopGateway());
}

TEST_F(GatewayTest, AbortEndsAWaitingLeaseAtOnce) {
  options_.max_wait = absl::Seconds(20);
  options_.rpc_timeout = absl::Seconds(20);
  StartFeed();
  StartGateway();
  ASSERT_TRUE(WaitFor([&] { return !feed_.lease_requests().empty(); }));
  const absl::Time start = absl::Now();
  gateway_->Abort();
  runner_.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST(ValidateOptions, NamesTheFlag) {
  GatewayOptions ok;
  ok.gateway_id = "astana-1";
  EXPECT_TRUE(ValidateOptions(ok).ok());
  GatewayOptions bad = ok;
  bad.gateway_id = "Astana_1";
  EXPECT_TRUE(absl::StartsWith(ValidateOptions(bad).message(), "--gateway_id"));
  bad = ok;
  bad.batch = 501;
  EXPECT_TRUE(absl::StartsWith(ValidateOptions(bad).message(), "--batch"));
  bad = ok;
  bad.lease = absl::Seconds(5);
  EXPECT_TRUE(absl::StartsWith(ValidateOptions(bad).message(), "--lease"));
  bad = ok;
  bad.max_wait = absl::Seconds(31);
  EXPECT_TRUE(absl::StartsWith(ValidateOptions(bad).message(), "--max_wait"));
}

TEST(NewRequestId, FitsTheFeedsLimitAndIsFresh) {
  const std::string a = NewRequestId("lease");
  const std::string b = NewRequestId("lease");
  EXPECT_NE(a, b);
  EXPECT_LE(a.size(), 64u);
  EXPECT_TRUE(absl::StartsWith(a, "lease-"));
}

}  // namespace
}  // namespace blooddrive::sms_gateway
