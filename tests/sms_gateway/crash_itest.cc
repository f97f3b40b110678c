// The SMS gateway adapter against the real reminders service: real redis-server (ACL users),
// real blooddrive-registry, real blooddrive-reminders and the real blooddrive-sms-gateway binary
// with the file provider, all with auth on.
//
// Messages are planted the way scheduling plants them: BookingCreated events on a drive
// partition's stream (services/platform/event_stream.h), which the reminders service consumes
// and turns into confirmations due at once (quiet hours off). Inbound SMS go the file provider's
// way: lines appended to the gateway's --in_file.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "blooddrive/v1/events.pb.h"
#include "blooddrive/v1/reminders.grpc.pb.h"
#include "child_process.h"
#include "registry_fixture.h"

namespace blooddrive::testing {
namespace {

constexpr char kAdminRedisPassword[] = "sms-gateway-itest-admin";
constexpr char kGatewayId[] = "itest-gw";

std::string WriteTokenFile(const std::string& name, const std::string& token) {
  const std::string path = FixtureCredentials().dir() + "/" + name + ".token";
  std::ofstream(path) << token << "\n";
  chmod(path.c_str(), 0600);
  return path;
}

// Minted before any service starts, so every service's credentials know them.
const std::string& RemindersTokenFile() {
  static const auto* path = new std::string(WriteTokenFile(
      "reminders-service", FixtureCredentials().Mint("reminders", auth::ROLE_SERVICE)));
  return *path;
}
const std::string& GatewayTokenFile() {
  static const auto* path = new std::string(WriteTokenFile(
      "gateway", FixtureCredentials().Mint("itest-gateway", auth::ROLE_SMS_GATEWAY)));
  return *path;
}

// The gateway binary as a child process (ServiceProcess expects a gRPC server; the gateway has
// none).
class GatewayProcess : public ChildProcess {
 public:
  GatewayProcess(std::vector<std::string> flags, std::string log_path)
      : ChildProcess(GATEWAY_BIN, std::move(flags), std::move(log_path)) {}
};

class GatewayCrashTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    RemindersTokenFile();
    GatewayTokenFile();
    redis_ = new RedisServer(RedisServer::Options{
        .extra_config = RedisAclConfig(kAdminRedisPassword), .password = kAdminRedisPassword});
    ASSERT_OK(redis_->Start());
    std::vector<std::string> registry_flags = RedisUserFlags("registry");
    registry_flags.push_back(absl::StrCat("--redis=", redis_->address()));
    registry_ = NewRegistryProcess(std::move(registry_flags)).release();
    ASSERT_OK(registry_->Start());

    std::vector<std::string> flags = RedisUserFlags("reminders");
    for (std::string flag :
         {absl::StrCat("--redis=", redis_->address()), FixtureCredentials().flag(),
          "--service_token_file=" + RemindersTokenFile(),
          "--registry_target=" + registry_->target(),
          // Not running: nothing in these tests asks them.
          std::string("--eligibility_target=127.0.0.1:9"),
          std::string("--scheduling_target=127.0.0.1:9"), std::string("--quiet_hours=00:00-00:00"),
          std::string("--consumer_name=itest")}) {
      flags.push_back(flag);
    }
    ServiceProcess::Options options;
    options.token = AdminToken();
    options.health_service = "blooddrive.v1.ReminderFeed";
    reminders_ = new ServiceProcess(REMINDERS_BIN, std::move(flags), options);
    ASSERT_OK(reminders_->Start());
  }

