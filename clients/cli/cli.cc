#include "cli/cli.h"

#include <grpcpp/support/channel_arguments.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "auth/client_credentials.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace blooddrive::cli {

int ExitCodeFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return kExitOk;
    case grpc::StatusCode::NOT_FOUND:
      return kExitNotFound;
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return kExitRefused;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
      return kExitInvalid;
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return kExitDenied;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return kExitUnavailable;
    default:
      return kExitInternal;
  }
}

namespace {

// A day: longer than any call of these tools needs (the invite stream included).
constexpr double kMaxTimeoutSeconds = 86400;

}  // namespace

void AddGlobalOptions(CLI::App& app, GlobalOptions& options) {
  // Subcommands added after this inherit fallthrough, so `tool drive list --json` works as well
  // as `tool --json drive list`.
  app.fallthrough();
  const std::string group = "Connection (also from the environment)";
  app.add_option("--registry", options.registry_addr, "DonorRegistry address")
      ->envname("BLOODDRIVE_REGISTRY")
      ->capture_default_str()
      ->group(group);
  app.add_option("--eligibility", options.eligibility_addr, "Eligibility address")
      ->envname("BLOODDRIVE_ELIGIBILITY")
      ->capture_default_str()
      ->group(group);
  app.add_option("--scheduling", options.scheduling_addr, "DriveScheduling address")
      ->envname("BLOODDRIVE_SCHEDULING")
      ->capture_default_str()
      ->group(group);
  app.add_option("--reminders", options.reminders_addr, "ReminderFeed address")
      ->envname("BLOODDRIVE_REMINDERS")
      ->capture_default_str()
      ->group(group);
  app.add_option("--token", options.token, "Bearer token (prefer --token-file: not shown in ps)")
      ->envname("BLOODDRIVE_TOKEN")
      ->group(group);
  app.add_option("--token-file", options.token_file, "File holding the bearer token")
      ->envname("BLOODDRIVE_TOKEN_FILE")
      ->group(group);
  app.add_option("--tls-ca", options.tls_ca, "PEM CA bundle: use TLS when given")
      ->envname("BLOODDRIVE_TLS_CA")
      ->group(group);
  app.add_option("--tls-cert", options.tls_cert, "PEM client certificate for mTLS")
      ->envname("BLOODDRIVE_TLS_CERT")
      ->group(group);
  app.add_option("--tls-key", options.tls_key, "PEM private key of --tls-cert")
      ->envname("BLOODDRIVE_TLS_KEY")
      ->group(group);
  app.add_option("--tls-server-name", options.tls_server_name,
                 "Name expected in the servers' certificates")
      ->group(group);
  app.add_option("--timeout", options.timeout_seconds, "Deadline of each call, in seconds")
      ->envname("BLOODDRIVE_TIMEOUT")
      ->capture_default_str()
      // Not CLI::PositiveNumber: it lets "nan" and "inf" through, and absl::Seconds of those is
      // no deadline a channel can use.
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            double seconds = 0;
            if (!absl::SimpleAtod(text, &seconds) || !std::isfinite(seconds) || seconds <= 0 ||
                seconds > kMaxTimeoutSeconds) {
              return absl::StrCat("must be a number of seconds, more than 0 and at most ",
                                  kMaxTimeoutSeconds);
            }
            return std::string();
          },
          "SECONDS"))
      ->group(group);
  app.add_flag("--json", options.json, "One JSON object per line instead of tables")
      ->group("Output");
}

std::string HelpFooter() {
  return R"(Exit codes:
  0 ok                 1 partly done (some items failed)   2 bad command line or input file
  3 not found          4 refused (ineligible, slot full, wrong state, exists, changed meanwhile)
  5 invalid request    6 not signed in / not allowed       7 service unavailable or too slow: retry later
  8 internal error
Environment: BLOODDRIVE_REGISTRY, BLOODDRIVE_ELIGIBILITY, BLOODDRIVE_SCHEDULING, BLOODDRIVE_REMINDERS,
  BLOODDRIVE_TOKEN, BLOODDRIVE_TOKEN_FILE, BLOODDRIVE_TLS_CA, BLOODDRIVE_TLS_CERT, BLOODDRIVE_TLS_KEY,
  BLOODDRIVE_TIMEOUT (the flags of the same names win).)";
}

