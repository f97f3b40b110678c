#include "reminders_fixture.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace blooddrive::testing {
namespace {

constexpr char kAdminRedisPassword[] = "reminders-itest-admin";

std::unique_ptr<RemindersEnvironment>& EnvironmentSlot() {
  static auto* slot = new std::unique_ptr<RemindersEnvironment>();
  return *slot;
}

std::vector<std::string> ArrayItems(const std::string& text) {
  if (text.size() < 2 || text == "[]") return {};
  return absl::StrSplit(text.substr(1, text.size() - 2), ',');
}

// The prelude's protobuf varint (event_prelude.lua pb_varint).
std::string Varint(uint64_t n) {
  std::string out;
  while (n >= 128) {
    out.push_back(static_cast<char>(n % 128 + 128));
    n /= 128;
  }
  out.push_back(static_cast<char>(n));
  return out;
}

}  // namespace

absl::TimeZone Almaty() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Asia/Almaty", &zone));
  return zone;
}

google::protobuf::Timestamp Ts(absl::Time t) {
  // Sub-second precision matters: the registry's own consent events carry it, and the newer
  // consent wins.
  google::protobuf::Timestamp ts;
  const int64_t ns = absl::ToUnixNanos(t);
  ts.set_seconds(ns / 1000000000);
  ts.set_nanos(static_cast<int32_t>(ns % 1000000000));
  return ts;
}

