// Invariants 1 and 2 under concurrency: a slot never holds more bookings than its seats, a retry
// books once, and reschedules, cancels and waitlist promotions racing each other leave counters,
// roster, waitlist and every donor's bookings consistent.
#include <gmock/gmock.h>

#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "auth/client_credentials.h"
#include "flows_fixture.h"
#include "grpcpp/create_channel.h"

namespace blooddrive::testing {
namespace {

struct BookResult {
  grpc::Status status;
  v1::BookSlotResponse response;
  std::optional<v1::BookingFailure> failure;
};

// A channel of its own for client `index`: a distinct channel argument keeps gRPC from sharing
// one connection between channels, so each call is a separate client on the wire.
std::shared_ptr<grpc::Channel> ClientChannel(const std::string& target, int index) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt("blooddrive.test.client_index", index);
  return auth::NewTokenChannel(target, AdminToken(), grpc::InsecureChannelCredentials(), args);
}

// Sends every request at once, each from its own channel (connected beforehand, so that the
// calls really overlap), and waits for all answers.
std::vector<BookResult> BookConcurrently(const std::string& target,
                                         const std::vector<v1::BookSlotRequest>& requests) {
  const int n = static_cast<int>(requests.size());
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<SchedulingStub>> stubs;
  for (int i = 0; i < n; ++i) {
    channels.push_back(ClientChannel(target, i));
    stubs.push_back(v1::DriveScheduling::NewStub(channels.back()));
  }
  for (int i = 0; i < n; ++i) {
    EXPECT_TRUE(channels[i]->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(20))))
        << "client " << i << " did not connect";
  }
  std::vector<BookResult> results(n);
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  for (int i = 0; i < n; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    // Generous: this checks outcomes, not speed. Under ASan on two cores the 500 waitlist joins
    // (each an eligibility check through the registry) alone take over a minute.
    contexts.back()->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(300)));
  }
  absl::BlockingCounter done(n);
  for (int i = 0; i < n; ++i) {
    stubs[i]->async()->BookSlot(contexts[i].get(), &requests[i], &results[i].response,
                                [&, i](grpc::Status status) {
                                  results[i].status = std::move(status);
                                  results[i].failure = BookingFailureOf(*contexts[i]);
                                  done.DecrementCount();
                                });
  }
  done.Wait();
  return results;
}

class ConcurrencyTest : public SchedulingTest {
 protected:
  // A published drive tomorrow with one 09:00 slot of `seats` whole-blood seats.
  std::string OneSlotDrive(int seats) {
    const v1::Site site = MustCreateSite(AstanaSite());
    const v1::Drive drive =
        MustCreateDrive(DriveOn(site.name(), today() + 1, Tod(9, 0), Tod(9, 30), 30, seats));
    if (drive.name().empty()) return "";
    return MustPublish(drive.name()).name();
  }

  // available + held + booked + walk_in_left == seats for every slot and type; returns booked +
  // held per slot id.
  std::map<std::string, int> CheckCounters(const v1::DriveAvailability& availability) {
    std::map<std::string, int> used;
    for (const v1::SlotAvailability& slot : availability.slots()) {
      for (const v1::TypeAvailability& type : slot.types()) {
        EXPECT_EQ(type.available() + type.held() + type.booked() + type.walk_in_left(),
                  type.seats())
            << slot.slot() << " " << type.DebugString();
        EXPECT_GE(type.available(), 0) << slot.slot();
        used[slot.slot()] += type.held() + type.booked();
      }
    }
    return used;
  }

  void ThousandClientsForTenSeats(bool half_join_waitlist);
};

