#include "policy.h"

#include "absl/container/flat_hash_map.h"

namespace blooddrive::auth {
namespace {

constexpr RoleSet C = RoleBit(ROLE_COORDINATOR);
constexpr RoleSet K = RoleBit(ROLE_CLINIC);
constexpr RoleSet G = RoleBit(ROLE_SMS_GATEWAY);
constexpr RoleSet P = RoleBit(ROLE_PORTAL);
constexpr RoleSet S = RoleBit(ROLE_SERVICE);
constexpr RoleSet A = RoleBit(ROLE_ADMIN);

constexpr bool kMutates = true;
constexpr bool kReads = false;
constexpr bool kSites = true;
constexpr bool kAnySite = false;

#define REG "/blooddrive.v1.DonorRegistry/"
#define ELI "/blooddrive.v1.Eligibility/"
#define SCH "/blooddrive.v1.DriveScheduling/"
#define REM "/blooddrive.v1.ReminderFeed/"

// C coordinator, K clinic, G sms-gateway, P portal, S service, A admin.
// Portal: self-service on one donor's behalf (register, look up by phone or document, find
// drives, book/hold/cancel/reschedule, its bookings, one eligibility check); never bulk reads.
// Service: what one blooddrive service needs of another (eligibility reads donor facts and lists
// donors, scheduling checks eligibility, reminders acts on SMS replies).
const std::vector<MethodPolicy>& Table() {
  static const auto* const kTable = new std::vector<MethodPolicy>{
      // DonorRegistry: donors belong to the whole society, not to a site; only the RPCs that
      // name a site (a home-site filter, where a donation or deferral was recorded) are scoped.
      {REG "CreateDonor", C | K | P | S | A, kMutates, kAnySite},
      {REG "GetDonor", C | K | P | S | A, kReads, kAnySite},
      {REG "UpdateDonor", C | K | S | A, kMutates, kAnySite},
      {REG "FindDonors", C | K | P | S | A, kReads, kAnySite},
      {REG "FindDonors#name_prefix", C | S | A, kReads, kAnySite},  // a bulk read
      {REG "ListDonors", C | S | A, kReads, kSites},                // home_site
      {REG "UpdateSmsConsent", C | K | P | S | A, kMutates, kAnySite},
      {REG "RecordDonation", C | K | S | A, kMutates, kSites},  // donation.site
      {REG "ListDonations", C | K | S | A, kReads, kAnySite},
      {REG "CreateDeferral", C | K | S | A, kMutates, kSites},  // deferral.site
      {REG "LiftDeferral", C | K | S | A, kMutates, kAnySite},
      {REG "ListDeferrals", C | K | S | A, kReads, kAnySite},
      {REG "GetDonorFacts", C | K | S | A, kReads, kAnySite},

      // Eligibility: read-only.
      {ELI "CheckEligibility", C | K | P | S | A, kReads, kAnySite},
      {ELI "GetNextEligibleDates", C | K | P | S | A, kReads, kAnySite},
      {ELI "CheckEligibilityBatch", C | S | A, kReads, kAnySite},
      {ELI "FindEligibleDonors", C | S | A, kReads, kSites},  // home_sites
      {ELI "ResolveDeferral", C | K | S | A, kReads, kAnySite},
      {ELI "ListRulePacks", C | K | S | A, kReads, kAnySite},
      {ELI "GetRulePack", C | K | S | A, kReads, kAnySite},

      // DriveScheduling: sites and drives are a coordinator's; the clinic works its sites' drives.
      {SCH "CreateSite", C | A, kMutates, kSites},  // site.branch
      {SCH "GetSite", C | K | P | S | A, kReads, kAnySite},
      {SCH "ListSites", C | K | P | S | A, kReads, kAnySite},
      {SCH "UpdateSite", C | A, kMutates, kSites},
      {SCH "CreateDrive", C | A, kMutates, kSites},
      {SCH "GetDrive", C | K | P | S | A, kReads, kAnySite},
      {SCH "ListDrives", C | K | P | S | A, kReads, kAnySite},
      {SCH "UpdateDrive", C | A, kMutates, kSites},
      {SCH "PublishDrive", C | A, kMutates, kSites},
      {SCH "CloseDrive", C | A, kMutates, kSites},
      {SCH "CancelDrive", C | A, kMutates, kSites},
      {SCH "GetAvailability", C | K | P | S | A, kReads, kAnySite},
      {SCH "WatchAvailability", C | K | P | S | A, kReads, kAnySite},
      {SCH "BookSlot", C | K | P | S | A, kMutates, kSites},
      {SCH "HoldSlot", C | K | P | S | A, kMutates, kSites},
      {SCH "ConfirmHold", C | K | P | S | A, kMutates, kSites},
      {SCH "CancelBooking", C | K | P | S | A, kMutates, kSites},
      {SCH "RescheduleBooking", C | K | P | S | A, kMutates, kSites},
      {SCH "GetBooking", C | K | P | S | A, kReads, kSites},
      {SCH "ListBookings", C | K | P | S | A, kReads, kAnySite},
      {SCH "JoinWaitlist", C | K | P | S | A, kMutates, kSites},
      {SCH "LeaveWaitlist", C | K | P | S | A, kMutates, kSites},
      {SCH "ListWaitlist", C | K | S | A, kReads, kSites},
      {SCH "GetRoster", C | K | S | A, kReads, kSites},
      {SCH "ConfirmBooking", C | K | P | S | A, kMutates, kSites},
      {SCH "CheckInBooking", C | K | A, kMutates, kSites},
      {SCH "RecordOutcome", C | K | A, kMutates, kSites},
      {SCH "GetDriveReport", C | K | S | A, kReads, kSites},

      // ReminderFeed: gateways lease, ack and report; coordinators invite and inspect.
      {REM "LeaseMessages", G | A, kMutates, kAnySite},
      {REM "AckMessage", G | A, kMutates, kAnySite},
      {REM "ReportDelivery", G | A, kMutates, kAnySite},
      {REM "ReceiveInbound", G | A, kMutates, kAnySite},
      {REM "QueueInvitations", C | S | A, kMutates, kSites},  // the drive's site
      {REM "GetMessage", C | S | A, kReads, kAnySite},
      {REM "ListMessages", C | S | A, kReads, kSites},  // the drive filter
  };
  return *kTable;
}

#undef REG
#undef ELI
#undef SCH
#undef REM

}  // namespace

const std::vector<MethodPolicy>& AllPolicies() { return Table(); }

const MethodPolicy* FindPolicy(absl::string_view method) {
  static const auto* const kIndex = [] {
    auto* index = new absl::flat_hash_map<absl::string_view, const MethodPolicy*>();
    for (const MethodPolicy& policy : Table()) (*index)[policy.method] = &policy;
    return index;
  }();
  auto it = kIndex->find(method);
  return it == kIndex->end() ? nullptr : it->second;
}

}  // namespace blooddrive::auth