  static void TearDownTestSuite() {
    delete reminders_;
    delete registry_;
    delete redis_;
    reminders_ = nullptr;
    registry_ = nullptr;
    redis_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(reminders_, nullptr);
    ASSERT_TRUE(reminders_->running()) << "reminders did not start";
    dir_ = MakeTempDir("sms-gateway-itest");
    out_file_ = dir_ + "/outbox.jsonl";
    feed_ = v1::ReminderFeed::NewStub(reminders_->Channel());
    registry_stub_ = v1::DonorRegistry::NewStub(registry_->Channel());
  }
  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "--- reminders log tail:\n" << FileTail(reminders_->log_path()) << "\n";
    }
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<GatewayProcess> NewGateway(std::vector<std::string> extra) {
    std::vector<std::string> flags = {"--feed=" + reminders_->target(),
                                      "--token_file=" + GatewayTokenFile(),
                                      absl::StrCat("--gateway_id=", kGatewayId),
                                      "--provider=file",
                                      "--out_file=" + out_file_,
                                      "--lease=10s",
                                      "--max_wait=1s",
                                      "--rpc_timeout=5s",
                                      "--send_margin=1s"};
    flags.insert(flags.end(), extra.begin(), extra.end());
    return std::make_unique<GatewayProcess>(std::move(flags), dir_ + "/gateway.log");
  }

  std::string CreateDonor(int serial) {
    v1::Donor donor;
    const grpc::Status status =
        Call(*registry_stub_, &v1::DonorRegistry::Stub::CreateDonor,
             CreateRequest(KazakhDonor(serial)), &donor, absl::Seconds(10), true);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return donor.name();
  }

  // BookingCreated events for `count` bookings of `donor` at drive `drive_id`, slots 6 hours from
  // now: each plans a confirmation due now (and reminders not due for hours).
  void PlantBookings(const std::string& drive_id, const std::string& donor, int count) {
    const absl::TimeZone almaty = [] {
      absl::TimeZone zone;
      absl::LoadTimeZone("Asia/Almaty", &zone);
      return zone;
    }();
    const absl::Time now = absl::Now();
    const absl::Time start =
        absl::UnixEpoch() +
        absl::Floor(now + absl::Hours(6) - absl::UnixEpoch(), absl::Minutes(30));
    const absl::CivilDay day = absl::ToCivilDay(start, almaty);
    const std::string stream = absl::StrCat("sch:{d:", drive_id, "}:events");
    for (int i = 0; i < count; ++i) {
      v1::Event event;
      event.set_event_id(absl::StrCat("scheduling:", drive_id, ":", i + 1));
      event.mutable_occur_time()->set_seconds(absl::ToUnixSeconds(now));
      event.set_producer("scheduling");
      event.set_partition(drive_id);
      event.set_sequence(i + 1);
      event.set_drive("drives/" + drive_id);
      v1::BookingSnapshot* b = event.mutable_booking_created()->mutable_booking();
      b->set_booking(absl::StrCat("drives/", drive_id, "/bookings/b", i));
      b->set_donor(donor);
      b->set_slot(absl::StrCat("drives/", drive_id, "/slots/s", i));
      b->set_donation_type(v1::DONATION_TYPE_WHOLE_BLOOD);
      b->set_state(v1::BOOKING_STATE_BOOKED);
      b->mutable_slot_start_time()->set_seconds(absl::ToUnixSeconds(start));
      b->mutable_slot_end_time()->set_seconds(absl::ToUnixSeconds(start + absl::Minutes(30)));
      b->mutable_date()->set_year(static_cast<int>(day.year()));
      b->mutable_date()->set_month(day.month());
      b->mutable_date()->set_day(day.day());
      b->set_site("sites/astana-old-town");
      b->set_site_time_zone("Asia/Almaty");
      b->set_place_display_name("Ескі қала донорлық орталығы");
      b->set_site_address("Астана, Бейбітшілік көшесі, 10");
      b->set_blood_group(v1::BLOOD_GROUP_A_POSITIVE);
      ASSERT_OK(
          redis_->Command({"XADD", stream, "*", "event", event.SerializeAsString()}).status());
    }
    const long long days = (day - absl::CivilDay(1970, 1, 1));
    ASSERT_OK(
        redis_->Command({"ZADD", "sch:{index}:drives", absl::StrCat(days), drive_id}).status());
  }

  // Every message of the drive (BASIC view), all pages.
  std::vector<v1::OutboundMessage> List(const std::string& drive_id,
                                        std::vector<v1::MessageState> states = {}) {
    std::vector<v1::OutboundMessage> out;
    v1::ListMessagesRequest request;
    request.set_drive("drives/" + drive_id);
    request.set_kind(v1::MESSAGE_KIND_BOOKING_CONFIRMATION);
    for (v1::MessageState s : states) request.add_states(s);
    request.set_page_size(500);
    while (true) {
      v1::ListMessagesResponse response;
      const grpc::Status status =
          Call(*feed_, &v1::ReminderFeed::Stub::ListMessages, request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) return out;
      out.insert(out.end(), response.messages().begin(), response.messages().end());
      if (response.next_page_token().empty()) return out;
      request.set_page_token(response.next_page_token());
    }
  }

  bool WaitForCount(const std::string& drive_id, std::vector<v1::MessageState> states, size_t count,
                    absl::Duration timeout) {
    const absl::Time end = absl::Now() + timeout;
    while (absl::Now() < end) {
      if (List(drive_id, states).size() == count) return true;
      absl::SleepFor(absl::Milliseconds(200));
    }
    return List(drive_id, states).size() == count;
  }

  v1::OutboundMessage Get(const std::string& name) {
    v1::GetMessageRequest request;
    request.set_name(name);
    v1::OutboundMessage message;
    const grpc::Status status =
        Call(*feed_, &v1::ReminderFeed::Stub::GetMessage, request, &message);
    EXPECT_TRUE(status.ok()) << name << ": " << status.error_message();
    return message;
  }

  struct Line {
    std::string name, provider_message_id, text, phone;
  };
  // The output file's lines, each checked to be one valid JSON object.
  std::vector<Line> ReadOutput() {
    std::vector<Line> lines;
    std::ifstream in(out_file_);
    std::string text;
    while (std::getline(in, text)) {
      google::protobuf::Struct object;
      EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(text, &object).ok()) << text;
      const auto& f = object.fields();
      auto get = [&](const char* key) {
        auto it = f.find(key);
        return it == f.end() ? std::string() : it->second.string_value();
      };
      lines.push_back({get("name"), get("provider_message_id"), get("text"), get("phone")});
    }
    return lines;
  }
  size_t OutputLines() {
    std::ifstream in(out_file_);
    return std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n');
  }
  bool WaitForLines(size_t n, absl::Duration timeout) {
    const absl::Time end = absl::Now() + timeout;
    while (absl::Now() < end) {
      if (OutputLines() >= n) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  // Plants `count` confirmations at `drive_id`, runs a paced gateway, kills it (SIGKILL) with a
  // message written but not acknowledged, runs a new gateway until every message is SENT, and
  // checks the output file against the feed. Returns the output's lines.
  std::vector<Line> KillAndRestart(const std::string& drive_id, int serial, bool dedupe,
                                   int* duplicates) {
    constexpr int kCount = 24;
    const std::string donor = CreateDonor(serial);
    EXPECT_FALSE(donor.empty());
    PlantBookings(drive_id, donor, kCount);
    EXPECT_TRUE(WaitForCount(drive_id, {v1::MESSAGE_STATE_PENDING}, kCount, absl::Seconds(20)))
        << "the reminders service did not plan the confirmations";
    const std::string dedupe_flag = absl::StrCat("--file_dedupe=", dedupe ? "true" : "false");

    // Paced so that the kill lands inside a batch.
    std::unique_ptr<GatewayProcess> gateway =
        NewGateway({"--batch=8", "--send_interval=150ms", dedupe_flag});
    gateway->Start();
    if (!WaitForLines(6, absl::Seconds(30))) {
      ADD_FAILURE() << gateway->Log();
      return {};
    }
    // Freeze the feed: the gateway writes at most one more message and then hangs in its ack, so
    // the kill finds a message written but not acknowledged (the window a crash can hit).
    reminders_->Signal(SIGSTOP);
    absl::SleepFor(absl::Milliseconds(600));
    EXPECT_EQ(gateway->Stop(SIGKILL, absl::Seconds(5)), 128 + SIGKILL);
    reminders_->Signal(SIGCONT);
    const size_t lines_at_kill = OutputLines();
    EXPECT_LT(lines_at_kill, static_cast<size_t>(kCount));
    EXPECT_GE(List(drive_id, {v1::MESSAGE_STATE_LEASED}).size(), 1u)
        << "the kill was meant to land mid-lease";

    // The restarted gateway sends the rest at once and the killed lease's after it expires (10 s).
    gateway = NewGateway({"--batch=8", "--send_interval=20ms", dedupe_flag});
    gateway->Start();
    if (!WaitForCount(drive_id, {v1::MESSAGE_STATE_SENT}, kCount, absl::Seconds(60))) {
      ADD_FAILURE() << gateway->Log();
      return {};
    }
    EXPECT_EQ(gateway->Stop(SIGTERM, absl::Seconds(20)), 0) << gateway->Log();

    const std::vector<Line> lines = ReadOutput();
    std::map<std::string, std::vector<size_t>> by_name;  // name -> line numbers
    for (size_t i = 0; i < lines.size(); ++i) by_name[lines[i].name].push_back(i);
    *duplicates = 0;
    for (const v1::OutboundMessage& listed : List(drive_id)) {
      SCOPED_TRACE(listed.name());
      const v1::OutboundMessage m = Get(listed.name());
      EXPECT_EQ(m.state(), v1::MESSAGE_STATE_SENT);
      const std::vector<size_t>& at = by_name[m.name()];
      if (at.empty()) {
        ADD_FAILURE() << "never written";  // at least once
        continue;
      }
      *duplicates += static_cast<int>(at.size()) - 1;
      // The acknowledged send is the last one: nothing was sent after its ack.
      EXPECT_EQ(lines[at.back()].provider_message_id, m.provider_message_id());
      for (size_t i : at) EXPECT_EQ(lines[i].phone, "+77011234567");
      EXPECT_NE(lines[at.back()].text.find("Ескі қала"), std::string::npos)
          << lines[at.back()].text;
    }
    EXPECT_EQ(by_name.size(), static_cast<size_t>(kCount));
    std::cout << "lines at the kill: " << lines_at_kill << ", lines in the end: " << lines.size()
              << ", written twice: " << *duplicates << "\n";

    return lines;
  }

  static RedisServer* redis_;
  static ServiceProcess* registry_;
  static ServiceProcess* reminders_;
  std::unique_ptr<v1::ReminderFeed::Stub> feed_;
  std::unique_ptr<v1::DonorRegistry::Stub> registry_stub_;
  std::string dir_;
  std::string out_file_;
};

RedisServer* GatewayCrashTest::redis_ = nullptr;
ServiceProcess* GatewayCrashTest::registry_ = nullptr;
ServiceProcess* GatewayCrashTest::reminders_ = nullptr;

TEST_F(GatewayCrashTest, KilledMidLeaseEveryMessageSentAtLeastOnceAndNoneAgainAfterItsAck) {
  // No deduplication, so the message written but not acknowledged before the kill is written
  // again: the at-least-once path of the contract.
  int duplicates = -1;
  const std::vector<Line> lines = KillAndRestart("itest-kill", 1, /*dedupe=*/false, &duplicates);
  ASSERT_FALSE(lines.empty());
  // One message at a time is between its write and its ack: at most one was written twice.
  EXPECT_LE(duplicates, 1);

  // Duplicate receipts change nothing: the same receipt again (new request id, by name and by
  // provider id), and a different one after the final state.
  const std::string name = lines.front().name;
  v1::ReportDeliveryRequest receipt;
  receipt.set_request_id("receipt-1");
  receipt.set_name(name);
  receipt.set_status(v1::DELIVERY_STATUS_DELIVERED);
  receipt.set_provider_status("DELIVRD");
  v1::OutboundMessage answer;
  ASSERT_TRUE(Call(*feed_, &v1::ReminderFeed::Stub::ReportDelivery, receipt, &answer).ok());
  const v1::OutboundMessage delivered = Get(name);
  ASSERT_EQ(delivered.state(), v1::MESSAGE_STATE_DELIVERED);
  receipt.set_request_id("receipt-2");
  ASSERT_TRUE(Call(*feed_, &v1::ReminderFeed::Stub::ReportDelivery, receipt, &answer).ok());
  EXPECT_EQ(Get(name).SerializeAsString(), delivered.SerializeAsString());
  v1::ReportDeliveryRequest by_provider = receipt;
  by_provider.set_request_id("receipt-3");
  by_provider.mutable_provider_ref()->set_gateway_id(kGatewayId);
  by_provider.mutable_provider_ref()->set_provider_message_id(delivered.provider_message_id());
  ASSERT_TRUE(Call(*feed_, &v1::ReminderFeed::Stub::ReportDelivery, by_provider, &answer).ok());
  EXPECT_EQ(answer.name(), name);
  EXPECT_EQ(Get(name).SerializeAsString(), delivered.SerializeAsString());
  v1::ReportDeliveryRequest later = receipt;
  later.set_request_id("receipt-4");
  later.set_status(v1::DELIVERY_STATUS_UNDELIVERABLE);
  ASSERT_TRUE(Call(*feed_, &v1::ReminderFeed::Stub::ReportDelivery, later, &answer).ok());
  EXPECT_EQ(Get(name).SerializeAsString(), delivered.SerializeAsString());
}

TEST_F(GatewayCrashTest, KilledBetweenWriteAndAckWithDedupeWritesEachMessageOnce) {
  // The restarted gateway finds the unacknowledged message in its file and acknowledges the
  // first write instead of writing it again: exactly once, through a crash.
  int duplicates = -1;
  const std::vector<Line> lines = KillAndRestart("itest-dedupe", 3, /*dedupe=*/true, &duplicates);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(lines.size(), 24u);
}

TEST_F(GatewayCrashTest, SigtermMidBatchLeavesNothingLeasedAndExitsZero) {
  constexpr int kCount = 12;
  const std::string donor = CreateDonor(2);
  ASSERT_FALSE(donor.empty());
  PlantBookings("itest-term", donor, kCount);
  ASSERT_TRUE(WaitForCount("itest-term", {v1::MESSAGE_STATE_PENDING}, kCount, absl::Seconds(20)));

  std::unique_ptr<GatewayProcess> gateway = NewGateway({"--batch=12", "--send_interval=200ms"});
  gateway->Start();
  ASSERT_TRUE(WaitForLines(3, absl::Seconds(30))) << gateway->Log();
  EXPECT_EQ(gateway->Stop(SIGTERM, absl::Seconds(20)), 0) << gateway->Log();
  const size_t written = OutputLines();
  EXPECT_LT(written, static_cast<size_t>(kCount));
  // Released, not left to a lease: every message is SENT or PENDING with the reason.
  EXPECT_EQ(List("itest-term", {v1::MESSAGE_STATE_LEASED}).size(), 0u);
  EXPECT_EQ(List("itest-term", {v1::MESSAGE_STATE_SENT}).size(), written);
  const std::vector<v1::OutboundMessage> pending = List("itest-term", {v1::MESSAGE_STATE_PENDING});
  EXPECT_EQ(pending.size(), kCount - written);
  for (const v1::OutboundMessage& m : pending) {
    EXPECT_EQ(Get(m.name()).state_reason(), "not sent: gateway stopping") << m.name();
  }

  // A new gateway sends the rest once the feed's retry backoff has passed; nothing twice.
  gateway = NewGateway({"--batch=12"});
  gateway->Start();
  ASSERT_TRUE(WaitForCount("itest-term", {v1::MESSAGE_STATE_SENT}, kCount, absl::Seconds(90)))
      << gateway->Log();
  EXPECT_EQ(gateway->Stop(SIGTERM, absl::Seconds(20)), 0) << gateway->Log();
  const std::vector<Line> lines = ReadOutput();
  std::map<std::string, int> count;
  for (const Line& line : lines) ++count[line.name];
  EXPECT_EQ(lines.size(), static_cast<size_t>(kCount));
  EXPECT_EQ(count.size(), static_cast<size_t>(kCount));
}

TEST_F(GatewayCrashTest, InboundStopOptsOutAndARestartNeitherLosesNorRepeatsALine) {
  v1::Donor donor_in = KazakhDonor(4);
  donor_in.set_phone("8 701 555 01 23");  // its own phone: STOP acts on every donor with it
  v1::Donor donor;
  ASSERT_TRUE(Call(*registry_stub_, &v1::DonorRegistry::Stub::CreateDonor, CreateRequest(donor_in),
                   &donor, absl::Seconds(10), true)
                  .ok());
  const std::string inbox = dir_ + "/inbox.jsonl";
  const std::string results = dir_ + "/in-results.jsonl";
  const std::vector<std::string> in_flags = {"--in_file=" + inbox, "--in_log_file=" + results,
                                             "--in_poll_interval=100ms"};
  auto append = [&](const std::string& text) { std::ofstream(inbox, std::ios::app) << text; };
  auto lines_of = [](const std::string& path) {
    std::vector<std::string> out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  };
  auto wait_for = [](const std::function<bool()>& done) {
    for (const absl::Time end = absl::Now() + absl::Seconds(20); absl::Now() < end;) {
      if (done()) return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return done();
  };
  auto consent = [&] {
    v1::GetDonorRequest request;
    request.set_name(donor.name());
    v1::Donor got;
    EXPECT_TRUE(Call(*registry_stub_, &v1::DonorRegistry::Stub::GetDonor, request, &got).ok());
    return got.sms_consent();
  };

  std::unique_ptr<GatewayProcess> gateway = NewGateway(in_flags);
  gateway->Start();
  append("this is not json\n");
  append(R"({"id":"mo-1","from":"8 701 555 01 23","text":"СТОП","time":"2026-11-28T05:00:00Z"})"
         "\n");
  ASSERT_TRUE(wait_for([&] { return lines_of(results).size() >= 2; })) << gateway->Log();
  std::vector<std::string> result_lines = lines_of(results);
  EXPECT_THAT(result_lines[0], ::testing::HasSubstr("not a JSON object"));
  EXPECT_THAT(result_lines[1], ::testing::HasSubstr(R"("action":"OPTED_OUT")"));
  EXPECT_THAT(result_lines[1], ::testing::HasSubstr(donor.name()));
  EXPECT_FALSE(consent().opted_in());
  EXPECT_EQ(consent().channel(), v1::CONSENT_CHANNEL_SMS_KEYWORD);
  // The reply to STOP goes out through the same gateway, in the donor's language (Kazakh).
  ASSERT_TRUE(wait_for([&] {
    for (const Line& line : ReadOutput()) {
      if (line.phone == "+77015550123") return true;
    }
    return false;
  })) << gateway->Log();

  // Killed once the offset is on disk: the restart reads only what came after.
  const std::string offset_file = inbox + ".offset";
  ASSERT_TRUE(wait_for([&] {
    std::ifstream in(offset_file);
    long long offset = -1;
    in >> offset;
    return offset == static_cast<long long>(std::filesystem::file_size(inbox));
  }));
  EXPECT_EQ(gateway->Stop(SIGKILL, absl::Seconds(5)), 128 + SIGKILL);
  append(R"({"from":"+77015550123","text":"СТАРТ"})"
         "\n");
  gateway = NewGateway(in_flags);
  gateway->Start();
  ASSERT_TRUE(wait_for([&] { return lines_of(results).size() >= 3; })) << gateway->Log();
  absl::SleepFor(absl::Milliseconds(500));  // time enough to repeat a line, if it would
  result_lines = lines_of(results);
  ASSERT_EQ(result_lines.size(), 3u) << gateway->Log();
  EXPECT_THAT(result_lines[2], ::testing::HasSubstr(R"("action":"OPTED_IN")"));
  EXPECT_TRUE(consent().opted_in());
  EXPECT_EQ(gateway->Stop(SIGTERM, absl::Seconds(20)), 0) << gateway->Log();
}

}  // namespace
}  // namespace blooddrive::testing
