// The clinic's day (roster, confirm, check-in, outcomes, walk-ins, the report), WatchAvailability
// and the events of a drive's stream.
#include "flows_fixture.h"

namespace blooddrive::testing {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;

class ClinicTest : public FlowsTest {};

TEST_F(ClinicTest, ClinicDayRosterOutcomesAndReport) {
  // Today, 07:00 local; slots 08:00..09:30 of two seats; a target of 5 units of A+.
  const v1::Site site = MustCreateSite(AstanaSite());
  v1::Drive draft = DriveOn(site.name(), today(), Tod(8, 0), Tod(10, 0), 30, 2);
  v1::BloodGroupTarget* target = draft.add_targets();
  target->set_blood_group(v1::BLOOD_GROUP_A_POSITIVE);
  target->set_units(5);
  const v1::Drive drive = MustPublish(MustCreateDrive(draft).name());
  ASSERT_FALSE(drive.name().empty());
  const std::vector<v1::Donor> donors = MustCreateDonors(5);
  ASSERT_FALSE(HasFailure());
  const v1::Booking b0 = MustBook(SlotName(drive.name(), "0800"), donors[0].name());
  const v1::Booking b1 = MustBook(SlotName(drive.name(), "0800"), donors[1].name());
  const v1::Booking b2 = MustBook(SlotName(drive.name(), "0830"), donors[2].name());
  const v1::Booking b3 = MustBook(SlotName(drive.name(), "0900"), donors[3].name());

  std::vector<v1::Booking> roster = Roster(drive.name());
  ASSERT_EQ(roster.size(), 4u);
  EXPECT_EQ(roster[0].slot(), SlotName(drive.name(), "0800"));
  EXPECT_EQ(roster[3].name(), b3.name());
  v1::GetRosterRequest by_slot;
  by_slot.set_drive(drive.name());
  by_slot.set_slot(SlotName(drive.name(), "0800"));
  v1::GetRosterResponse slot_roster;
  ASSERT_TRUE(Call(sch(), &SS::GetRoster, by_slot, &slot_roster).ok());
  EXPECT_EQ(slot_roster.bookings_size(), 2);

  // Confirm (twice: unchanged), check in, donate.
  v1::Booking b;
  ASSERT_TRUE(Confirm(b0.name(), &b).ok());
  EXPECT_EQ(b.state(), v1::BOOKING_STATE_CONFIRMED);
  EXPECT_EQ(b.confirmation_channel(), v1::CONFIRMATION_CHANNEL_SMS_REPLY);
  const std::string etag = b.etag();
  ASSERT_TRUE(Confirm(b0.name(), &b).ok());
  EXPECT_EQ(b.etag(), etag);
  ASSERT_TRUE(CheckIn(b0.name(), &b).ok());
  EXPECT_EQ(b.state(), v1::BOOKING_STATE_CHECKED_IN);
  EXPECT_TRUE(b.has_check_in_time());
  // Checked in: no more cancelling.
  EXPECT_TRUE(HasCode(Cancel(b0.name(), &b).status, grpc::StatusCode::FAILED_PRECONDITION));

  // No-show only once the slot has started.
  auto no_show = [](v1::RecordOutcomeRequest& r) { r.mutable_no_show(); };
  EXPECT_TRUE(HasCode(Record(b1.name(), &b, no_show), grpc::StatusCode::FAILED_PRECONDITION));
  SetClock(LocalTime(today(), 8, 40));
  ASSERT_TRUE(Record(b1.name(), &b, no_show).ok());
  EXPECT_EQ(b.state(), v1::BOOKING_STATE_NO_SHOW);
  ASSERT_TRUE(Record(b0.name(), &b, [](v1::RecordOutcomeRequest& r) {
                r.mutable_donated()->set_volume_ml(450);
              }).ok());
  EXPECT_EQ(b.state(), v1::BOOKING_STATE_DONATED);
  ASSERT_TRUE(CheckIn(b2.name(), &b).ok());
  ASSERT_TRUE(Record(b2.name(), &b, [](v1::RecordOutcomeRequest& r) {
                r.mutable_donated()->set_volume_ml(200);
                r.mutable_donated()->set_incomplete(true);
              }).ok());
  EXPECT_EQ(b.outcome().outcome(), v1::DONATION_OUTCOME_INCOMPLETE);
  // A late cancel (20 minutes before its slot).
  ASSERT_TRUE(Cancel(b3.name(), &b).status.ok());
  EXPECT_TRUE(b.late_cancellation());
  // A donor-facing booking of a started slot is refused, even with a seat free.
  v1::BookSlotResponse refused_response;
  const Outcome refused =
      Book(BookRequest(SlotName(drive.name(), "0830"), donors[3].name()), &refused_response);
  EXPECT_TRUE(HasCode(refused.status, grpc::StatusCode::FAILED_PRECONDITION));
  // A walk-in may take the free seat of the 08:30 slot, which has started.
  v1::BookSlotRequest walk_in = BookRequest(SlotName(drive.name(), "0830"), donors[4].name());
  walk_in.set_walk_in(true);
  v1::BookSlotResponse response;
  const Outcome walked = Book(walk_in, &response);
  ASSERT_TRUE(walked.status.ok()) << walked.status.error_code() << " "
                                  << walked.status.error_message();
  EXPECT_TRUE(response.booking().walk_in());

  // Once its slot has ended a booking can no longer be cancelled (a no-show is an outcome).
  SetClock(LocalTime(today(), 10, 5));
  v1::Booking walked_in = response.booking();
  EXPECT_TRUE(HasCode(Cancel(walked_in.name(), &b).status, grpc::StatusCode::FAILED_PRECONDITION));

  v1::GetRosterRequest no_shows;
  no_shows.set_drive(drive.name());
  no_shows.add_states(v1::BOOKING_STATE_NO_SHOW);
  v1::GetRosterResponse no_show_roster;
  ASSERT_TRUE(Call(sch(), &SS::GetRoster, no_shows, &no_show_roster).ok());
  ASSERT_EQ(no_show_roster.bookings_size(), 1);
  EXPECT_EQ(no_show_roster.bookings(0).name(), b1.name());

  const v1::DriveReport report = MustReport(drive.name());
  EXPECT_EQ(report.capacity(), 8);
  EXPECT_EQ(report.held(), 0);
  EXPECT_EQ(report.booked(), 1);  // the walk-in
  EXPECT_EQ(report.confirmed(), 0);
  EXPECT_EQ(report.checked_in(), 0);
  EXPECT_EQ(report.donated(), 2);
  EXPECT_EQ(report.incomplete(), 1);
  EXPECT_EQ(report.deferred(), 0);
  EXPECT_EQ(report.no_show(), 1);
  EXPECT_EQ(report.cancelled(), 1);
  EXPECT_EQ(report.late_cancellations(), 1);
  EXPECT_EQ(report.walk_ins(), 1);
  EXPECT_DOUBLE_EQ(report.fill_rate(), 4.0 / 8.0);
  EXPECT_EQ(TimeUtil::DurationToSeconds(report.late_cancellation_window()), 24 * 3600);
  ASSERT_EQ(report.collections_size(), 1);
  EXPECT_EQ(report.collections(0).blood_group(), v1::BLOOD_GROUP_A_POSITIVE);
  EXPECT_EQ(report.collections(0).target_units(), 5);
  EXPECT_EQ(report.collections(0).active_bookings(), 1);
  EXPECT_EQ(report.collections(0).donated_units(), 2);
  EXPECT_EQ(report.collections(0).volume_ml(), 650);
}

TEST_F(ClinicTest, WatchAvailabilitySnapshotThenSlotUpdates) {
  const v1::Drive drive = MustPublishedDrive(today() + 1, 2);
  ASSERT_FALSE(drive.name().empty());
  const v1::Donor donor = MustCreateDonor();
  const std::string slot = SlotName(drive.name(), "0900");

  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  v1::WatchAvailabilityRequest request;
  request.add_drives(drive.name());
  auto reader = sch().WatchAvailability(&context, request);
  v1::AvailabilityUpdate update;
  ASSERT_TRUE(reader->Read(&update));
  ASSERT_TRUE(update.has_snapshot()) << update.DebugString();
  EXPECT_EQ(update.drive(), drive.name());
  EXPECT_EQ(update.snapshot().slots_size(), 4);
  const int64_t revision = update.revision();

  MustBook(slot, donor.name());
  bool seen = false;
  for (int i = 0; i < 5 && !seen && reader->Read(&update); ++i) {
    if (update.has_snapshot()) {
      // A snapshot instead of the change is allowed for a client that fell behind.
      seen = TypeIn(update.snapshot(), slot)->booked() == 1;
    } else if (update.has_slot() && update.slot().slot() == slot) {
      ASSERT_GE(update.slot().types_size(), 1);
      EXPECT_EQ(update.slot().types(0).booked(), 1);
      EXPECT_EQ(update.slot().types(0).available(), 1);
      seen = true;
    }
    EXPECT_GT(update.revision(), revision);
  }
  EXPECT_TRUE(seen) << "no update for " << slot;

  // Closing the drive ends the stream with OK after a state update.
  v1::CloseDriveRequest close;
  close.set_request_id(NewRequestId("close"));
  close.set_name(drive.name());
  v1::Drive closed;
  ASSERT_TRUE(Call(sch(), &SS::CloseDrive, close, &closed).ok());
  EXPECT_EQ(closed.state(), v1::DRIVE_STATE_CLOSED);
  bool state_seen = false;
  while (reader->Read(&update)) {
    if (update.update_case() == v1::AvailabilityUpdate::kState) {
      EXPECT_EQ(update.state(), v1::DRIVE_STATE_CLOSED);
      state_seen = true;
    }
  }
  EXPECT_TRUE(state_seen);
  const grpc::Status status = reader->Finish();
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
}

TEST_F(ClinicTest, StreamHasOneEventPerStateChange) {
  const v1::Drive drive = MustPublishedDrive(today(), 2);
  ASSERT_FALSE(drive.name().empty());
  const std::vector<v1::Donor> donors = MustCreateDonors(2);
  ASSERT_FALSE(HasFailure());
  const v1::BookSlotRequest book = BookRequest(SlotName(drive.name(), "0900"), donors[0].name());
  v1::BookSlotResponse response;
  ASSERT_TRUE(Book(book, &response).status.ok());
  ASSERT_TRUE(Book(book, &response).status.ok());  // a retry: no second event
  const std::string booking = response.booking().name();
  const std::string confirm_id = NewRequestId("confirm");
  v1::Booking b;
  ASSERT_TRUE(Confirm(booking, &b, confirm_id).ok());
  ASSERT_TRUE(Confirm(booking, &b, confirm_id).ok());  // a retry
  ASSERT_TRUE(Confirm(booking, &b).ok());              // already CONFIRMED: unchanged
  ASSERT_TRUE(CheckIn(booking, &b).ok());
  ASSERT_TRUE(Record(booking, &b, [](v1::RecordOutcomeRequest& r) {
                r.mutable_donated()->set_volume_ml(450);
              }).ok());
  v1::Booking held;
  ASSERT_TRUE(HoldFor(SlotName(drive.name(), "0930"), donors[1].name(), 120, &held).status.ok());
  v1::ConfirmHoldRequest confirm_hold;
  confirm_hold.set_request_id(NewRequestId("confirm-hold"));
  confirm_hold.set_name(held.name());
  ASSERT_TRUE(Call(sch(), &SS::ConfirmHold, confirm_hold, &b).ok());
  v1::RescheduleBookingRequest move;
  move.set_request_id(NewRequestId("move"));
  move.set_name(held.name());
  move.set_new_slot(SlotName(drive.name(), "0800"));
  v1::Booking moved;
  const Outcome move_outcome = Reschedule(move, &moved);
  ASSERT_TRUE(move_outcome.status.ok()) << move_outcome.status.error_message();
  ASSERT_TRUE(Cancel(moved.name(), &b).status.ok());

  const std::vector<v1::Event> events = Events(drive.name());
  EXPECT_THAT(Kinds(events),
              ElementsAre("published", "created", "confirmed", "checked_in", "outcome", "held",
                          "created", "created", "rescheduled", "cancelled"));
  const std::string id = IdOf(drive.name());
  for (size_t i = 0; i < events.size(); ++i) {
    const v1::Event& event = events[i];
    SCOPED_TRACE(Kind(event));
    EXPECT_EQ(event.sequence(), static_cast<int64_t>(i + 1));
    EXPECT_EQ(event.event_id(), absl::StrCat("scheduling:", id, ":", i + 1));
    EXPECT_EQ(event.producer(), "scheduling");
    EXPECT_EQ(event.partition(), id);
    EXPECT_EQ(event.drive(), drive.name());
    EXPECT_TRUE(event.has_occur_time());
  }
  if (events.size() > 1) {
    EXPECT_EQ(events[1].request_id(), book.request_id());
    EXPECT_EQ(events[1].booking_created().booking().booking(), booking);
    EXPECT_EQ(events[1].booking_created().booking().site_time_zone(), "Asia/Almaty");
  }
  if (events.size() > 8) {
    EXPECT_EQ(events[7].booking_created().rescheduled_from(), held.name());
    EXPECT_EQ(events[8].booking_rescheduled().to_booking().booking(), moved.name());
  }

  // Consumers find the partition through the index: score = the drive's date in days.
  const absl::StatusOr<std::string> score =
      env().redis().Command({"ZSCORE", "sch:{index}:drives", id});
  ASSERT_TRUE(score.ok()) << score.status();
  EXPECT_EQ(*score, absl::StrCat((today() - absl::CivilDay(1970, 1, 1))));
}

}  // namespace
}  // namespace blooddrive::testing
