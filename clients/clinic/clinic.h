// The pieces of blooddrive-clinic that its command modules share: what staff type turned into
// API values (clinic_text.cc, pure and unit-tested), and the lookups every command needs to
// print a sentence a person can read (donor names, a site's time zone).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "blooddrive/v1/common.pb.h"
#include "blooddrive/v1/registry.pb.h"
#include "blooddrive/v1/scheduling.pb.h"
#include "cli/cli.h"
#include "google/protobuf/descriptor.h"

namespace blooddrive::clinic {

// --- What staff type (clinic_text.cc) -----------------------------------------------------------

// "astana-old-town" or "sites/astana-old-town" -> "sites/astana-old-town".
absl::StatusOr<std::string> SiteName(absl::string_view text);
// "donors/abc" or "abc" -> "donors/abc".
absl::StatusOr<std::string> DonorName(absl::string_view text);
// Accepts only "drives/{drive}/bookings/{booking}" (what roster prints), so a pasted id from
// another resource is caught before anything is sent.
absl::Status CheckBookingName(absl::string_view text);
// "drives/X" of "drives/X/bookings/Y" or "drives/X/slots/Y".
std::string DriveOf(absl::string_view resource);
// "09:30", "9:30" or "0930" -> 09:30.
absl::StatusOr<v1::TimeOfDay> ParseClock(absl::string_view text);
std::string FormatClock(const v1::TimeOfDay& time);  // "09:30"
// The slot of a drive starting at a local time: "drives/X/slots/0930".
std::string SlotNameAt(absl::string_view drive, const v1::TimeOfDay& time);

// Enum values as staff type them: the value's name without its prefix, lower case, with '-'
// (BOOKING_STATE_CHECKED_IN <-> "checked-in"); '_' and ' ' are accepted for '-', any case.
// The UNSPECIFIED value (0) is never accepted. `prefix` is e.g. "BOOKING_STATE_".
absl::StatusOr<int> ParseEnumArg(const google::protobuf::EnumDescriptor* descriptor,
                                 absl::string_view prefix, absl::string_view text);
std::string EnumArg(const google::protobuf::EnumDescriptor* descriptor, absl::string_view prefix,
                    int value);
// Every accepted spelling, comma separated: "tattoo-or-piercing, malaria-area-travel, ...".
std::string EnumArgChoices(const google::protobuf::EnumDescriptor* descriptor,
                           absl::string_view prefix);

// "booked,confirmed" -> the states; empty text -> none (the server's default).
absl::StatusOr<std::vector<v1::BookingState>> ParseStates(absl::string_view text);
absl::StatusOr<v1::DeferralCode> ParseDeferralCode(absl::string_view text);
// "phone", "sms", "in-person" (also "portal").
absl::StatusOr<v1::ConfirmationChannel> ParseChannel(absl::string_view text);
// "document type:country:number", e.g. "passport:UZ:AB1234567", "iin:KZ:900101300123".
absl::StatusOr<v1::IdentityDocument> ParseDocument(absl::string_view text);

// "Айгерім Сапарова": given and family name, as the donor wrote them.
std::string DonorDisplayName(const v1::Donor& donor);

// --- Lookups shared by the commands (lookups.cc) ------------------------------------------------

struct DonorInfo {
  std::string display_name;  // the donor's name, or the donor id when the registry did not answer
  std::string phone;         // E.164, or empty
  bool known = false;        // false: display_name is the id
};

// Names of donors from the registry, each asked once per run. A donor the clinic's token may not
// read, or a registry that does not answer, gives the donor id instead of a name (with one note
// on stderr): a roster without names is still a roster.
class DonorDirectory {
 public:
  explicit DonorDirectory(cli::Session& session) : session_(session) {}
  const DonorInfo& Get(const std::string& donor);

 private:
  cli::Session& session_;
  // Node-based: rows keep pointers to entries while more donors are added.
  absl::node_hash_map<std::string, DonorInfo> cache_;
  bool warned_ = false;
};

// Sites and their time zones, each asked once per run.
class SiteDirectory {
 public:
  explicit SiteDirectory(cli::Session& session) : session_(session) {}
  // The site, or nullopt after reporting the failure through the session (the command stops).
  std::optional<v1::Site> Get(const std::string& site);
  // The site's zone; UTC (with a note on stderr) when the site cannot be read or its zone is not
  // known to this machine, so a confirmation line is still printed after a successful action.
  absl::TimeZone Zone(const std::string& site);

 private:
  cli::Session& session_;
  absl::flat_hash_map<std::string, v1::Site> sites_;
};

// "09:30" when the instant falls on today's date in the zone, else "2026-12-01 09:30".
std::string ShortLocal(const google::protobuf::Timestamp& instant, const absl::TimeZone& zone);
absl::CivilDay TodayIn(const absl::TimeZone& zone);

// --- Command modules ----------------------------------------------------------------------------

void AddRosterCommands(CLI::App& app, cli::Session& session);  // roster
// confirm, check-in, outcome
void AddVisitCommands(CLI::App& app, cli::Session& session);
void AddDeskCommands(CLI::App& app, cli::Session& session);  // walk-in, donor find

// After a failed parse: when `outcome` was given its kind before the booking ("outcome donated
// drives/X/bookings/Y"), the sentence naming the expected order; else empty.
std::string OutcomeOrderHint(CLI::App& app);
// True for "donated", "deferred" and "no-show": the words that follow BOOKING in `outcome`.
bool IsOutcomeKind(absl::string_view word);

}  // namespace blooddrive::clinic