void ConcurrencyTest::ThousandClientsForTenSeats(bool half_join_waitlist) {
  constexpr int kClients = 1000;
  constexpr int kSeats = 10;
  const std::string drive = OneSlotDrive(kSeats);
  ASSERT_FALSE(drive.empty());
  const std::string slot = SlotName(drive, "0900");
  const std::vector<v1::Donor> donors = MustCreateDonors(kClients);
  ASSERT_FALSE(HasFailure());

  std::vector<v1::BookSlotRequest> requests;
  for (int i = 0; i < kClients; ++i) {
    requests.push_back(BookRequest(slot, donors[i].name()));
    requests.back().set_join_waitlist_if_full(half_join_waitlist && i % 2 == 1);
  }
  const absl::Time start = absl::Now();
  const std::vector<BookResult> results = BookConcurrently(env().scheduling().target(), requests);
  const absl::Duration took = absl::Now() - start;

  std::set<std::string> booked_donors;
  std::set<std::string> booking_names;
  std::set<std::string> waitlisted_donors;
  int full = 0;
  std::map<std::string, int> others;  // unexpected outcomes, by code and message
  for (int i = 0; i < kClients; ++i) {
    const BookResult& r = results[i];
    const bool joins = requests[i].join_waitlist_if_full();
    if (r.status.ok() && r.response.has_booking()) {
      const v1::Booking& booking = r.response.booking();
      EXPECT_EQ(booking.donor(), donors[i].name());
      EXPECT_EQ(booking.slot(), slot);
      EXPECT_EQ(booking.state(), v1::BOOKING_STATE_BOOKED);
      booked_donors.insert(booking.donor());
      booking_names.insert(booking.name());
    } else if (r.status.ok() && r.response.has_waitlist_entry()) {
      EXPECT_TRUE(joins) << "client " << i << " got a waitlist entry without asking";
      EXPECT_EQ(r.response.waitlist_entry().donor(), donors[i].name());
      EXPECT_EQ(r.response.waitlist_entry().state(), v1::WAITLIST_STATE_WAITING);
      waitlisted_donors.insert(donors[i].name());
    } else if (r.status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      EXPECT_FALSE(joins) << "client " << i << " asked to wait but was refused";
      ++full;
      if (!r.failure.has_value()) {
        ++others["RESOURCE_EXHAUSTED without a BookingFailure trailer"];
      } else if (r.failure->kind() != v1::BookingFailure::KIND_SLOT_FULL) {
        ++others[absl::StrCat("BookingFailure kind ", r.failure->kind())];
      }
    } else {
      ++others[absl::StrCat("code ", r.status.error_code(), " ", r.status.error_message())];
    }
  }
  for (const auto& [what, count] : others) ADD_FAILURE() << count << " x " << what;
  EXPECT_EQ(booked_donors.size(), static_cast<size_t>(kSeats));
  EXPECT_EQ(booking_names.size(), static_cast<size_t>(kSeats));
  if (half_join_waitlist) {
    EXPECT_EQ(full + waitlisted_donors.size() + booked_donors.size(),
              static_cast<size_t>(kClients));
    // The waitlist holds exactly the donors who asked to wait and got no seat, in positions
    // 1..N.
    const std::vector<v1::WaitlistEntry> waiting = Waitlist(drive);
    std::set<std::string> listed;
    std::set<int> positions;
    for (const v1::WaitlistEntry& entry : waiting) {
      listed.insert(entry.donor());
      positions.insert(entry.position());
      EXPECT_EQ(entry.donation_type(), kWholeBlood);
    }
    EXPECT_EQ(listed, waitlisted_donors);
    EXPECT_EQ(waiting.size(), waitlisted_donors.size()) << "a donor is listed twice";
    ASSERT_FALSE(positions.empty());
    EXPECT_EQ(*positions.begin(), 1);
    EXPECT_EQ(*positions.rbegin(), static_cast<int>(waiting.size()));
  } else {
    EXPECT_EQ(full, kClients - kSeats);
    EXPECT_TRUE(Waitlist(drive).empty());
  }

  const v1::DriveAvailability availability = MustAvailability(drive);
  ASSERT_EQ(availability.slots_size(), 1);
  ASSERT_EQ(availability.slots(0).types_size(), 1);
  const v1::TypeAvailability& type = availability.slots(0).types(0);
  EXPECT_EQ(type.seats(), kSeats);
  EXPECT_EQ(type.booked(), kSeats);
  EXPECT_EQ(type.available(), 0);
  EXPECT_EQ(type.held(), 0);
  EXPECT_EQ(type.available() + type.held() + type.booked() + type.walk_in_left(), type.seats());
  EXPECT_EQ(type.waitlisted(), static_cast<int>(waitlisted_donors.size()));

  const std::vector<v1::Booking> roster = Roster(drive);
  std::set<std::string> roster_names;
  for (const v1::Booking& booking : roster) {
    EXPECT_TRUE(IsActive(booking.state())) << booking.DebugString();
    roster_names.insert(booking.name());
  }
  EXPECT_EQ(roster.size(), static_cast<size_t>(kSeats));
  EXPECT_EQ(roster_names, booking_names);
  EXPECT_EQ(MustGetDrive(drive).free_seats(), 0);

  // One BookingCreated per booking, nothing for the refused calls.
  int created = 0;
  for (const v1::Event& event : Events(drive)) created += event.has_booking_created() ? 1 : 0;
  EXPECT_EQ(created, kSeats);
  std::cout << kClients << " concurrent BookSlot calls took " << took << "\n";
}

