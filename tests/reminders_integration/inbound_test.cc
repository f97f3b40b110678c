// Inbound SMS: STOP in every supported language opts every donor of the phone out (the registry
// shows it), START opts back in, and an opt-out suppresses messages already planned.
#include <gmock/gmock.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "reminders_fixture.h"

namespace blooddrive::testing {

RemindersSetup SetupForThisBinary() { return {}; }

namespace {

class InboundTest : public RemindersTest {
 protected:
  v1::ReceiveInboundRequest Sms(const std::string& text,
                                const std::string& from = "8 701 123 45 67") {
    v1::ReceiveInboundRequest request;
    request.set_request_id(NewRequestId("in"));
    request.set_gateway_id("gw-a");
    request.set_provider_message_id(NewRequestId("mo"));
    request.set_from_phone(from);
    request.set_text(text);
    return request;
  }

  v1::ReceiveInboundResponse Receive(const v1::ReceiveInboundRequest& request) {
    v1::ReceiveInboundResponse response;
    const grpc::Status s =
        Call(feed(), &FeedStub::ReceiveInbound, request, &response, absl::Seconds(10), true);
    EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
    return response;
  }

  v1::OutboundMessage GetFull(const std::string& name) {
    v1::GetMessageRequest request;
    request.set_name(name);
    request.set_view(v1::MESSAGE_VIEW_FULL);
    v1::OutboundMessage m;
    const grpc::Status s = Call(feed(), &FeedStub::GetMessage, request, &m);
    EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
    return m;
  }
};

TEST_F(InboundTest, StopInEachLanguageOptsOutAndStartOptsBackIn) {
  // Two donors share the handset (a family): both follow the keyword.
  const v1::Donor a = MustCreate(KazakhDonor(21));
  const v1::Donor b = MustCreate(KazakhDonor(22));
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"STOP", "START"},              // any language
      {"СТОП", "СТАРТ"},              // ru and the Cyrillic-script languages
      {"Отписаться", "Возобновить"},  // ru
      {"ТОҚТАТУ", "БАСТАУ"},          // kk
      {"toqtatu", "bastau"},          // kk typed in Latin
      {"ТОКТОТ", "БАШТА"},            // ky
      {"ИСТ", "ОҒОЗ"},                // tg
      {"TO'XTAT", "BOSHLASH"},        // uz Latin
      {"Toʻxtat", "boshla"},          // uz Latin with the modifier letter, mixed case
      {"ТЎХТАТ", "БОШЛАШ"},           // uz Cyrillic
      {" stop! ", "Start."},          // surrounding blanks and punctuation
  };
  for (const auto& [stop, start] : pairs) {
    SCOPED_TRACE(stop);
    const v1::ReceiveInboundResponse out = Receive(Sms(stop));
    EXPECT_EQ(out.action(), v1::INBOUND_ACTION_OPTED_OUT);
    EXPECT_THAT(out.donors(), ::testing::UnorderedElementsAre(a.name(), b.name()));
    for (const v1::Donor& d : {a, b}) {
      const v1::Donor now = MustGetDonor(d.name());
      EXPECT_FALSE(now.sms_consent().opted_in());
      EXPECT_EQ(now.sms_consent().channel(), v1::CONSENT_CHANNEL_SMS_KEYWORD);
    }
    ASSERT_FALSE(out.reply().empty());
    const v1::OutboundMessage reply = GetFull(out.reply());
    EXPECT_EQ(reply.kind(), v1::MESSAGE_KIND_INBOUND_REPLY);
    EXPECT_EQ(reply.state(), v1::MESSAGE_STATE_PENDING) << "the answer to STOP goes out once";
    EXPECT_EQ(reply.phone(), "+77011234567");
    EXPECT_EQ(reply.language(), v1::LANGUAGE_KAZAKH);

    SCOPED_TRACE(start);
    const v1::ReceiveInboundResponse in = Receive(Sms(start));
    EXPECT_EQ(in.action(), v1::INBOUND_ACTION_OPTED_IN);
    for (const v1::Donor& d : {a, b}) {
      EXPECT_TRUE(MustGetDonor(d.name()).sms_consent().opted_in());
    }
  }
}

