// The registry's events, end to end: OutcomeRecorded events on a scheduling partition's stream
// (written here exactly as scheduling's prelude writes them) become donations and deferrals, once
// per booking; consent changes come out on reg:{donors}:events in the step that makes them.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "blooddrive/v1/events.pb.h"
#include "dates.h"
#include "event_stream.h"
#include "redis_client.h"
#include "registry_fixture.h"

namespace blooddrive::testing {
namespace {

constexpr char kDrive[] = "drive-1";
constexpr char kSite[] = "sites/astana-central";
// The default user's password in registry_fixture.cc: the tests' own reads of Redis.
constexpr char kAdminRedisPassword[] = "test-admin-password";

platform::RedisConfig AdminConfig(int port) {
  platform::RedisConfig config;
  config.port = port;
  config.password = kAdminRedisPassword;
  return config;
}

std::string Booking(const std::string& id) {
  return absl::StrCat("drives/", kDrive, "/bookings/", id);
}

v1::Event OutcomeEvent(const std::string& donor, const std::string& booking,
                       v1::DonationOutcome outcome) {
  v1::Event event;
  *event.mutable_occur_time() = platform::ToTimestamp(absl::Now());
  event.set_producer("scheduling");
  event.set_partition(kDrive);
  event.set_drive(absl::StrCat("drives/", kDrive));
  v1::OutcomeRecorded* recorded = event.mutable_outcome_recorded();
  v1::BookingSnapshot* snapshot = recorded->mutable_booking();
  snapshot->set_booking(booking);
  snapshot->set_donor(donor);
  snapshot->set_slot(absl::StrCat("drives/", kDrive, "/slots/s1"));
  snapshot->set_donation_type(v1::DONATION_TYPE_WHOLE_BLOOD);
  snapshot->set_site(kSite);
  snapshot->set_site_time_zone("Asia/Almaty");
  *snapshot->mutable_date() = ToDate(TodayInAlmaty());
  recorded->set_outcome(outcome);
  *recorded->mutable_donation_date() = ToDate(TodayInAlmaty());
  switch (outcome) {
    case v1::DONATION_OUTCOME_DONATED:
      snapshot->set_state(v1::BOOKING_STATE_DONATED);
      recorded->set_volume_ml(450);
      recorded->set_hemoglobin_g_per_l(135);
      break;
    case v1::DONATION_OUTCOME_INCOMPLETE:
      snapshot->set_state(v1::BOOKING_STATE_DONATED);
      recorded->set_volume_ml(120);
      break;
    case v1::DONATION_OUTCOME_DEFERRED_AT_SITE:
      snapshot->set_state(v1::BOOKING_STATE_DEFERRED);
      recorded->set_hemoglobin_g_per_l(110);
      recorded->set_deferral_code(v1::DEFERRAL_CODE_LOW_HEMOGLOBIN);
      *recorded->mutable_deferral_end_date() = ToDate(TodayInAlmaty() + 90);
      break;
    default:
      snapshot->set_state(v1::BOOKING_STATE_NO_SHOW);
      break;
  }
  return event;
}

class EventsTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    if (HasFatalFailure()) return;
    admin_ = std::make_unique<platform::RedisClient>(AdminConfig(redis().port()));
    // The drive is in scheduling's partition index with today's date: the registry reads its
    // stream.
    const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
    ASSERT_OK(admin_
                  ->Command({"ZADD", platform::kSchedulingPartitionIndexKey,
                             absl::StrCat(today - absl::CivilDay(1970, 1, 1)), kDrive})
                  .status());
  }

  // XADDs the event as scheduling's event prelude stores it: event_id and sequence filled in.
  void Publish(v1::Event event) {
    ++sequence_;
    event.set_event_id(absl::StrCat("scheduling:", kDrive, ":", sequence_));
    event.set_sequence(sequence_);
    PublishAsIs(event);
  }
  void PublishAsIs(const v1::Event& event) {
    ASSERT_OK(admin_
                  ->Command({"XADD", platform::SchedulingStreamKey(kDrive), "*",
                             platform::kEventField, event.SerializeAsString()})
                  .status());
  }