TEST_F(ConcurrencyTest, ThousandClientsTakeExactlyTenSeats) { ThousandClientsForTenSeats(false); }

TEST_F(ConcurrencyTest, ThousandClientsHalfJoinTheWaitlist) { ThousandClientsForTenSeats(true); }

TEST_F(ConcurrencyTest, SameRequestIdFiftyTimesBooksOnce) {
  const std::string drive = OneSlotDrive(10);
  ASSERT_FALSE(drive.empty());
  const v1::Donor donor = MustCreateDonor();
  const v1::BookSlotRequest request = BookRequest(SlotName(drive, "0900"), donor.name());
  const std::vector<BookResult> results =
      BookConcurrently(env().scheduling().target(), std::vector<v1::BookSlotRequest>(50, request));
  std::set<std::string> names;
  std::set<std::string> etags;
  for (const BookResult& r : results) {
    EXPECT_TRUE(r.status.ok()) << r.status.error_code() << " " << r.status.error_message();
    if (!r.status.ok()) continue;
    ASSERT_TRUE(r.response.has_booking()) << r.response.DebugString();
    names.insert(r.response.booking().name());
    etags.insert(r.response.booking().etag());
  }
  EXPECT_EQ(names.size(), 1u);
  EXPECT_EQ(etags.size(), 1u);

  const std::vector<v1::Booking> roster = Roster(drive);
  ASSERT_EQ(roster.size(), 1u);
  EXPECT_EQ(roster[0].name(), *names.begin());
  EXPECT_EQ(DonorBookings(donor.name()).size(), 1u);
  const v1::DriveAvailability availability = MustAvailability(drive);
  ASSERT_EQ(availability.slots_size(), 1);
  EXPECT_EQ(availability.slots(0).types(0).booked(), 1);
  int created = 0;
  for (const v1::Event& event : Events(drive)) created += event.has_booking_created() ? 1 : 0;
  EXPECT_EQ(created, 1);

  // A later retry still answers with the same booking.
  v1::BookSlotResponse again;
  const Outcome retry = Book(request, &again);
  ASSERT_TRUE(retry.status.ok()) << retry.status.error_message();
  EXPECT_EQ(again.booking().name(), *names.begin());
  EXPECT_EQ(again.booking().etag(), *etags.begin());
}

