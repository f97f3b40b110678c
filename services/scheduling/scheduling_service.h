// DriveScheduling RPCs. Each handler authorizes, validates the request (naming the field), then
// works through SchedulingStore; the rules library decides every transition before the store's
// scripts re-check what concurrency could change (drive state, seats, etags).
//
// Split by concern: sites.cc, drives.cc (drives, listing, their life), availability.cc
// (availability, watch, report), bookings.cc (booking RPCs), waitlist_clinic.cc (waitlist and
// clinic RPCs), booking_flow.cc (the shared steps: drive context, eligibility, claim-then-book,
// seat release with waitlist promotion, hold expiry).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blooddrive/v1/eligibility.grpc.pb.h"
#include "blooddrive/v1/scheduling.grpc.pb.h"
#include "clock.h"
#include "scheduling_store.h"
#include "slots.h"
#include "state_machine.h"

namespace blooddrive::scheduling {

struct SchedulingOptions {
  absl::Duration late_cancellation_window = absl::Hours(24);
  // How long a claim stays "in the making" before others may check it against its drive.
  absl::Duration claim_pending = absl::Seconds(30);
  absl::Duration watch_poll_interval = absl::Milliseconds(100);
};

// A drive as the booking steps need it: the stored record, its site, its zone and its slots.
struct DriveContext {
  StoredDrive stored;
  DriveKeys keys;
  absl::TimeZone zone;
  std::vector<Slot> slots;

  const v1::Drive& drive() const { return stored.drive; }
  const v1::Site& site() const { return stored.site; }
  absl::CivilDay date() const;
};

class SchedulingService final : public v1::DriveScheduling::Service {
 public:
  SchedulingService(SchedulingStore& store,
                    std::unique_ptr<v1::Eligibility::StubInterface> eligibility, Clock clock,
                    SchedulingOptions options);

  grpc::Status CreateSite(grpc::ServerContext*, const v1::CreateSiteRequest*, v1::Site*) override;
  grpc::Status GetSite(grpc::ServerContext*, const v1::GetSiteRequest*, v1::Site*) override;
  grpc::Status ListSites(grpc::ServerContext*, const v1::ListSitesRequest*,
                         v1::ListSitesResponse*) override;
  grpc::Status UpdateSite(grpc::ServerContext*, const v1::UpdateSiteRequest*, v1::Site*) override;
  grpc::Status CreateDrive(grpc::ServerContext*, const v1::CreateDriveRequest*,
                           v1::Drive*) override;
  grpc::Status GetDrive(grpc::ServerContext*, const v1::GetDriveRequest*, v1::Drive*) override;
  grpc::Status ListDrives(grpc::ServerContext*, const v1::ListDrivesRequest*,
                          v1::ListDrivesResponse*) override;
  grpc::Status UpdateDrive(grpc::ServerContext*, const v1::UpdateDriveRequest*,
                           v1::Drive*) override;
  grpc::Status PublishDrive(grpc::ServerContext*, const v1::PublishDriveRequest*,
                            v1::Drive*) override;
  grpc::Status CloseDrive(grpc::ServerContext*, const v1::CloseDriveRequest*, v1::Drive*) override;
  grpc::Status CancelDrive(grpc::ServerContext*, const v1::CancelDriveRequest*,
                           v1::Drive*) override;
  grpc::Status GetAvailability(grpc::ServerContext*, const v1::GetAvailabilityRequest*,
                               v1::DriveAvailability*) override;
  grpc::Status WatchAvailability(grpc::ServerContext*, const v1::WatchAvailabilityRequest*,
                                 grpc::ServerWriter<v1::AvailabilityUpdate>*) override;
  grpc::Status BookSlot(grpc::ServerContext*, const v1::BookSlotRequest*,
                        v1::BookSlotResponse*) override;
  grpc::Status HoldSlot(grpc::ServerContext*, const v1::HoldSlotRequest*, v1::Booking*) override;
  grpc::Status ConfirmHold(grpc::ServerContext*, const v1::ConfirmHoldRequest*,
                           v1::Booking*) override;
  grpc::Status CancelBooking(grpc::ServerContext*, const v1::CancelBookingRequest*,
                             v1::Booking*) override;
  grpc::Status RescheduleBooking(grpc::ServerContext*, const v1::RescheduleBookingRequest*,
                                 v1::Booking*) override;
  grpc::Status GetBooking(grpc::ServerContext*, const v1::GetBookingRequest*,
                          v1::Booking*) override;
  grpc::Status ListBookings(grpc::ServerContext*, const v1::ListBookingsRequest*,
                            v1::ListBookingsResponse*) override;
  grpc::Status JoinWaitlist(grpc::ServerContext*, const v1::JoinWaitlistRequest*,
                            v1::WaitlistEntry*) override;
  grpc::Status LeaveWaitlist(grpc::ServerContext*, const v1::LeaveWaitlistRequest*,
                             v1::WaitlistEntry*) override;
  grpc::Status ListWaitlist(grpc::ServerContext*, const v1::ListWaitlistRequest*,
                            v1::ListWaitlistResponse*) override;
  grpc::Status GetRoster(grpc::ServerContext*, const v1::GetRosterRequest*,
                         v1::GetRosterResponse*) override;
  grpc::Status ConfirmBooking(grpc::ServerContext*, const v1::ConfirmBookingRequest*,
                              v1::Booking*) override;
  grpc::Status CheckInBooking(grpc::ServerContext*, const v1::CheckInBookingRequest*,
                              v1::Booking*) override;
  grpc::Status RecordOutcome(grpc::ServerContext*, const v1::RecordOutcomeRequest*,
                             v1::Booking*) override;
  grpc::Status GetDriveReport(grpc::ServerContext*, const v1::GetDriveReportRequest*,
                              v1::DriveReport*) override;