  std::vector<v1::Donation> Donations(const std::string& donor) {
    v1::ListDonationsRequest request;
    request.set_parent(donor);
    v1::ListDonationsResponse response;
    const grpc::Status status = Call(stub(), &Stub::ListDonations, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.donations().begin(), response.donations().end()};
  }
  std::vector<v1::Deferral> Deferrals(const std::string& donor) {
    v1::ListDeferralsRequest request;
    request.set_parent(donor);
    v1::ListDeferralsResponse response;
    const grpc::Status status = Call(stub(), &Stub::ListDeferrals, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.deferrals().begin(), response.deferrals().end()};
  }

  // Publishes a donation for a donor of its own and waits until the registry shows it: events of
  // one partition are applied in order, so everything published before has been handled too.
  void Barrier() {
    const v1::Donor marker = MustCreate(KazakhDonor(900 + sequence_));
    Publish(OutcomeEvent(marker.name(), Booking(absl::StrCat("marker-", sequence_)),
                         v1::DONATION_OUTCOME_DONATED));
    ASSERT_TRUE(WaitFor([&] { return Donations(marker.name()).size() == 1; }))
        << "the registry did not apply the marker event\n"
        << service().ReadLog();
  }

  template <typename Predicate>
  bool WaitFor(Predicate done, absl::Duration timeout = absl::Seconds(10)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (!done()) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return true;
  }

  // The entries of reg:{donors}:events, parsed.
  std::vector<v1::Event> RegistryEvents() {
    absl::StatusOr<platform::RedisReply> entries =
        admin_->Command({"XRANGE", platform::kRegistryStreamKey, "-", "+"});
    EXPECT_TRUE(entries.ok()) << entries.status();
    std::vector<v1::Event> events;
    if (!entries.ok()) return events;
    for (const platform::RedisReply& entry : entries->elements) {
      const std::vector<platform::RedisReply>& fields = entry.elements.at(1).elements;
      EXPECT_EQ(fields.size(), 2u);
      EXPECT_EQ(fields.at(0).str, platform::kEventField);
      v1::Event event;
      EXPECT_TRUE(event.ParseFromString(fields.at(1).str));
      events.push_back(event);
    }
    return events;
  }

  std::unique_ptr<platform::RedisClient> admin_;
  int sequence_ = 0;
};

TEST_F(EventsTest, DonatedOutcomeBecomesADonation) {
  const v1::Donor donor = MustCreate(KazakhDonor(1));
  Publish(OutcomeEvent(donor.name(), Booking("b1"), v1::DONATION_OUTCOME_DONATED));
  ASSERT_TRUE(WaitFor([&] { return Donations(donor.name()).size() == 1; })) << service().ReadLog();
  const v1::Donation donation = Donations(donor.name()).at(0);
  EXPECT_EQ(donation.external_ref(), Booking("b1"));
  EXPECT_EQ(donation.donation_date().SerializeAsString(),
            ToDate(TodayInAlmaty()).SerializeAsString());
  EXPECT_EQ(donation.site(), kSite);
  EXPECT_EQ(donation.donation_type(), v1::DONATION_TYPE_WHOLE_BLOOD);
  EXPECT_EQ(donation.volume_ml(), 450);
  EXPECT_EQ(donation.hemoglobin_g_per_l(), 135);
  EXPECT_EQ(donation.outcome(), v1::DONATION_OUTCOME_DONATED);
  EXPECT_TRUE(Deferrals(donor.name()).empty());
}

TEST_F(EventsTest, IncompleteOutcomeIsAnIncompleteDonation) {
  const v1::Donor donor = MustCreate(KazakhDonor(2));
  Publish(OutcomeEvent(donor.name(), Booking("b2"), v1::DONATION_OUTCOME_INCOMPLETE));
  ASSERT_TRUE(WaitFor([&] { return Donations(donor.name()).size() == 1; }));
  const v1::Donation donation = Donations(donor.name()).at(0);
  EXPECT_EQ(donation.outcome(), v1::DONATION_OUTCOME_INCOMPLETE);
  EXPECT_EQ(donation.volume_ml(), 120);
}

