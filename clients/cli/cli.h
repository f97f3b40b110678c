// What blooddrive's command-line tools (blooddrive-coordinator, blooddrive-clinic) share: the
// options every command takes (server addresses, credentials, output format), one place that turns
// a failed call into a sentence for staff and an exit code for scripts, and table/JSON output.
//
// Commands are CLI11 subcommands. A command module adds its subcommands with a function
//   void AddXCommands(CLI::App& parent, Session& session);
// whose callbacks run the command and store the result with session.Finish(code).
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/status.h>

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "blooddrive/v1/eligibility.grpc.pb.h"
#include "blooddrive/v1/registry.grpc.pb.h"
#include "blooddrive/v1/reminders.grpc.pb.h"
#include "blooddrive/v1/scheduling.grpc.pb.h"
#include "google/protobuf/message.h"

namespace blooddrive::cli {

// Exit codes scripts can rely on (documented in every tool's --help footer and in the README).
enum ExitCode : int {
  kExitOk = 0,
  kExitPartial = 1,      // the command ran, but some items failed (rejected CSV rows, ...)
  kExitUsage = 2,        // bad command line or input file; nothing was sent
  kExitNotFound = 3,     // NOT_FOUND
  kExitRefused = 4,      // the request is valid but the current state says no: FAILED_PRECONDITION,
                         // RESOURCE_EXHAUSTED, ALREADY_EXISTS, ABORTED (ineligible, slot full, ...)
  kExitInvalid = 5,      // INVALID_ARGUMENT from the server
  kExitDenied = 6,       // UNAUTHENTICATED or PERMISSION_DENIED
  kExitUnavailable = 7,  // UNAVAILABLE or DEADLINE_EXCEEDED: safe to retry later
  kExitInternal = 8,     // any other status
};

// The exit code for a failed call's status (kExitOk for OK).
int ExitCodeFor(grpc::StatusCode code);

// The options every command takes; each flag also reads an environment variable.
struct GlobalOptions {
  std::string registry_addr = "127.0.0.1:50051";     // --registry / BLOODDRIVE_REGISTRY
  std::string eligibility_addr = "127.0.0.1:50052";  // --eligibility / BLOODDRIVE_ELIGIBILITY
  std::string scheduling_addr = "127.0.0.1:50053";   // --scheduling / BLOODDRIVE_SCHEDULING
  std::string reminders_addr = "127.0.0.1:50054";    // --reminders / BLOODDRIVE_REMINDERS
  std::string token;                                 // --token / BLOODDRIVE_TOKEN
  std::string token_file;       // --token-file / BLOODDRIVE_TOKEN_FILE (preferred: not in `ps`)
  std::string tls_ca;           // --tls-ca / BLOODDRIVE_TLS_CA: TLS when set
  std::string tls_cert;         // --tls-cert / BLOODDRIVE_TLS_CERT (mTLS, with --tls-key)
  std::string tls_key;          // --tls-key / BLOODDRIVE_TLS_KEY
  std::string tls_server_name;  // --tls-server-name
  double timeout_seconds = 10;  // --timeout / BLOODDRIVE_TIMEOUT: deadline of each call
  bool json = false;            // --json: one JSON object per line instead of tables
};

// Adds the global options above to the top-level app (CLI11 lets subcommands see them, and
// `fallthrough` lets them be given after the subcommand too).
void AddGlobalOptions(CLI::App& app, GlobalOptions& options);

// Channels and stubs, made on first use from the global options.
class Session {
 public:
  explicit Session(const GlobalOptions& options) : options_(options) {}

  const GlobalOptions& options() const { return options_; }
  bool json() const { return options_.json; }

  // A stub per service; on a credentials problem (unreadable token or TLS file) these print the
  // error, call Finish(kExitUsage) and return nullptr — callers return at once.
  v1::DonorRegistry::Stub* registry();
  v1::Eligibility::Stub* eligibility();
  v1::DriveScheduling::Stub* scheduling();
  v1::ReminderFeed::Stub* reminders();

  // A context with the deadline of --timeout (and wait_for_ready off: a down server fails fast).
  std::unique_ptr<grpc::ClientContext> NewContext() const;

  // Reports a failed call: prints Describe(status, context) to stderr as "error: <sentence>" (or,
  // with --json, a JSON object {"error": {"code": "...", "message": "...", ...}} to stdout) and
  // records its exit code. Returns the exit code.
  int Fail(const grpc::Status& status, const grpc::ClientContext& context);
  // Reports an error of the tool itself (bad file, bad value) with the given exit code.
  int Fail(absl::string_view message, int exit_code);

  void Finish(int exit_code) { exit_code_ = exit_code; }
  int exit_code() const { return exit_code_; }

 private:
  std::shared_ptr<grpc::Channel> Channel(const std::string& addr);