// Reschedules, cancels and waitlist promotions racing one another. Slots 08:00, 08:30, 09:00
// and 09:30 of 4 seats; 08:00 and 08:30 full, 09:00 half full; six donors wait for 08:00 only
// (their window), so a seat freed elsewhere is not theirs.
TEST_F(ConcurrencyTest, RescheduleAndPromotionUnderConcurrentCancels) {
  constexpr int kSeats = 4;
  constexpr int kRounds = 3;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    const v1::Drive drive = MustPublishedDrive(today() + 1 + round, kSeats);
    ASSERT_FALSE(drive.name().empty());
    const std::string s0 = SlotName(drive.name(), "0800");
    const std::string s1 = SlotName(drive.name(), "0830");
    const std::string s2 = SlotName(drive.name(), "0900");
    const std::string s3 = SlotName(drive.name(), "0930");
    // Another drive the same day, with room: a promoted donor must not get a second booking.
    const v1::Drive spare = MustPublish(
        MustCreateDrive(DriveOn(drive.site(), today() + 1 + round, Tod(9, 0), Tod(9, 30), 30, 10))
            .name());
    ASSERT_FALSE(spare.name().empty());
    const std::vector<v1::Donor> donors = MustCreateDonors(16);
    for (const v1::Donor& donor : donors) ASSERT_FALSE(donor.name().empty());
    std::vector<v1::Booking> a, b, c;
    for (int i = 0; i < 4; ++i) a.push_back(MustBook(s0, donors[i].name()));
    for (int i = 0; i < 4; ++i) b.push_back(MustBook(s1, donors[4 + i].name()));
    for (int i = 0; i < 2; ++i) c.push_back(MustBook(s2, donors[8 + i].name()));
    std::vector<std::string> waiting_donors;
    for (int i = 10; i < 16; ++i) {
      v1::JoinWaitlistRequest join;
      join.set_request_id(NewRequestId("join"));
      join.set_drive(drive.name());
      join.mutable_entry()->set_donor(donors[i].name());
      join.mutable_entry()->set_donation_type(kWholeBlood);
      *join.mutable_entry()->mutable_earliest_start() = Tod(8, 0);
      *join.mutable_entry()->mutable_start_before() = Tod(8, 30);
      v1::WaitlistEntry entry;
      const grpc::Status status = Call(sch(), &SS::JoinWaitlist, join, &entry);
      ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
      waiting_donors.push_back(donors[i].name());
    }
    for (const auto* group : {&a, &b, &c}) {
      for (const v1::Booking& booking : *group) ASSERT_FALSE(booking.name().empty());
    }

    // Every operation on its own client, released at once.
    struct Op {
      std::string what;
      std::string booking;
      std::string new_slot;  // empty: cancel
      Outcome outcome;
      v1::Booking result;
    };
    std::vector<Op> ops = {
        {"cancel a0", a[0].name(), ""},       {"cancel a1", a[1].name(), ""},
        {"cancel a2", a[2].name(), ""},       {"move a3 -> 0930", a[3].name(), s3},
        {"move b0 -> 0800", b[0].name(), s0}, {"move b1 -> 0800", b[1].name(), s0},
        {"cancel b2", b[2].name(), ""},       {"move c0 -> 0930", c[0].name(), s3},
        {"cancel c1", c[1].name(), ""},       {"move c1 -> 0800", c[1].name(), s0},
    };
    absl::Notification go;
    std::vector<std::thread> threads;
    const std::string target = env().scheduling().target();
    for (size_t i = 0; i < ops.size(); ++i) {
      threads.emplace_back([&, i] {
        auto stub = v1::DriveScheduling::NewStub(ClientChannel(target, static_cast<int>(i)));
        Op& op = ops[i];
        grpc::ClientContext context;
        context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
        context.set_wait_for_ready(true);
        go.WaitForNotification();
        if (op.new_slot.empty()) {
          v1::CancelBookingRequest request;
          request.set_request_id(NewRequestId("cancel"));
          request.set_name(op.booking);
          request.set_reason(v1::CANCEL_REASON_DONOR_REQUEST);
          op.outcome.status = stub->CancelBooking(&context, request, &op.result);
        } else {
          v1::RescheduleBookingRequest request;
          request.set_request_id(NewRequestId("move"));
          request.set_name(op.booking);
          request.set_new_slot(op.new_slot);
          op.outcome.status = stub->RescheduleBooking(&context, request, &op.result);
        }
        op.outcome.failure = BookingFailureOf(context);
      });
    }
    absl::SleepFor(absl::Milliseconds(200));  // let the clients connect
    go.Notify();
    for (std::thread& thread : threads) thread.join();

    // Each operation either happened completely or not at all.
    for (const Op& op : ops) {
      SCOPED_TRACE(op.what);
      const grpc::Status& status = op.outcome.status;
      const v1::Booking old = MustGetBooking(op.booking);
      if (status.ok() && op.new_slot.empty()) {
        EXPECT_EQ(old.state(), v1::BOOKING_STATE_CANCELLED);
      } else if (status.ok()) {
        EXPECT_EQ(old.state(), v1::BOOKING_STATE_RESCHEDULED);
        EXPECT_EQ(old.rescheduled_to(), op.result.name());
        const v1::Booking moved = MustGetBooking(op.result.name());
        EXPECT_EQ(moved.slot(), op.new_slot);
        EXPECT_EQ(moved.donor(), old.donor());
        EXPECT_EQ(moved.rescheduled_from(), old.name());
        EXPECT_TRUE(IsActive(moved.state())) << moved.DebugString();
      } else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
        EXPECT_FALSE(op.new_slot.empty());
        ASSERT_TRUE(op.outcome.failure.has_value());
        EXPECT_EQ(op.outcome.failure->kind(), v1::BookingFailure::KIND_SLOT_FULL);
      } else {
        // Only the two racing operations on c1 may find their booking already gone.
        EXPECT_EQ(op.booking, c[1].name()) << status.error_code() << " " << status.error_message();
        EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
            << status.error_message();
      }
    }
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(ops[i].outcome.status.ok()) << ops[i].what;
    EXPECT_TRUE(ops[6].outcome.status.ok()) << ops[6].outcome.status.error_message();
    EXPECT_FALSE(ops[8].outcome.status.ok() && ops[9].outcome.status.ok())
        << "c1 was both cancelled and rescheduled";
    EXPECT_TRUE(ops[8].outcome.status.ok() || ops[9].outcome.status.ok());

    // Counters agree with the roster, and no slot is over capacity.
    const v1::DriveAvailability availability = MustAvailability(drive.name());
    std::map<std::string, int> used = CheckCounters(availability);
    std::map<std::string, int> active_by_slot;
    std::map<std::string, int> active_by_donor;
    std::map<std::string, std::string> roster_by_donor;  // for failure messages
    for (const v1::Booking& booking : Roster(drive.name())) {
      if (!IsActive(booking.state())) continue;
      ++active_by_slot[booking.slot()];
      ++active_by_donor[booking.donor()];
      roster_by_donor[booking.donor()] += booking.ShortDebugString() + "\n";
    }
    for (const std::string& slot : {s0, s1, s2, s3}) {
      EXPECT_LE(active_by_slot[slot], kSeats) << slot;
      EXPECT_EQ(active_by_slot[slot], used[slot]) << slot << " roster vs GetAvailability";
    }

    // Each promoted entry has exactly one booking: BOOKED in its window (08:00), for its donor.
    const std::vector<v1::WaitlistEntry> promoted =
        Waitlist(drive.name(), {v1::WAITLIST_STATE_PROMOTED});
    const std::vector<v1::WaitlistEntry> waiting = Waitlist(drive.name());
    EXPECT_GE(promoted.size(), 3u) << "three cancels at 08:00 with six donors waiting";
    EXPECT_EQ(promoted.size() + waiting.size(), waiting_donors.size());
    for (const v1::WaitlistEntry& entry : promoted) {
      ASSERT_FALSE(entry.booking().empty()) << entry.DebugString();
      const v1::Booking booking = MustGetBooking(entry.booking());
      EXPECT_EQ(booking.state(), v1::BOOKING_STATE_BOOKED) << booking.DebugString();
      EXPECT_EQ(booking.donor(), entry.donor());
      EXPECT_EQ(booking.slot(), s0);
      EXPECT_EQ(booking.waitlist_entry(), entry.name());
      v1::BookSlotResponse second;
      const Outcome clash =
          Book(BookRequest(SlotName(spare.name(), "0900"), entry.donor()), &second);
      EXPECT_TRUE(HasCode(clash.status, grpc::StatusCode::FAILED_PRECONDITION))
          << entry.donor() << " was promoted to " << booking.name()
          << " and could book another drive the same day: " << second.ShortDebugString();
    }
    for (const v1::WaitlistEntry& entry : waiting) {
      EXPECT_EQ(active_by_donor[entry.donor()], 0) << entry.donor() << " waits and has a seat";
    }
    for (const v1::SlotAvailability& slot : availability.slots()) {
      for (const v1::TypeAvailability& type : slot.types()) {
        EXPECT_EQ(type.waitlisted(), static_cast<int>(waiting.size())) << slot.slot();
      }
    }

    // No donor holds two active bookings (across every drive: ListBookings).
    for (const v1::Donor& donor : donors) {
      int active = 0;
      for (const v1::Booking& booking : DonorBookings(donor.name())) {
        active += IsActive(booking.state()) ? 1 : 0;
      }
      EXPECT_LE(active, 1) << donor.name();
      EXPECT_EQ(active, active_by_donor[donor.name()])
          << donor.name() << ": ListBookings and GetRoster disagree; roster has\n"
          << roster_by_donor[donor.name()];
    }

    // The stream: consecutive sequences, one WaitlistPromoted per promotion.
    const std::vector<v1::Event> events = Events(drive.name());
    int promotions = 0;
    for (size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].sequence(), static_cast<int64_t>(i + 1));
      promotions += events[i].has_waitlist_promoted() ? 1 : 0;
    }
    EXPECT_EQ(promotions, static_cast<int>(promoted.size()));
  }
}

