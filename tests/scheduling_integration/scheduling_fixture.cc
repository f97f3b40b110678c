#include "scheduling_fixture.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"

namespace blooddrive::testing {
namespace {

std::unique_ptr<SchedulingEnvironment>& EnvironmentSlot() {
  static auto* slot = new std::unique_ptr<SchedulingEnvironment>();
  return *slot;
}

template <typename Request, typename Response, typename Method>
Outcome CallWithTrailer(SchedulingStub& stub, Method method, const Request& request,
                        Response* response) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  Outcome outcome;
  outcome.status = (stub.*method)(&context, request, response);
  outcome.failure = BookingFailureOf(context);
  return outcome;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

const char* SchedulingRedisAdminPassword() { return "scheduling-itest-admin"; }

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%SZ", t, absl::UTCTimeZone());
}

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

absl::Time Utc(const std::string& rfc3339) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &error)) {
    ADD_FAILURE() << "bad time literal " << rfc3339 << ": " << error;
  }
  return t;
}

absl::Time LocalTime(absl::CivilDay day, int hours, int minutes, const std::string& zone) {
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(zone, &tz)) ADD_FAILURE() << "no time zone " << zone;
  return tz.At(absl::CivilMinute(day.year(), day.month(), day.day(), hours, minutes)).pre;
}

v1::TimeOfDay Tod(int hours, int minutes) {
  v1::TimeOfDay t;
  t.set_hours(hours);
  t.set_minutes(minutes);
  return t;
}

std::string SlotName(const std::string& drive, const std::string& slot_id) {
  return absl::StrCat(drive, "/slots/", slot_id);
}

std::string DriveOf(const std::string& name) {
  const size_t first = name.find('/');
  const size_t second = name.find('/', first + 1);
  return second == std::string::npos ? name : name.substr(0, second);
}

std::optional<v1::BookingFailure> BookingFailureOf(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find(kBookingFailureKey);
  if (it == trailers.end()) return std::nullopt;
  v1::BookingFailure failure;
  if (!failure.ParseFromArray(it->second.data(), static_cast<int>(it->second.size()))) {
    ADD_FAILURE() << "unparsable " << kBookingFailureKey << " trailer";
    return std::nullopt;
  }
  return failure;
}

bool IsActive(v1::BookingState state) {
  return state == v1::BOOKING_STATE_HELD || state == v1::BOOKING_STATE_BOOKED ||
         state == v1::BOOKING_STATE_CONFIRMED || state == v1::BOOKING_STATE_CHECKED_IN;
}

::testing::AssertionResult NamesField(const grpc::Status& status, const std::string& field) {
  const std::string& message = status.error_message();
  if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT &&
      absl::StartsWith(message, field) && message.size() > field.size() &&
      (message[field.size()] == ':' || message[field.size()] == '.' ||
       message[field.size()] == '[')) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "expected INVALID_ARGUMENT \"" << field << ": ...\", got code " << status.error_code()
         << " \"" << message << "\"";
}

// ---------------------------------------------------------------------------------------------

const std::string& PortalToken() {
  static const std::string* const token =
      new std::string(FixtureCredentials().Mint("portal-test", auth::ROLE_PORTAL));
  return *token;
}

SchedulingEnvironment& SchedulingEnvironment::Get() { return *EnvironmentSlot(); }

void SchedulingEnvironment::Start() {
  clock_dir_ = MakeTempDir("sch-clock");
  clock_file_ = clock_dir_ + "/now";
  const std::string scheduling_token = ServiceTokenFile("scheduling");
  PortalToken();  // minted before the services read the credentials file
  redis_ = std::make_unique<RedisServer>(
      RedisServer::Options{.extra_config = RedisAclConfig(SchedulingRedisAdminPassword()),
                           .password = SchedulingRedisAdminPassword()});
  std::vector<std::string> registry_flags = RedisUserFlags("registry");
  registry_flags.push_back(absl::StrCat("--redis=", redis_->address()));
  registry_ = NewRegistryProcess(std::move(registry_flags));
  // Constructing the eligibility process mints its service token: before anything starts.
  eligibility_ = NewEligibilityProcess(ShippedPacksDir(), registry_->target());

  std::vector<std::string> flags = RedisUserFlags("scheduling");
  flags.push_back(absl::StrCat("--redis=", redis_->address()));
  flags.push_back(FixtureCredentials().flag());
  flags.push_back("--service_token_file=" + scheduling_token);
  flags.push_back("--eligibility_target=" + eligibility_->target());
  flags.push_back("--late_cancellation_window=24h");
  flags.push_back("--hold_sweep_interval=1s");
  flags.push_back("--clock_file=" + clock_file_);
  ServiceProcess::Options options;
  options.token = AdminToken();
  scheduling_ = std::make_unique<ServiceProcess>(SCHEDULING_BIN, std::move(flags), options);

  ASSERT_OK(redis_->Start());
  ASSERT_OK(registry_->Start());
  ASSERT_OK(eligibility_->Start());
  ASSERT_OK(scheduling_->Start());
}

