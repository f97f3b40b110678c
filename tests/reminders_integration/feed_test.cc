// The gateway side of ReminderFeed: leases, acks, lease expiry, delivery receipts. Quiet hours are
// off in this binary, so a booking's confirmation is due at once whatever the time of day.
#include <gmock/gmock.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "reminders_fixture.h"

namespace blooddrive::testing {

RemindersSetup SetupForThisBinary() { return {{"--quiet_hours=00:00-00:00"}}; }

namespace {

class FeedTest : public RemindersTest {
 protected:
  void SetUp() override {
    RemindersTest::SetUp();
    donor_ = MustCreate(MigrantDonor("FA" + std::to_string(++serial_) + "1234"));
  }

  // Plans a booking in 10 days and waits for its messages; returns the confirmation's name.
  std::string PlanConfirmation(const std::string& booking_id) {
    const absl::Time start = absl::Now() + absl::Hours(24 * 10);
    const v1::BookingSnapshot b = MakeBooking("drv-feed", booking_id, donor_.name(), start);
    v1::Event e;
    *e.mutable_booking_created()->mutable_booking() = b;
    EmitSchedulingEvent("drv-feed", e);
    const auto messages =
        WaitForMessages(ForBooking(b.booking()), [](const auto& m) { return m.size() >= 4; });
    const auto confirmations = OfKind(messages, v1::MESSAGE_KIND_BOOKING_CONFIRMATION);
    EXPECT_EQ(confirmations.size(), 1u) << Describe(messages);
    return confirmations.empty() ? "" : confirmations[0].name();
  }

  v1::LeaseMessagesRequest LeaseRequest(const std::string& gateway, int seconds = 60) {
    v1::LeaseMessagesRequest request;
    request.set_request_id(NewRequestId("lease"));
    request.set_gateway_id(gateway);
    request.set_max_messages(10);
    request.mutable_lease_duration()->set_seconds(seconds);
    return request;
  }

  std::vector<v1::OutboundMessage> Lease(const v1::LeaseMessagesRequest& request) {
    v1::LeaseMessagesResponse response;
    const grpc::Status s = Call(feed(), &FeedStub::LeaseMessages, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
    return {response.messages().begin(), response.messages().end()};
  }

  grpc::Status AckSent(const v1::OutboundMessage& m, const std::string& provider_id,
                       v1::OutboundMessage* out, const std::string& lease_id = "") {
    v1::AckMessageRequest ack;
    ack.set_request_id(NewRequestId("ack"));
    ack.set_name(m.name());
    ack.set_lease_id(lease_id.empty() ? m.lease().lease_id() : lease_id);
    ack.mutable_sent()->set_provider_message_id(provider_id);
    return Call(feed(), &FeedStub::AckMessage, ack, out);
  }

  v1::OutboundMessage Get(const std::string& name) {
    v1::GetMessageRequest request;
    request.set_name(name);
    request.set_view(v1::MESSAGE_VIEW_FULL);
    v1::OutboundMessage m;
    const grpc::Status s = Call(feed(), &FeedStub::GetMessage, request, &m);
    EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
    return m;
  }

  grpc::Status Receipt(const std::string& name, v1::DeliveryStatus status,
                       v1::OutboundMessage* out) {
    v1::ReportDeliveryRequest request;
    request.set_request_id(NewRequestId("dlr"));
    request.set_name(name);
    request.set_status(status);
    return Call(feed(), &FeedStub::ReportDelivery, request, out);
  }

  v1::Donor donor_;
  static inline int serial_ = 0;
};

TEST_F(FeedTest, LeaseAckAndReceiptsAreIdempotent) {
  const std::string name = PlanConfirmation("bk1");
  const v1::LeaseMessagesRequest request = LeaseRequest("gw-a");
  const auto leased = Lease(request);
  ASSERT_EQ(leased.size(), 1u);  // the reminders are not due yet
  const v1::OutboundMessage& m = leased[0];
  EXPECT_EQ(m.name(), name);
  EXPECT_EQ(m.state(), v1::MESSAGE_STATE_LEASED);
  EXPECT_EQ(m.phone(), "+998901234567");
  EXPECT_EQ(m.language(), v1::LANGUAGE_UZBEK);
  EXPECT_EQ(m.encoding(), v1::SMS_ENCODING_GSM7);  // Latin site name and Uzbek Latin text
  EXPECT_FALSE(m.text().empty());
  EXPECT_EQ(m.attempt_count(), 1);
  EXPECT_EQ(m.lease().gateway_id(), "gw-a");
  EXPECT_FALSE(m.lease().lease_id().empty());

  // Held: nobody else gets it; the same request again gets the same lease.
  EXPECT_TRUE(Lease(LeaseRequest("gw-b")).empty());
  const auto again = Lease(request);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].lease().lease_id(), m.lease().lease_id());

