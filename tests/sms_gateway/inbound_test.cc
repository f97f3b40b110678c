// The inbound reader (inbound.h) against an in-process fake ReminderFeed: which lines are
// forwarded and how, what is skipped, and that the persisted offset makes a restart neither lose
// nor repeat a line.
#include "inbound.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "harness.h"

namespace blooddrive::sms_gateway {
namespace {

class FakeFeed final : public v1::ReminderFeed::Service {
 public:
  grpc::Status ReceiveInbound(grpc::ServerContext*, const v1::ReceiveInboundRequest* request,
                              v1::ReceiveInboundResponse* response) override {
    absl::MutexLock lock(&mu_);
    if (fail_ > 0) {
      --fail_;
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "down for a moment");
    }
    if (absl::StartsWith(request->from_phone(), "bad")) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "from_phone: not a phone number");
    }
    requests_.push_back(*request);
    response->set_action(request->text() == "СТОП" ? v1::INBOUND_ACTION_OPTED_OUT
                                                   : v1::INBOUND_ACTION_NOT_UNDERSTOOD);
    response->add_donors("donors/d1");
    response->set_reply("messages/m1");
    return grpc::Status::OK;
  }

  void Fail(int n) {
    absl::MutexLock lock(&mu_);
    fail_ = n;
  }
  std::vector<v1::ReceiveInboundRequest> requests() const {
    absl::MutexLock lock(&mu_);
    return requests_;
  }

 private:
  mutable absl::Mutex mu_;
  int fail_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<v1::ReceiveInboundRequest> requests_ ABSL_GUARDED_BY(mu_);
};

