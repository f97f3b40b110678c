// Shared pieces of the ReminderFeed integration tests: one real redis-server (with the services'
// ACL users), one real blooddrive-registry (seeded through its API) and one real
// blooddrive-reminders per test binary, all with auth on. Booking events are written into the
// streams by the tests themselves, in the exact format of services/platform/lua/event_prelude.lua,
// so scheduling need not run.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "blooddrive/v1/events.pb.h"
#include "blooddrive/v1/registry.grpc.pb.h"
#include "blooddrive/v1/reminders.grpc.pb.h"
#include "registry_fixture.h"

namespace blooddrive::testing {

using FeedStub = v1::ReminderFeed::Stub;

// Flags of the reminders process of one test binary (e.g. quiet hours off for lease tests).
struct RemindersSetup {
  std::vector<std::string> flags;
};
// Each test binary defines this (it decides the reminders' flags).
RemindersSetup SetupForThisBinary();

absl::TimeZone Almaty();
google::protobuf::Timestamp Ts(absl::Time t);
absl::Time TimeOf(const google::protobuf::Timestamp& ts);
// The UTC instant of a local wall time in Asia/Almaty.
absl::Time AlmatyTime(absl::CivilMinute local);

// A booking at drive `drive_id` starting at `start` (30 min), site in Asia/Almaty.
v1::BookingSnapshot MakeBooking(const std::string& drive_id, const std::string& booking_id,
                                const std::string& donor_name, absl::Time start);

class RemindersEnvironment {
 public:
  static RemindersEnvironment& Get();
  void Start();

  RedisServer& redis() { return *redis_; }
  ServiceProcess& registry() { return *registry_; }
  ServiceProcess& reminders() { return *reminders_; }

 private:
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<ServiceProcess> registry_;
  std::unique_ptr<ServiceProcess> reminders_;
};

class RemindersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  RemindersEnvironment& env() { return RemindersEnvironment::Get(); }
  v1::DonorRegistry::Stub& registry() { return *registry_; }
  FeedStub& feed() { return *feed_; }

  v1::Donor MustCreate(const v1::Donor& donor);
  v1::Donor MustGetDonor(const std::string& name);

  // Appends `event` to the drive's partition stream (and lists the partition in
  // sch:{index}:drives) exactly as the scheduling scripts do: the payload without event_id and
  // sequence, then those two fields appended by the prelude's rule.
  void EmitSchedulingEvent(const std::string& drive_id, v1::Event event);
  // The same on the registry's stream.
  void EmitRegistryEvent(v1::Event event);

  // ListMessages (FULL view) for a booking or donor; waits until `done` holds or 10 s pass, and
  // returns the last list seen.
  std::vector<v1::OutboundMessage> WaitForMessages(
      const v1::ListMessagesRequest& request,
      const std::function<bool(const std::vector<v1::OutboundMessage>&)>& done);
  std::vector<v1::OutboundMessage> ListAll(const v1::ListMessagesRequest& request);
  v1::ListMessagesRequest ForBooking(const std::string& booking);
  v1::ListMessagesRequest ForDonor(const std::string& donor);

  // Every rem:* key but the audit stream, with type and contents (to prove "nothing written").
  std::string Snapshot() const;

  std::unique_ptr<v1::DonorRegistry::Stub> registry_;
  std::unique_ptr<FeedStub> feed_;
  int sequence_ = 0;
};

// Messages of `kind` in `messages`.
std::vector<v1::OutboundMessage> OfKind(const std::vector<v1::OutboundMessage>& messages,
                                        v1::MessageKind kind);
std::string Describe(const std::vector<v1::OutboundMessage>& messages);

}  // namespace blooddrive::testing
