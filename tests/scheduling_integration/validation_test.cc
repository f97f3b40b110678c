// Invariant 6 on every RPC of DriveScheduling: bad input gets INVALID_ARGUMENT naming the field,
// and nothing under sch: changes (the audit stream aside). Each bad request is otherwise valid and
// names real resources, so a write that slipped through would show.
#include <gmock/gmock.h>

#include <functional>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "scheduling_fixture.h"

namespace blooddrive::testing {
namespace {

using google::protobuf::util::TimeUtil;

struct BadCase {
  std::string rpc;
  std::string field;
  std::function<grpc::Status()> call;
};

class ValidationTest : public SchedulingTest {
 protected:
  void SetUp() override {
    SchedulingTest::SetUp();
    if (HasFatalFailure()) return;
    site_ = MustCreateSite(AstanaSite());
    drive_ = MustPublishedDrive(today() + 1, 4);
    slot_ = SlotName(drive_.name(), "0900");
    donor_ = MustCreateDonor();
    waiter_ = MustCreateDonor();
    booking_ = MustBook(slot_, donor_.name());
    v1::JoinWaitlistRequest join;
    join.set_request_id(NewRequestId("join"));
    join.set_drive(drive_.name());
    join.mutable_entry()->set_donor(waiter_.name());
    join.mutable_entry()->set_donation_type(kWholeBlood);
    const grpc::Status status = Call(sch(), &SS::JoinWaitlist, join, &entry_);
    ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    ASSERT_FALSE(booking_.name().empty());
  }

  // Runs every case, each against a snapshot of sch:* taken just before it.
  void Expect(const std::vector<BadCase>& cases) {
    for (const BadCase& c : cases) {
      SCOPED_TRACE(absl::StrCat(c.rpc, " / ", c.field));
      const std::string before = SchSnapshot();
      EXPECT_TRUE(NamesField(c.call(), c.field));
      EXPECT_EQ(SchSnapshot(), before) << "a refused request wrote to Redis";
    }
  }

  template <typename Request, typename Response>
  std::function<grpc::Status()> Unary(grpc::Status (SS::*method)(grpc::ClientContext*,
                                                                 const Request&, Response*),
                                      Request request) {
    return [this, method, request] {
      Response response;
      return Call(sch(), method, request, &response);
    };
  }