  const GlobalOptions& options_;
  int exit_code_ = kExitOk;
  // The address of the stub handed out last: the one the failed call most likely went to, named
  // in "service unavailable" messages.
  std::string last_target_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::string token_;
  bool credentials_ready_ = false;
  std::unique_ptr<v1::DonorRegistry::Stub> registry_;
  std::unique_ptr<v1::Eligibility::Stub> eligibility_;
  std::unique_ptr<v1::DriveScheduling::Stub> scheduling_;
  std::unique_ptr<v1::ReminderFeed::Stub> reminders_;
};

// A sentence for staff about a failed call, in English. Uses the BookingFailure trailer
// ("blooddrive-booking-failure-bin") when present, e.g. "The slot is full; 3 people are waiting
// for this donation type. 5 seats are free in other slots of the drive." or "Not eligible on
// 2026-12-01: ... Next eligible date for whole blood: 2027-01-14." Otherwise the server's message
// with a short lead for the code ("Not found: ...", "Not allowed: ...", "Service unavailable at
// 127.0.0.1:50053 (is the stack running?): ...").
std::string Describe(const grpc::Status& status, const grpc::ClientContext& context);

// --- Output -----------------------------------------------------------------------------------

// A table printed with columns padded to the widest cell, counting UTF-8 characters (Cyrillic
// names line up), and a header line.
class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void AddRow(std::vector<std::string> cells);
  void Print(std::ostream& out) const;
  bool empty() const { return rows_.empty(); }

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// The message as one line of JSON (proto3 JSON mapping, lowerCamelCase field names).
std::string ToJsonLine(const google::protobuf::Message& message);

// --- Vocabulary: parsing what staff type and printing what they read ---------------------------

absl::StatusOr<v1::Date> ParseDate(absl::string_view text);  // "2026-12-01"
std::string FormatDate(const v1::Date& date);                // "2026-12-01"
// "09:00-13:00" -> an OpeningWindow.
absl::StatusOr<v1::OpeningWindow> ParseWindow(absl::string_view text);
// "O+", "o-pos", "AB-", "unknown" -> the enum; the error names the accepted spellings.
absl::StatusOr<v1::BloodGroup> ParseBloodGroup(absl::string_view text);
std::string FormatBloodGroup(v1::BloodGroup group);  // "O+", "AB-", "unknown"
// "whole-blood", "whole_blood", "platelets", "plasma", "double-red-cells".
absl::StatusOr<v1::DonationType> ParseDonationType(absl::string_view text);
std::string FormatDonationType(v1::DonationType type);  // "whole blood"
// An enum value's name without its type prefix, lower case with spaces:
// BOOKING_STATE_CHECKED_IN -> "checked in".
std::string EnumLabel(const google::protobuf::EnumDescriptor* descriptor, int value);
// An instant in a time zone: "2026-12-01 09:30" (the zone's wall clock).
std::string FormatLocal(const google::protobuf::Timestamp& instant, const absl::TimeZone& zone);
// A request id for a mutating call the user did not give one for: random, 32 hex characters.
std::string NewRequestId();

// --- Additions shared by both tools ------------------------------------------------------------

// The sentence Describe gives for a BookingFailure; `server_message` (the status message) is used
// for kinds that carry no detail of their own (drive not open).
std::string DescribeBookingFailure(const v1::BookingFailure& failure,
                                   absl::string_view server_message = "");

// "astana-old-town" or "sites/astana-old-town" -> "sites/astana-old-town" (collection "sites").
// Text that already has the collection prefix is returned as given.
std::string ResourceName(absl::string_view collection, absl::string_view text);

// "09:30" or "9:30" -> TimeOfDay (00:00..23:59; "24:00" only when allow_24 is true).
absl::StatusOr<v1::TimeOfDay> ParseTimeOfDay(absl::string_view text, bool allow_24 = false);
std::string FormatTimeOfDay(const v1::TimeOfDay& time);     // "09:30"
std::string FormatWindow(const v1::OpeningWindow& window);  // "09:00-13:00"

// An enum value from its label, as EnumLabel prints it or as staff type it: "donor-request",
// "donor request", "DONOR_REQUEST" and "CANCEL_REASON_DONOR_REQUEST" all give
// CANCEL_REASON_DONOR_REQUEST. The zero (UNSPECIFIED) value is refused; the error lists the
// accepted labels.
absl::StatusOr<int> ParseEnumLabel(const google::protobuf::EnumDescriptor* descriptor,
                                   absl::string_view text);

// "Name:  value" lines, the names padded to one width (for `show` commands).
void PrintFields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields);

// The --help footer of a tool: its exit codes and environment variables.
std::string HelpFooter();

// For a command line that names no command, or a word that is not one, at the level the parse
// reached: "Unknown command 'x'. Commands: site, drive, ...; run with --help" (or "No command
// given. Commands: ..."). Empty for other parse errors, whose CLI11 message says enough.
std::string CommandHint(CLI::App& app, const CLI::ParseError& error);

// Parses the command line and runs the chosen command. Returns the process exit code: the
// command's (session.exit_code()), 0 for --help, kExitUsage for a bad command line (explained with
// CommandHint when a command is missing or unknown).
int Run(CLI::App& app, Session& session, int argc, char** argv);

// One unary call with a fresh NewContext(); on failure reports it with Fail and returns false.
// False too when the stub is null (credentials problem, already reported).
//   v1::Site site;
//   if (!CallOrFail(session, session.scheduling(), &v1::DriveScheduling::Stub::GetSite, request,
//                   &site)) return;
template <typename Stub, typename Request, typename Response>
bool CallOrFail(Session& session, Stub* stub,
                grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                const Request& request, Response* response) {
  if (stub == nullptr) return false;
  std::unique_ptr<grpc::ClientContext> context = session.NewContext();
  const grpc::Status status = (stub->*method)(context.get(), request, response);
  if (!status.ok()) {
    session.Fail(status, *context);
    return false;
  }
  return true;
}

}  // namespace blooddrive::cli
