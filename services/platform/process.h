// Process start-up shared by every service binary.
#pragma once

#include "absl/strings/string_view.h"

namespace blooddrive::platform {

// Call first in main(). Blocks SIGTERM/SIGINT/SIGHUP in every thread (RunServer waits for them on
// a thread of its own), then sets flags: each flag --some_name may also come from the environment
// variable BLOODDRIVE_SOME_NAME; the command line wins over the environment.
void InitProcess(int argc, char** argv, absl::string_view service_name, absl::string_view usage);

}  // namespace blooddrive::platform
