// Shared pieces of the DriveScheduling integration tests: one real redis-server (with the
// services' ACL users), one real blooddrive-registry, blooddrive-eligibility and
// blooddrive-scheduling per test process, all with auth on. Scheduling calls eligibility with its
// own service token; donors are seeded through the registry's gRPC API.
//
// The scheduling clock is the file given by --clock_file: tests set "now" explicitly, so the
// drive's date, a slot having started and a hold's expiry do not depend on the wall clock. The
// registry and eligibility keep the real clock, so drives whose outcomes reach the registry are
// on today's date in Asia/Almaty.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "blooddrive/v1/eligibility.grpc.pb.h"
#include "blooddrive/v1/events.pb.h"
#include "blooddrive/v1/registry.grpc.pb.h"
#include "blooddrive/v1/scheduling.grpc.pb.h"
#include "eligibility_fixture.h"
#include "registry_fixture.h"

namespace blooddrive::testing {

using SchedulingStub = v1::DriveScheduling::Stub;
using SS = SchedulingStub;

inline constexpr v1::DonationType kWholeBlood = v1::DONATION_TYPE_WHOLE_BLOOD;
inline constexpr v1::DonationType kPlasma = v1::DONATION_TYPE_PLASMA;
inline constexpr char kBookingFailureKey[] = "blooddrive-booking-failure-bin";

// A token of role "portal" (the donor-facing channel), known to the services from their start.
const std::string& PortalToken();

// The password of Redis's default (admin) user in these tests.
const char* SchedulingRedisAdminPassword();

// RFC 3339 in UTC, as the clock file holds it: "2026-11-28T03:00:00Z".
std::string Rfc3339(absl::Time t);
absl::Time FromProto(const google::protobuf::Timestamp& t);
// "2027-03-28T00:30:00Z" -> the instant; fails the test on a malformed literal.
absl::Time Utc(const std::string& rfc3339);
// The instant at which the wall clock in `zone` reads `day` hh:mm (its first occurrence).
absl::Time LocalTime(absl::CivilDay day, int hours, int minutes,
                     const std::string& zone = "Asia/Almaty");

v1::TimeOfDay Tod(int hours, int minutes);
// "drives/abc" + "0900" -> "drives/abc/slots/0900".
std::string SlotName(const std::string& drive, const std::string& slot_id);
// The drive of a slot, booking or waitlist entry name: "drives/abc/..." -> "drives/abc".
std::string DriveOf(const std::string& name);

// The BookingFailure of a finished call's trailing metadata, if it has one.
std::optional<v1::BookingFailure> BookingFailureOf(const grpc::ClientContext& context);

bool IsActive(v1::BookingState state);

// INVALID_ARGUMENT whose message starts with `field` followed by ':', '.' or '[' (the field or a
// part of it: "drive.date" matches "drive.date.month: ..."); says what came back otherwise.
::testing::AssertionResult NamesField(const grpc::Status& status, const std::string& field);

// A call's result with what the booking RPCs send besides the response.
struct Outcome {
  grpc::Status status;
  std::optional<v1::BookingFailure> failure;
};

// Owns the processes of one test process.
class SchedulingEnvironment {
 public:
  static SchedulingEnvironment& Get();
  void Start();

  RedisServer& redis() { return *redis_; }
  ServiceProcess& registry() { return *registry_; }
  ServiceProcess& eligibility() { return *eligibility_; }
  ServiceProcess& scheduling() { return *scheduling_; }
  const std::string& clock_file() const { return clock_file_; }

 private:
  friend class SchedulingTest;

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<ServiceProcess> registry_;
  std::unique_ptr<ServiceProcess> eligibility_;
  std::unique_ptr<ServiceProcess> scheduling_;
  std::string clock_dir_;
  std::string clock_file_;
};

class SchedulingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  // Flushes Redis and sets the clock to today (Asia/Almaty) at 07:00 local.
  void SetUp() override;

  SchedulingEnvironment& env() { return SchedulingEnvironment::Get(); }
  SchedulingStub& sch() { return *scheduling_; }
  v1::DonorRegistry::Stub& registry() { return *registry_; }
  v1::Eligibility::Stub& eligibility() { return *eligibility_; }
  // Today in Asia/Almaty by the real clock (the registry's "today").
  absl::CivilDay today() const { return today_; }

