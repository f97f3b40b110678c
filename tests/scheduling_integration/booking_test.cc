// Booking rules beyond the happy path: eligibility refusals with their decision, a reschedule to
// another drive (two partitions), leaving the waitlist, and what a published drive may change.
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "flows_fixture.h"

namespace blooddrive::testing {
namespace {

using ::testing::ElementsAre;

class BookingTest : public FlowsTest {};

// A snapshot without the donors' booking indexes, which docs/redis-keys.md documents as a
// superset (a name claimed for a booking that was then refused may stay; readers skip it).
std::string WithoutDonorIndexes(const std::string& snapshot) {
  std::vector<std::string> kept;
  for (absl::string_view line : absl::StrSplit(snapshot, '\n')) {
    if (absl::StartsWith(line, "sch:{p:") && absl::StrContains(line, "}:bookings ")) continue;
    kept.emplace_back(line);
  }
  return absl::StrJoin(kept, "\n");
}

TEST_F(BookingTest, IneligibleDonorGetsTheDecisionAndNoSeat) {
  // kz-astana: first-time donors only in slots starting before 10:00.
  const v1::Site site = MustCreateSite(AstanaSite());
  const v1::Drive drive = MustPublish(
      MustCreateDrive(DriveOn(site.name(), today() + 1, Tod(9, 30), Tod(11, 0), 30, 2)).name());
  ASSERT_FALSE(drive.name().empty());
  const v1::Donor donor = MustCreateDonor();
  const std::string before = WithoutDonorIndexes(SchSnapshot());
  v1::BookSlotResponse response;
  const Outcome refused =
      Book(BookRequest(SlotName(drive.name(), "1030"), donor.name()), &response);
  EXPECT_TRUE(HasCode(refused.status, grpc::StatusCode::FAILED_PRECONDITION));
  ASSERT_TRUE(refused.failure.has_value());
  EXPECT_EQ(refused.failure->kind(), v1::BookingFailure::KIND_INELIGIBLE);
  EXPECT_FALSE(refused.failure->decision().eligible());
  EXPECT_EQ(refused.failure->decision().donor(), donor.name());
  bool slot_rule = false;
  for (const v1::EligibilityReason& reason : refused.failure->decision().reasons()) {
    slot_rule = slot_rule || reason.rule_id() == "slot.first-time-before-10";
  }
  EXPECT_TRUE(slot_rule) << refused.failure->decision().DebugString();
  // Claim-then-book compensates: no claim, seat or event stays behind.
  EXPECT_EQ(WithoutDonorIndexes(SchSnapshot()), before) << "a refused booking left keys behind";
  // The 09:30 slot is fine for the same donor.
  MustBook(SlotName(drive.name(), "0930"), donor.name());

  // A donor the registry does not know.
  const Outcome unknown =
      Book(BookRequest(SlotName(drive.name(), "0930"), "donors/nosuchdonor"), &response);
  EXPECT_TRUE(HasCode(unknown.status, grpc::StatusCode::NOT_FOUND));
  // A type the drive does not offer.
  const Outcome plasma =
      Book(BookRequest(SlotName(drive.name(), "0930"), donor.name(), kPlasma), &response);
  EXPECT_FALSE(plasma.status.ok());
  EXPECT_NE(plasma.status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(BookingTest, RescheduleToAnotherDriveMovesTheSeat) {
  const v1::Drive from = MustPublishedDrive(today() + 1, 1);
  const v1::Drive to = MustPublishedDrive(today() + 2, 1);
  ASSERT_FALSE(from.name().empty() || to.name().empty());
  const v1::Donor donor = MustCreateDonor();
  const v1::Booking booking = MustBook(SlotName(from.name(), "0900"), donor.name());
  ASSERT_FALSE(booking.name().empty());

  // The booking being moved is not an assumed donation that would make the new date ineligible.
  v1::RescheduleBookingRequest move;
  move.set_request_id(NewRequestId("move"));
  move.set_name(booking.name());
  move.set_new_slot(SlotName(to.name(), "0830"));
  v1::Booking moved;
  const Outcome outcome = Reschedule(move, &moved);
  ASSERT_TRUE(outcome.status.ok())
      << outcome.status.error_code() << " " << outcome.status.error_message();
  EXPECT_EQ(moved.slot(), SlotName(to.name(), "0830"));
  EXPECT_EQ(moved.state(), v1::BOOKING_STATE_BOOKED);
  EXPECT_EQ(moved.rescheduled_from(), booking.name());
  EXPECT_EQ(DayOf(moved.date()), today() + 2);
  const v1::Booking old = MustGetBooking(booking.name());
  EXPECT_EQ(old.state(), v1::BOOKING_STATE_RESCHEDULED);
  EXPECT_EQ(old.rescheduled_to(), moved.name());
  EXPECT_EQ(TypeIn(MustAvailability(from.name()), SlotName(from.name(), "0900"))->available(), 1);
  EXPECT_EQ(TypeIn(MustAvailability(to.name()), SlotName(to.name(), "0830"))->booked(), 1);
  // A retry answers the same; the old booking cannot be moved again.
  v1::Booking again;
  ASSERT_TRUE(Reschedule(move, &again).status.ok());
  EXPECT_EQ(again.name(), moved.name());
  move.set_request_id(NewRequestId("move"));
  EXPECT_TRUE(HasCode(Reschedule(move, &again).status, grpc::StatusCode::FAILED_PRECONDITION));

  // Into a full slot: nothing changes.
  const v1::Donor other = MustCreateDonor();
  MustBook(SlotName(from.name(), "0800"), other.name());
  move.set_request_id(NewRequestId("move"));
  move.set_name(moved.name());
  move.set_new_slot(SlotName(from.name(), "0800"));
  const Outcome full = Reschedule(move, &again);
  EXPECT_TRUE(HasCode(full.status, grpc::StatusCode::RESOURCE_EXHAUSTED));
  ASSERT_TRUE(full.failure.has_value());
  EXPECT_EQ(full.failure->kind(), v1::BookingFailure::KIND_SLOT_FULL);
  EXPECT_EQ(MustGetBooking(moved.name()).state(), v1::BOOKING_STATE_BOOKED);
  EXPECT_EQ(MustGetBooking(moved.name()).etag(), moved.etag());

  // Each partition announces its half: the new booking first, then the release.
  EXPECT_THAT(Kinds(Events(to.name())), ElementsAre("published", "created"));
  EXPECT_THAT(Kinds(Events(from.name())),
              ElementsAre("published", "created", "rescheduled", "created"));
  int active = 0;
  for (const v1::Booking& b : DonorBookings(donor.name())) active += IsActive(b.state()) ? 1 : 0;
  EXPECT_EQ(active, 1);
}

TEST_F(BookingTest, LeaveWaitlist) {
  const v1::Drive drive = MustPublishedDrive(today() + 1, 1);
  ASSERT_FALSE(drive.name().empty());
  const v1::Donor donor = MustCreateDonor();
  v1::JoinWaitlistRequest join;
  join.set_request_id(NewRequestId("join"));
  join.set_drive(drive.name());
  join.mutable_entry()->set_donor(donor.name());
  join.mutable_entry()->set_donation_type(kWholeBlood);
  v1::WaitlistEntry entry;
  ASSERT_TRUE(Call(sch(), &SS::JoinWaitlist, join, &entry).ok());
  EXPECT_EQ(entry.state(), v1::WAITLIST_STATE_WAITING);
  EXPECT_EQ(entry.position(), 1);
  // Joining again (another request) is refused.
  join.set_request_id(NewRequestId("join"));
  v1::WaitlistEntry twice;
  EXPECT_TRUE(
      HasCode(Call(sch(), &SS::JoinWaitlist, join, &twice), grpc::StatusCode::FAILED_PRECONDITION));

  v1::LeaveWaitlistRequest leave;
  leave.set_request_id(NewRequestId("leave"));
  leave.set_name(entry.name());
  v1::WaitlistEntry left;
  ASSERT_TRUE(Call(sch(), &SS::LeaveWaitlist, leave, &left).ok());
  EXPECT_EQ(left.state(), v1::WAITLIST_STATE_LEFT);
  EXPECT_EQ(left.position(), 0);
  leave.set_request_id(NewRequestId("leave"));
  v1::WaitlistEntry again;
  ASSERT_TRUE(Call(sch(), &SS::LeaveWaitlist, leave, &again).ok());
  EXPECT_EQ(again.state(), v1::WAITLIST_STATE_LEFT);
  EXPECT_TRUE(Waitlist(drive.name()).empty());
  EXPECT_EQ(Waitlist(drive.name(), {v1::WAITLIST_STATE_LEFT}).size(), 1u);
}

TEST_F(BookingTest, WaitingDonorWhoTakesASeatStopsWaiting) {
  const v1::Drive drive = MustPublishedDrive(today() + 1, 1);
  ASSERT_FALSE(drive.name().empty());
  const std::vector<v1::Donor> donors = MustCreateDonors(2);
  const v1::Booking first = MustBook(SlotName(drive.name(), "0900"), donors[0].name());
  v1::JoinWaitlistRequest join;
  join.set_request_id(NewRequestId("join"));
  join.set_drive(drive.name());
  join.mutable_entry()->set_donor(donors[1].name());
  join.mutable_entry()->set_donation_type(kWholeBlood);
  v1::WaitlistEntry entry;
  ASSERT_TRUE(Call(sch(), &SS::JoinWaitlist, join, &entry).ok());

  // The waiting donor books another slot themselves: the entry ends in the same step.
  const v1::Booking own = MustBook(SlotName(drive.name(), "0800"), donors[1].name());
  ASSERT_FALSE(own.name().empty());
  EXPECT_TRUE(Waitlist(drive.name()).empty());
  const std::vector<v1::WaitlistEntry> left = Waitlist(drive.name(), {v1::WAITLIST_STATE_LEFT});
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].name(), entry.name());
  EXPECT_EQ(left[0].booking(), own.name());

  // A seat freed later is not offered to them a second time.
  v1::Booking cancelled;
  ASSERT_TRUE(Cancel(first.name(), &cancelled).status.ok());
  EXPECT_EQ(TypeIn(MustAvailability(drive.name()), SlotName(drive.name(), "0900"))->available(), 1);
  EXPECT_EQ(MustGetBooking(own.name()).state(), v1::BOOKING_STATE_BOOKED);
  EXPECT_THAT(Kinds(Events(drive.name())),
              ElementsAre("published", "created", "created", "cancelled"));
}

TEST_F(BookingTest, PublishedDriveFreezesItsSlots) {
  const v1::Drive drive = MustPublishedDrive(today() + 1, 2);
  ASSERT_FALSE(drive.name().empty());
  const std::vector<v1::Donor> donors = MustCreateDonors(2);
  MustBook(SlotName(drive.name(), "0900"), donors[0].name());
  MustBook(SlotName(drive.name(), "0900"), donors[1].name());

  v1::UpdateDriveRequest update;
  update.set_request_id(NewRequestId("update"));
  update.mutable_drive()->set_name(drive.name());
  update.mutable_drive()->set_slot_minutes(20);
  update.mutable_update_mask()->add_paths("slot_minutes");
  v1::Drive out;
  EXPECT_TRUE(
      HasCode(Call(sch(), &SS::UpdateDrive, update, &out), grpc::StatusCode::FAILED_PRECONDITION));
  // Capacity may not shrink below the 09:00 slot's two bookings ...
  update.set_request_id(NewRequestId("update"));
  update.mutable_drive()->clear_slot_minutes();
  update.mutable_update_mask()->set_paths(0, "capacities");
  v1::SlotCapacity* capacity = update.mutable_drive()->add_capacities();
  capacity->set_donation_type(kWholeBlood);
  capacity->set_seats(1);
  EXPECT_TRUE(
      HasCode(Call(sch(), &SS::UpdateDrive, update, &out), grpc::StatusCode::FAILED_PRECONDITION));
  // ... but may grow, and the new seats are bookable at once.
  update.set_request_id(NewRequestId("update"));
  capacity->set_seats(3);
  const grpc::Status status = Call(sch(), &SS::UpdateDrive, update, &out);
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  std::optional<v1::TypeAvailability> type =
      TypeIn(MustAvailability(drive.name()), SlotName(drive.name(), "0900"));
  EXPECT_EQ(type->seats(), 3);
  EXPECT_EQ(type->available(), 1);
  // A stale etag is ABORTED.
  update.set_request_id(NewRequestId("update"));
  update.mutable_drive()->set_etag(drive.etag());
  capacity->set_seats(4);
  EXPECT_TRUE(HasCode(Call(sch(), &SS::UpdateDrive, update, &out), grpc::StatusCode::ABORTED));
}

TEST_F(BookingTest, WalkInReserveIsForWalkInsOnTheDay) {
  // Seats 3 per slot, 1 kept for walk-ins: donor-facing channels get 2 (slots.h).
  const v1::Site site = MustCreateSite(AstanaSite());
  const v1::Drive drive = MustPublish(
      MustCreateDrive(DriveOn(site.name(), today(), Tod(8, 0), Tod(10, 0), 30, 3, 1)).name());
  const v1::Drive tomorrow = MustPublish(
      MustCreateDrive(DriveOn(site.name(), today() + 1, Tod(8, 0), Tod(10, 0), 30, 3, 1)).name());
  ASSERT_FALSE(drive.name().empty() || tomorrow.name().empty());
  const std::string slot = SlotName(drive.name(), "0900");
  const std::vector<v1::Donor> donors = MustCreateDonors(6);
  MustBook(slot, donors[0].name());
  MustBook(slot, donors[1].name());
  v1::BookSlotResponse response;
  const Outcome full = Book(BookRequest(slot, donors[2].name()), &response);
  EXPECT_TRUE(HasCode(full.status, grpc::StatusCode::RESOURCE_EXHAUSTED));
  std::optional<v1::TypeAvailability> type = TypeIn(MustAvailability(drive.name()), slot);
  EXPECT_EQ(type->seats(), 3);
  EXPECT_EQ(type->available(), 0);
  EXPECT_EQ(type->booked(), 2);
  EXPECT_EQ(type->walk_in_left(), 1);

  // Walk-ins are registered on the drive's date only.
  v1::BookSlotRequest early = BookRequest(SlotName(tomorrow.name(), "0900"), donors[2].name());
  early.set_walk_in(true);
  const Outcome not_today = Book(early, &response);
  EXPECT_TRUE(HasCode(not_today.status, grpc::StatusCode::FAILED_PRECONDITION));

  v1::BookSlotRequest walk_in = BookRequest(slot, donors[2].name());
  walk_in.set_walk_in(true);
  const Outcome walked = Book(walk_in, &response);
  ASSERT_TRUE(walked.status.ok()) << walked.status.error_message();
  EXPECT_TRUE(response.booking().walk_in());
  type = TypeIn(MustAvailability(drive.name()), slot);
  EXPECT_EQ(type->booked(), 3);
  EXPECT_EQ(type->walk_in_left(), 0);
  EXPECT_EQ(type->available(), 0);
  walk_in = BookRequest(slot, donors[3].name());
  walk_in.set_walk_in(true);
  EXPECT_TRUE(HasCode(Book(walk_in, &response).status, grpc::StatusCode::RESOURCE_EXHAUSTED));

  // In an empty slot a walk-in takes the reserve first: donor-facing seats stay 2.
  const std::string other = SlotName(drive.name(), "0930");
  walk_in = BookRequest(other, donors[4].name());
  walk_in.set_walk_in(true);
  ASSERT_TRUE(Book(walk_in, &response).status.ok());
  type = TypeIn(MustAvailability(drive.name()), other);
  EXPECT_EQ(type->walk_in_left(), 0);
  EXPECT_EQ(type->available(), 2);
  EXPECT_EQ(type->booked(), 1);
  const v1::DriveReport report = MustReport(drive.name());
  EXPECT_EQ(report.capacity(), 12);
  EXPECT_EQ(report.walk_ins(), 2);
  EXPECT_EQ(report.booked(), 4);
}

TEST_F(BookingTest, ListDrivesNeedingABloodGroup) {
  const v1::Site site = MustCreateSite(AstanaSite());
  v1::Drive with_target = DriveOn(site.name(), today() + 1, Tod(8, 0), Tod(10, 0), 30, 2);
  v1::BloodGroupTarget* target = with_target.add_targets();
  target->set_blood_group(v1::BLOOD_GROUP_O_NEGATIVE);
  target->set_units(1);
  const v1::Drive needing = MustPublish(MustCreateDrive(with_target).name());
  MustPublish(
      MustCreateDrive(DriveOn(site.name(), today() + 1, Tod(8, 0), Tod(10, 0), 30, 2)).name());
  v1::ListDrivesRequest list;
  list.set_needing_blood_group(v1::BLOOD_GROUP_O_NEGATIVE);
  EXPECT_THAT(Names(ListDrives(list).drives()), ElementsAre(needing.name()));
  list.set_needing_blood_group(v1::BLOOD_GROUP_A_POSITIVE);
  EXPECT_TRUE(ListDrives(list).drives().empty());
  // An active booking of an O- donor meets the target.
  const v1::Donor donor = MustCreateDonor(v1::BLOOD_GROUP_O_NEGATIVE);
  MustBook(SlotName(needing.name(), "0900"), donor.name());
  list.set_needing_blood_group(v1::BLOOD_GROUP_O_NEGATIVE);
  EXPECT_TRUE(ListDrives(list).drives().empty());
}

TEST_F(BookingTest, RosterPages) {
  const v1::Drive drive = MustPublishedDrive(today() + 1, 2);
  ASSERT_FALSE(drive.name().empty());
  const std::vector<v1::Donor> donors = MustCreateDonors(5);
  std::vector<std::string> expected;
  const char* slots[] = {"0800", "0800", "0830", "0900", "0930"};
  for (int i = 0; i < 5; ++i) {
    // The test clock stands still unless moved: a second apart, creation order is unambiguous.
    SetClock(clock() + absl::Seconds(1));
    expected.push_back(MustBook(SlotName(drive.name(), slots[i]), donors[i].name()).name());
  }
  v1::GetRosterRequest request;
  request.set_drive(drive.name());
  request.set_page_size(2);
  std::vector<std::string> got;
  std::vector<int> sizes;
  for (int page = 0; page < 10; ++page) {
    v1::GetRosterResponse response;
    const grpc::Status status = Call(sch(), &SS::GetRoster, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    sizes.push_back(response.bookings_size());
    for (const v1::Booking& b : response.bookings()) got.push_back(b.name());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_THAT(sizes, ElementsAre(2, 2, 1));
  EXPECT_EQ(got, expected);  // by slot start, then booking creation
}

}  // namespace
}  // namespace blooddrive::testing
