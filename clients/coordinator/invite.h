// `blooddrive-coordinator invite DRIVE --groups O+,O-`: finds the donors of the given blood groups
// who are eligible on the drive's date (Eligibility.FindEligibleDonors) and queues an invitation
// SMS to each (ReminderFeed.QueueInvitations).
#pragma once

#include "cli/cli.h"

namespace blooddrive::coordinator {

// Adds `invite DRIVE --groups O+,O- [--type whole-blood] [--limit N] [--home-site SITE]
// [--dry-run]` to the top-level app.
void AddInviteCommand(CLI::App& app, cli::Session& session);

}  // namespace blooddrive::coordinator
