// End to end with the real producer: redis-server, blooddrive-registry, -eligibility, -scheduling
// and -reminders (auth on). Bookings made through DriveScheduling reach the outbox through the
// partition streams; SMS replies act on bookings through scheduling; invitations read the drive
// from scheduling; a donation plans a thank-you and a recall dated by Eligibility.
// Quiet hours are off so that what is due "now" does not depend on the time of day.
#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>

#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "blooddrive/v1/reminders.grpc.pb.h"
#include "scheduling_fixture.h"

namespace blooddrive::testing {
namespace {

using FeedStub = v1::ReminderFeed::Stub;

std::vector<v1::OutboundMessage> OfKind(const std::vector<v1::OutboundMessage>& messages,
                                        v1::MessageKind kind) {
  std::vector<v1::OutboundMessage> out;
  for (const auto& m : messages) {
    if (m.kind() == kind) out.push_back(m);
  }
  return out;
}

class EndToEndTest : public SchedulingTest {
 protected:
  static void SetUpTestSuite() {
    SchedulingTest::SetUpTestSuite();
    SchedulingEnvironment& e = SchedulingEnvironment::Get();
    std::vector<std::string> flags = RedisUserFlags("reminders");
    flags.push_back("--redis=" + e.redis().address());
    flags.push_back("--registry_target=" + e.registry().target());
    flags.push_back("--eligibility_target=" + e.eligibility().target());
    flags.push_back("--scheduling_target=" + e.scheduling().target());
    flags.push_back(FixtureCredentials().flag());
    // Any token of role "service" that the running processes know.
    flags.push_back("--service_token_file=" + FixtureCredentials().dir() +
                    "/scheduling-service.token");
    flags.push_back("--consumer_name=e2e");
    flags.push_back("--quiet_hours=00:00-00:00");
    ServiceProcess::Options options;
    options.token = AdminToken();
    options.health_service = "blooddrive.v1.ReminderFeed";
    reminders_ = std::make_unique<ServiceProcess>(REMINDERS_BIN, flags, options);
    ASSERT_OK(reminders_->Start());
  }
  static void TearDownTestSuite() {
    reminders_.reset();
    SchedulingTest::TearDownTestSuite();
  }
  void SetUp() override {
    SchedulingTest::SetUp();
    ASSERT_TRUE(reminders_ != nullptr && reminders_->running());
    feed_ = v1::ReminderFeed::NewStub(reminders_->Channel());
  }