void SchedulingTest::SetUpTestSuite() {
  if (EnvironmentSlot() != nullptr) return;
  EnvironmentSlot() = std::make_unique<SchedulingEnvironment>();
  EnvironmentSlot()->Start();
}

void SchedulingTest::TearDownTestSuite() {
  if (EnvironmentSlot() == nullptr) return;
  const std::string dir = EnvironmentSlot()->clock_dir_;
  EnvironmentSlot().reset();
  std::error_code ignored;
  if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
}

void SchedulingTest::SetUp() {
  ASSERT_NE(EnvironmentSlot(), nullptr);
  SchedulingEnvironment& e = env();
  ASSERT_TRUE(e.scheduling_ != nullptr && e.scheduling().running()) << "scheduling did not start";
  ASSERT_TRUE(e.registry().running()) << "registry did not start";
  ASSERT_TRUE(e.eligibility().running()) << "eligibility did not start";
  ASSERT_OK(e.redis().FlushAll());
  today_ = TodayInAlmaty();
  SetClock(LocalTime(today_, 7, 0));
  scheduling_ = v1::DriveScheduling::NewStub(e.scheduling().Channel());
  registry_ = v1::DonorRegistry::NewStub(e.registry().Channel());
  eligibility_ = v1::Eligibility::NewStub(e.eligibility().Channel());
}

void SchedulingTest::SetClock(absl::Time now) {
  clock_ = now;
  const std::string tmp = env().clock_file() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << Rfc3339(now) << "\n";
  }
  ASSERT_EQ(std::rename(tmp.c_str(), env().clock_file().c_str()), 0);
}

// ---------------------------------------------------------------------------------------------

v1::Site SchedulingTest::AstanaSite(const std::string& display_name) {
  v1::Site site;
  site.set_display_name(display_name);
  site.set_address("Астана, проспект Абая, 1");
  site.mutable_location()->set_latitude(51.1694);
  site.mutable_location()->set_longitude(71.4491);
  site.set_time_zone("Asia/Almaty");
  site.set_branch("kz-astana");
  site.set_kind(v1::SITE_KIND_FIXED);
  return site;
}

v1::Drive SchedulingTest::DriveOn(const std::string& site, absl::CivilDay day, v1::TimeOfDay from,
                                  v1::TimeOfDay to, int slot_minutes, int seats, int reserve) {
  v1::Drive drive;
  drive.set_site(site);
  drive.set_sponsor("Astana IT University");
  *drive.mutable_date() = ToDate(day);
  v1::OpeningWindow* window = drive.add_opening_windows();
  *window->mutable_start() = from;
  *window->mutable_end() = to;
  drive.set_slot_minutes(slot_minutes);
  v1::SlotCapacity* capacity = drive.add_capacities();
  capacity->set_donation_type(kWholeBlood);
  capacity->set_seats(seats);
  capacity->set_walk_in_reserve(reserve);
  return drive;
}

v1::Site SchedulingTest::MustCreateSite(const v1::Site& site) {
  v1::CreateSiteRequest request;
  request.set_request_id(NewRequestId("site"));
  *request.mutable_site() = site;
  v1::Site created;
  const grpc::Status status =
      Call(sch(), &SS::CreateSite, request, &created, absl::Seconds(10), true);
  EXPECT_TRUE(status.ok()) << "CreateSite: " << status.error_code() << " "
                           << status.error_message();
  return status.ok() ? created : v1::Site();
}