  v1::Site site_;
  v1::Drive drive_;
  std::string slot_;
  v1::Donor donor_;
  v1::Donor waiter_;
  v1::Booking booking_;
  v1::WaitlistEntry entry_;
};

TEST_F(ValidationTest, Sites) {
  v1::CreateSiteRequest create;
  create.set_request_id(NewRequestId("site"));
  *create.mutable_site() = AstanaSite();
  auto site_with = [&](const std::function<void(v1::CreateSiteRequest&)>& change) {
    v1::CreateSiteRequest r = create;
    change(r);
    return Unary(&SS::CreateSite, r);
  };
  v1::UpdateSiteRequest update;
  update.set_request_id(NewRequestId("update"));
  *update.mutable_site() = site_;
  update.mutable_update_mask()->add_paths("time_zone");
  update.mutable_site()->set_time_zone("Mars/Olympus_Mons");
  v1::UpdateSiteRequest no_mask = update;
  no_mask.clear_update_mask();
  v1::UpdateSiteRequest unknown_path = update;
  unknown_path.mutable_update_mask()->set_paths(0, "create_time");
  v1::UpdateSiteRequest no_name = update;
  no_name.mutable_site()->set_time_zone("Asia/Almaty");
  no_name.mutable_site()->set_name("");
  v1::GetSiteRequest get;
  get.set_name("astana");
  v1::ListSitesRequest list;
  list.set_page_size(-1);
  v1::ListSitesRequest list_branch;
  list_branch.set_branch("Astana Branch");
  v1::ListSitesRequest list_token;
  list_token.set_page_token("not a token");

  Expect({
      {"CreateSite", "request_id", site_with([](auto& r) { r.set_request_id(""); })},
      {"CreateSite", "site", site_with([](auto& r) { r.clear_site(); })},
      {"CreateSite", "site_id", site_with([](auto& r) { r.set_site_id("Old Town"); })},
      {"CreateSite", "site.time_zone",
       site_with([](auto& r) { r.mutable_site()->set_time_zone("Mars/Olympus_Mons"); })},
      {"CreateSite", "site.time_zone",
       site_with([](auto& r) { r.mutable_site()->set_time_zone("../etc/passwd"); })},
      {"CreateSite", "site.display_name",
       site_with([](auto& r) { r.mutable_site()->set_display_name(""); })},
      {"CreateSite", "site.address",
       site_with([](auto& r) { r.mutable_site()->set_address(std::string(301, 'a')); })},
      {"CreateSite", "site.location",
       site_with([](auto& r) { r.mutable_site()->mutable_location()->set_latitude(91); })},
      {"CreateSite", "site.location",
       site_with([](auto& r) { r.mutable_site()->clear_location(); })},
      {"CreateSite", "site.branch",
       site_with([](auto& r) { r.mutable_site()->set_branch("KZ Astana"); })},
      {"CreateSite", "site.kind",
       site_with([](auto& r) { r.mutable_site()->set_kind(v1::SITE_KIND_UNSPECIFIED); })},
      {"CreateSite", "site.rule_pack",
       site_with([](auto& r) { r.mutable_site()->set_rule_pack("who-2012"); })},
      {"GetSite", "name", Unary(&SS::GetSite, get)},
      {"ListSites", "page_size", Unary(&SS::ListSites, list)},
      {"ListSites", "branch", Unary(&SS::ListSites, list_branch)},
      {"ListSites", "page_token", Unary(&SS::ListSites, list_token)},
      {"UpdateSite", "site.time_zone", Unary(&SS::UpdateSite, update)},
      {"UpdateSite", "update_mask", Unary(&SS::UpdateSite, no_mask)},
      {"UpdateSite", "update_mask", Unary(&SS::UpdateSite, unknown_path)},
      {"UpdateSite", "site.name", Unary(&SS::UpdateSite, no_name)},
  });
}

TEST_F(ValidationTest, Drives) {
  v1::CreateDriveRequest create;
  create.set_request_id(NewRequestId("drive"));
  *create.mutable_drive() =
      DriveOn(site_.name(), today() + 2, Tod(9, 0), Tod(12, 0), 30, 4, /*reserve=*/1);
  auto drive_with = [&](const std::function<void(v1::Drive&)>& change) {
    v1::CreateDriveRequest r = create;
    change(*r.mutable_drive());
    return Unary(&SS::CreateDrive, r);
  };
  v1::UpdateDriveRequest update;
  update.set_request_id(NewRequestId("update"));
  update.mutable_drive()->set_name(drive_.name());
  update.mutable_drive()->set_slot_minutes(3);
  update.mutable_update_mask()->add_paths("slot_minutes");
  v1::UpdateDriveRequest no_mask = update;
  no_mask.clear_update_mask();
  v1::GetDriveRequest get;
  get.set_name("drives/");
  v1::ListDrivesRequest far;
  far.mutable_near()->set_latitude(51.1);
  far.mutable_near()->set_longitude(71.4);
  far.set_radius_km(1000);
  v1::ListDrivesRequest no_radius = far;
  no_radius.set_radius_km(0);
  v1::ListDrivesRequest bad_point = far;
  bad_point.set_radius_km(10);
  bad_point.mutable_near()->set_latitude(95);
  v1::ListDrivesRequest bad_date;
  bad_date.mutable_start_date()->set_year(2026);
  bad_date.mutable_start_date()->set_month(2);
  bad_date.mutable_start_date()->set_day(30);
  v1::ListDrivesRequest bad_site;
  bad_site.set_site("astana");
  v1::PublishDriveRequest publish;
  publish.set_request_id("");
  publish.set_name(drive_.name());
  v1::PublishDriveRequest publish_name;
  publish_name.set_request_id(NewRequestId("publish"));
  publish_name.set_name("sites/astana");
  v1::CloseDriveRequest close;
  close.set_request_id(NewRequestId("close"));
  close.set_name("");
  v1::CancelDriveRequest cancel;
  cancel.set_request_id(NewRequestId("cancel"));
  cancel.set_name(drive_.name());
  cancel.set_reason("");
  v1::CancelDriveRequest cancel_long = cancel;
  cancel_long.set_reason(std::string(501, 'x'));

  Expect({
      {"CreateDrive", "request_id",
       [&] {
         v1::CreateDriveRequest r = create;
         r.set_request_id(std::string(65, 'x'));
         v1::Drive out;
         return Call(sch(), &SS::CreateDrive, r, &out);
       }},
      {"CreateDrive", "drive.site", drive_with([](v1::Drive& d) { d.set_site("sites/"); })},
      {"CreateDrive", "drive.date",
       drive_with([](v1::Drive& d) { d.mutable_date()->set_month(13); })},
      {"CreateDrive", "drive.date", drive_with([](v1::Drive& d) { d.clear_date(); })},
      {"CreateDrive", "drive.opening_windows[0].end",
       drive_with([](v1::Drive& d) { *d.mutable_opening_windows(0)->mutable_end() = Tod(8, 0); })},
      {"CreateDrive", "drive.opening_windows[0].start", drive_with([](v1::Drive& d) {
         *d.mutable_opening_windows(0)->mutable_start() = Tod(24, 0);
       })},
      {"CreateDrive", "drive.opening_windows[1].start", drive_with([](v1::Drive& d) {
         v1::OpeningWindow* overlapping = d.add_opening_windows();
         *overlapping->mutable_start() = Tod(11, 0);
         *overlapping->mutable_end() = Tod(13, 0);
       })},
      {"CreateDrive", "drive.slot_minutes",
       drive_with([](v1::Drive& d) { d.set_slot_minutes(3); })},
      {"CreateDrive", "drive.capacities[0].seats",
       drive_with([](v1::Drive& d) { d.mutable_capacities(0)->set_seats(0); })},
      {"CreateDrive", "drive.capacities[0].walk_in_reserve",
       drive_with([](v1::Drive& d) { d.mutable_capacities(0)->set_walk_in_reserve(5); })},
      {"CreateDrive", "drive.capacities[1]",
       drive_with([](v1::Drive& d) { *d.add_capacities() = d.capacities(0); })},
      {"CreateDrive", "drive.targets[0].blood_group", drive_with([](v1::Drive& d) {
         v1::BloodGroupTarget* target = d.add_targets();
         target->set_blood_group(v1::BLOOD_GROUP_UNKNOWN);
         target->set_units(10);
       })},
      {"CreateDrive", "drive.targets[0].units", drive_with([](v1::Drive& d) {
         v1::BloodGroupTarget* target = d.add_targets();
         target->set_blood_group(v1::BLOOD_GROUP_O_NEGATIVE);
         target->set_units(0);
       })},
      {"CreateDrive", "drive.display_name",
       drive_with([](v1::Drive& d) { d.set_display_name(std::string(101, 'a')); })},
      {"GetDrive", "name", Unary(&SS::GetDrive, get)},
      {"ListDrives", "radius_km", Unary(&SS::ListDrives, far)},
      {"ListDrives", "radius_km", Unary(&SS::ListDrives, no_radius)},
      {"ListDrives", "near", Unary(&SS::ListDrives, bad_point)},
      {"ListDrives", "start_date", Unary(&SS::ListDrives, bad_date)},
      {"ListDrives", "site", Unary(&SS::ListDrives, bad_site)},
      {"UpdateDrive", "drive.slot_minutes", Unary(&SS::UpdateDrive, update)},
      {"UpdateDrive", "update_mask", Unary(&SS::UpdateDrive, no_mask)},
      {"PublishDrive", "request_id", Unary(&SS::PublishDrive, publish)},
      {"PublishDrive", "name", Unary(&SS::PublishDrive, publish_name)},
      {"CloseDrive", "name", Unary(&SS::CloseDrive, close)},
      {"CancelDrive", "reason", Unary(&SS::CancelDrive, cancel)},
      {"CancelDrive", "reason", Unary(&SS::CancelDrive, cancel_long)},
  });
}

TEST_F(ValidationTest, AvailabilityAndWatch) {
  v1::GetAvailabilityRequest get;
  get.set_drive("");
  v1::GetAvailabilityRequest bad_type;
  bad_type.set_drive(drive_.name());
  bad_type.set_donation_type(static_cast<v1::DonationType>(99));
  auto watch = [this](v1::WatchAvailabilityRequest request) {
    return [this, request] {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
      auto reader = sch().WatchAvailability(&context, request);
      v1::AvailabilityUpdate update;
      while (reader->Read(&update)) {
        ADD_FAILURE() << "a refused watch sent " << update.DebugString();
        context.TryCancel();
      }
      return reader->Finish();
    };
  };
  v1::WatchAvailabilityRequest none;
  v1::WatchAvailabilityRequest too_many;
  for (int i = 0; i < 51; ++i) too_many.add_drives(drive_.name());
  v1::WatchAvailabilityRequest bad_name;
  bad_name.add_drives(drive_.name());
  bad_name.add_drives("drives/NOT-LOWER");
  Expect({
      {"GetAvailability", "drive", Unary(&SS::GetAvailability, get)},
      {"GetAvailability", "donation_type", Unary(&SS::GetAvailability, bad_type)},
      {"WatchAvailability", "drives", watch(none)},
      {"WatchAvailability", "drives", watch(too_many)},
      {"WatchAvailability", "drives[1]", watch(bad_name)},
  });
}

TEST_F(ValidationTest, Booking) {
  const v1::BookSlotRequest book = BookRequest(slot_, waiter_.name());
  auto book_with = [&](const std::function<void(v1::BookSlotRequest&)>& change) {
    v1::BookSlotRequest r = book;
    change(r);
    return Unary(&SS::BookSlot, r);
  };
  v1::HoldSlotRequest hold;
  hold.set_request_id(NewRequestId("hold"));
  hold.set_slot(slot_);
  hold.set_donor(waiter_.name());
  hold.set_donation_type(kWholeBlood);
  *hold.mutable_hold_duration() = TimeUtil::SecondsToDuration(10);
  v1::HoldSlotRequest hold_long = hold;
  *hold_long.mutable_hold_duration() = TimeUtil::SecondsToDuration(3600);
  v1::HoldSlotRequest hold_type = hold;
  hold_type.clear_hold_duration();
  hold_type.set_donation_type(v1::DONATION_TYPE_UNSPECIFIED);
  v1::ConfirmHoldRequest confirm_hold;
  confirm_hold.set_request_id(NewRequestId("confirm"));
  confirm_hold.set_name("");
  v1::CancelBookingRequest cancel;
  cancel.set_request_id(NewRequestId("cancel"));
  cancel.set_name(booking_.name());
  cancel.set_reason(v1::CANCEL_REASON_UNSPECIFIED);
  v1::CancelBookingRequest cancel_drive_reason = cancel;
  cancel_drive_reason.set_reason(v1::CANCEL_REASON_DRIVE_CANCELLED);
  v1::CancelBookingRequest cancel_note = cancel;
  cancel_note.set_reason(v1::CANCEL_REASON_DONOR_REQUEST);
  cancel_note.set_note(std::string(501, 'n'));
  v1::CancelBookingRequest cancel_name = cancel_note;
  cancel_name.set_note("");
  cancel_name.set_name(slot_);
  v1::RescheduleBookingRequest reschedule;
  reschedule.set_request_id(NewRequestId("move"));
  reschedule.set_name(booking_.name());
  reschedule.set_new_slot("");
  v1::RescheduleBookingRequest reschedule_slot = reschedule;
  reschedule_slot.set_new_slot(SlotName(drive_.name(), "0961"));
  v1::GetBookingRequest get;
  get.set_name(slot_);
  v1::ListBookingsRequest list;
  list.set_donor("");
  v1::ListBookingsRequest list_page = list;
  list_page.set_donor(donor_.name());
  list_page.set_page_size(-5);
  v1::ListBookingsRequest list_dates = list_page;
  list_dates.set_page_size(0);
  list_dates.mutable_end_date()->set_year(2026);
  list_dates.mutable_end_date()->set_month(4);
  list_dates.mutable_end_date()->set_day(31);

  Expect({
      {"BookSlot", "request_id", book_with([](auto& r) { r.set_request_id(""); })},
      {"BookSlot", "slot", book_with([](auto& r) { r.set_slot(""); })},
      {"BookSlot", "slot", book_with([&](auto& r) { r.set_slot(drive_.name()); })},
      {"BookSlot", "slot",
       book_with([&](auto& r) { r.set_slot(SlotName(drive_.name(), "2500")); })},
      {"BookSlot", "donor", book_with([](auto& r) { r.set_donor("donor/x"); })},
      {"BookSlot", "donation_type",
       book_with([](auto& r) { r.set_donation_type(v1::DONATION_TYPE_UNSPECIFIED); })},
      {"BookSlot", "donation_type",
       book_with([](auto& r) { r.set_donation_type(static_cast<v1::DonationType>(42)); })},
      {"HoldSlot", "hold_duration", Unary(&SS::HoldSlot, hold)},
      {"HoldSlot", "hold_duration", Unary(&SS::HoldSlot, hold_long)},
      {"HoldSlot", "donation_type", Unary(&SS::HoldSlot, hold_type)},
      {"ConfirmHold", "name", Unary(&SS::ConfirmHold, confirm_hold)},
      {"CancelBooking", "reason", Unary(&SS::CancelBooking, cancel)},
      {"CancelBooking", "reason", Unary(&SS::CancelBooking, cancel_drive_reason)},
      {"CancelBooking", "note", Unary(&SS::CancelBooking, cancel_note)},
      {"CancelBooking", "name", Unary(&SS::CancelBooking, cancel_name)},
      {"RescheduleBooking", "new_slot", Unary(&SS::RescheduleBooking, reschedule)},
      {"RescheduleBooking", "new_slot", Unary(&SS::RescheduleBooking, reschedule_slot)},
      {"GetBooking", "name", Unary(&SS::GetBooking, get)},
      {"ListBookings", "donor", Unary(&SS::ListBookings, list)},
      {"ListBookings", "page_size", Unary(&SS::ListBookings, list_page)},
      {"ListBookings", "end_date", Unary(&SS::ListBookings, list_dates)},
  });
}

TEST_F(ValidationTest, ReusedRequestIdIsRefused) {
  // common.proto: reusing a request_id for a different request is INVALID_ARGUMENT.
  const v1::Donor other = MustCreateDonor();
  v1::BookSlotRequest first = BookRequest(SlotName(drive_.name(), "0930"), other.name());
  v1::BookSlotResponse response;
  ASSERT_TRUE(Book(first, &response).status.ok());
  v1::BookSlotRequest different = first;
  different.set_slot(SlotName(drive_.name(), "0800"));
  Expect({{"BookSlot", "request_id", Unary(&SS::BookSlot, different)}});
}

TEST_F(ValidationTest, WaitlistClinicAndReport) {
  v1::JoinWaitlistRequest join;
  join.set_request_id(NewRequestId("join"));
  join.set_drive(drive_.name());
  join.mutable_entry()->set_donor(donor_.name());
  join.mutable_entry()->set_donation_type(kWholeBlood);
  auto join_with = [&](const std::function<void(v1::JoinWaitlistRequest&)>& change) {
    v1::JoinWaitlistRequest r = join;
    change(r);
    return Unary(&SS::JoinWaitlist, r);
  };
  v1::LeaveWaitlistRequest leave;
  leave.set_request_id(NewRequestId("leave"));
  leave.set_name(drive_.name());
  v1::ListWaitlistRequest list;
  list.set_drive("");
  v1::ListWaitlistRequest list_page;
  list_page.set_drive(drive_.name());
  list_page.set_page_size(501);
  v1::GetRosterRequest roster;
  roster.set_drive("");
  v1::GetRosterRequest roster_slot;
  roster_slot.set_drive(drive_.name());
  roster_slot.set_slot("drives/other/slots/0900");
  v1::ConfirmBookingRequest confirm;
  confirm.set_request_id(NewRequestId("confirm"));
  confirm.set_name(booking_.name());
  confirm.set_channel(v1::CONFIRMATION_CHANNEL_UNSPECIFIED);
  v1::CheckInBookingRequest check_in;
  check_in.set_request_id("");
  check_in.set_name(booking_.name());
  v1::CheckInBookingRequest check_in_name;
  check_in_name.set_request_id(NewRequestId("checkin"));
  check_in_name.set_name("bookings/x");
  v1::RecordOutcomeRequest outcome;
  outcome.set_request_id(NewRequestId("outcome"));
  outcome.set_name(booking_.name());
  v1::RecordOutcomeRequest no_volume = outcome;
  no_volume.mutable_donated()->set_volume_ml(0);
  v1::RecordOutcomeRequest too_much = outcome;
  too_much.mutable_donated()->set_volume_ml(1500);
  v1::RecordOutcomeRequest bad_hb = outcome;
  bad_hb.mutable_donated()->set_volume_ml(450);
  bad_hb.mutable_donated()->set_hemoglobin_g_per_l(30);
  v1::RecordOutcomeRequest no_code = outcome;
  no_code.mutable_deferred();
  v1::RecordOutcomeRequest both_ends = outcome;
  both_ends.mutable_deferred()->set_code(v1::DEFERRAL_CODE_OTHER);
  both_ends.mutable_deferred()->set_permanent(true);
  *both_ends.mutable_deferred()->mutable_end_date() = ToDate(today() + 10);
  v1::GetDriveReportRequest report;
  report.set_drive("drives/");

  Expect({
      {"JoinWaitlist", "drive", join_with([](auto& r) { r.set_drive(""); })},
      {"JoinWaitlist", "entry", join_with([](auto& r) { r.clear_entry(); })},
      {"JoinWaitlist", "entry.donor", join_with([](auto& r) { r.mutable_entry()->set_donor(""); })},
      {"JoinWaitlist", "entry.donation_type", join_with([](auto& r) {
         r.mutable_entry()->set_donation_type(v1::DONATION_TYPE_UNSPECIFIED);
       })},
      {"JoinWaitlist", "entry.earliest_start",
       join_with([](auto& r) { *r.mutable_entry()->mutable_earliest_start() = Tod(25, 0); })},
      {"JoinWaitlist", "entry.start_before", join_with([](auto& r) {
         *r.mutable_entry()->mutable_earliest_start() = Tod(9, 0);
         *r.mutable_entry()->mutable_start_before() = Tod(8, 0);
       })},
      {"LeaveWaitlist", "name", Unary(&SS::LeaveWaitlist, leave)},
      {"ListWaitlist", "drive", Unary(&SS::ListWaitlist, list)},
      {"ListWaitlist", "page_size", Unary(&SS::ListWaitlist, list_page)},
      {"GetRoster", "drive", Unary(&SS::GetRoster, roster)},
      {"GetRoster", "slot", Unary(&SS::GetRoster, roster_slot)},
      {"ConfirmBooking", "channel", Unary(&SS::ConfirmBooking, confirm)},
      {"CheckInBooking", "request_id", Unary(&SS::CheckInBooking, check_in)},
      {"CheckInBooking", "name", Unary(&SS::CheckInBooking, check_in_name)},
      {"RecordOutcome", "outcome", Unary(&SS::RecordOutcome, outcome)},
      {"RecordOutcome", "donated.volume_ml", Unary(&SS::RecordOutcome, no_volume)},
      {"RecordOutcome", "donated.volume_ml", Unary(&SS::RecordOutcome, too_much)},
      {"RecordOutcome", "donated.hemoglobin_g_per_l", Unary(&SS::RecordOutcome, bad_hb)},
      {"RecordOutcome", "deferred.code", Unary(&SS::RecordOutcome, no_code)},
      {"RecordOutcome", "deferred", Unary(&SS::RecordOutcome, both_ends)},
      {"GetDriveReport", "drive", Unary(&SS::GetDriveReport, report)},
  });
}

}  // namespace
}  // namespace blooddrive::testing
