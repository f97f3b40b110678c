// `blooddrive-coordinator donor import FILE.csv`: registers the donors of a branch's spreadsheet,
// reporting per row what was imported, skipped as a duplicate, or rejected and why.
#pragma once

#include "cli/cli.h"

namespace blooddrive::coordinator {

// Adds `import FILE.csv [--dry-run] [--home-site SITE] [--report FILE] [--parallel N]` under the
// `donor` group.
void AddDonorImportCommand(CLI::App& donor_group, cli::Session& session);

}  // namespace blooddrive::coordinator
