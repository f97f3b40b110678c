// The core flows, briefly: sites and drives, holds, waitlist promotion and drive cancellation.
#include <gmock/gmock.h>

#include "auth/client_credentials.h"
#include "flows_fixture.h"

namespace blooddrive::testing {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;

TEST_F(FlowsTest, SitesAndDrivesCreateGetListAndFilter) {
  const v1::Site astana = MustCreateSite(AstanaSite());
  ASSERT_TRUE(absl::StartsWith(astana.name(), "sites/")) << astana.name();
  EXPECT_FALSE(astana.etag().empty());
  EXPECT_TRUE(astana.has_create_time());
  v1::GetSiteRequest get_site;
  get_site.set_name(astana.name());
  v1::Site got;
  ASSERT_TRUE(Call(sch(), &SS::GetSite, get_site, &got).ok());
  EXPECT_EQ(got.SerializeAsString(), astana.SerializeAsString());

  v1::Site almaty_site = AstanaSite("Almaty blood centre");
  almaty_site.mutable_location()->set_latitude(43.2389);
  almaty_site.mutable_location()->set_longitude(76.8897);
  almaty_site.set_branch("kz-almaty");
  almaty_site.set_kind(v1::SITE_KIND_MOBILE);
  const v1::Site almaty = MustCreateSite(almaty_site);
  v1::ListSitesRequest list_sites;
  list_sites.set_branch("kz-almaty");
  v1::ListSitesResponse sites;
  ASSERT_TRUE(Call(sch(), &SS::ListSites, list_sites, &sites).ok());
  ASSERT_EQ(sites.sites_size(), 1);
  EXPECT_EQ(sites.sites(0).name(), almaty.name());
  list_sites.Clear();
  list_sites.set_kind(v1::SITE_KIND_FIXED);
  ASSERT_TRUE(Call(sch(), &SS::ListSites, list_sites, &sites).ok());
  ASSERT_EQ(sites.sites_size(), 1);
  EXPECT_EQ(sites.sites(0).name(), astana.name());

  // A retried CreateSite answers with the first site.
  v1::CreateSiteRequest create;
  create.set_request_id(NewRequestId("site"));
  *create.mutable_site() = AstanaSite("Retried site");
  v1::Site first_answer, second_answer;
  ASSERT_TRUE(Call(sch(), &SS::CreateSite, create, &first_answer).ok());
  ASSERT_TRUE(Call(sch(), &SS::CreateSite, create, &second_answer).ok());
  EXPECT_EQ(second_answer.name(), first_answer.name());
  EXPECT_EQ(second_answer.etag(), first_answer.etag());

  // A site created with the id staff know it by; a second site cannot take that id.
  v1::CreateSiteRequest named = create;
  named.set_request_id(NewRequestId("site"));
  named.set_site_id("astana-old-town");
  v1::Site old_town;
  ASSERT_TRUE(Call(sch(), &SS::CreateSite, named, &old_town).ok());
  EXPECT_EQ(old_town.name(), "sites/astana-old-town");
  named.set_request_id(NewRequestId("site"));
  v1::Site taken;
  const grpc::Status again = Call(sch(), &SS::CreateSite, named, &taken);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::ALREADY_EXISTS) << again.error_message();
  EXPECT_THAT(again.error_message(), ::testing::HasSubstr("sites/astana-old-town"));

  // UpdateSite: a stale etag is ABORTED.
  v1::UpdateSiteRequest update;
  update.set_request_id(NewRequestId("update"));
  *update.mutable_site() = astana;
  update.mutable_site()->set_display_name("Astana blood centre No. 1");
  update.mutable_update_mask()->add_paths("display_name");
  v1::Site updated;
  ASSERT_TRUE(Call(sch(), &SS::UpdateSite, update, &updated).ok());
  EXPECT_EQ(updated.display_name(), "Astana blood centre No. 1");
  EXPECT_NE(updated.etag(), astana.etag());
  update.set_request_id(NewRequestId("update"));
  EXPECT_TRUE(HasCode(Call(sch(), &SS::UpdateSite, update, &updated), grpc::StatusCode::ABORTED));