  // Expires every hold that is due (the background sweeper calls this; booking calls do it for
  // their drive when a slot looks full).
  void SweepExpiredHolds();

 private:
  // ---- booking_flow.cc
  absl::StatusOr<DriveContext> LoadDrive(absl::string_view drive_id) const;
  // The booking, its drive and the parsed ids, for RPCs that name a booking.
  struct BookingRef {
    std::string drive_id;
    std::string booking_id;
  };
  static absl::StatusOr<BookingRef> ParseBookingName(absl::string_view field,
                                                     absl::string_view name);
  absl::StatusOr<v1::Booking> LoadBooking(const DriveContext& drive,
                                          absl::string_view booking_id) const;

  v1::Event NewEvent(const DriveContext& drive, absl::string_view request_id, absl::Time now) const;
  v1::BookingSnapshot Snapshot(const DriveContext& drive, const v1::Booking& booking) const;

  // Eligibility for a booking of `donor_id` at `slot`, counting the donor's other active
  // bookings (but `ignore` and `making`, the booking being made) as assumed donations.
  // FAILED_PRECONDITION with a BookingFailure (KIND_INELIGIBLE) when not eligible; the decision
  // otherwise.
  absl::StatusOr<v1::EligibilityDecision> CheckEligible(const grpc::ServerContext* context,
                                                        const DriveContext& drive, const Slot& slot,
                                                        absl::string_view donor_id,
                                                        v1::DonationType type,
                                                        absl::string_view ignore,
                                                        absl::string_view making = {}) const;
  // Claim-then-book, step 1: the donor's claim on the booking's period. FAILED_PRECONDITION with
  // KIND_CONFLICTING_BOOKING when another active booking of the donor shares it.
  absl::Status ClaimPeriod(absl::string_view donor_id, absl::string_view booking_name,
                           const DriveContext& drive, const Slot& slot, absl::Time now,
                           absl::string_view ignore);
  // After a failed booking step: drops the claim unless the booking exists and is active (a
  // concurrent retry of the same request made it).
  void ReleaseUnlessActive(absl::string_view donor_id, const DriveContext& drive,
                           absl::string_view booking_id);
  // After a booking became final (cancelled, rescheduled, completed, expired).
  void ReleaseClaim(absl::string_view donor_id, absl::string_view booking_name);

  // What a new seat-taking booking needs.
  struct NewBooking {
    const Slot* slot = nullptr;
    std::string donor_id;
    v1::DonationType type = v1::DONATION_TYPE_UNSPECIFIED;
    BookingAction action = BookingAction::kBook;  // kBook, kBookWalkIn, kHold, kPromote
    absl::Time hold_expire = absl::InfinitePast();
    std::string booking_id;
    std::string rescheduled_from;
    std::string waitlist_entry;
  };
  v1::Booking BuildBooking(const DriveContext& drive, const NewBooking& spec,
                           const v1::EligibilityDecision& decision, absl::Time now) const;
  // Adds to `commit` everything that makes `booking` (new, seat-taking) exist.
  void AddNewBooking(PartitionCommit& commit, const DriveContext& drive, const v1::Booking& booking,
                     const std::string& etag) const;
  // Adds to `commit` the write of an existing booking's new version (checked against `etag`).
  void AddBookingUpdate(PartitionCommit& commit, const DriveContext& drive,
                        const v1::Booking& before, const v1::Booking& after,
                        const std::string& new_etag) const;

  // The full booking step shared by BookSlot, HoldSlot, promotions' callers and the new half of
  // a reschedule: facts, eligibility, claim, commit (sweeping expired holds once when the slot
  // looks full). `also` adds more of the same partition's changes after the new booking's (a
  // same-drive reschedule releases the old booking). `replay` is set when the
  // request id had already been answered: the caller parses its first response.
  struct MadeBooking {
    v1::Booking booking;
    std::optional<std::string> replay;
  };
  absl::StatusOr<MadeBooking> MakeBooking(
      grpc::ServerContext* context, const DriveContext& drive, const NewBooking& spec,
      absl::string_view request_id, const std::string& fingerprint,
      const std::function<std::string(const v1::Booking&)>& response,
      absl::string_view ignore_for_overlap = {},
      const std::function<void(PartitionCommit&, const v1::Booking&)>& also = nullptr);
  // BookingFailure KIND_SLOT_FULL for `type` at the drive.
  absl::Status SlotFull(const DriveContext& drive, v1::DonationType type, absl::Status status);
  // Gives free seats of `slot` to waiting donors (after a change that freed one without a
  // promotion in its own step, e.g. a same-drive reschedule or a capacity increase).
  void PromoteIntoFreeSeats(const grpc::ServerContext* context, const DriveContext& drive,
                            const Slot& slot, v1::DonationType type, absl::Time now);