  std::vector<v1::OutboundMessage> Messages(const std::string& booking) {
    v1::ListMessagesRequest request;
    request.set_booking(booking);
    request.set_view(v1::MESSAGE_VIEW_FULL);
    v1::ListMessagesResponse response;
    const grpc::Status s = Call(*feed_, &FeedStub::ListMessages, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
    return {response.messages().begin(), response.messages().end()};
  }

  std::vector<v1::OutboundMessage> WaitFor(
      const std::string& booking,
      const std::function<bool(const std::vector<v1::OutboundMessage>&)>& done) {
    std::vector<v1::OutboundMessage> last;
    for (absl::Time until = absl::Now() + absl::Seconds(15); absl::Now() < until;) {
      last = Messages(booking);
      if (done(last)) break;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return last;
  }

  v1::ReceiveInboundResponse Sms(const std::string& text) {
    v1::ReceiveInboundRequest request;
    request.set_request_id(NewRequestId("in"));
    request.set_gateway_id("gw-e2e");
    request.set_provider_message_id(NewRequestId("mo"));
    request.set_from_phone("+7 701 123 45 67");
    request.set_text(text);
    v1::ReceiveInboundResponse response;
    const grpc::Status s =
        Call(*feed_, &FeedStub::ReceiveInbound, request, &response, absl::Seconds(20));
    EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
    return response;
  }

  static inline std::unique_ptr<ServiceProcess> reminders_;
  std::unique_ptr<FeedStub> feed_;
};

TEST_F(EndToEndTest, BookingPlansMessagesAndSmsRepliesConfirmThenCancel) {
  const v1::Donor donor = MustCreateDonor();
  const v1::Drive drive = MustPublishedDrive(today() + 7, 2);
  const v1::DriveAvailability availability = MustAvailability(drive.name());
  ASSERT_GT(availability.slots_size(), 0);
  const v1::Booking booking = MustBook(availability.slots(0).slot(), donor.name());
  ASSERT_FALSE(booking.name().empty());

  auto messages = WaitFor(booking.name(), [](const auto& m) { return m.size() >= 4; });
  ASSERT_EQ(messages.size(), 4u);
  ASSERT_EQ(OfKind(messages, v1::MESSAGE_KIND_BOOKING_CONFIRMATION).size(), 1u);
  EXPECT_THAT(OfKind(messages, v1::MESSAGE_KIND_BOOKING_CONFIRMATION)[0].text(),
              ::testing::HasSubstr("08:00"));

  const v1::ReceiveInboundResponse confirmed = Sms("иә");
  EXPECT_EQ(confirmed.action(), v1::INBOUND_ACTION_BOOKING_CONFIRMED);
  EXPECT_EQ(confirmed.booking(), booking.name());
  EXPECT_EQ(MustGetBooking(booking.name()).state(), v1::BOOKING_STATE_CONFIRMED);
  EXPECT_EQ(MustGetBooking(booking.name()).confirmation_channel(),
            v1::CONFIRMATION_CHANNEL_SMS_REPLY);

  const v1::ReceiveInboundResponse cancelled = Sms("0");
  EXPECT_EQ(cancelled.action(), v1::INBOUND_ACTION_BOOKING_CANCELLED);
  const v1::Booking after = MustGetBooking(booking.name());
  EXPECT_EQ(after.state(), v1::BOOKING_STATE_CANCELLED);
  EXPECT_EQ(after.cancel_reason(), v1::CANCEL_REASON_DONOR_SMS_REPLY);

  messages = WaitFor(booking.name(), [](const auto& m) {
    for (const auto& x : OfKind(m, v1::MESSAGE_KIND_REMINDER)) {
      if (x.state() != v1::MESSAGE_STATE_WITHDRAWN) return false;
    }
    return true;
  });
  for (const auto& m : OfKind(messages, v1::MESSAGE_KIND_REMINDER)) {
    EXPECT_EQ(m.state(), v1::MESSAGE_STATE_WITHDRAWN);
  }
  // Answered by the reply to the SMS, not by a second notice.
  EXPECT_TRUE(OfKind(messages, v1::MESSAGE_KIND_CANCELLATION).empty());
  ASSERT_FALSE(cancelled.reply().empty());

  // No booking left: a further "yes" says so.
  EXPECT_EQ(Sms("1").action(), v1::INBOUND_ACTION_NO_BOOKING);
}

TEST_F(EndToEndTest, ReplyOnASharedPhoneAnswersTheLastMessageNotTheSoonestBooking) {
  // A mother and her son, one handset: the son's confirmation came last, so "0" is his answer.
  const v1::Donor mother = MustCreateDonor();
  const v1::Donor son = MustCreateDonor();
  ASSERT_EQ(mother.phone(), son.phone());
  const v1::Drive sooner = MustPublishedDrive(today() + 7, 2);
  const v1::Drive later = MustPublishedDrive(today() + 9, 2);
  const v1::Booking hers = MustBook(MustAvailability(sooner.name()).slots(0).slot(), mother.name());
  const v1::Booking his = MustBook(MustAvailability(later.name()).slots(0).slot(), son.name());
  ASSERT_FALSE(hers.name().empty() || his.name().empty());
  for (const v1::Booking* b : {&hers, &his}) {
    ASSERT_EQ(OfKind(WaitFor(b->name(),
                             [](const auto& m) {
                               return !OfKind(m, v1::MESSAGE_KIND_BOOKING_CONFIRMATION).empty();
                             }),
                     v1::MESSAGE_KIND_BOOKING_CONFIRMATION)
                  .size(),
              1u);
  }
  v1::LeaseMessagesRequest lease;
  lease.set_request_id(NewRequestId("lease"));
  lease.set_gateway_id("gw-e2e");
  lease.set_max_messages(10);
  v1::LeaseMessagesResponse leased;
  ASSERT_TRUE(Call(*feed_, &FeedStub::LeaseMessages, lease, &leased).ok());
  // Sent in booking order, a minute apart.
  const absl::Time first_sent = absl::Now() - absl::Minutes(5);
  for (const v1::OutboundMessage& m : leased.messages()) {
    ASSERT_EQ(m.kind(), v1::MESSAGE_KIND_BOOKING_CONFIRMATION);
    v1::AckMessageRequest ack;
    ack.set_request_id(NewRequestId("ack"));
    ack.set_name(m.name());
    ack.set_lease_id(m.lease().lease_id());
    ack.mutable_sent()->set_provider_message_id(NewRequestId("pm"));
    const absl::Time sent =
        first_sent + (m.booking() == his.name() ? absl::Minutes(1) : absl::ZeroDuration());
    *ack.mutable_sent()->mutable_sent_time() =
        google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(sent));
    v1::OutboundMessage acked;
    ASSERT_TRUE(Call(*feed_, &FeedStub::AckMessage, ack, &acked).ok());
  }
  ASSERT_EQ(leased.messages_size(), 2);

  const v1::ReceiveInboundResponse cancelled = Sms("0");
  EXPECT_EQ(cancelled.action(), v1::INBOUND_ACTION_BOOKING_CANCELLED);
  EXPECT_EQ(cancelled.booking(), his.name());
  EXPECT_EQ(MustGetBooking(his.name()).state(), v1::BOOKING_STATE_CANCELLED);
  EXPECT_EQ(MustGetBooking(hers.name()).state(), v1::BOOKING_STATE_BOOKED);
  // His booking gone, the next reply answers hers (her confirmation is the last one left).
  const v1::ReceiveInboundResponse confirmed = Sms("1");
  EXPECT_EQ(confirmed.booking(), hers.name());
  EXPECT_EQ(MustGetBooking(hers.name()).state(), v1::BOOKING_STATE_CONFIRMED);
}

TEST_F(EndToEndTest, QueueInvitationsOncePerDonorAndDrive) {
  const v1::Donor donor = MustCreateDonor();
  const v1::Drive drive = MustPublishedDrive(today() + 10, 2);
  v1::QueueInvitationsRequest request;
  request.set_request_id(NewRequestId("inv"));
  request.set_drive(drive.name());
  request.add_donors(donor.name());
  request.add_donors("donors/nosuchdonor");
  v1::QueueInvitationsResponse first;
  ASSERT_TRUE(Call(*feed_, &FeedStub::QueueInvitations, request, &first).ok());
  ASSERT_EQ(first.items_size(), 2);
  EXPECT_EQ(first.items(0).result(), v1::QueueInvitationsResponse::RESULT_QUEUED);
  EXPECT_EQ(first.items(1).result(), v1::QueueInvitationsResponse::RESULT_DONOR_NOT_FOUND);
  EXPECT_EQ(first.queued(), 1);

  v1::QueueInvitationsResponse replay;
  ASSERT_TRUE(Call(*feed_, &FeedStub::QueueInvitations, request, &replay).ok());
  EXPECT_EQ(replay.SerializeAsString(), first.SerializeAsString());

  request.set_request_id(NewRequestId("inv"));
  v1::QueueInvitationsResponse again;
  ASSERT_TRUE(Call(*feed_, &FeedStub::QueueInvitations, request, &again).ok());
  EXPECT_EQ(again.items(0).result(), v1::QueueInvitationsResponse::RESULT_ALREADY_QUEUED);
  EXPECT_EQ(again.items(0).message(), first.items(0).message());
  EXPECT_EQ(again.queued(), 0);

  v1::GetMessageRequest get;
  get.set_name(first.items(0).message());
  get.set_view(v1::MESSAGE_VIEW_FULL);
  v1::OutboundMessage m;
  ASSERT_TRUE(Call(*feed_, &FeedStub::GetMessage, get, &m).ok());
  EXPECT_EQ(m.kind(), v1::MESSAGE_KIND_INVITATION);
  EXPECT_EQ(m.state(), v1::MESSAGE_STATE_PENDING);
  EXPECT_EQ(m.drive(), drive.name());

  // A drive not published, and one that does not exist.
  const v1::Drive draft =
      MustCreateDrive(DriveOn(drive.site(), today() + 11, Tod(9, 0), Tod(10, 0), 30, 1));
  request.set_request_id(NewRequestId("inv"));
  request.set_drive(draft.name());
  EXPECT_TRUE(HasCode(Call(*feed_, &FeedStub::QueueInvitations, request, &again),
                      grpc::StatusCode::FAILED_PRECONDITION));
  request.set_request_id(NewRequestId("inv"));
  request.set_drive("drives/nosuchdrive");
  EXPECT_TRUE(HasCode(Call(*feed_, &FeedStub::QueueInvitations, request, &again),
                      grpc::StatusCode::NOT_FOUND));
}

TEST_F(EndToEndTest, DriveCancelledByCoordinatorNotifiesTheDonor) {
  const v1::Donor donor = MustCreateDonor();
  const v1::Drive drive = MustPublishedDrive(today() + 6, 2);
  const v1::Booking booking =
      MustBook(MustAvailability(drive.name()).slots(1).slot(), donor.name());
  WaitFor(booking.name(), [](const auto& m) { return m.size() >= 4; });
  v1::CancelDriveRequest cancel;
  cancel.set_request_id(NewRequestId("cd"));
  cancel.set_name(drive.name());
  cancel.set_reason("bus broke down");
  v1::Drive cancelled;
  ASSERT_TRUE(Call(sch(), &SS::CancelDrive, cancel, &cancelled).ok());
  const auto messages = WaitFor(booking.name(), [](const auto& m) {
    return !OfKind(m, v1::MESSAGE_KIND_DRIVE_CANCELLED).empty();
  });
  ASSERT_EQ(OfKind(messages, v1::MESSAGE_KIND_DRIVE_CANCELLED).size(), 1u);
  for (const auto& m : OfKind(messages, v1::MESSAGE_KIND_REMINDER)) {
    EXPECT_EQ(m.state(), v1::MESSAGE_STATE_WITHDRAWN);
  }
}

TEST_F(EndToEndTest, DonationPlansThankYouAndRecallOnTheNextEligibleDate) {
  const v1::Donor donor = MustCreateDonor();
  const v1::Drive drive = MustPublishedDrive(today(), 2);
  const v1::DriveAvailability availability = MustAvailability(drive.name());
  const v1::Booking booking = MustBook(availability.slots(0).slot(), donor.name());
  SetClock(FromProto(availability.slots(0).start_time()) + absl::Minutes(5));
  v1::CheckInBookingRequest check_in;
  check_in.set_request_id(NewRequestId("ci"));
  check_in.set_name(booking.name());
  v1::Booking b;
  ASSERT_TRUE(Call(sch(), &SS::CheckInBooking, check_in, &b).ok());
  v1::RecordOutcomeRequest outcome;
  outcome.set_request_id(NewRequestId("out"));
  outcome.set_name(booking.name());
  outcome.mutable_donated()->set_volume_ml(450);
  outcome.mutable_donated()->set_hemoglobin_g_per_l(135);
  const grpc::Status s = Call(sch(), &SS::RecordOutcome, outcome, &b);
  ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();

  const auto messages = WaitFor(
      booking.name(), [](const auto& m) { return !OfKind(m, v1::MESSAGE_KIND_RECALL).empty(); });
  const auto thanks = OfKind(messages, v1::MESSAGE_KIND_THANK_YOU);
  const auto recall = OfKind(messages, v1::MESSAGE_KIND_RECALL);
  ASSERT_EQ(thanks.size(), 1u);
  ASSERT_EQ(recall.size(), 1u);
  absl::TimeZone almaty;
  ASSERT_TRUE(absl::LoadTimeZone("Asia/Almaty", &almaty));
  const absl::Time thanks_due = FromProto(thanks[0].due_time());
  EXPECT_EQ(absl::ToCivilDay(thanks_due, almaty), today() + 1);
  // Whole blood: weeks later, at 10:00 local, and the text names that date.
  const absl::Time recall_due = FromProto(recall[0].due_time());
  EXPECT_GE(absl::ToCivilDay(recall_due, almaty), today() + 28);
  EXPECT_EQ(absl::ToCivilHour(recall_due, almaty).hour(), 10);
  const absl::CivilDay day = absl::ToCivilDay(recall_due, almaty);
  EXPECT_THAT(recall[0].text(), ::testing::HasSubstr(absl::StrFormat("%02d.%02d.%04d", day.day(),
                                                                     day.month(), day.year())));
}

}  // namespace
}  // namespace blooddrive::testing
