// blooddrive-clinic: the collection site's day. See today's roster in the site's local time,
// confirm and check donors in, record what happened (donated, deferred at the site, no-show), and
// book a donor who walks in.
//
//   export BLOODDRIVE_TOKEN_FILE=var/secrets/clinic.token BLOODDRIVE_SITE=astana-old-town
//   blooddrive-clinic roster [--date 2026-12-01] [--slot 09:30] [--state booked,confirmed | --all]
//   blooddrive-clinic confirm drives/X/bookings/Y [--channel phone|sms|in-person|portal]
//   blooddrive-clinic check-in drives/X/bookings/Y
//   blooddrive-clinic outcome drives/X/bookings/Y donated --volume 450 [--hb 140] [--incomplete]
//   blooddrive-clinic outcome drives/X/bookings/Y deferred --reason low-hemoglobin [--hb 118]
//                                                          [--until 2027-01-10 | --permanent]
//   blooddrive-clinic outcome drives/X/bookings/Y no-show
//   blooddrive-clinic donor find --phone "8 701 555 01 23" | --document passport:UZ:AB1234567
//   blooddrive-clinic walk-in --slot 14:30 --donor donors/Z [--type whole-blood]
//
// Global options (server addresses, --token-file, TLS, --timeout, --json) are those of
// clients/cli/cli.h and may come before or after the command. Every mutating command takes
// --request-id (default: a fresh random id); running it again with the same id changes nothing
// and prints the first result.
//
// Output contract (tests/e2e rely on it; change it only together with them):
//
// roster shows, by default, bookings in every state but cancelled, hold expired and rescheduled
// (who is coming, and what happened to those who came or did not); --state lists the states to
// show, --all shows every state (cancelled included). Both the table and --json follow this.
// roster, table (default): one title line
//     <site display name> (sites/<site>), <YYYY-MM-DD>, times in <IANA zone>: <n> booking(s)
//   then a cli::Table with a header line and these columns, in this order:
//     TIME     slot start, site's local time, HH:MM
//     BOOKING  drives/<drive>/bookings/<booking>, the argument of the other commands
//     DONOR    "<given name> <family name>"; the donor's name (donors/<id>) when the registry
//              cannot be read (then one "note: ..." line goes to stderr)
//     PHONE    E.164, e.g. +77015550123, or empty
//     TYPE     "whole blood", "double red cells", "platelets", "plasma"
//     STATE    "held", "booked", "confirmed", "checked in", "donated", "deferred", "no show",
//              "cancelled", "hold expired", "rescheduled"
//     WALK-IN  "walk-in" or empty
//   rows sorted by slot start, then DONOR, then BOOKING. With no drive that day the only line is
//   "No drives at <site display name> (sites/<site>), <date>."; with drives but no matching
//   booking "No bookings at ... ." Both exit 0. Usage errors print one "error: ..." line on
//   stderr and exit 2; a missing or unknown command names the commands ("Unknown command 'x'.
//   Commands: roster, confirm, ...; run with --help"), and `outcome donated BOOKING` names the
//   expected order (outcome BOOKING donated|deferred|no-show).
// roster --json: one line per booking (none when there are none), an object with
//     "booking"           the Booking resource (proto3 JSON, lowerCamelCase, as cli::ToJsonLine)
//     "drive"             "drives/<drive>"
//     "localTime"         "HH:MM" in the site's zone
//     "donorDisplayName"  as DONOR above
//     "donorPhone"        as PHONE above ("" when unknown)
//     "donorKnown"        false when donorDisplayName is the donor id
// confirm, check-in, outcome, walk-in: one line on stdout,
//     Confirmed (phone call|SMS reply|in person|portal): <donor>, <time>, <type>
//     Checked in: <donor>, <time>, <type>
//     Donated: <donor>, <time>, <type>, <volume> ml[, Hb <g/L> g/L]
//     Incomplete donation: <donor>, <time>, <type>, <volume> ml[, Hb ...]
//     Deferred: <donor>, <time>, <type>, <reason, e.g. low hemoglobin>[, may donate again from
//               YYYY-MM-DD | , permanently][, Hb ...]
//     No-show: <donor>, <time>, <type>
//     Walk-in booked: <donor>, <time>, <type> (drives/<drive>/bookings/<booking>)
//   where <time> is HH:MM when the slot is today at the site, else "YYYY-MM-DD HH:MM"; with
//   --json instead the changed Booking resource as one line.
// donor find: a table DONOR (donors/<id>), NAME, BORN (YYYY-MM-DD), BLOOD GROUP ("O+",
//   "unknown"), PHONE, DOCUMENTS ("passport UZ AB1234567; iin KZ ..."); --json: one Donor per line.
//   No match: "error: No donor with ..." on stderr and exit 3.
// Errors: cli::Session::Fail: "error: <sentence>" on stderr (with --json a {"error": {...}} line
//   on stdout); exit codes as cli::ExitCode (listed in --help).
#include <iostream>
#include <string>

#include "cli/cli.h"
#include "clinic.h"

int main(int argc, char** argv) {
  using namespace blooddrive;
  CLI::App app(
      "blooddrive-clinic: today's roster at a collection site, confirm, check in, record "
      "outcomes, register walk-ins.",
      "blooddrive-clinic");
  cli::GlobalOptions options;
  // Global options first: subcommands made afterwards inherit `fallthrough`.
  cli::AddGlobalOptions(app, options);
  cli::Session session(options);
  clinic::AddRosterCommands(app, session);
  clinic::AddVisitCommands(app, session);
  clinic::AddDeskCommands(app, session);
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 done; 2 bad command line (nothing sent); 3 not found; 4 refused by the "
      "booking's state (e.g. not checked in, slot full, ineligible); 5 rejected as invalid by "
      "the server; 6 not allowed (token); 7 service unavailable or timed out (safe to retry "
      "with the same --request-id); 8 other error.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help is a ParseError with code 0; every real parse error is a usage error.
    if (e.get_exit_code() != 0) {
      std::string hint = clinic::OutcomeOrderHint(app);
      if (hint.empty()) hint = cli::CommandHint(app, e);
      if (!hint.empty()) {
        std::cerr << "error: " << hint << std::endl;
        return cli::kExitUsage;
      }
    }
    return app.exit(e) == 0 ? cli::kExitOk : cli::kExitUsage;
  }
  return session.exit_code();
}
