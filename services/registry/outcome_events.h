// The registry's side of scheduling's events: a visit's outcome (OutcomeRecorded) becomes a
// donation or a deferral in the donor's history, recorded once per booking.
#pragma once

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "blooddrive/v1/events.pb.h"
#include "donor_store.h"

namespace blooddrive::registry {

// The consumer group the registry reads scheduling's streams with (event_stream.h).
inline constexpr char kRegistryConsumerGroup[] = "registry";

// Applies one event. DONATED/INCOMPLETE -> a donation, DEFERRED_AT_SITE -> a deferral, both with
// external_ref = the booking name, so a redelivered event or a second event for the same booking
// changes nothing; NO_SHOW and every other kind of event are ignored.
//
// Returns OK when the event is done with: applied, ignored, or refused for good (a malformed event
// or an unknown donor: logged, since retrying cannot help). Not OK only when a retry may succeed
// (Redis unavailable and the like): the consumer then offers the event again.
//
// `today` is the registry's today (its --time_zone); donation dates are checked against it.
absl::Status ApplySchedulingEvent(DonorStore& store, const v1::Event& event, absl::CivilDay today);

}  // namespace blooddrive::registry