  v1::OutboundMessage sent;
  ASSERT_TRUE(AckSent(m, "prov-1", &sent).ok());
  EXPECT_EQ(sent.state(), v1::MESSAGE_STATE_SENT);
  EXPECT_EQ(sent.provider_message_id(), "prov-1");
  EXPECT_TRUE(Lease(LeaseRequest("gw-b")).empty()) << "an acked message was leased again";

  v1::OutboundMessage delivered;
  ASSERT_TRUE(Receipt(name, v1::DELIVERY_STATUS_DELIVERED, &delivered).ok());
  EXPECT_EQ(delivered.state(), v1::MESSAGE_STATE_DELIVERED);
  // The message's own record and the due index, before and after.
  auto state = [&] {
    return absl::StrCat(
        env().redis().Command({"HGETALL", "rem:{outbox}:msg:" + name.substr(9)}).value_or("?"), "|",
        env().redis().Command({"ZRANGE", "rem:{outbox}:due", "0", "-1"}).value_or("?"));
  };
  const std::string before = state();
  // A duplicate receipt, a contradicting one after the final state, and one by provider id:
  // nothing changes.
  v1::OutboundMessage dup;
  ASSERT_TRUE(Receipt(name, v1::DELIVERY_STATUS_DELIVERED, &dup).ok());
  ASSERT_TRUE(Receipt(name, v1::DELIVERY_STATUS_UNDELIVERABLE, &dup).ok());
  v1::ReportDeliveryRequest by_ref;
  by_ref.set_request_id(NewRequestId("dlr"));
  by_ref.mutable_provider_ref()->set_gateway_id("gw-a");
  by_ref.mutable_provider_ref()->set_provider_message_id("prov-1");
  by_ref.set_status(v1::DELIVERY_STATUS_EXPIRED);
  ASSERT_TRUE(Call(feed(), &FeedStub::ReportDelivery, by_ref, &dup).ok());
  EXPECT_EQ(dup.state(), v1::MESSAGE_STATE_DELIVERED);
  EXPECT_EQ(dup.final_time().seconds(), delivered.final_time().seconds());
  EXPECT_EQ(state(), before);
  // And an acked message is never leased again, even much later.
  EXPECT_TRUE(Lease(LeaseRequest("gw-c")).empty());
}

TEST_F(FeedTest, ExpiredLeaseMakesTheMessageLeasableAgain) {
  const std::string name = PlanConfirmation("bk2");
  const auto first = Lease(LeaseRequest("gw-a", 10));
  ASSERT_EQ(first.size(), 1u);
  absl::SleepFor(absl::Seconds(11));
  const auto second = Lease(LeaseRequest("gw-b"));
  ASSERT_EQ(second.size(), 1u) << "the expired lease did not free the message";
  EXPECT_EQ(second[0].name(), name);
  EXPECT_EQ(second[0].attempt_count(), 2);
  EXPECT_EQ(second[0].lease().gateway_id(), "gw-b");

  // The first gateway's failure ack no longer counts...
  v1::AckMessageRequest fail;
  fail.set_request_id(NewRequestId("ack"));
  fail.set_name(name);
  fail.set_lease_id(first[0].lease().lease_id());
  fail.mutable_permanent_failure()->set_error("blocked number");
  v1::OutboundMessage out;
  EXPECT_TRUE(HasCode(Call(feed(), &FeedStub::AckMessage, fail, &out),
                      grpc::StatusCode::FAILED_PRECONDITION));
  // ...but its SENT ack does: the SMS went out.
  ASSERT_TRUE(AckSent(first[0], "prov-late", &out).ok());
  EXPECT_EQ(out.state(), v1::MESSAGE_STATE_SENT);
  EXPECT_EQ(out.provider_message_id(), "prov-late");
  // The second gateway's ack afterwards changes nothing.
  ASSERT_TRUE(AckSent(second[0], "prov-dup", &out).ok());
  EXPECT_EQ(out.provider_message_id(), "prov-late");
  EXPECT_TRUE(Lease(LeaseRequest("gw-c")).empty());
}

TEST_F(FeedTest, ReceiptWhileLeasedCountsAsSent) {
  const std::string name = PlanConfirmation("bk3");
  ASSERT_EQ(Lease(LeaseRequest("gw-a", 10)).size(), 1u);
  v1::OutboundMessage out;
  ASSERT_TRUE(Receipt(name, v1::DELIVERY_STATUS_DELIVERED, &out).ok());
  EXPECT_EQ(out.state(), v1::MESSAGE_STATE_DELIVERED);
  EXPECT_TRUE(out.has_sent_time());
  absl::SleepFor(absl::Seconds(11));  // past the lease: still never leased again
  EXPECT_TRUE(Lease(LeaseRequest("gw-b")).empty());
}

TEST_F(FeedTest, TransientFailureRetriesWithBackoffPermanentFails) {
  const std::string name = PlanConfirmation("bk4");
  const auto leased = Lease(LeaseRequest("gw-a"));
  ASSERT_EQ(leased.size(), 1u);
  v1::AckMessageRequest transient;
  transient.set_request_id(NewRequestId("ack"));
  transient.set_name(name);
  transient.set_lease_id(leased[0].lease().lease_id());
  transient.mutable_transient_failure()->set_error("provider throttled");
  transient.mutable_transient_failure()->mutable_retry_after()->set_seconds(120);
  const absl::Time acked = absl::Now();
  v1::OutboundMessage out;
  ASSERT_TRUE(Call(feed(), &FeedStub::AckMessage, transient, &out).ok());
  EXPECT_EQ(out.state(), v1::MESSAGE_STATE_PENDING);
  EXPECT_EQ(out.state_reason(), "provider throttled");
  EXPECT_GE(TimeOf(out.due_time()), acked + absl::Seconds(119));
  EXPECT_FALSE(out.has_lease());
  // The same ack again (a retried RPC) is answered without a second effect.
  v1::OutboundMessage replay;
  ASSERT_TRUE(Call(feed(), &FeedStub::AckMessage, transient, &replay).ok());
  EXPECT_EQ(replay.due_time().seconds(), out.due_time().seconds());
  EXPECT_TRUE(Lease(LeaseRequest("gw-a")).empty()) << "retried before its backoff";

  const std::string other = PlanConfirmation("bk5");
  const auto second = Lease(LeaseRequest("gw-a"));
  ASSERT_EQ(second.size(), 1u);
  v1::AckMessageRequest permanent;
  permanent.set_request_id(NewRequestId("ack"));
  permanent.set_name(other);
  permanent.set_lease_id(second[0].lease().lease_id());
  permanent.mutable_permanent_failure()->set_error("invalid number");
  ASSERT_TRUE(Call(feed(), &FeedStub::AckMessage, permanent, &out).ok());
  EXPECT_EQ(out.state(), v1::MESSAGE_STATE_FAILED);
  EXPECT_TRUE(out.has_final_time());
}

TEST_F(FeedTest, ReleasedMessageIsLeasableAtOnceAndNeverFailsForIt) {
  // A gateway hands a message back unsent (stopping, too little lease left, or a provider that
  // refuses the gateway's configuration): nothing reached a provider, so no backoff and no
  // attempt. More releases than --max_attempts (8) do not make it FAILED.
  const std::string name = PlanConfirmation("bk6");
  auto release = [&](const v1::OutboundMessage& m, const std::string& why) {
    v1::AckMessageRequest ack;
    ack.set_request_id(NewRequestId("ack"));
    ack.set_name(m.name());
    ack.set_lease_id(m.lease().lease_id());
    ack.mutable_transient_failure()->set_error(why);
    ack.mutable_transient_failure()->mutable_retry_after();  // explicitly 0, as the gateway does
    v1::OutboundMessage out;
    const grpc::Status s = Call(feed(), &FeedStub::AckMessage, ack, &out);
    EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
    return out;
  };
  const std::vector<std::string> reasons = {"not sent: gateway stopping",
                                            "not sent: lease too short",
                                            "not sent: http status 401 (gateway configuration)"};
  std::vector<v1::OutboundMessage> leased = Lease(LeaseRequest("gw-a"));
  ASSERT_EQ(leased.size(), 1u);
  const absl::Time planned_due = TimeOf(leased[0].due_time());
  for (int i = 0; i < 12; ++i) {
    ASSERT_EQ(leased.size(), 1u) << "release " << i;
    EXPECT_EQ(leased[0].name(), name);
    EXPECT_EQ(leased[0].attempt_count(), 1) << "a release counted as an attempt";
    const std::string& why = reasons[i % reasons.size()];
    const v1::OutboundMessage out = release(leased[0], why);
    EXPECT_EQ(out.state(), v1::MESSAGE_STATE_PENDING) << "release " << i;
    EXPECT_EQ(out.state_reason(), why);
    EXPECT_EQ(out.attempt_count(), 0);
    // Due at once, and still at its planned time: it keeps its place ahead of later messages.
    EXPECT_EQ(TimeOf(out.due_time()), planned_due);
    leased = Lease(LeaseRequest(i % 2 == 0 ? "gw-b" : "gw-a"));
  }
  ASSERT_EQ(leased.size(), 1u);
  EXPECT_NE(Get(name).state(), v1::MESSAGE_STATE_FAILED);

  // A real transient failure from the provider still backs off (30 s first) and counts.
  v1::AckMessageRequest transient;
  transient.set_request_id(NewRequestId("ack"));
  transient.set_name(name);
  transient.set_lease_id(leased[0].lease().lease_id());
  transient.mutable_transient_failure()->set_error("http status 503");
  transient.mutable_transient_failure()->mutable_retry_after();
  const absl::Time acked = absl::Now();
  v1::OutboundMessage out;
  ASSERT_TRUE(Call(feed(), &FeedStub::AckMessage, transient, &out).ok());
  EXPECT_EQ(out.state(), v1::MESSAGE_STATE_PENDING);
  EXPECT_EQ(out.attempt_count(), 1);
  EXPECT_GE(TimeOf(out.due_time()), acked + absl::Seconds(29));
  EXPECT_TRUE(Lease(LeaseRequest("gw-a")).empty()) << "retried before its backoff";
}

TEST_F(FeedTest, ReleaseWithRetryAfterWaitsThatLong) {
  // A configuration error (HTTP 401 from the provider) comes with a wait: no attempt either.
  const std::string name = PlanConfirmation("bk7");
  const auto leased = Lease(LeaseRequest("gw-a"));
  ASSERT_EQ(leased.size(), 1u);
  v1::AckMessageRequest ack;
  ack.set_request_id(NewRequestId("ack"));
  ack.set_name(name);
  ack.set_lease_id(leased[0].lease().lease_id());
  ack.mutable_transient_failure()->set_error("not sent: http status 401 (gateway configuration)");
  ack.mutable_transient_failure()->mutable_retry_after()->set_seconds(60);
  const absl::Time acked = absl::Now();
  v1::OutboundMessage out;
  ASSERT_TRUE(Call(feed(), &FeedStub::AckMessage, ack, &out).ok());
  EXPECT_EQ(out.state(), v1::MESSAGE_STATE_PENDING);
  EXPECT_EQ(out.attempt_count(), 0);
  EXPECT_GE(TimeOf(out.due_time()), acked + absl::Seconds(59));
  EXPECT_LE(TimeOf(out.due_time()), absl::Now() + absl::Seconds(61));
  EXPECT_TRUE(Lease(LeaseRequest("gw-a")).empty());
}

TEST_F(FeedTest, LeaseWaitsUpToMaxWait) {
  v1::LeaseMessagesRequest request = LeaseRequest("gw-a");
  request.mutable_max_wait()->set_seconds(1);
  const absl::Time start = absl::Now();
  EXPECT_TRUE(Lease(request).empty());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(900));
  EXPECT_LE(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace blooddrive::testing