TEST_F(InboundTest, RetriedSmsActsOnce) {
  MustCreate(KazakhDonor(23));
  const v1::ReceiveInboundRequest request = Sms("STOP");
  const v1::ReceiveInboundResponse first = Receive(request);
  const v1::ReceiveInboundResponse again = Receive(request);
  EXPECT_EQ(first.SerializeAsString(), again.SerializeAsString());
  // The same provider message under another request id (the gateway lost its own id).
  v1::ReceiveInboundRequest other = request;
  other.set_request_id(NewRequestId("in"));
  EXPECT_EQ(Receive(other).SerializeAsString(), first.SerializeAsString());
  // The same request id for another SMS is refused.
  v1::ReceiveInboundRequest reused = Sms("START");
  reused.set_request_id(request.request_id());
  v1::ReceiveInboundResponse response;
  EXPECT_TRUE(
      IsInvalidField(Call(feed(), &FeedStub::ReceiveInbound, reused, &response), "request_id"));
}

TEST_F(InboundTest, OptOutSuppressesMessagesAlreadyPlanned) {
  const v1::Donor donor = MustCreate(KazakhDonor(24));
  const absl::CivilDay day = absl::ToCivilDay(absl::Now(), Almaty()) + 9;
  const v1::BookingSnapshot b =
      MakeBooking("drv-in", "bk", donor.name(),
                  AlmatyTime(absl::CivilMinute(day.year(), day.month(), day.day(), 10, 0)));
  v1::Event created;
  *created.mutable_booking_created()->mutable_booking() = b;
  EmitSchedulingEvent("drv-in", created);
  const auto planned =
      WaitForMessages(ForBooking(b.booking()), [](const auto& m) { return m.size() >= 4; });
  ASSERT_EQ(planned.size(), 4u) << Describe(planned);
  for (const auto& m : planned) ASSERT_EQ(m.state(), v1::MESSAGE_STATE_PENDING);

  const v1::ReceiveInboundResponse out = Receive(Sms("ТОҚТАТУ", "+7 701 123 4567"));
  ASSERT_EQ(out.action(), v1::INBOUND_ACTION_OPTED_OUT);
  for (const auto& m : ListAll(ForBooking(b.booking()))) {
    EXPECT_EQ(m.state(), v1::MESSAGE_STATE_SUPPRESSED) << Describe({m});
    EXPECT_EQ(m.state_reason(), "opted out");
  }
  // Planned after the opt-out: suppressed from the start.
  v1::BookingSnapshot c = b;
  c.set_booking("drives/drv-in/bookings/bk2");
  *created.mutable_booking_created()->mutable_booking() = c;
  EmitSchedulingEvent("drv-in", created);
  const auto later =
      WaitForMessages(ForBooking(c.booking()), [](const auto& m) { return m.size() >= 4; });
  ASSERT_EQ(later.size(), 4u);
  for (const auto& m : later) EXPECT_EQ(m.state(), v1::MESSAGE_STATE_SUPPRESSED);
  // The reply to STOP is not suppressed.
  EXPECT_EQ(GetFull(out.reply()).state(), v1::MESSAGE_STATE_PENDING);
}

TEST_F(InboundTest, UnknownPhoneAndUnknownWords) {
  MustCreate(KazakhDonor(25));
  EXPECT_EQ(Receive(Sms("STOP", "+7 702 000 00 00")).action(), v1::INBOUND_ACTION_NO_DONOR);
  const v1::ReceiveInboundResponse other = Receive(Sms("нет, я приду"));
  EXPECT_EQ(other.action(), v1::INBOUND_ACTION_NOT_UNDERSTOOD);
  EXPECT_TRUE(other.reply().empty());
  // Confirm/cancel need scheduling, which does not run in this test: UNAVAILABLE, retryable.
  v1::ReceiveInboundResponse response;
  EXPECT_TRUE(HasCode(Call(feed(), &FeedStub::ReceiveInbound, Sms("ИӘ"), &response),
                      grpc::StatusCode::UNAVAILABLE));
}

}  // namespace
}  // namespace blooddrive::testing