  // Drives: d_full (tomorrow, one seat), d_later (in 3 days), d_far (Almaty, in 2 days), a draft.
  const v1::Drive d_full = MustPublish(
      MustCreateDrive(DriveOn(astana.name(), today() + 1, Tod(9, 0), Tod(9, 30), 30, 1)).name());
  const v1::Drive created =
      MustCreateDrive(DriveOn(astana.name(), today() + 3, Tod(8, 0), Tod(10, 0), 30, 2));
  EXPECT_EQ(created.state(), v1::DRIVE_STATE_DRAFT);
  EXPECT_EQ(created.free_seats(), 0);
  const v1::Drive d_later = MustPublish(created.name());
  EXPECT_EQ(d_later.state(), v1::DRIVE_STATE_PUBLISHED);
  EXPECT_TRUE(d_later.has_publish_time());
  EXPECT_EQ(MustGetDrive(d_later.name()).free_seats(), 8);
  v1::Drive with_plasma = DriveOn(almaty.name(), today() + 2, Tod(8, 0), Tod(10, 0), 30, 2);
  v1::SlotCapacity* plasma_chair = with_plasma.add_capacities();
  plasma_chair->set_donation_type(kPlasma);
  plasma_chair->set_seats(1);
  const v1::Drive d_far = MustPublish(MustCreateDrive(with_plasma).name());
  const v1::Drive draft =
      MustCreateDrive(DriveOn(astana.name(), today() + 1, Tod(8, 0), Tod(9, 0), 30, 2));
  ASSERT_FALSE(HasFailure());
  // Publishing twice is refused; a drive in the past cannot be created.
  v1::PublishDriveRequest publish;
  publish.set_request_id(NewRequestId("publish"));
  publish.set_name(d_later.name());
  v1::Drive out;
  EXPECT_TRUE(HasCode(Call(sch(), &SS::PublishDrive, publish, &out),
                      grpc::StatusCode::FAILED_PRECONDITION));
  v1::CreateDriveRequest past;
  past.set_request_id(NewRequestId("drive"));
  *past.mutable_drive() = DriveOn(astana.name(), today() - 1, Tod(8, 0), Tod(9, 0), 30, 2);
  EXPECT_TRUE(
      HasCode(Call(sch(), &SS::CreateDrive, past, &out), grpc::StatusCode::FAILED_PRECONDITION));

  // Ordered by date, then first opening time, then name.
  v1::ListDrivesRequest list;
  list.set_site(astana.name());
  const std::vector<std::string> astana_drives = Names(ListDrives(list).drives());
  std::vector<std::string> draft_and_full = {draft.name(), d_full.name()};  // both tomorrow
  EXPECT_THAT(astana_drives, ElementsAre(draft_and_full[0], draft_and_full[1], d_later.name()));
  list.Clear();
  *list.mutable_start_date() = ToDate(today() + 2);
  *list.mutable_end_date() = ToDate(today() + 3);
  EXPECT_THAT(Names(ListDrives(list).drives()), ElementsAre(d_far.name(), d_later.name()));
  list.Clear();
  list.add_states(v1::DRIVE_STATE_DRAFT);
  EXPECT_THAT(Names(ListDrives(list).drives()), ElementsAre(draft.name()));
  list.Clear();
  list.mutable_near()->set_latitude(51.13);
  list.mutable_near()->set_longitude(71.43);
  list.set_radius_km(50);
  list.add_states(v1::DRIVE_STATE_PUBLISHED);
  EXPECT_THAT(Names(ListDrives(list).drives()), ElementsAre(d_full.name(), d_later.name()));
  list.mutable_near()->set_latitude(43.25);
  list.mutable_near()->set_longitude(76.9);
  EXPECT_THAT(Names(ListDrives(list).drives()), ElementsAre(d_far.name()));

  // only_with_free_seats drops the drive whose one seat is taken (and the draft).
  const v1::Donor donor = MustCreateDonor();
  MustBook(SlotName(d_full.name(), "0900"), donor.name());
  EXPECT_EQ(MustGetDrive(d_full.name()).free_seats(), 0);
  list.Clear();
  list.set_only_with_free_seats(true);
  EXPECT_THAT(Names(ListDrives(list).drives()), ElementsAre(d_far.name(), d_later.name()));
  list.set_donation_type(kPlasma);
  EXPECT_THAT(Names(ListDrives(list).drives()), ElementsAre(d_far.name()));
  list.set_only_with_free_seats(false);
  EXPECT_THAT(Names(ListDrives(list).drives()), ElementsAre(d_far.name()));
  list.set_donation_type(kWholeBlood);
  EXPECT_THAT(Names(ListDrives(list).drives()),
              ElementsAre(draft_and_full[0], draft_and_full[1], d_far.name(), d_later.name()));