v1::Drive SchedulingTest::MustCreateDrive(const v1::Drive& drive) {
  v1::CreateDriveRequest request;
  request.set_request_id(NewRequestId("drive"));
  *request.mutable_drive() = drive;
  v1::Drive created;
  const grpc::Status status = Call(sch(), &SS::CreateDrive, request, &created);
  EXPECT_TRUE(status.ok()) << "CreateDrive: " << status.error_code() << " "
                           << status.error_message();
  return status.ok() ? created : v1::Drive();
}

v1::Drive SchedulingTest::MustPublish(const std::string& drive) {
  v1::PublishDriveRequest request;
  request.set_request_id(NewRequestId("publish"));
  request.set_name(drive);
  v1::Drive published;
  const grpc::Status status = Call(sch(), &SS::PublishDrive, request, &published);
  EXPECT_TRUE(status.ok()) << "PublishDrive: " << status.error_code() << " "
                           << status.error_message();
  return published;
}

v1::Drive SchedulingTest::MustPublishedDrive(absl::CivilDay day, int seats, int reserve) {
  const v1::Site site = MustCreateSite(AstanaSite());
  const v1::Drive drive =
      MustCreateDrive(DriveOn(site.name(), day, Tod(8, 0), Tod(10, 0), 30, seats, reserve));
  if (drive.name().empty()) return drive;
  return MustPublish(drive.name());
}

v1::BookSlotRequest SchedulingTest::BookRequest(const std::string& slot, const std::string& donor,
                                                v1::DonationType type) {
  v1::BookSlotRequest request;
  request.set_request_id(NewRequestId("book"));
  request.set_slot(slot);
  request.set_donor(donor);
  request.set_donation_type(type);
  return request;
}

v1::Booking SchedulingTest::MustBook(const std::string& slot, const std::string& donor,
                                     v1::DonationType type) {
  v1::BookSlotResponse response;
  const Outcome outcome = Book(BookRequest(slot, donor, type), &response);
  EXPECT_TRUE(outcome.status.ok())
      << "BookSlot " << slot << " " << donor << ": " << outcome.status.error_code() << " "
      << outcome.status.error_message();
  EXPECT_TRUE(!outcome.status.ok() || response.has_booking()) << response.DebugString();
  return response.booking();
}

v1::Booking SchedulingTest::MustGetBooking(const std::string& name) {
  v1::GetBookingRequest request;
  request.set_name(name);
  v1::Booking booking;
  const grpc::Status status = Call(sch(), &SS::GetBooking, request, &booking);
  EXPECT_TRUE(status.ok()) << "GetBooking " << name << ": " << status.error_code() << " "
                           << status.error_message();
  return booking;
}

v1::Drive SchedulingTest::MustGetDrive(const std::string& name) {
  v1::GetDriveRequest request;
  request.set_name(name);
  v1::Drive drive;
  const grpc::Status status = Call(sch(), &SS::GetDrive, request, &drive);
  EXPECT_TRUE(status.ok()) << "GetDrive " << name << ": " << status.error_code() << " "
                           << status.error_message();
  return drive;
}

v1::DriveAvailability SchedulingTest::MustAvailability(const std::string& drive) {
  v1::GetAvailabilityRequest request;
  request.set_drive(drive);
  v1::DriveAvailability availability;
  const grpc::Status status = Call(sch(), &SS::GetAvailability, request, &availability);
  EXPECT_TRUE(status.ok()) << "GetAvailability " << drive << ": " << status.error_code() << " "
                           << status.error_message();
  return availability;
}