std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class InboundTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/inbound-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    inbox_ = dir_ + "/inbox.jsonl";
    results_ = dir_ + "/results.jsonl";
    grpc::ServerBuilder builder;
    const int port = testing::FreeLoopbackPort();
    builder.AddListeningPort(absl::StrCat("127.0.0.1:", port), grpc::InsecureServerCredentials());
    builder.RegisterService(&feed_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  }
  void TearDown() override {
    server_->Shutdown(absl::ToChronoTime(absl::Now()));
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<InboundReader> NewReader() {
    absl::StatusOr<std::unique_ptr<InboundReader>> reader = InboundReader::Create(
        {.path = inbox_,
         .log_path = results_,
         .gateway_id = "test-gw",
         .poll_interval = absl::Milliseconds(20),
         .rpc_timeout = absl::Seconds(2),
         .backoff = {.initial = absl::Milliseconds(10), .max = absl::Milliseconds(50)}},
        channel_);
    EXPECT_TRUE(reader.ok()) << reader.status();
    return reader.ok() ? *std::move(reader) : nullptr;
  }

  void Append(const std::string& text) { std::ofstream(inbox_, std::ios::app) << text; }

  std::string dir_, inbox_, results_;
  FakeFeed feed_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST(ParseInboundLineTest, ReadsFieldsAndHashesAMissingIdStably) {
  absl::StatusOr<InboundLine> line = ParseInboundLine(
      R"({"id":"mo-1","from":"+77015550123","text":"СТОП","time":"2026-11-28T05:00:00Z"})", 0);
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(line->provider_message_id, "mo-1");
  EXPECT_EQ(line->from, "+77015550123");
  EXPECT_EQ(line->text, "СТОП");
  ASSERT_TRUE(line->time.has_value());
  EXPECT_EQ(absl::ToUnixSeconds(*line->time), 1795842000);

  const std::string no_id = R"({"from":"+77015550123","text":"1"})";
  const std::string a = ParseInboundLine(no_id, 10)->provider_message_id;
  EXPECT_TRUE(absl::StartsWith(a, "h-")) << a;
  EXPECT_EQ(a, ParseInboundLine(no_id, 10)->provider_message_id);  // the same after a restart
  EXPECT_NE(a, ParseInboundLine(no_id, 50)->provider_message_id);  // the same text again later

  // A bad time is dropped, not the SMS.
  line = ParseInboundLine(R"({"from":"+77015550123","text":"STOP","time":"yesterday"})", 0);
  ASSERT_TRUE(line.ok());
  EXPECT_FALSE(line->time.has_value());
  EXPECT_FALSE(line->note.empty());
}

TEST(ParseInboundLineTest, RefusesWhatIsNotAnSms) {
  for (const char* bad :
       {"not json", "[1,2]", "42", R"({"text":"STOP"})", R"({"from":"+77015550123"})",
        R"({"from":"","text":"STOP"})", R"({"from":7701,"text":"STOP"})",
        R"({"from":"+77015550123","text":"STOP","id":12})"}) {
    EXPECT_FALSE(ParseInboundLine(bad, 0).ok()) << bad;
  }
  EXPECT_FALSE(
      ParseInboundLine(
          absl::StrCat(R"({"from":"+7701","text":"x","id":")", std::string(129, 'a'), R"("})"), 0)
          .ok());
}

TEST(InboundRequestTest, RequestIdIsDeterministicAndValid) {
  InboundLine line{.provider_message_id = std::string(128, 'x'), .from = "+7701", .text = "1"};
  const v1::ReceiveInboundRequest a = InboundRequest(line, "gw-1");
  EXPECT_EQ(a.request_id(), InboundRequest(line, "gw-1").request_id());
  EXPECT_NE(a.request_id(), InboundRequest(line, "gw-2").request_id());
  EXPECT_LE(a.request_id().size(), 64u);
  EXPECT_EQ(a.gateway_id(), "gw-1");
  EXPECT_EQ(a.provider_message_id(), line.provider_message_id);
}

TEST_F(InboundTest, ForwardsCompleteLinesAndLogsResults) {
  Append(R"({"id":"mo-1","from":"+77015550123","text":"СТОП"})"
         "\n\n"
         R"({"from":"+77015550124","text":"hello"})"
         "\n"
         R"({"id":"mo-3","from":"+77015550125","text":"СТ)");  // still being written
  std::unique_ptr<InboundReader> reader = NewReader();
  ASSERT_NE(reader, nullptr);
  reader->PollOnce();
  std::vector<v1::ReceiveInboundRequest> sent = feed_.requests();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].provider_message_id(), "mo-1");
  EXPECT_EQ(sent[0].gateway_id(), "test-gw");
  EXPECT_EQ(sent[0].text(), "СТОП");
  EXPECT_TRUE(absl::StartsWith(sent[1].provider_message_id(), "h-"));

  Append("ОП\"}\n");
  reader->PollOnce();
  sent = feed_.requests();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[2].text(), "СТОП");

  const std::vector<std::string> results = Lines(results_);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(absl::StrContains(results[0], R"("action":"OPTED_OUT")")) << results[0];
  EXPECT_TRUE(absl::StrContains(results[0], R"("donors":["donors/d1"])")) << results[0];
  EXPECT_TRUE(absl::StrContains(results[1], R"("action":"NOT_UNDERSTOOD")")) << results[1];
}

TEST_F(InboundTest, MalformedAndRefusedLinesAreSkippedNotFatal) {
  Append("garbage\n" + std::string(70000, 'x') + "\n" +
         R"({"id":"mo-bad","from":"bad phone","text":"STOP"})" + "\n" +
         R"({"id":"mo-ok","from":"+77015550123","text":"СТОП"})" + "\n");
  std::unique_ptr<InboundReader> reader = NewReader();
  reader->PollOnce();
  ASSERT_EQ(feed_.requests().size(), 1u);
  EXPECT_EQ(feed_.requests()[0].provider_message_id(), "mo-ok");
  const InboundStats stats = reader->stats();
  EXPECT_EQ(stats.malformed, 2);
  EXPECT_EQ(stats.rejected, 1);
  EXPECT_EQ(stats.forwarded, 1);
  EXPECT_EQ(stats.offset, static_cast<long long>(std::filesystem::file_size(inbox_)));
  const std::vector<std::string> results = Lines(results_);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_TRUE(absl::StrContains(results[0], R"("error":"not a JSON object")")) << results[0];
  EXPECT_TRUE(absl::StrContains(results[2], "refused by the feed")) << results[2];
}