  // The donor portal is told that drafts do not exist.
  std::unique_ptr<SS> portal = v1::DriveScheduling::NewStub(auth::NewTokenChannel(
      env().scheduling().target(), PortalToken(), grpc::InsecureChannelCredentials()));
  v1::ListDrivesResponse seen_by_portal;
  list.Clear();
  ASSERT_TRUE(Call(*portal, &SS::ListDrives, list, &seen_by_portal).ok());
  EXPECT_THAT(Names(seen_by_portal.drives()),
              ElementsAre(d_full.name(), d_far.name(), d_later.name()));
  v1::GetDriveRequest get_draft;
  get_draft.set_name(draft.name());
  v1::Drive hidden;
  EXPECT_TRUE(
      HasCode(Call(*portal, &SS::GetDrive, get_draft, &hidden), grpc::StatusCode::NOT_FOUND));
  v1::GetAvailabilityRequest draft_seats;
  draft_seats.set_drive(draft.name());
  v1::DriveAvailability none;
  EXPECT_TRUE(HasCode(Call(*portal, &SS::GetAvailability, draft_seats, &none),
                      grpc::StatusCode::NOT_FOUND));
  get_draft.set_name(d_full.name());
  EXPECT_TRUE(Call(*portal, &SS::GetDrive, get_draft, &hidden).ok());

  // The site's time zone is frozen while it has a published drive.
  v1::UpdateSiteRequest zone;
  zone.set_request_id(NewRequestId("update"));
  zone.mutable_site()->set_name(astana.name());
  zone.mutable_site()->set_time_zone("Asia/Tashkent");
  zone.mutable_update_mask()->add_paths("time_zone");
  EXPECT_TRUE(
      HasCode(Call(sch(), &SS::UpdateSite, zone, &updated), grpc::StatusCode::FAILED_PRECONDITION));
}

TEST_F(FlowsTest, HoldConfirmAndExpiry) {
  const v1::Drive drive = MustPublishedDrive(today() + 1, 2);
  ASSERT_FALSE(drive.name().empty());
  const std::string slot = SlotName(drive.name(), "0900");
  const std::vector<v1::Donor> donors = MustCreateDonors(2);
  ASSERT_FALSE(HasFailure());

  v1::Booking held;
  Outcome outcome = HoldFor(slot, donors[0].name(), 60, &held);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.error_message();
  EXPECT_EQ(held.state(), v1::BOOKING_STATE_HELD);
  EXPECT_EQ(FromProto(held.hold_expire_time()), clock() + absl::Seconds(60));
  std::optional<v1::TypeAvailability> type = TypeIn(MustAvailability(drive.name()), slot);
  EXPECT_EQ(type->held(), 1);
  EXPECT_EQ(type->available(), 1);

  v1::ConfirmHoldRequest confirm;
  confirm.set_request_id(NewRequestId("confirm"));
  confirm.set_name(held.name());
  v1::Booking booked;
  ASSERT_TRUE(Call(sch(), &SS::ConfirmHold, confirm, &booked).ok());
  EXPECT_EQ(booked.state(), v1::BOOKING_STATE_BOOKED);
  type = TypeIn(MustAvailability(drive.name()), slot);
  EXPECT_EQ(type->held(), 0);
  EXPECT_EQ(type->booked(), 1);

  // A second hold expires when the clock passes its hold_expire_time.
  v1::Booking second;
  outcome = HoldFor(slot, donors[1].name(), 30, &second);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.error_message();
  EXPECT_EQ(TypeIn(MustAvailability(drive.name()), slot)->available(), 0);
  SetClock(FromProto(second.hold_expire_time()) + absl::Seconds(1));
  EXPECT_TRUE(Eventually([&] {
    return MustGetBooking(second.name()).state() == v1::BOOKING_STATE_HOLD_EXPIRED;
  })) << MustGetBooking(second.name()).DebugString();
  type = TypeIn(MustAvailability(drive.name()), slot);
  EXPECT_EQ(type->held(), 0);
  EXPECT_EQ(type->available(), 1);
  EXPECT_EQ(type->booked(), 1);
  confirm.set_request_id(NewRequestId("confirm"));
  confirm.set_name(second.name());
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::Booking late;
  const grpc::Status status = sch().ConfirmHold(&context, confirm, &late);
  EXPECT_TRUE(HasCode(status, grpc::StatusCode::FAILED_PRECONDITION));
  const std::optional<v1::BookingFailure> failure = BookingFailureOf(context);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->kind(), v1::BookingFailure::KIND_HOLD_EXPIRED);

  EXPECT_THAT(Kinds(Events(drive.name())),
              ElementsAre("published", "held", "created", "held", "hold_expired"));
}