TEST_F(EventsTest, ReplaysAndSecondEventsOfABookingRecordOneDonation) {
  const v1::Donor donor = MustCreate(KazakhDonor(3));
  v1::Event event = OutcomeEvent(donor.name(), Booking("b3"), v1::DONATION_OUTCOME_DONATED);
  Publish(event);
  ASSERT_TRUE(WaitFor([&] { return Donations(donor.name()).size() == 1; }));
  const std::string first = Donations(donor.name()).at(0).name();
  // The very same entry again (at-least-once delivery), then another event about the booking.
  event.set_event_id(absl::StrCat("scheduling:", kDrive, ":", sequence_));
  event.set_sequence(sequence_);
  PublishAsIs(event);
  v1::Event again = OutcomeEvent(donor.name(), Booking("b3"), v1::DONATION_OUTCOME_DONATED);
  again.mutable_outcome_recorded()->set_volume_ml(470);
  Publish(again);
  Barrier();
  const std::vector<v1::Donation> donations = Donations(donor.name());
  ASSERT_EQ(donations.size(), 1u);
  EXPECT_EQ(donations[0].name(), first);
  EXPECT_EQ(donations[0].volume_ml(), 450);
}

TEST_F(EventsTest, DeferredAtSiteBecomesADeferralOnce) {
  const v1::Donor donor = MustCreate(KazakhDonor(4));
  const v1::Event event =
      OutcomeEvent(donor.name(), Booking("b4"), v1::DONATION_OUTCOME_DEFERRED_AT_SITE);
  Publish(event);
  Publish(event);  // a second event about the same booking
  Barrier();
  const std::vector<v1::Deferral> deferrals = Deferrals(donor.name());
  ASSERT_EQ(deferrals.size(), 1u);
  EXPECT_EQ(deferrals[0].code(), v1::DEFERRAL_CODE_LOW_HEMOGLOBIN);
  EXPECT_EQ(deferrals[0].start_date().SerializeAsString(),
            ToDate(TodayInAlmaty()).SerializeAsString());
  EXPECT_EQ(deferrals[0].end_date().SerializeAsString(),
            ToDate(TodayInAlmaty() + 90).SerializeAsString());
  EXPECT_FALSE(deferrals[0].permanent());
  EXPECT_EQ(deferrals[0].external_ref(), Booking("b4"));
  EXPECT_EQ(deferrals[0].site(), kSite);
  EXPECT_TRUE(Donations(donor.name()).empty());
}

TEST_F(EventsTest, PermanentDeferralAtSite) {
  const v1::Donor donor = MustCreate(KazakhDonor(5));
  v1::Event event =
      OutcomeEvent(donor.name(), Booking("b5"), v1::DONATION_OUTCOME_DEFERRED_AT_SITE);
  event.mutable_outcome_recorded()->clear_deferral_end_date();
  event.mutable_outcome_recorded()->set_deferral_permanent(true);
  event.mutable_outcome_recorded()->set_deferral_code(v1::DEFERRAL_CODE_INFECTIOUS_DISEASE_MARKER);
  Publish(event);
  ASSERT_TRUE(WaitFor([&] { return Deferrals(donor.name()).size() == 1; }));
  EXPECT_TRUE(Deferrals(donor.name()).at(0).permanent());
}

TEST_F(EventsTest, NoShowAndOtherEventsAddNothing) {
  const v1::Donor donor = MustCreate(KazakhDonor(6));
  Publish(OutcomeEvent(donor.name(), Booking("b6"), v1::DONATION_OUTCOME_NO_SHOW));
  v1::Event created;
  created.mutable_booking_created()->mutable_booking()->set_donor(donor.name());
  Publish(created);
  Barrier();
  EXPECT_TRUE(Donations(donor.name()).empty());
  EXPECT_TRUE(Deferrals(donor.name()).empty());
}

TEST_F(EventsTest, UnusableEventsDoNotBlockThePartition) {
  const v1::Donor donor = MustCreate(KazakhDonor(7));
  Publish(OutcomeEvent("donors/nosuchdonor", Booking("b7"), v1::DONATION_OUTCOME_DONATED));
  v1::Event future = OutcomeEvent(donor.name(), Booking("b8"), v1::DONATION_OUTCOME_DONATED);
  *future.mutable_outcome_recorded()->mutable_donation_date() = ToDate(TodayInAlmaty() + 10);
  Publish(future);
  ASSERT_OK(admin_
                ->Command({"XADD", platform::SchedulingStreamKey(kDrive), "*",
                           platform::kEventField, "not a protobuf \xff\xff"})
                .status());
  Barrier();
  EXPECT_TRUE(Donations(donor.name()).empty());
  // Everything was acked: nothing waits for a retry.
  absl::StatusOr<platform::RedisReply> pending =
      admin_->Command({"XPENDING", platform::SchedulingStreamKey(kDrive), "registry"});
  ASSERT_TRUE(pending.ok()) << pending.status();
  EXPECT_EQ(pending->elements.at(0).integer, 0);
}