namespace {

// CLI11 does not pass a footer down to subcommands; staff reading `drive create --help` need the
// exit codes as much as those reading the top-level help.
void SetFooters(CLI::App& app, const std::string& footer) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_footer().empty()) sub->footer(footer);
    SetFooters(*sub, footer);
  }
}

}  // namespace

std::string CommandHint(CLI::App& app, const CLI::ParseError& error) {
  // CLI11 says "A subcommand is required" both when none is given and when the word given is not
  // one (that word is left over as an extra argument).
  if (error.get_exit_code() != static_cast<int>(CLI::ExitCodes::RequiredError) ||
      !absl::StrContains(error.what(), "subcommand")) {
    return "";
  }
  // The deepest command the parse reached: the one whose subcommand is missing.
  CLI::App* current = &app;
  std::vector<std::string> path;
  while (!current->get_subcommands().empty()) {
    current = current->get_subcommands().front();
    path.push_back(current->get_name());
  }
  std::vector<std::string> commands;
  for (const CLI::App* sub : current->get_subcommands([](CLI::App* candidate) {
         return !candidate->get_name().empty() && !candidate->get_disabled();
       })) {
    commands.push_back(sub->get_name());
  }
  if (commands.empty()) return "";
  std::string unknown;
  for (const std::string& arg : app.remaining(/*recurse=*/true)) {
    if (!absl::StartsWith(arg, "-")) {
      unknown = arg;
      break;
    }
  }
  const std::string where = absl::StrJoin(path, " ");
  const std::string help = where.empty()
                               ? std::string("--help")
                               : absl::StrCat("'", app.get_name(), " ", where, " --help'");
  if (unknown.empty()) {
    return absl::StrCat(where.empty() ? std::string("No command given")
                                      : absl::StrCat("No command given after '", where, "'"),
                        ". Commands: ", absl::StrJoin(commands, ", "), "; run with ", help);
  }
  return absl::StrCat("Unknown command '", where.empty() ? "" : absl::StrCat(where, " "), unknown,
                      "'. Commands", where.empty() ? "" : absl::StrCat(" of ", where), ": ",
                      absl::StrJoin(commands, ", "), "; run with ", help);
}

int Run(CLI::App& app, Session& session, int argc, char** argv) {
  if (app.get_footer().empty()) app.footer(HelpFooter());
  SetFooters(app, HelpFooter());
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (const std::string hint = CommandHint(app, e); !hint.empty()) {
      std::cerr << "error: " << hint << std::endl;
      return kExitUsage;
    }
    app.exit(e);
    return kExitUsage;
  }
  return session.exit_code();
}

// ---------------------------------------------------------------------------------------------

std::shared_ptr<grpc::Channel> Session::Channel(const std::string& addr) {
  if (!credentials_ready_) {
    if (!options_.token_file.empty()) {
      absl::StatusOr<std::string> token = auth::ReadTextFile(options_.token_file);
      if (!token.ok()) {
        Fail(absl::StrCat("cannot read the token file: ", token.status().message()), kExitUsage);
        return nullptr;
      }
      token_ = std::string(absl::StripAsciiWhitespace(*token));
    } else {
      token_ = std::string(absl::StripAsciiWhitespace(options_.token));
    }
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
        auth::ClientCredentials(auth::ClientTlsFiles{
            .ca = options_.tls_ca, .cert = options_.tls_cert, .key = options_.tls_key});
    if (!credentials.ok()) {
      Fail(absl::StrCat("TLS: ", credentials.status().message()), kExitUsage);
      return nullptr;
    }
    credentials_ = *std::move(credentials);
    credentials_ready_ = true;
  }
  last_target_ = addr;
  return auth::NewTokenChannel(addr, token_, credentials_, grpc::ChannelArguments(),
                               options_.tls_server_name);
}