TEST_F(FlowsTest, ExpiredHoldPromotesTheFirstWaitingDonor) {
  const v1::Site site = MustCreateSite(AstanaSite());
  const v1::Drive drive = MustPublish(
      MustCreateDrive(DriveOn(site.name(), today() + 1, Tod(9, 0), Tod(9, 30), 30, 1)).name());
  ASSERT_FALSE(drive.name().empty());
  const std::string slot = SlotName(drive.name(), "0900");
  const std::vector<v1::Donor> donors = MustCreateDonors(2);
  v1::Booking held;
  ASSERT_TRUE(HoldFor(slot, donors[0].name(), 30, &held).status.ok());
  v1::BookSlotRequest wait = BookRequest(slot, donors[1].name());
  wait.set_join_waitlist_if_full(true);
  v1::BookSlotResponse response;
  ASSERT_TRUE(Book(wait, &response).status.ok());
  ASSERT_TRUE(response.has_waitlist_entry()) << response.DebugString();

  SetClock(FromProto(held.hold_expire_time()) + absl::Seconds(1));
  std::vector<v1::WaitlistEntry> promoted;
  EXPECT_TRUE(Eventually([&] {
    promoted = Waitlist(drive.name(), {v1::WAITLIST_STATE_PROMOTED});
    return !promoted.empty();
  })) << "the expired hold's seat did not go to the waiting donor";
  ASSERT_EQ(promoted.size(), 1u);
  const v1::Booking booking = MustGetBooking(promoted[0].booking());
  EXPECT_EQ(booking.donor(), donors[1].name());
  EXPECT_EQ(booking.state(), v1::BOOKING_STATE_BOOKED);
  EXPECT_EQ(MustGetBooking(held.name()).state(), v1::BOOKING_STATE_HOLD_EXPIRED);
  std::optional<v1::TypeAvailability> type = TypeIn(MustAvailability(drive.name()), slot);
  EXPECT_EQ(type->booked(), 1);
  EXPECT_EQ(type->held(), 0);
  EXPECT_THAT(Kinds(Events(drive.name())),
              ElementsAre("published", "held", "hold_expired", "promoted"));
}

