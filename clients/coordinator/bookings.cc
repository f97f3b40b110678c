// `book`, `cancel`, `bookings`, `waitlist`: coordinators booking by phone on a donor's behalf.
//
// Output (stable; tests/e2e reads it):
//   book       "Booked drives/{d}/bookings/{b}: donors/{id}, whole blood, YYYY-MM-DD HH:MM-HH:MM at
//              sites/{s}." or, when the slot was full and --wait-if-full was given,
//              "Waitlisted donors/{id} for whole blood at drives/{d}: number N in line
//              (drives/{d}/waitlistEntries/{e})." --json: the Booking or the WaitlistEntry.
//   cancel     "Cancelled drives/{d}/bookings/{b} (donor request)." with ", late cancellation"
//              before the period when late. --json: the Booking.
//   bookings   table BOOKING | DATE | TIME | SITE | TYPE | STATE, newest slot first; TIME on the
//              site's wall clock. --json: one Booking per line.
//   waitlist   table POSITION | DONOR | TYPE | STATE | SINCE | ENTRY in waiting order; SINCE on
//              the site's wall clock. --json: one WaitlistEntry per line.
// A slot is "drives/{d}/slots/{HHMM}", or --drive with --time (the local start time).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "coordinator.h"

namespace blooddrive::coordinator {
namespace {

using cli::Session;

struct BookOptions {
  std::string slot;
  std::string drive;
  std::string time;
  std::string donor;
  std::string type = "whole-blood";
  bool wait_if_full = false;
  bool walk_in = false;
  std::string request_id;
};

struct CancelOptions {
  std::string booking;
  std::string reason;
  std::string note;
  std::string request_id;
};

struct WaitlistOptions {
  std::string drive;
  std::string type;
  bool all = false;
};

std::string StateLabel(v1::BookingState state) {
  return cli::EnumLabel(v1::BookingState_descriptor(), state);
}

// The slot of `drive` starting at local `time`, through GetAvailability so that a time with no
// slot is answered with the times there are.
std::optional<std::string> FindSlot(Session& session, const std::string& drive,
                                    const std::string& time_text, v1::DonationType type) {
  v1::TimeOfDay time;
  if (!Parsed(session, cli::ParseTimeOfDay(time_text), &time)) return std::nullopt;
  v1::GetAvailabilityRequest request;
  request.set_drive(cli::ResourceName("drives", drive));
  request.set_donation_type(type);
  v1::DriveAvailability availability;
  if (!cli::CallOrFail(session, session.scheduling(), &v1::DriveScheduling::Stub::GetAvailability,
                       request, &availability)) {
    return std::nullopt;
  }
  std::vector<std::string> starts;
  for (const v1::SlotAvailability& slot : availability.slots()) {
    if (slot.local_start().hours() == time.hours() &&
        slot.local_start().minutes() == time.minutes()) {
      return slot.slot();
    }
    starts.push_back(cli::FormatTimeOfDay(slot.local_start()));
  }
  session.Fail(
      absl::StrCat("no slot of ", request.drive(), " starts at ", cli::FormatTimeOfDay(time), " (",
                   availability.time_zone(), ")",
                   starts.empty() ? std::string("; the drive has no slots")
                                  : absl::StrCat("; slots start at ", absl::StrJoin(starts, ", "))),
      cli::kExitNotFound);
  return std::nullopt;
}

void Book(Session& session, const BookOptions& o) {
  v1::DonationType type;
  if (!Parsed(session, cli::ParseDonationType(o.type), &type)) return;
  std::string slot = o.slot;
  if (slot.empty() == (o.drive.empty() || o.time.empty())) {
    session.Fail("give either --slot, or --drive with --time", cli::kExitUsage);
    return;
  }
  if (slot.empty()) {
    std::optional<std::string> found = FindSlot(session, o.drive, o.time, type);
    if (!found) return;
    slot = *found;
  }
  v1::BookSlotRequest request;
  request.set_request_id(RequestIdOrNew(o.request_id));
  request.set_slot(slot);
  request.set_donor(cli::ResourceName("donors", o.donor));
  request.set_donation_type(type);
  request.set_walk_in(o.walk_in);
  request.set_join_waitlist_if_full(o.wait_if_full);
  v1::BookSlotResponse response;
  if (!cli::CallOrFail(session, session.scheduling(), &v1::DriveScheduling::Stub::BookSlot, request,
                       &response)) {
    return;
  }
  if (response.has_waitlist_entry()) {
    const v1::WaitlistEntry& entry = response.waitlist_entry();
    if (session.json()) return PrintJson(entry);
    const std::string& name = entry.name();
    std::cout << "Waitlisted " << entry.donor() << " for "
              << cli::FormatDonationType(entry.donation_type()) << " at "
              << name.substr(0, name.find("/waitlistEntries/")) << ": number " << entry.position()
              << " in line (" << name << ")." << std::endl;
    return;
  }
  const v1::Booking& booking = response.booking();
  if (session.json()) return PrintJson(booking);
  // The booking is made: a failed look-up of the site's zone must not turn it into a failure
  // (a script would book again).
  const absl::TimeZone zone = SiteZones(session).OfOrUtc(booking.site());
  std::cout << "Booked " << booking.name() << ": " << booking.donor() << ", "
            << cli::FormatDonationType(booking.donation_type()) << ", "
            << cli::FormatDate(booking.date()) << " "
            << LocalSpan(booking.slot_start_time(), booking.slot_end_time(), zone) << " at "
            << booking.site() << "." << std::endl;
}

void Cancel(Session& session, const CancelOptions& o) {
  int reason = 0;
  if (!Parsed(session, cli::ParseEnumLabel(v1::CancelReason_descriptor(), o.reason), &reason)) {
    return;
  }
  // The scheduling service sets it itself when a whole drive is called off.
  if (reason == v1::CANCEL_REASON_DRIVE_CANCELLED) {
    session.Fail(
        "--reason drive-cancelled is set only by `drive cancel`; for one booking give "
        "donor-request, donor-sms-reply, donor-ineligible, clinic or other",
        cli::kExitUsage);
    return;
  }
  v1::CancelBookingRequest request;
  request.set_request_id(RequestIdOrNew(o.request_id));
  request.set_name(o.booking);
  request.set_reason(static_cast<v1::CancelReason>(reason));
  request.set_note(o.note);
  v1::Booking booking;
  if (!cli::CallOrFail(session, session.scheduling(), &v1::DriveScheduling::Stub::CancelBooking,
                       request, &booking)) {
    return;
  }
  if (session.json()) return PrintJson(booking);
  std::cout << "Cancelled " << booking.name() << " ("
            << cli::EnumLabel(v1::CancelReason_descriptor(), booking.cancel_reason()) << ")"
            << (booking.late_cancellation() ? ", late cancellation" : "") << "." << std::endl;
}

void ListBookings(Session& session, const std::string& donor,
                  const std::vector<std::string>& states) {
  v1::ListBookingsRequest request;
  request.set_donor(cli::ResourceName("donors", donor));
  for (const std::string& s : states) {
    int state = 0;
    if (!Parsed(session, cli::ParseEnumLabel(v1::BookingState_descriptor(), s), &state)) return;
    request.add_states(static_cast<v1::BookingState>(state));
  }
  request.set_page_size(500);
  SiteZones zones(session);
  cli::Table table({"BOOKING", "DATE", "TIME", "SITE", "TYPE", "STATE"});
  do {
    v1::ListBookingsResponse response;
    if (!cli::CallOrFail(session, session.scheduling(), &v1::DriveScheduling::Stub::ListBookings,
                         request, &response)) {
      return;
    }
    for (const v1::Booking& b : response.bookings()) {
      if (session.json()) {
        PrintJson(b);
        continue;
      }
      std::optional<absl::TimeZone> zone = zones.Of(b.site());
      if (!zone) return;
      table.AddRow({b.name(), cli::FormatDate(b.date()),
                    LocalSpan(b.slot_start_time(), b.slot_end_time(), *zone), b.site(),
                    cli::FormatDonationType(b.donation_type()), StateLabel(b.state())});
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  if (!session.json()) table.Print(std::cout);
}

void ListWaitlist(Session& session, const WaitlistOptions& o) {
  v1::ListWaitlistRequest request;
  request.set_drive(cli::ResourceName("drives", o.drive));
  if (!o.type.empty()) {
    v1::DonationType type;
    if (!Parsed(session, cli::ParseDonationType(o.type), &type)) return;
    request.set_donation_type(type);
  }
  if (o.all) {
    for (int s = v1::WAITLIST_STATE_WAITING; s <= v1::WAITLIST_STATE_CLOSED; ++s) {
      request.add_states(static_cast<v1::WaitlistState>(s));
    }
  }
  request.set_page_size(500);
  absl::TimeZone zone = absl::UTCTimeZone();
  if (!session.json()) {
    v1::GetDriveRequest get;
    get.set_name(request.drive());
    v1::Drive drive;
    if (!cli::CallOrFail(session, session.scheduling(), &v1::DriveScheduling::Stub::GetDrive, get,
                         &drive)) {
      return;
    }
    std::optional<absl::TimeZone> site_zone = SiteZones(session).Of(drive.site());
    if (!site_zone) return;
    zone = *site_zone;
  }
  cli::Table table({"POSITION", "DONOR", "TYPE", "STATE", "SINCE", "ENTRY"});
  do {
    v1::ListWaitlistResponse response;
    if (!cli::CallOrFail(session, session.scheduling(), &v1::DriveScheduling::Stub::ListWaitlist,
                         request, &response)) {
      return;
    }
    for (const v1::WaitlistEntry& e : response.entries()) {
      if (session.json()) {
        PrintJson(e);
        continue;
      }
      table.AddRow({e.position() > 0 ? absl::StrCat(e.position()) : "-", e.donor(),
                    cli::FormatDonationType(e.donation_type()),
                    cli::EnumLabel(v1::WaitlistState_descriptor(), e.state()),
                    cli::FormatLocal(e.create_time(), zone), e.name()});
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  if (!session.json()) table.Print(std::cout);
}

}  // namespace

void AddBookingCommands(CLI::App& app, Session& session) {
  auto book = std::make_shared<BookOptions>();
  CLI::App* b = app.add_subcommand("book", "Book a donor into a slot (by phone, on their behalf)");
  b->add_option("--slot", book->slot, "SLOT: drives/{id}/slots/{HHMM}");
  b->add_option("--drive", book->drive, "DRIVE, with --time instead of --slot");
  b->add_option("--time", book->time, "Local start time of the slot at the site, HH:MM");
  b->add_option("--donor", book->donor, "DONOR: {id} or donors/{id}")->required();
  b->add_option("--type", book->type, "Donation type")->capture_default_str();
  b->add_flag("--wait-if-full", book->wait_if_full,
              "Join the drive's waitlist when the slot is full");
  b->add_flag("--walk-in", book->walk_in,
              "A walk-in at the site: may take a walk-in seat, and a slot that has started");
  AddRequestIdOption(*b, book->request_id);
  b->callback([&session, book] { Book(session, *book); });

  auto cancel = std::make_shared<CancelOptions>();
  CLI::App* c = app.add_subcommand("cancel", "Cancel a booking; the seat goes to the waitlist");
  c->add_option("booking", cancel->booking, "BOOKING: drives/{id}/bookings/{id}")->required();
  c->add_option("--reason", cancel->reason,
                "donor-request, donor-sms-reply, donor-ineligible, clinic or other")
      ->required();
  c->add_option("--note", cancel->note, "For staff; no personal data");
  AddRequestIdOption(*c, cancel->request_id);
  c->callback([&session, cancel] { Cancel(session, *cancel); });

  auto donor = std::make_shared<std::string>();
  auto states = std::make_shared<std::vector<std::string>>();
  CLI::App* l = app.add_subcommand("bookings", "A donor's bookings, newest first");
  l->add_option("--donor", *donor, "DONOR: {id} or donors/{id}")->required();
  l->add_option("--state", *states, "Only bookings in this state (booked, cancelled, ...)")
      ->allow_extra_args(false)
      ->delimiter(',');
  l->callback([&session, donor, states] { ListBookings(session, *donor, *states); });

  auto waitlist = std::make_shared<WaitlistOptions>();
  CLI::App* w = app.add_subcommand("waitlist", "Donors waiting for a seat at a drive, in order");
  w->add_option("drive", waitlist->drive, "DRIVE: {id} or drives/{id}")->required();
  w->add_option("--type", waitlist->type, "Only this donation type");
  w->add_flag("--all", waitlist->all, "Also promoted, left and closed entries");
  w->callback([&session, waitlist] { ListWaitlist(session, *waitlist); });
}

}  // namespace blooddrive::coordinator