TEST_F(InboundTest, RestartResumesAtThePersistedOffset) {
  Append(R"({"id":"mo-1","from":"+77015550123","text":"СТОП"})"
         "\n");
  NewReader()->PollOnce();
  ASSERT_EQ(feed_.requests().size(), 1u);
  Append(R"({"id":"mo-2","from":"+77015550123","text":"1"})"
         "\n");
  std::unique_ptr<InboundReader> restarted = NewReader();  // reads the offset file
  restarted->PollOnce();
  ASSERT_EQ(feed_.requests().size(), 2u);
  EXPECT_EQ(feed_.requests()[1].provider_message_id(), "mo-2");
  restarted->PollOnce();
  EXPECT_EQ(feed_.requests().size(), 2u);

  // A corrupt offset file is refused rather than guessed at.
  std::ofstream(inbox_ + ".offset", std::ios::trunc) << "garbage\n";
  EXPECT_FALSE(InboundReader::Create({.path = inbox_, .gateway_id = "test-gw"}, channel_).ok());
}

TEST_F(InboundTest, FeedFailuresAreRetriedWithoutSkippingTheLine) {
  feed_.Fail(3);
  Append(R"({"id":"mo-1","from":"+77015550123","text":"СТОП"})"
         "\n");
  std::unique_ptr<InboundReader> reader = NewReader();
  reader->PollOnce();
  ASSERT_EQ(feed_.requests().size(), 1u);
  EXPECT_EQ(reader->stats().feed_failures, 3);
  EXPECT_EQ(reader->stats().forwarded, 1);
}

TEST_F(InboundTest, StopDuringRetriesLeavesTheLineForTheNextStart) {
  feed_.Fail(1000000);
  Append(R"({"id":"mo-1","from":"+77015550123","text":"СТОП"})"
         "\n");
  std::unique_ptr<InboundReader> reader = NewReader();
  std::thread runner([&] { reader->Run(); });
  absl::SleepFor(absl::Milliseconds(200));
  reader->Stop();
  runner.join();
  EXPECT_EQ(reader->stats().offset, 0);
  feed_.Fail(0);
  NewReader()->PollOnce();
  ASSERT_EQ(feed_.requests().size(), 1u);
}

TEST_F(InboundTest, TruncatedInboxIsReadFromTheStart) {
  Append(R"({"id":"mo-1","from":"+77015550123","text":"СТОП"})"
         "\n");
  std::unique_ptr<InboundReader> reader = NewReader();
  reader->PollOnce();
  std::ofstream(inbox_, std::ios::trunc) << R"({"id":"m2","from":"+77015550123","text":"1"})"
                                         << "\n";
  reader->PollOnce();
  ASSERT_EQ(feed_.requests().size(), 2u);
  EXPECT_EQ(feed_.requests()[1].provider_message_id(), "m2");
}

TEST_F(InboundTest, RunPicksUpLinesAsTheyArrive) {
  std::unique_ptr<InboundReader> reader = NewReader();
  std::thread runner([&] { reader->Run(); });
  absl::SleepFor(absl::Milliseconds(100));  // the inbox does not exist yet
  Append(R"({"id":"mo-1","from":"+77015550123","text":"СТОП"})"
         "\n");
  const absl::Time end = absl::Now() + absl::Seconds(5);
  while (feed_.requests().empty() && absl::Now() < end) absl::SleepFor(absl::Milliseconds(10));
  reader->Stop();
  runner.join();
  EXPECT_EQ(feed_.requests().size(), 1u);
}

}  // namespace
}  // namespace blooddrive::sms_gateway