TEST_F(FlowsTest, CloseDriveEndsHoldsAndTheWaitlistButKeepsTheClinicGoing) {
  const v1::Drive drive = MustPublishedDrive(today(), 1);
  ASSERT_FALSE(drive.name().empty());
  const std::vector<v1::Donor> donors = MustCreateDonors(3);
  const v1::Booking booked = MustBook(SlotName(drive.name(), "0800"), donors[0].name());
  v1::Booking held;
  ASSERT_TRUE(HoldFor(SlotName(drive.name(), "0830"), donors[1].name(), 600, &held).status.ok());
  v1::JoinWaitlistRequest join;
  join.set_request_id(NewRequestId("join"));
  join.set_drive(drive.name());
  join.mutable_entry()->set_donor(donors[2].name());
  join.mutable_entry()->set_donation_type(kWholeBlood);
  v1::WaitlistEntry entry;
  ASSERT_TRUE(Call(sch(), &SS::JoinWaitlist, join, &entry).ok());

  v1::CloseDriveRequest close;
  close.set_request_id(NewRequestId("close"));
  close.set_name(drive.name());
  v1::Drive closed;
  ASSERT_TRUE(Call(sch(), &SS::CloseDrive, close, &closed).ok());
  EXPECT_EQ(closed.state(), v1::DRIVE_STATE_CLOSED);
  EXPECT_TRUE(closed.has_close_time());
  EXPECT_EQ(MustGetBooking(held.name()).state(), v1::BOOKING_STATE_HOLD_EXPIRED);
  EXPECT_EQ(MustGetBooking(booked.name()).state(), v1::BOOKING_STATE_BOOKED);
  EXPECT_TRUE(Waitlist(drive.name()).empty());
  EXPECT_EQ(Waitlist(drive.name(), {v1::WAITLIST_STATE_CLOSED}).size(), 1u);
  EXPECT_EQ(MustGetDrive(drive.name()).free_seats(), 0);

  // No more booking; the clinic still checks in and records.
  v1::BookSlotResponse response;
  const Outcome refused =
      Book(BookRequest(SlotName(drive.name(), "0930"), donors[2].name()), &response);
  EXPECT_TRUE(HasCode(refused.status, grpc::StatusCode::FAILED_PRECONDITION));
  ASSERT_TRUE(refused.failure.has_value());
  EXPECT_EQ(refused.failure->kind(), v1::BookingFailure::KIND_DRIVE_NOT_OPEN);
  v1::Booking b;
  ASSERT_TRUE(CheckIn(booked.name(), &b).ok());
  ASSERT_TRUE(Record(booked.name(), &b, [](v1::RecordOutcomeRequest& r) {
                r.mutable_donated()->set_volume_ml(450);
              }).ok());
  EXPECT_EQ(b.state(), v1::BOOKING_STATE_DONATED);
  // Closing twice, or cancelling a closed drive, is refused.
  close.set_request_id(NewRequestId("close"));
  v1::Drive out;
  EXPECT_TRUE(
      HasCode(Call(sch(), &SS::CloseDrive, close, &out), grpc::StatusCode::FAILED_PRECONDITION));
  v1::CancelDriveRequest cancel;
  cancel.set_request_id(NewRequestId("cancel"));
  cancel.set_name(drive.name());
  cancel.set_reason("too late");
  EXPECT_TRUE(
      HasCode(Call(sch(), &SS::CancelDrive, cancel, &out), grpc::StatusCode::FAILED_PRECONDITION));
}

