// Bad input to every ReminderFeed RPC: INVALID_ARGUMENT naming the field, and nothing written.
#include <gmock/gmock.h>

#include <functional>

#include "absl/strings/str_cat.h"
#include "reminders_fixture.h"

namespace blooddrive::testing {

RemindersSetup SetupForThisBinary() { return {}; }

namespace {

class ValidationTest : public RemindersTest {
 protected:
  template <typename Request, typename Response>
  void ExpectRefused(grpc::Status (FeedStub::*method)(grpc::ClientContext*, const Request&,
                                                      Response*),
                     const Request& request, const std::string& field) {
    const std::string before = Snapshot();
    Response response;
    EXPECT_TRUE(
        IsInvalidField(Call(feed(), method, request, &response, absl::Seconds(10), true), field))
        << request.ShortDebugString();
    EXPECT_EQ(Snapshot(), before) << "a refused request wrote something";
  }
};

v1::LeaseMessagesRequest GoodLease() {
  v1::LeaseMessagesRequest r;
  r.set_request_id("lease-1");
  r.set_gateway_id("gw-a");
  r.set_max_messages(10);
  return r;
}

v1::AckMessageRequest GoodAck() {
  v1::AckMessageRequest r;
  r.set_request_id("ack-1");
  r.set_name("messages/0123456789abcdef0123456789abcdef");
  r.set_lease_id("gw-a.0000000000000001");
  r.mutable_sent()->set_provider_message_id("p-1");
  return r;
}

v1::ReportDeliveryRequest GoodReceipt() {
  v1::ReportDeliveryRequest r;
  r.set_request_id("dlr-1");
  r.set_name("messages/0123456789abcdef0123456789abcdef");
  r.set_status(v1::DELIVERY_STATUS_DELIVERED);
  return r;
}

v1::ReceiveInboundRequest GoodInbound() {
  v1::ReceiveInboundRequest r;
  r.set_request_id("in-1");
  r.set_gateway_id("gw-a");
  r.set_provider_message_id("mo-1");
  r.set_from_phone("+77011234567");
  r.set_text("STOP");
  return r;
}

v1::QueueInvitationsRequest GoodInvite() {
  v1::QueueInvitationsRequest r;
  r.set_request_id("inv-1");
  r.set_drive("drives/d1");
  r.add_donors("donors/abc");
  return r;
}

TEST_F(ValidationTest, LeaseMessages) {
  auto with = [](const std::function<void(v1::LeaseMessagesRequest*)>& f) {
    v1::LeaseMessagesRequest r = GoodLease();
    f(&r);
    return r;
  };
  ExpectRefused(&FeedStub::LeaseMessages, with([](auto* r) { r->clear_request_id(); }),
                "request_id");
  ExpectRefused(&FeedStub::LeaseMessages, with([](auto* r) { r->set_gateway_id("GW A"); }),
                "gateway_id");
  ExpectRefused(&FeedStub::LeaseMessages, with([](auto* r) { r->clear_gateway_id(); }),
                "gateway_id");
  ExpectRefused(&FeedStub::LeaseMessages, with([](auto* r) { r->set_max_messages(0); }),
                "max_messages");
  ExpectRefused(&FeedStub::LeaseMessages, with([](auto* r) { r->set_max_messages(501); }),
                "max_messages");
  ExpectRefused(&FeedStub::LeaseMessages,
                with([](auto* r) { r->mutable_lease_duration()->set_seconds(5); }),
                "lease_duration");
  ExpectRefused(&FeedStub::LeaseMessages,
                with([](auto* r) { r->mutable_lease_duration()->set_seconds(601); }),
                "lease_duration");
  ExpectRefused(&FeedStub::LeaseMessages,
                with([](auto* r) { r->mutable_max_wait()->set_seconds(31); }), "max_wait");
  ExpectRefused(&FeedStub::LeaseMessages,
                with([](auto* r) { r->mutable_max_wait()->set_seconds(-1); }), "max_wait");
}

TEST_F(ValidationTest, AckMessage) {
  auto with = [](const std::function<void(v1::AckMessageRequest*)>& f) {
    v1::AckMessageRequest r = GoodAck();
    f(&r);
    return r;
  };
  ExpectRefused(&FeedStub::AckMessage, with([](auto* r) { r->clear_request_id(); }), "request_id");
  ExpectRefused(&FeedStub::AckMessage, with([](auto* r) { r->set_name("msg/x"); }), "name");
  ExpectRefused(&FeedStub::AckMessage, with([](auto* r) { r->clear_lease_id(); }), "lease_id");
  ExpectRefused(&FeedStub::AckMessage, with([](auto* r) { r->clear_sent(); }), "result");
  ExpectRefused(&FeedStub::AckMessage,
                with([](auto* r) { r->mutable_sent()->clear_provider_message_id(); }),
                "sent.provider_message_id");
  ExpectRefused(&FeedStub::AckMessage, with([](auto* r) {
    r->mutable_sent()->set_provider_message_id(std::string(129, 'x'));
  }),
                "sent.provider_message_id");
  ExpectRefused(&FeedStub::AckMessage,
                with([](auto* r) { r->mutable_transient_failure()->set_error(""); }),
                "transient_failure.error");
  ExpectRefused(&FeedStub::AckMessage, with([](auto* r) {
    r->mutable_transient_failure()->set_error("x");
    r->mutable_transient_failure()->mutable_retry_after()->set_seconds(-5);
  }),
                "transient_failure.retry_after");
  ExpectRefused(&FeedStub::AckMessage, with([](auto* r) {
    r->mutable_permanent_failure()->set_error(std::string(501, 'e'));
  }),
                "permanent_failure.error");
}

TEST_F(ValidationTest, ReportDelivery) {
  auto with = [](const std::function<void(v1::ReportDeliveryRequest*)>& f) {
    v1::ReportDeliveryRequest r = GoodReceipt();
    f(&r);
    return r;
  };
  ExpectRefused(&FeedStub::ReportDelivery, with([](auto* r) { r->clear_request_id(); }),
                "request_id");
  ExpectRefused(&FeedStub::ReportDelivery, with([](auto* r) { r->clear_name(); }), "message");
  ExpectRefused(&FeedStub::ReportDelivery, with([](auto* r) { r->set_name("messages/A B"); }),
                "name");
  ExpectRefused(&FeedStub::ReportDelivery,
                with([](auto* r) { r->mutable_provider_ref()->set_gateway_id("gw"); }),
                "provider_ref.provider_message_id");
  ExpectRefused(&FeedStub::ReportDelivery,
                with([](auto* r) { r->mutable_provider_ref()->set_provider_message_id("p"); }),
                "provider_ref.gateway_id");
  ExpectRefused(&FeedStub::ReportDelivery,
                with([](auto* r) { r->set_status(v1::DELIVERY_STATUS_UNSPECIFIED); }), "status");
  ExpectRefused(&FeedStub::ReportDelivery,
                with([](auto* r) { r->set_status(static_cast<v1::DeliveryStatus>(42)); }),
                "status");
  ExpectRefused(&FeedStub::ReportDelivery,
                with([](auto* r) { r->set_provider_status(std::string(65, 's')); }),
                "provider_status");
}

TEST_F(ValidationTest, ReceiveInbound) {
  auto with = [](const std::function<void(v1::ReceiveInboundRequest*)>& f) {
    v1::ReceiveInboundRequest r = GoodInbound();
    f(&r);
    return r;
  };
  ExpectRefused(&FeedStub::ReceiveInbound, with([](auto* r) { r->clear_request_id(); }),
                "request_id");
  ExpectRefused(&FeedStub::ReceiveInbound, with([](auto* r) { r->set_gateway_id("G"); }),
                "gateway_id");
  ExpectRefused(&FeedStub::ReceiveInbound, with([](auto* r) { r->clear_provider_message_id(); }),
                "provider_message_id");
  ExpectRefused(&FeedStub::ReceiveInbound, with([](auto* r) { r->set_from_phone("12"); }),
                "from_phone");
  ExpectRefused(&FeedStub::ReceiveInbound, with([](auto* r) { r->set_from_phone("call me"); }),
                "from_phone");
  ExpectRefused(&FeedStub::ReceiveInbound, with([](auto* r) { r->clear_text(); }), "text");
  ExpectRefused(&FeedStub::ReceiveInbound,
                with([](auto* r) { r->set_text(std::string(1601, 'a')); }), "text");
  ExpectRefused(&FeedStub::ReceiveInbound, with([](auto* r) { r->set_text("ST\x07OP"); }), "text");
}

TEST_F(ValidationTest, QueueInvitations) {
  auto with = [](const std::function<void(v1::QueueInvitationsRequest*)>& f) {
    v1::QueueInvitationsRequest r = GoodInvite();
    f(&r);
    return r;
  };
  ExpectRefused(&FeedStub::QueueInvitations, with([](auto* r) { r->clear_request_id(); }),
                "request_id");
  ExpectRefused(&FeedStub::QueueInvitations, with([](auto* r) { r->set_drive("d1"); }), "drive");
  ExpectRefused(&FeedStub::QueueInvitations, with([](auto* r) { r->clear_donors(); }), "donors");
  ExpectRefused(&FeedStub::QueueInvitations, with([](auto* r) { r->add_donors("donor/x"); }),
                "donors[1]");
  ExpectRefused(&FeedStub::QueueInvitations, with([](auto* r) {
    for (int i = 0; i < 1000; ++i) r->add_donors("donors/x");
  }),
                "donors");
  ExpectRefused(&FeedStub::QueueInvitations,
                with([](auto* r) { r->mutable_send_time()->set_nanos(-1); }), "send_time");
}

TEST_F(ValidationTest, GetAndListMessages) {
  v1::GetMessageRequest get;
  get.set_name("messages/");
  ExpectRefused(&FeedStub::GetMessage, get, "name");
  get.set_name("messages/abc");
  get.set_view(static_cast<v1::MessageView>(7));
  ExpectRefused(&FeedStub::GetMessage, get, "view");
  get.set_view(v1::MESSAGE_VIEW_FULL);
  v1::OutboundMessage m;
  EXPECT_TRUE(HasCode(Call(feed(), &FeedStub::GetMessage, get, &m), grpc::StatusCode::NOT_FOUND));

  v1::ListMessagesRequest list;
  list.set_donor("people/x");
  ExpectRefused(&FeedStub::ListMessages, list, "donor");
  list.Clear();
  list.set_drive("drives/UPPER");
  ExpectRefused(&FeedStub::ListMessages, list, "drive");
  list.Clear();
  list.set_booking("drives/d1/slots/s1");
  ExpectRefused(&FeedStub::ListMessages, list, "booking");
  list.Clear();
  list.set_drive("drives/d2");
  list.set_booking("drives/d1/bookings/b1");
  ExpectRefused(&FeedStub::ListMessages, list, "booking");
  list.Clear();
  list.set_kind(static_cast<v1::MessageKind>(99));
  ExpectRefused(&FeedStub::ListMessages, list, "kind");
  list.Clear();
  list.add_states(v1::MESSAGE_STATE_PENDING);
  list.add_states(v1::MESSAGE_STATE_UNSPECIFIED);
  ExpectRefused(&FeedStub::ListMessages, list, "states[1]");
  list.Clear();
  list.set_page_size(501);
  ExpectRefused(&FeedStub::ListMessages, list, "page_size");
  list.Clear();
  list.set_page_token("not-a-token");
  ExpectRefused(&FeedStub::ListMessages, list, "page_token");
}

}  // namespace
}  // namespace blooddrive::testing
