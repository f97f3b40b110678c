// The command modules of blooddrive-coordinator and what they share. Each Add*Commands adds its
// subcommands to the top-level app; main.cc wires them.
#pragma once

#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/cli.h"

namespace blooddrive::coordinator {

void AddSiteCommands(CLI::App& app, cli::Session& session);
void AddDriveCommands(CLI::App& app, cli::Session& session);
void AddAvailabilityCommands(CLI::App& app, cli::Session& session);
void AddBookingCommands(CLI::App& app, cli::Session& session);
void AddDonorCommands(CLI::App& app, cli::Session& session);

// Stores a parsed value, or reports the parse error as a usage error (exit 2) and returns false.
template <typename T>
bool Parsed(cli::Session& session, absl::StatusOr<T> parsed, T* out) {
  if (!parsed.ok()) {
    session.Fail(parsed.status().message(), cli::kExitUsage);
    return false;
  }
  *out = *std::move(parsed);
  return true;
}

// Adds --request-id to a mutating command; an empty value is replaced by NewRequestId() when the
// command runs.
void AddRequestIdOption(CLI::App& command, std::string& request_id);
std::string RequestIdOrNew(const std::string& request_id);

// A finite number of degrees in [-limit, limit] ("nan" and "inf" refused: CLI11's Range lets
// them through). For --lat (90), --lng (180) and --venue-location.
CLI::Validator Degrees(double limit);

// Time zones of sites, fetched once per run. On a failed GetSite the failure is reported and
// nullopt returned.
class SiteZones {
 public:
  explicit SiteZones(cli::Session& session) : session_(session) {}
  std::optional<absl::TimeZone> Of(const std::string& site);
  // For output after a successful change: UTC with a note on stderr when the site cannot be
  // read, and nothing reported as a failure.
  absl::TimeZone OfOrUtc(const std::string& site);

 private:
  cli::Session& session_;
  std::map<std::string, absl::TimeZone> zones_;
};

// An IANA zone by name; UTC (and a note on stderr) when this machine lacks it.
absl::TimeZone LoadZoneOrUtc(const std::string& name);

// Prints one resource as a JSON line on stdout (for --json).
void PrintJson(const google::protobuf::Message& message);

// "Ivanov Askar Serikovich": family, given, patronymic as the registry holds them.
std::string FullName(const v1::Donor& donor);

// The slot's wall-clock span at the site, e.g. "09:30-09:45".
std::string LocalSpan(const google::protobuf::Timestamp& start,
                      const google::protobuf::Timestamp& end, const absl::TimeZone& zone);

}  // namespace blooddrive::coordinator