TEST_F(FlowsTest, CancelPromotesTheFirstWaitingDonor) {
  const v1::Site site = MustCreateSite(AstanaSite());
  const v1::Drive drive = MustPublish(
      MustCreateDrive(DriveOn(site.name(), today() + 1, Tod(9, 0), Tod(9, 30), 30, 1)).name());
  ASSERT_FALSE(drive.name().empty());
  const std::string slot = SlotName(drive.name(), "0900");
  const std::vector<v1::Donor> donors = MustCreateDonors(3);
  ASSERT_FALSE(HasFailure());
  const v1::Booking first = MustBook(slot, donors[0].name());

  // Full: RESOURCE_EXHAUSTED with the failure, or a place on the waitlist when asked.
  v1::BookSlotResponse response;
  Outcome outcome = Book(BookRequest(slot, donors[1].name()), &response);
  EXPECT_TRUE(HasCode(outcome.status, grpc::StatusCode::RESOURCE_EXHAUSTED));
  ASSERT_TRUE(outcome.failure.has_value());
  EXPECT_EQ(outcome.failure->kind(), v1::BookingFailure::KIND_SLOT_FULL);
  EXPECT_EQ(outcome.failure->waitlist_length(), 0);
  std::vector<v1::WaitlistEntry> entries;
  for (int i = 1; i <= 2; ++i) {
    v1::BookSlotRequest request = BookRequest(slot, donors[i].name());
    request.set_join_waitlist_if_full(true);
    outcome = Book(request, &response);
    ASSERT_TRUE(outcome.status.ok()) << outcome.status.error_message();
    ASSERT_TRUE(response.has_waitlist_entry()) << response.DebugString();
    EXPECT_EQ(response.waitlist_entry().position(), i);
    entries.push_back(response.waitlist_entry());
  }
  EXPECT_EQ(TypeIn(MustAvailability(drive.name()), slot)->waitlisted(), 2);

  v1::Booking cancelled;
  outcome = Cancel(first.name(), &cancelled);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.error_message();
  EXPECT_EQ(cancelled.state(), v1::BOOKING_STATE_CANCELLED);
  EXPECT_EQ(cancelled.cancel_reason(), v1::CANCEL_REASON_DONOR_REQUEST);
  EXPECT_FALSE(cancelled.late_cancellation());  // 26 hours before the slot
  // Cancelling again returns it unchanged.
  v1::Booking again;
  ASSERT_TRUE(Cancel(first.name(), &again).status.ok());
  EXPECT_EQ(again.etag(), cancelled.etag());

  const std::vector<v1::WaitlistEntry> promoted =
      Waitlist(drive.name(), {v1::WAITLIST_STATE_PROMOTED});
  ASSERT_EQ(promoted.size(), 1u);
  EXPECT_EQ(promoted[0].name(), entries[0].name());
  const v1::Booking promoted_booking = MustGetBooking(promoted[0].booking());
  EXPECT_EQ(promoted_booking.state(), v1::BOOKING_STATE_BOOKED);
  EXPECT_EQ(promoted_booking.donor(), donors[1].name());
  EXPECT_EQ(promoted_booking.waitlist_entry(), entries[0].name());
  // The promoted booking is the donor's like any other: listed, and it clashes with another
  // booking the same day (the donor's claim was taken with the promotion).
  bool listed = false;
  for (const v1::Booking& booking : DonorBookings(donors[1].name())) {
    listed = listed || booking.name() == promoted_booking.name();
  }
  EXPECT_TRUE(listed) << "ListBookings of " << donors[1].name() << " lacks the promoted booking";
  const v1::Drive other = MustPublish(
      MustCreateDrive(DriveOn(site.name(), today() + 1, Tod(8, 0), Tod(8, 30), 30, 5)).name());
  v1::BookSlotResponse clash_response;
  const Outcome clash =
      Book(BookRequest(SlotName(other.name(), "0800"), donors[1].name()), &clash_response);
  // (Whether as a conflict or as ineligible through the booking's assumed donation: see
  // SecondBookingTheSameDayConflicts for which.)
  EXPECT_TRUE(HasCode(clash.status, grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_TRUE(clash.failure.has_value()) << "no BookingFailure for the clashing booking";

  const std::vector<v1::WaitlistEntry> waiting = Waitlist(drive.name());
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0].donor(), donors[2].name());
  EXPECT_EQ(waiting[0].position(), 1);
  std::optional<v1::TypeAvailability> type = TypeIn(MustAvailability(drive.name()), slot);
  EXPECT_EQ(type->booked(), 1);
  EXPECT_EQ(type->waitlisted(), 1);

  // A cancel within 24 hours of the slot is late; the last waiting donor gets the seat.
  SetClock(LocalTime(today() + 1, 8, 0));
  ASSERT_TRUE(Cancel(promoted_booking.name(), &cancelled).status.ok());
  EXPECT_TRUE(cancelled.late_cancellation());
  EXPECT_TRUE(Waitlist(drive.name()).empty());
  const v1::DriveReport report = MustReport(drive.name());
  EXPECT_EQ(report.cancelled(), 2);
  EXPECT_EQ(report.late_cancellations(), 1);
  EXPECT_EQ(report.booked(), 1);
  EXPECT_EQ(report.waitlisted(), 0);

  // Each cancel is followed by its promotion, in the same partition.
  EXPECT_THAT(Kinds(Events(drive.name())), ElementsAre("published", "created", "cancelled",
                                                       "promoted", "cancelled", "promoted"));
}

TEST_F(FlowsTest, SecondBookingTheSameDayConflicts) {
  // Invariant 4 across two drives (two partitions): the second booking names the first.
  const v1::Drive first_drive = MustPublishedDrive(today() + 1, 2);
  const v1::Drive second_drive = MustPublishedDrive(today() + 1, 2);
  ASSERT_FALSE(first_drive.name().empty() || second_drive.name().empty());
  const v1::Donor donor = MustCreateDonor();
  const v1::Booking first = MustBook(SlotName(first_drive.name(), "0800"), donor.name());
  ASSERT_FALSE(first.name().empty());
  v1::BookSlotResponse response;
  const Outcome clash =
      Book(BookRequest(SlotName(second_drive.name(), "0930"), donor.name()), &response);
  EXPECT_TRUE(HasCode(clash.status, grpc::StatusCode::FAILED_PRECONDITION));
  ASSERT_TRUE(clash.failure.has_value());
  EXPECT_EQ(clash.failure->kind(), v1::BookingFailure::KIND_CONFLICTING_BOOKING)
      << clash.failure->ShortDebugString();
  EXPECT_EQ(clash.failure->conflicting_booking(), first.name());
  v1::Booking held;
  const Outcome hold = HoldFor(SlotName(second_drive.name(), "0900"), donor.name(), 60, &held);
  EXPECT_TRUE(HasCode(hold.status, grpc::StatusCode::FAILED_PRECONDITION));
  // Nothing was taken at the second drive.
  EXPECT_TRUE(Roster(second_drive.name()).empty());
  EXPECT_EQ(MustGetDrive(second_drive.name()).free_seats(), 8);
  // Once the first is cancelled the donor may book the other drive.
  v1::Booking cancelled;
  ASSERT_TRUE(Cancel(first.name(), &cancelled).status.ok());
  MustBook(SlotName(second_drive.name(), "0930"), donor.name());
}