v1::DonorRegistry::Stub* Session::registry() {
  if (registry_ == nullptr) {
    std::shared_ptr<grpc::Channel> channel = Channel(options_.registry_addr);
    if (channel == nullptr) return nullptr;
    registry_ = v1::DonorRegistry::NewStub(channel);
  }
  last_target_ = options_.registry_addr;
  return registry_.get();
}

v1::Eligibility::Stub* Session::eligibility() {
  if (eligibility_ == nullptr) {
    std::shared_ptr<grpc::Channel> channel = Channel(options_.eligibility_addr);
    if (channel == nullptr) return nullptr;
    eligibility_ = v1::Eligibility::NewStub(channel);
  }
  last_target_ = options_.eligibility_addr;
  return eligibility_.get();
}

v1::DriveScheduling::Stub* Session::scheduling() {
  if (scheduling_ == nullptr) {
    std::shared_ptr<grpc::Channel> channel = Channel(options_.scheduling_addr);
    if (channel == nullptr) return nullptr;
    scheduling_ = v1::DriveScheduling::NewStub(channel);
  }
  last_target_ = options_.scheduling_addr;
  return scheduling_.get();
}

v1::ReminderFeed::Stub* Session::reminders() {
  if (reminders_ == nullptr) {
    std::shared_ptr<grpc::Channel> channel = Channel(options_.reminders_addr);
    if (channel == nullptr) return nullptr;
    reminders_ = v1::ReminderFeed::NewStub(channel);
  }
  last_target_ = options_.reminders_addr;
  return reminders_.get();
}

std::unique_ptr<grpc::ClientContext> Session::NewContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(options_.timeout_seconds)));
  context->set_wait_for_ready(false);
  return context;
}

namespace {

std::string JsonString(absl::string_view text) {
  // Through the protobuf JSON printer, so escaping (quotes, control characters, UTF-8) is the
  // same as in every other line the tools print.
  google::protobuf::Value value;
  value.set_string_value(std::string(text));
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(value, &out).ok()) return "\"\"";
  return out;
}

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

}  // namespace

// Declared in describe.cc: Describe with the address a failed connection went to.
std::string DescribeWithTarget(const grpc::Status& status, const grpc::ClientContext& context,
                               absl::string_view target);
const v1::BookingFailure* ReadBookingFailure(const grpc::ClientContext& context,
                                             v1::BookingFailure* storage);

int Session::Fail(const grpc::Status& status, const grpc::ClientContext& context) {
  const int code = ExitCodeFor(status.error_code());
  const std::string sentence = DescribeWithTarget(status, context, last_target_);
  if (json()) {
    std::string line = absl::StrCat("{\"error\":{\"code\":\"", CodeName(status.error_code()),
                                    "\",\"message\":", JsonString(sentence),
                                    ",\"serverMessage\":", JsonString(status.error_message()),
                                    ",\"exitCode\":", code);
    v1::BookingFailure storage;
    if (const v1::BookingFailure* failure = ReadBookingFailure(context, &storage)) {
      absl::StrAppend(&line, ",\"bookingFailure\":", ToJsonLine(*failure));
    }
    absl::StrAppend(&line, "}}");
    std::cout << line << std::endl;
  } else {
    std::cerr << "error: " << sentence << std::endl;
  }
  Finish(code);
  return code;
}

int Session::Fail(absl::string_view message, int exit_code) {
  if (json()) {
    std::cout << "{\"error\":{\"code\":\"CLIENT\",\"message\":" << JsonString(message)
              << ",\"exitCode\":" << exit_code << "}}" << std::endl;
  } else {
    std::cerr << "error: " << message << std::endl;
  }
  Finish(exit_code);
  return exit_code;
}

}  // namespace blooddrive::cli