  // The scheduling service's "now" (written atomically to the clock file).
  void SetClock(absl::Time now);
  absl::Time clock() const { return clock_; }

  // --- Builders of valid resources.
  // A fixed clinic in Astana (Asia/Almaty, branch kz-astana, the active rule pack).
  static v1::Site AstanaSite(const std::string& display_name = "Astana central blood centre");
  // A drive of `site` on `day` with one window [from, to) local, slots of `slot_minutes` and
  // `seats` whole-blood seats (`reserve` of them for walk-ins) per slot.
  static v1::Drive DriveOn(const std::string& site, absl::CivilDay day, v1::TimeOfDay from,
                           v1::TimeOfDay to, int slot_minutes, int seats, int reserve = 0);

  // --- Calls that must succeed (they fail the test and return an empty message otherwise).
  v1::Site MustCreateSite(const v1::Site& site);
  v1::Drive MustCreateDrive(const v1::Drive& drive);
  v1::Drive MustPublish(const std::string& drive);
  // A site as AstanaSite and a published drive on `day` (08:00-10:00, 30-minute slots,
  // `seats` whole-blood seats each).
  v1::Drive MustPublishedDrive(absl::CivilDay day, int seats, int reserve = 0);
  v1::Booking MustBook(const std::string& slot, const std::string& donor,
                       v1::DonationType type = kWholeBlood);
  v1::Booking MustGetBooking(const std::string& name);
  v1::Drive MustGetDrive(const std::string& name);
  v1::DriveAvailability MustAvailability(const std::string& drive);
  // Every page of GetRoster; `states` empty: the default (all but HOLD_EXPIRED and RESCHEDULED).
  std::vector<v1::Booking> Roster(const std::string& drive,
                                  const std::vector<v1::BookingState>& states = {});
  // Every page of ListWaitlist; `states` empty: WAITING only.
  std::vector<v1::WaitlistEntry> Waitlist(const std::string& drive,
                                          const std::vector<v1::WaitlistState>& states = {});
  // Every page of ListBookings of a donor.
  std::vector<v1::Booking> DonorBookings(const std::string& donor);
  v1::DriveReport MustReport(const std::string& drive);

  // Booking RPCs with their BookingFailure trailer.
  Outcome Book(const v1::BookSlotRequest& request, v1::BookSlotResponse* response);
  Outcome Hold(const v1::HoldSlotRequest& request, v1::Booking* response);
  Outcome Reschedule(const v1::RescheduleBookingRequest& request, v1::Booking* response);
  Outcome Cancel(const std::string& booking, v1::Booking* response,
                 v1::CancelReason reason = v1::CANCEL_REASON_DONOR_REQUEST);
  static v1::BookSlotRequest BookRequest(const std::string& slot, const std::string& donor,
                                         v1::DonationType type = kWholeBlood);

  // --- Registry seeding. `count` distinct adult Kazakh first-time donors (unique IINs), created
  // through the registry with a few parallel clients. Fails the test when one is refused.
  std::vector<v1::Donor> MustCreateDonors(int count,
                                          v1::BloodGroup group = v1::BLOOD_GROUP_A_POSITIVE);
  v1::Donor MustCreateDonor(v1::BloodGroup group = v1::BLOOD_GROUP_A_POSITIVE);

  // --- Redis probes (through the admin connection).
  // The events of a drive's partition stream "sch:{d:<id>}:events", parsed, in stream order.
  std::vector<v1::Event> Events(const std::string& drive);
  // Sorted "key type contents" lines of every sch:* key (DUMP for non-strings), to prove that a
  // refused request wrote nothing. Audit streams are left out.
  std::string SchSnapshot();

 private:
  std::unique_ptr<SchedulingStub> scheduling_;
  std::unique_ptr<v1::DonorRegistry::Stub> registry_;
  std::unique_ptr<v1::Eligibility::Stub> eligibility_;
  absl::CivilDay today_;
  absl::Time clock_;
  int next_serial_ = 1;
};

}  // namespace blooddrive::testing