std::vector<v1::Booking> SchedulingTest::Roster(const std::string& drive,
                                                const std::vector<v1::BookingState>& states) {
  std::vector<v1::Booking> all;
  v1::GetRosterRequest request;
  request.set_drive(drive);
  for (v1::BookingState state : states) request.add_states(state);
  request.set_page_size(500);
  for (int page = 0; page < 100; ++page) {
    v1::GetRosterResponse response;
    const grpc::Status status = Call(sch(), &SS::GetRoster, request, &response);
    EXPECT_TRUE(status.ok()) << "GetRoster: " << status.error_code() << " "
                             << status.error_message();
    if (!status.ok()) break;
    all.insert(all.end(), response.bookings().begin(), response.bookings().end());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  return all;
}

std::vector<v1::WaitlistEntry> SchedulingTest::Waitlist(
    const std::string& drive, const std::vector<v1::WaitlistState>& states) {
  std::vector<v1::WaitlistEntry> all;
  v1::ListWaitlistRequest request;
  request.set_drive(drive);
  for (v1::WaitlistState state : states) request.add_states(state);
  request.set_page_size(500);
  for (int page = 0; page < 100; ++page) {
    v1::ListWaitlistResponse response;
    const grpc::Status status = Call(sch(), &SS::ListWaitlist, request, &response);
    EXPECT_TRUE(status.ok()) << "ListWaitlist: " << status.error_code() << " "
                             << status.error_message();
    if (!status.ok()) break;
    all.insert(all.end(), response.entries().begin(), response.entries().end());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  return all;
}

std::vector<v1::Booking> SchedulingTest::DonorBookings(const std::string& donor) {
  std::vector<v1::Booking> all;
  v1::ListBookingsRequest request;
  request.set_donor(donor);
  request.set_page_size(500);
  for (int page = 0; page < 100; ++page) {
    v1::ListBookingsResponse response;
    const grpc::Status status = Call(sch(), &SS::ListBookings, request, &response);
    EXPECT_TRUE(status.ok()) << "ListBookings: " << status.error_code() << " "
                             << status.error_message();
    if (!status.ok()) break;
    all.insert(all.end(), response.bookings().begin(), response.bookings().end());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  return all;
}

v1::DriveReport SchedulingTest::MustReport(const std::string& drive) {
  v1::GetDriveReportRequest request;
  request.set_drive(drive);
  v1::DriveReport report;
  const grpc::Status status = Call(sch(), &SS::GetDriveReport, request, &report);
  EXPECT_TRUE(status.ok()) << "GetDriveReport: " << status.error_code() << " "
                           << status.error_message();
  return report;
}

Outcome SchedulingTest::Book(const v1::BookSlotRequest& request, v1::BookSlotResponse* response) {
  return CallWithTrailer(sch(), &SS::BookSlot, request, response);
}

Outcome SchedulingTest::Hold(const v1::HoldSlotRequest& request, v1::Booking* response) {
  return CallWithTrailer(sch(), &SS::HoldSlot, request, response);
}

Outcome SchedulingTest::Reschedule(const v1::RescheduleBookingRequest& request,
                                   v1::Booking* response) {
  return CallWithTrailer(sch(), &SS::RescheduleBooking, request, response);
}

Outcome SchedulingTest::Cancel(const std::string& booking, v1::Booking* response,
                               v1::CancelReason reason) {
  v1::CancelBookingRequest request;
  request.set_request_id(NewRequestId("cancel"));
  request.set_name(booking);
  request.set_reason(reason);
  return CallWithTrailer(sch(), &SS::CancelBooking, request, response);
}

// ---------------------------------------------------------------------------------------------

std::vector<v1::Donor> SchedulingTest::MustCreateDonors(int count, v1::BloodGroup group) {
  std::vector<v1::Donor> donors(count);
  const int first = next_serial_;
  next_serial_ += count;
  const int kThreads = std::min(count, 16);
  std::vector<std::thread> threads;
  absl::Mutex mu;
  std::vector<std::string> errors;
  const std::string target = env().registry().target();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto stub = v1::DonorRegistry::NewStub(PrivateChannel(target));
      for (int i = t; i < count; i += kThreads) {
        const int serial = first + i;
        v1::Donor donor = KazakhDonor(serial);
        // A distinct birth day per donor makes the IINs distinct whatever MakeIin skips. Born
        // 1980..1989: adults, and under the first-time age limit of every pack.
        const absl::CivilDay birth = absl::CivilDay(1980, 1, 1) + serial;
        *donor.mutable_birth_date() = ToDate(birth);
        donor.mutable_documents(0)->set_number(MakeIin(birth, v1::SEX_FEMALE, serial % 10000));
        donor.set_blood_group(group);
        v1::Donor created;
        const grpc::Status status = Call(*stub, &Stub::CreateDonor, CreateRequest(donor), &created,
                                         absl::Seconds(30), true);
        absl::MutexLock lock(&mu);
        if (!status.ok()) {
          errors.push_back(
              absl::StrCat(serial, ": ", status.error_code(), " ", status.error_message()));
        }
        donors[i] = created;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_TRUE(errors.empty()) << errors.size() << " donors refused, e.g. " << errors.front();
  return donors;
}

v1::Donor SchedulingTest::MustCreateDonor(v1::BloodGroup group) {
  return MustCreateDonors(1, group).front();
}

}  // namespace blooddrive::testing