  // Adds to `commit` the promotion of the first admissible, eligible waiting donor into a seat
  // of `slot` that this commit frees. Returns the promoted donor's id (claim taken) or nullopt.
  absl::StatusOr<std::optional<std::pair<std::string, std::string>>> AddPromotion(
      const grpc::ServerContext* context, PartitionCommit& commit, const DriveContext& drive,
      const Slot& slot, v1::DonationType type, absl::string_view request_id, absl::Time now);

  // The donor's WAITING entry at the drive, if any. A donor who takes a seat there themselves
  // stops waiting in the same step (AddStopWaiting): a stale entry would count among those
  // waiting and be offered the next free seat.
  absl::StatusOr<std::optional<v1::WaitlistEntry>> WaitingEntryOf(const DriveContext& drive,
                                                                  absl::string_view donor_id);
  // Adds to `commit`, after the new booking's ops: `entry` (still WAITING, still the donor's
  // record at the drive) becomes LEFT with `booking_name`, out of the waiting order.
  void AddStopWaiting(PartitionCommit& commit, const DriveContext& drive,
                      const v1::WaitlistEntry& entry, const std::string& booking_name,
                      absl::Time now) const;

  // Runs a commit that frees a seat, with a promotion when one is possible; retries without it
  // when the promotion no longer fits (e.g. the entry left meanwhile).
  absl::StatusOr<CommitResult> CommitFreeingSeat(
      const grpc::ServerContext* context, const DriveContext& drive, const Slot* slot,
      v1::DonationType type, absl::string_view request_id, absl::Time now,
      const std::function<void(PartitionCommit&)>& build);

  void ExpireHolds(const DriveContext& drive, absl::Time now);
  grpc::Status Finish(grpc::ServerContext* context, const absl::Status& status) const;

  // ---- waitlist_clinic.cc
  // Adds a WAITING entry for `wanted` (donor, type, window) at the drive, checking eligibility
  // unless the caller just did.
  absl::StatusOr<v1::WaitlistEntry> AddToWaitlist(
      const DriveContext& drive, const v1::WaitlistEntry& wanted, absl::string_view request_id,
      const std::string& fingerprint, bool eligibility_checked, grpc::ServerContext* context,
      const std::function<std::string(const v1::WaitlistEntry&)>& response);

  // ---- drives.cc
  // Close or cancel: the drive's new state, its bookings' and waitlist's, with their events.
  absl::StatusOr<v1::Drive> EndDrive(grpc::ServerContext* context, absl::string_view name,
                                     absl::string_view request_id, absl::string_view etag,
                                     const std::string& fingerprint, DriveAction action,
                                     absl::string_view reason);
  // The drive as clients see it: free_seats filled in.
  absl::StatusOr<v1::Drive> Presented(const DriveContext& drive);
  absl::StatusOr<DriveContext> LoadAuthorizedDrive(grpc::ServerContext* context,
                                                   absl::string_view field, absl::string_view name);

  // ---- availability.cc
  absl::StatusOr<v1::DriveAvailability> Availability(const DriveContext& drive,
                                                     v1::DonationType type, bool only_free,
                                                     absl::Time now);
  int FreeSeats(const DriveContext& drive, const SchedulingStore::SeatTable& seats,
                v1::DonationType type) const;

  // ---- bookings.cc
  // Shared body of ConfirmBooking, CheckInBooking, RecordOutcome, ConfirmHold and
  // CancelBooking: load, transition, write with the event `make_event` builds.
  absl::StatusOr<v1::Booking> Transition(
      grpc::ServerContext* context, absl::string_view field, absl::string_view name,
      absl::string_view request_id, const std::string& fingerprint, absl::string_view etag,
      BookingAction action,
      const std::function<absl::Status(const DriveContext&, v1::Booking&, v1::Event&)>& apply);

  absl::StatusOr<v1::Booking> TransitionOnce(
      grpc::ServerContext* context, absl::string_view field, absl::string_view name,
      absl::string_view request_id, const std::string& fingerprint, absl::string_view etag,
      BookingAction action,
      const std::function<absl::Status(const DriveContext&, v1::Booking&, v1::Event&)>& apply);
  // ABORTED by a script's etag check (not by the client's etag): worth deciding again.
  static bool ChangedMeanwhile(const absl::Status& status);

  SchedulingStore& store_;
  std::unique_ptr<v1::Eligibility::StubInterface> eligibility_;
  const Clock clock_;
  const SchedulingOptions options_;
};

}  // namespace blooddrive::scheduling