absl::Time TimeOf(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

absl::Time AlmatyTime(absl::CivilMinute local) { return absl::FromCivil(local, Almaty()); }

v1::BookingSnapshot MakeBooking(const std::string& drive_id, const std::string& booking_id,
                                const std::string& donor_name, absl::Time start) {
  v1::BookingSnapshot b;
  b.set_booking(absl::StrCat("drives/", drive_id, "/bookings/", booking_id));
  b.set_donor(donor_name);
  b.set_slot(absl::StrCat("drives/", drive_id, "/slots/s1"));
  b.set_donation_type(v1::DONATION_TYPE_WHOLE_BLOOD);
  b.set_state(v1::BOOKING_STATE_BOOKED);
  *b.mutable_slot_start_time() = Ts(start);
  *b.mutable_slot_end_time() = Ts(start + absl::Minutes(30));
  const absl::CivilDay day = absl::ToCivilDay(start, Almaty());
  b.mutable_date()->set_year(static_cast<int>(day.year()));
  b.mutable_date()->set_month(day.month());
  b.mutable_date()->set_day(day.day());
  b.set_site("sites/astana-central");
  b.set_site_time_zone("Asia/Almaty");
  b.set_place_display_name("Blood Centre");
  b.set_site_address("Abay ave. 10");
  b.set_blood_group(v1::BLOOD_GROUP_A_POSITIVE);
  return b;
}

std::vector<v1::OutboundMessage> OfKind(const std::vector<v1::OutboundMessage>& messages,
                                        v1::MessageKind kind) {
  std::vector<v1::OutboundMessage> out;
  for (const v1::OutboundMessage& m : messages) {
    if (m.kind() == kind) out.push_back(m);
  }
  return out;
}

std::string Describe(const std::vector<v1::OutboundMessage>& messages) {
  std::vector<std::string> lines;
  for (const v1::OutboundMessage& m : messages) {
    lines.push_back(absl::StrCat(
        v1::MessageKind_Name(m.kind()), " ", v1::MessageState_Name(m.state()), " due ",
        absl::FormatTime(TimeOf(m.due_time())), " (", m.state_reason(), ") ", m.text()));
  }
  return absl::StrJoin(lines, "\n");
}

// ---------------------------------------------------------------------------------------------

RemindersEnvironment& RemindersEnvironment::Get() { return *EnvironmentSlot(); }

void RemindersEnvironment::Start() {
  ServiceTokenFile("reminders");
  redis_ = std::make_unique<RedisServer>(RedisServer::Options{
      .extra_config = RedisAclConfig(kAdminRedisPassword), .password = kAdminRedisPassword});
  ASSERT_OK(redis_->Start());
  std::vector<std::string> flags = RedisUserFlags("registry");
  flags.push_back(absl::StrCat("--redis=", redis_->address()));
  registry_ = NewRegistryProcess(std::move(flags));
  ASSERT_OK(registry_->Start());

  std::vector<std::string> rem = RedisUserFlags("reminders");
  rem.push_back(absl::StrCat("--redis=", redis_->address()));
  rem.push_back("--registry_target=" + registry_->target());
  // Nothing listens on port 1: calls to eligibility and scheduling fail UNAVAILABLE at once.
  rem.push_back("--eligibility_target=127.0.0.1:1");
  rem.push_back("--scheduling_target=127.0.0.1:1");
  rem.push_back(FixtureCredentials().flag());
  rem.push_back("--service_token_file=" + ServiceTokenFile("reminders"));
  rem.push_back("--consumer_name=itest");
  for (const std::string& f : SetupForThisBinary().flags) rem.push_back(f);
  ServiceProcess::Options options;
  options.token = AdminToken();
  options.health_service = "blooddrive.v1.ReminderFeed";
  reminders_ = std::make_unique<ServiceProcess>(REMINDERS_BIN, std::move(rem), options);
  ASSERT_OK(reminders_->Start());
}

void RemindersTest::SetUpTestSuite() {
  if (EnvironmentSlot() != nullptr) return;
  EnvironmentSlot() = std::make_unique<RemindersEnvironment>();
  EnvironmentSlot()->Start();
}

void RemindersTest::TearDownTestSuite() { EnvironmentSlot().reset(); }

void RemindersTest::SetUp() {
  ASSERT_NE(EnvironmentSlot(), nullptr);
  RemindersEnvironment& e = env();
  ASSERT_TRUE(e.registry().running()) << "registry did not start";
  ASSERT_TRUE(e.reminders().running()) << "reminders did not start";
  ASSERT_OK(e.redis().FlushAll());
  ASSERT_OK(e.redis().Command({"XADD", "rem:audit", "*", "event", "test-setup"}).status());
  registry_ = v1::DonorRegistry::NewStub(e.registry().Channel());
  feed_ = v1::ReminderFeed::NewStub(e.reminders().Channel());
}

v1::Donor RemindersTest::MustCreate(const v1::Donor& donor) {
  v1::Donor created;
  const grpc::Status status = Call(registry(), &v1::DonorRegistry::Stub::CreateDonor,
                                   CreateRequest(donor), &created, absl::Seconds(10), true);
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  return created;
}

v1::Donor RemindersTest::MustGetDonor(const std::string& name) {
  v1::GetDonorRequest request;
  request.set_name(name);
  v1::Donor donor;
  const grpc::Status status = Call(registry(), &v1::DonorRegistry::Stub::GetDonor, request, &donor);
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  return donor;
}

void RemindersTest::EmitSchedulingEvent(const std::string& drive_id, v1::Event event) {
  const int seq = ++sequence_;
  event.set_producer("scheduling");
  event.set_partition(drive_id);
  event.set_drive(absl::StrCat("drives/", drive_id));
  if (!event.has_occur_time()) *event.mutable_occur_time() = Ts(absl::Now());
  event.clear_event_id();
  event.clear_sequence();
  const std::string id = absl::StrCat("scheduling:", drive_id, ":", seq);
  const std::string bytes = event.SerializeAsString() + std::string(1, 10) + Varint(id.size()) +
                            id + std::string(1, 40) + Varint(seq);
  const absl::CivilDay day = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  ASSERT_OK(env()
                .redis()
                .Command({"ZADD", "sch:{index}:drives",
                          absl::StrCat(day - absl::CivilDay(1970, 1, 1)), drive_id})
                .status());
  ASSERT_OK(
      env()
          .redis()
          .Command({"XADD", absl::StrCat("sch:{d:", drive_id, "}:events"), "*", "event", bytes})
          .status());
}

void RemindersTest::EmitRegistryEvent(v1::Event event) {
  const int seq = ++sequence_ + 100000;  // apart from whatever the registry itself writes
  event.set_producer("registry");
  event.set_partition("registry");
  if (!event.has_occur_time()) *event.mutable_occur_time() = Ts(absl::Now());
  const std::string id = absl::StrCat("registry:registry:", seq);
  const std::string bytes = event.SerializeAsString() + std::string(1, 10) + Varint(id.size()) +
                            id + std::string(1, 40) + Varint(seq);
  ASSERT_OK(env().redis().Command({"XADD", "reg:{donors}:events", "*", "event", bytes}).status());
}

std::vector<v1::OutboundMessage> RemindersTest::ListAll(const v1::ListMessagesRequest& request) {
  std::vector<v1::OutboundMessage> out;
  v1::ListMessagesRequest page = request;
  for (int i = 0; i < 20; ++i) {
    v1::ListMessagesResponse response;
    const grpc::Status status =
        Call(feed(), &FeedStub::ListMessages, page, &response, absl::Seconds(10), true);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    if (!status.ok()) break;
    out.insert(out.end(), response.messages().begin(), response.messages().end());
    if (response.next_page_token().empty()) break;
    page.set_page_token(response.next_page_token());
  }
  return out;
}

std::vector<v1::OutboundMessage> RemindersTest::WaitForMessages(
    const v1::ListMessagesRequest& request,
    const std::function<bool(const std::vector<v1::OutboundMessage>&)>& done) {
  const absl::Time until = absl::Now() + absl::Seconds(10);
  std::vector<v1::OutboundMessage> last;
  while (absl::Now() < until) {
    last = ListAll(request);
    if (done(last)) return last;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return last;
}

v1::ListMessagesRequest RemindersTest::ForBooking(const std::string& booking) {
  v1::ListMessagesRequest request;
  request.set_booking(booking);
  request.set_view(v1::MESSAGE_VIEW_FULL);
  return request;
}

v1::ListMessagesRequest RemindersTest::ForDonor(const std::string& donor) {
  v1::ListMessagesRequest request;
  request.set_donor(donor);
  request.set_view(v1::MESSAGE_VIEW_FULL);
  return request;
}

std::string RemindersTest::Snapshot() const {
  RedisServer& redis = RemindersEnvironment::Get().redis();
  absl::StatusOr<std::string> keys = redis.Command({"KEYS", "rem:*"});
  if (!keys.ok()) return absl::StrCat("KEYS failed: ", keys.status().ToString());
  std::vector<std::string> lines;
  for (const std::string& key : ArrayItems(*keys)) {
    if (key == "rem:audit") continue;
    const std::string type = redis.Command({"TYPE", key}).value_or("?");
    std::string value;
    if (type == "hash") {
      value = redis.Command({"HGETALL", key}).value_or("?");
    } else if (type == "zset") {
      value = redis.Command({"ZRANGE", key, "0", "-1", "WITHSCORES"}).value_or("?");
    } else {
      value = redis.Command({"DUMP", key}).value_or("?");
    }
    lines.push_back(absl::StrCat(key, " ", type, " ", value));
  }
  std::sort(lines.begin(), lines.end());
  return absl::StrJoin(lines, "\n");
}

}  // namespace blooddrive::testing
