// Applies one event (planner.h) to the outbox: records consent, withdraws, asks the registry for
// the donor's phone and language and Eligibility for a recall date, then plans each message. A
// message quiet hours push past its appointment (or expiry) is recorded DROPPED with the reason,
// so staff can list and count them (ListMessages with states DROPPED).
// Idempotent: every step is (stable message ids, withdrawals that end only unsent messages).
#pragma once

#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "blooddrive/v1/eligibility.grpc.pb.h"
#include "blooddrive/v1/events.pb.h"
#include "blooddrive/v1/registry.grpc.pb.h"
#include "planner.h"
#include "reminder_store.h"

namespace blooddrive::reminders {

// The donor, nullopt when the registry has none; UNAVAILABLE (or the call's error) otherwise.
absl::StatusOr<std::optional<v1::Donor>> FetchDonor(v1::DonorRegistry::StubInterface& registry,
                                                    const std::string& donor_name);

class EventHandler {
 public:
  EventHandler(ReminderStore& store, v1::DonorRegistry::StubInterface& registry,
               v1::Eligibility::StubInterface& eligibility, const PlannerOptions& options)
      : store_(store), registry_(registry), eligibility_(eligibility), options_(options) {}

  // OK when applied, or when the event can never be applied (logged and skipped); an error when
  // it should be offered again (Redis or a peer service unavailable).
  absl::Status Handle(const v1::Event& event);

 private:
  // `dropped`: the intents quiet hours dropped, recorded DROPPED (never leased) with the reason.
  absl::Status PlanIntents(const v1::Event& event, const std::vector<Intent>& intents,
                           absl::Time now, bool dropped = false);
  // The next eligible date for the recall, nullopt when there is none (never, needs a change).
  absl::StatusOr<std::optional<absl::CivilDay>> NextEligible(const RecallQuery& query);

  ReminderStore& store_;
  v1::DonorRegistry::StubInterface& registry_;
  v1::Eligibility::StubInterface& eligibility_;
  const PlannerOptions& options_;
};

}  // namespace blooddrive::reminders