TEST_F(EventsTest, RegistryRedisUserMayConsumeButNotWriteSchedulingKeys) {
  platform::RedisConfig config = AdminConfig(redis().port());
  config.user = "registry";
  config.password = TestRedisPassword("registry");
  platform::RedisClient registry(config);
  const std::string stream = platform::SchedulingStreamKey(kDrive);
  ASSERT_OK(admin_->Command({"XADD", stream, "*", "event", "x"}).status());
  EXPECT_OK(registry.Command({"ZRANGEBYSCORE", platform::kSchedulingPartitionIndexKey, "0", "+inf"})
                .status());
  EXPECT_OK(registry.Command({"XGROUP", "CREATE", stream, "acl-probe", "0"}).status());
  EXPECT_OK(
      registry.Command({"XREADGROUP", "GROUP", "acl-probe", "c", "STREAMS", stream, ">"}).status());
  for (const std::vector<std::string>& command : std::vector<std::vector<std::string>>{
           {"XADD", stream, "*", "event", "x"},
           {"XDEL", stream, "0-1"},
           {"XGROUP", "DESTROY", stream, "acl-probe"},
           {"ZADD", platform::kSchedulingPartitionIndexKey, "1", "x"},
           {"GET", "sch:{d:drive-1}:drive"},
           {"XRANGE", "sch:audit", "-", "+"}}) {
    const absl::Status status = registry.Command(command).status();
    EXPECT_NE(status.message().find("NOPERM"), absl::string_view::npos)
        << command[0] << ": " << status;
  }
}

TEST_F(EventsTest, ConsentChangesAreAnnouncedOnceInTheSameStep) {
  const v1::Donor donor = MustCreate(KazakhDonor(8));
  // Registration sets the consent (opted in: a phone was given).
  std::vector<v1::Event> events = RegistryEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].donor_sms_consent_changed().opted_in());

  v1::UpdateSmsConsentRequest request;
  request.set_request_id(NewRequestId("consent"));
  request.set_donor(donor.name());
  request.set_opted_in(false);
  request.set_channel(v1::CONSENT_CHANNEL_SMS_KEYWORD);
  v1::Donor updated;
  ASSERT_TRUE(Call(stub(), &Stub::UpdateSmsConsent, request, &updated).ok());
  ASSERT_TRUE(Call(stub(), &Stub::UpdateSmsConsent, request, &updated).ok());  // a retry
  events = RegistryEvents();
  ASSERT_EQ(events.size(), 2u);
  const v1::Event& event = events[1];
  EXPECT_EQ(event.event_id(), "registry:registry:2");
  EXPECT_EQ(event.sequence(), 2);
  EXPECT_EQ(event.producer(), "registry");
  EXPECT_EQ(event.partition(), "registry");
  EXPECT_EQ(event.request_id(), request.request_id());
  EXPECT_TRUE(event.has_occur_time());
  ASSERT_TRUE(event.has_donor_sms_consent_changed());
  EXPECT_EQ(event.donor_sms_consent_changed().donor(), donor.name());
  EXPECT_FALSE(event.donor_sms_consent_changed().opted_in());
  EXPECT_EQ(event.donor_sms_consent_changed().channel(), v1::CONSENT_CHANNEL_SMS_KEYWORD);
  EXPECT_EQ(event.donor_sms_consent_changed().update_time().seconds(),
            updated.sms_consent().update_time().seconds());

  // Neither restating the same choice nor changing other fields announces anything.
  request.set_request_id(NewRequestId("consent"));
  ASSERT_TRUE(Call(stub(), &Stub::UpdateSmsConsent, request, &updated).ok());
  v1::Donor patch;
  patch.set_name(donor.name());
  patch.set_weight_kg(70);
  MustUpdate(patch, {"weight_kg"});
  EXPECT_EQ(RegistryEvents().size(), 2u);
  EXPECT_EQ(admin_->Command({"HGET", "reg:{donors}:meta", "event_seq"}).value().str, "2");
}

}  // namespace
}  // namespace blooddrive::testing