TEST_F(ConcurrencyTest, WalkInsAndDonorFacingBookingsRaceForTheReserve) {
  // Seats 10, reserve 3: donor-facing bookings never take more than 7, walk-ins take the rest.
  const v1::Site site = MustCreateSite(AstanaSite());
  const v1::Drive drive = MustPublish(
      MustCreateDrive(DriveOn(site.name(), today(), Tod(9, 0), Tod(9, 30), 30, 10, 3)).name());
  ASSERT_FALSE(drive.name().empty());
  const std::string slot = SlotName(drive.name(), "0900");
  const std::vector<v1::Donor> donors = MustCreateDonors(60);
  for (const v1::Donor& donor : donors) ASSERT_FALSE(donor.name().empty());
  std::vector<v1::BookSlotRequest> requests;
  for (int i = 0; i < 60; ++i) {
    requests.push_back(BookRequest(slot, donors[i].name()));
    requests.back().set_walk_in(i % 2 == 0);
  }
  const std::vector<BookResult> results = BookConcurrently(env().scheduling().target(), requests);
  int donor_facing = 0;
  int walk_ins = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    const BookResult& r = results[i];
    if (r.status.ok()) {
      EXPECT_EQ(r.response.booking().walk_in(), requests[i].walk_in());
      (requests[i].walk_in() ? walk_ins : donor_facing) += 1;
    } else {
      EXPECT_EQ(r.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
          << r.status.error_message();
    }
  }
  EXPECT_EQ(donor_facing + walk_ins, 10);
  EXPECT_LE(donor_facing, 7);
  EXPECT_GE(walk_ins, 3);
  const v1::DriveAvailability availability = MustAvailability(drive.name());
  ASSERT_EQ(availability.slots_size(), 1);
  const v1::TypeAvailability& type = availability.slots(0).types(0);
  EXPECT_EQ(type.booked(), 10);
  EXPECT_EQ(type.available(), 0);
  EXPECT_EQ(type.walk_in_left(), 0);
  EXPECT_EQ(Roster(drive.name()).size(), 10u);
  EXPECT_EQ(MustReport(drive.name()).walk_ins(), walk_ins);
}

