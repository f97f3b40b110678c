// blooddrive-coordinator: what a branch's donor coordinator does in a day — plan sites and drives,
// publish them, watch how full they are by blood group, book donors who call in, import the donor
// spreadsheet and invite eligible donors. One CLI11 command tree; `--help` on every command.
#include "coordinator.h"
#include "donor_import.h"
#include "invite.h"

int main(int argc, char** argv) {
  using namespace blooddrive;
  CLI::App app{
      "Plan blood donation drives, book donors and watch fill rates by blood group.\n"
      "Start with: blooddrive-coordinator site list",
      "blooddrive-coordinator"};
  cli::GlobalOptions options;
  cli::AddGlobalOptions(app, options);
  cli::Session session(options);
  app.require_subcommand(1);

  coordinator::AddSiteCommands(app, session);
  coordinator::AddDriveCommands(app, session);
  coordinator::AddAvailabilityCommands(app, session);
  coordinator::AddBookingCommands(app, session);
  coordinator::AddDonorCommands(app, session);  // also adds `donor import`
  coordinator::AddInviteCommand(app, session);
  return cli::Run(app, session, argc, argv);
}