TEST_F(FlowsTest, CancelDriveCancelsEveryBooking) {
  const v1::Drive drive = MustPublishedDrive(today() + 1, 1);
  ASSERT_FALSE(drive.name().empty());
  const std::vector<v1::Donor> donors = MustCreateDonors(4);
  ASSERT_FALSE(HasFailure());
  std::vector<v1::Booking> bookings;
  for (int i = 0; i < 3; ++i) {
    bookings.push_back(MustBook(SlotName(drive.name(), i == 0   ? "0800"
                                                       : i == 1 ? "0830"
                                                                : "0900"),
                                donors[i].name()));
  }
  v1::Booking confirmed;
  ASSERT_TRUE(Confirm(bookings[0].name(), &confirmed).ok());
  v1::JoinWaitlistRequest join;
  join.set_request_id(NewRequestId("join"));
  join.set_drive(drive.name());
  join.mutable_entry()->set_donor(donors[3].name());
  join.mutable_entry()->set_donation_type(kWholeBlood);
  v1::WaitlistEntry entry;
  ASSERT_TRUE(Call(sch(), &SS::JoinWaitlist, join, &entry).ok());

  v1::CancelDriveRequest cancel;
  cancel.set_request_id(NewRequestId("cancel-drive"));
  cancel.set_name(drive.name());
  cancel.set_reason("Venue flooded");
  v1::Drive cancelled;
  const grpc::Status status = Call(sch(), &SS::CancelDrive, cancel, &cancelled);
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_EQ(cancelled.state(), v1::DRIVE_STATE_CANCELLED);
  EXPECT_EQ(cancelled.cancel_reason(), "Venue flooded");
  EXPECT_TRUE(cancelled.has_close_time());
  for (const v1::Booking& booking : bookings) {
    const v1::Booking now = MustGetBooking(booking.name());
    EXPECT_EQ(now.state(), v1::BOOKING_STATE_CANCELLED) << now.name();
    EXPECT_EQ(now.cancel_reason(), v1::CANCEL_REASON_DRIVE_CANCELLED) << now.name();
    EXPECT_FALSE(now.late_cancellation());
  }
  const std::vector<v1::WaitlistEntry> closed = Waitlist(drive.name(), {v1::WAITLIST_STATE_CLOSED});
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].donor(), donors[3].name());
  EXPECT_TRUE(Waitlist(drive.name()).empty());

  const std::vector<v1::Event> events = Events(drive.name());
  EXPECT_THAT(Kinds(events), ElementsAre("published", "created", "created", "created", "confirmed",
                                         "cancelled", "cancelled", "cancelled", "drive_cancelled"));
  for (const v1::Event& event : events) {
    if (event.has_booking_cancelled()) {
      EXPECT_EQ(event.booking_cancelled().reason(), v1::CANCEL_REASON_DRIVE_CANCELLED);
    }
  }
  if (!events.empty() && events.back().has_drive_cancelled()) {
    EXPECT_EQ(events.back().drive_cancelled().bookings_cancelled(), 3);
  }

  // Nothing is bookable any more, and a cancelled drive cannot be closed.
  v1::BookSlotResponse response;
  const Outcome refused =
      Book(BookRequest(SlotName(drive.name(), "0930"), donors[3].name()), &response);
  EXPECT_TRUE(HasCode(refused.status, grpc::StatusCode::FAILED_PRECONDITION));
  ASSERT_TRUE(refused.failure.has_value());
  EXPECT_EQ(refused.failure->kind(), v1::BookingFailure::KIND_DRIVE_NOT_OPEN);
  v1::CloseDriveRequest close;
  close.set_request_id(NewRequestId("close"));
  close.set_name(drive.name());
  v1::Drive out;
  EXPECT_TRUE(
      HasCode(Call(sch(), &SS::CloseDrive, close, &out), grpc::StatusCode::FAILED_PRECONDITION));
}

}  // namespace
}  // namespace blooddrive::testing