TEST_F(ConcurrencyTest, OneDonorRacingForTenDrivesTheSameDayGetsOne) {
  // Invariant 4 across partitions (claim-then-book): five donors each send ten bookings at once,
  // one per drive, all on the same day. Each donor ends with exactly one booking, and the drives
  // they lost hold no seat of theirs.
  constexpr int kDrives = 10;
  constexpr int kDonors = 5;
  const v1::Site site = MustCreateSite(AstanaSite());
  std::vector<std::string> drives;
  for (int d = 0; d < kDrives; ++d) {
    drives.push_back(MustPublish(MustCreateDrive(DriveOn(site.name(), today() + 1, Tod(8, 0),
                                                         Tod(10, 0), 30, kDonors))
                                     .name())
                         .name());
    ASSERT_FALSE(drives.back().empty());
  }
  const std::vector<v1::Donor> donors = MustCreateDonors(kDonors);
  for (const v1::Donor& donor : donors) ASSERT_FALSE(donor.name().empty());
  std::vector<v1::BookSlotRequest> requests;
  for (int d = 0; d < kDrives; ++d) {
    for (int p = 0; p < kDonors; ++p) {
      requests.push_back(
          BookRequest(SlotName(drives[d], d % 2 ? "0800" : "0930"), donors[p].name()));
    }
  }
  const std::vector<BookResult> results = BookConcurrently(env().scheduling().target(), requests);
  std::map<std::string, int> booked_by_donor;
  for (size_t i = 0; i < results.size(); ++i) {
    const BookResult& r = results[i];
    if (r.status.ok()) {
      ++booked_by_donor[requests[i].donor()];
    } else {
      EXPECT_EQ(r.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
          << r.status.error_code() << " " << r.status.error_message();
    }
  }
  int seats_taken = 0;
  for (const std::string& drive : drives) {
    for (const v1::Booking& booking : Roster(drive)) seats_taken += IsActive(booking.state());
    std::map<std::string, int> used = CheckCounters(MustAvailability(drive));
    int used_here = 0;
    for (const auto& [slot, n] : used) used_here += n;
    int roster_here = 0;
    for (const v1::Booking& booking : Roster(drive)) roster_here += IsActive(booking.state());
    EXPECT_EQ(used_here, roster_here) << drive;
  }
  for (const v1::Donor& donor : donors) {
    EXPECT_EQ(booked_by_donor[donor.name()], 1) << donor.name();
    int active = 0;
    for (const v1::Booking& b : DonorBookings(donor.name())) active += IsActive(b.state());
    EXPECT_EQ(active, 1) << donor.name();
  }
  EXPECT_EQ(seats_taken, kDonors);
}

TEST_F(ConcurrencyTest, ConcurrentHoldsTakeTheSeatsUntilTheyExpire) {
  constexpr int kSeats = 5;
  constexpr int kClients = 40;
  const std::string drive = OneSlotDrive(kSeats);
  ASSERT_FALSE(drive.empty());
  const std::string slot = SlotName(drive, "0900");
  const std::vector<v1::Donor> donors = MustCreateDonors(kClients);
  for (const v1::Donor& donor : donors) ASSERT_FALSE(donor.name().empty());
  std::vector<grpc::Status> statuses(kClients);
  std::vector<v1::Booking> held(kClients);
  absl::Notification go;
  std::vector<std::thread> threads;
  const std::string target = env().scheduling().target();
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      auto stub = v1::DriveScheduling::NewStub(ClientChannel(target, i));
      v1::HoldSlotRequest request;
      request.set_request_id(NewRequestId("hold"));
      request.set_slot(slot);
      request.set_donor(donors[i].name());
      request.set_donation_type(kWholeBlood);
      request.mutable_hold_duration()->set_seconds(120);
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
      context.set_wait_for_ready(true);
      go.WaitForNotification();
      statuses[i] = stub->HoldSlot(&context, request, &held[i]);
    });
  }
  absl::SleepFor(absl::Milliseconds(200));
  go.Notify();
  for (std::thread& thread : threads) thread.join();
  std::vector<std::string> holds;
  for (int i = 0; i < kClients; ++i) {
    if (statuses[i].ok()) {
      EXPECT_EQ(held[i].state(), v1::BOOKING_STATE_HELD);
      holds.push_back(held[i].name());
    } else {
      EXPECT_EQ(statuses[i].error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
          << statuses[i].error_message();
    }
  }
  ASSERT_EQ(holds.size(), static_cast<size_t>(kSeats));
  v1::TypeAvailability type = MustAvailability(drive).slots(0).types(0);
  EXPECT_EQ(type.held(), kSeats);
  EXPECT_EQ(type.available(), 0);

  SetClock(clock() + absl::Seconds(121));
  const absl::Time until = absl::Now() + absl::Seconds(6);
  while (MustAvailability(drive).slots(0).types(0).held() > 0 && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  type = MustAvailability(drive).slots(0).types(0);
  EXPECT_EQ(type.held(), 0);
  EXPECT_EQ(type.available(), kSeats);
  for (const std::string& name : holds) {
    EXPECT_TRUE(Eventually([&] {
      return MustGetBooking(name).state() == v1::BOOKING_STATE_HOLD_EXPIRED;
    })) << name;
  }
  int held_events = 0;
  int expired_events = 0;
  for (const v1::Event& event : Events(drive)) {
    held_events += event.has_booking_held();
    expired_events += event.has_booking_hold_expired();
  }
  EXPECT_EQ(held_events, kSeats);
  EXPECT_EQ(expired_events, kSeats);
}

}  // namespace
}  // namespace blooddrive::testing
