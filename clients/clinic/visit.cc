// `confirm`, `check-in` and `outcome`: what happens to a booking on the day, each followed by one
// line a person at the desk can read back to the donor.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clinic.h"

namespace blooddrive::clinic {
namespace {

struct VisitOptions {
  std::string booking;
  std::string request_id;
  std::string channel = "phone";
  // outcome donated / deferred
  int volume_ml = 0;
  int hemoglobin = 0;
  bool incomplete = false;
  std::string reason;
  std::string until;
  bool permanent = false;
};

std::string RequestId(const VisitOptions& options) {
  return options.request_id.empty() ? cli::NewRequestId() : options.request_id;
}

// Prints the booking after a successful change: the resource with --json, else
// "<what>: <donor>, <slot time>, <donation type><details>".
void Report(cli::Session& session, const v1::Booking& booking, const std::string& what,
            const std::string& details) {
  if (session.json()) {
    std::cout << cli::ToJsonLine(booking) << "\n";
  } else {
    SiteDirectory sites(session);
    DonorDirectory donors(session);
    const absl::TimeZone zone = sites.Zone(booking.site());
    std::cout << what << ": " << donors.Get(booking.donor()).display_name << ", "
              << ShortLocal(booking.slot_start_time(), zone) << ", "
              << cli::FormatDonationType(booking.donation_type()) << details << "\n";
  }
  std::cout.flush();
  session.Finish(cli::kExitOk);
}

// The checks every booking command makes before anything is sent; false after reporting.
bool Ready(const VisitOptions& options, cli::Session& session) {
  if (absl::Status s = CheckBookingName(options.booking); !s.ok()) {
    session.Fail(s.message(), cli::kExitUsage);
    return false;
  }
  return session.scheduling() != nullptr;
}

// In the words of --channel: "in person" rather than the enum's "clinic".
std::string ChannelLabel(v1::ConfirmationChannel channel) {
  switch (channel) {
    case v1::CONFIRMATION_CHANNEL_PHONE_CALL:
      return "phone call";
    case v1::CONFIRMATION_CHANNEL_SMS_REPLY:
      return "SMS reply";
    case v1::CONFIRMATION_CHANNEL_CLINIC:
      return "in person";
    case v1::CONFIRMATION_CHANNEL_PORTAL:
      return "portal";
    default:
      return cli::EnumLabel(v1::ConfirmationChannel_descriptor(), channel);
  }
}

void RunConfirm(const VisitOptions& options, cli::Session& session) {
  absl::StatusOr<v1::ConfirmationChannel> channel = ParseChannel(options.channel);
  if (!channel.ok()) {
    session.Fail(absl::StrCat("--channel: ", channel.status().message()), cli::kExitUsage);
    return;
  }
  if (!Ready(options, session)) return;
  v1::ConfirmBookingRequest request;
  request.set_request_id(RequestId(options));
  request.set_name(options.booking);
  request.set_channel(*channel);
  std::unique_ptr<grpc::ClientContext> context = session.NewContext();
  v1::Booking booking;
  grpc::Status status = session.scheduling()->ConfirmBooking(context.get(), request, &booking);
  if (!status.ok()) {
    session.Fail(status, *context);
    return;
  }
  Report(session, booking,
         absl::StrCat("Confirmed (", ChannelLabel(booking.confirmation_channel()), ")"), "");
}

void RunCheckIn(const VisitOptions& options, cli::Session& session) {
  if (!Ready(options, session)) return;
  v1::CheckInBookingRequest request;
  request.set_request_id(RequestId(options));
  request.set_name(options.booking);
  std::unique_ptr<grpc::ClientContext> context = session.NewContext();
  v1::Booking booking;
  grpc::Status status = session.scheduling()->CheckInBooking(context.get(), request, &booking);
  if (!status.ok()) {
    session.Fail(status, *context);
    return;
  }
  Report(session, booking, "Checked in", "");
}

// After a refused outcome, the next step in staff words (on stderr, not with --json): the
// server's sentence says what is wrong with the booking, not which command fixes it.
void HintAfterRefusal(const v1::RecordOutcomeRequest& request, cli::Session& session) {
  if (session.json()) return;
  std::unique_ptr<grpc::ClientContext> context = session.NewContext();
  v1::GetBookingRequest get;
  get.set_name(request.name());
  v1::Booking booking;
  if (!session.scheduling()->GetBooking(context.get(), get, &booking).ok()) return;
  const bool waiting =
      booking.state() == v1::BOOKING_STATE_BOOKED || booking.state() == v1::BOOKING_STATE_CONFIRMED;
  if (!request.has_no_show() && waiting) {
    std::cerr << "hint: check the donor in first: blooddrive-clinic check-in " << request.name()
              << "\n";
  } else if (request.has_no_show() && waiting) {
    SiteDirectory sites(session);
    std::cerr << "hint: a no-show can be recorded once the slot has started ("
              << ShortLocal(booking.slot_start_time(), sites.Zone(booking.site())) << ")\n";
  } else if (request.has_deferred() && booking.state() == v1::BOOKING_STATE_CHECKED_IN &&
             !request.deferred().has_end_date() && !request.deferred().permanent()) {
    std::cerr << "hint: the rule pack gives this reason no duration: add --until YYYY-MM-DD "
                 "(the first day the donor may donate again) or --permanent\n";
  } else if (!waiting && booking.state() != v1::BOOKING_STATE_CHECKED_IN) {
    std::cerr << "hint: the booking is "
              << cli::EnumLabel(v1::BookingState_descriptor(), booking.state())
              << "; an outcome is recorded once\n";
  }
}

constexpr absl::string_view kOutcomeOrder =
    "expected order: outcome BOOKING donated|deferred|no-show, e.g. blooddrive-clinic outcome "
    "drives/X/bookings/Y donated --volume 450";

void RecordOutcome(v1::RecordOutcomeRequest request, const VisitOptions& options,
                   cli::Session& session) {
  // "outcome donated no-show" parses (BOOKING = "donated"); say what is wrong, not that
  // "donated" is not a booking name.
  if (IsOutcomeKind(options.booking)) {
    session.Fail(absl::StrCat("'", options.booking, "' is the kind of outcome, not the booking; ",
                              kOutcomeOrder),
                 cli::kExitUsage);
    return;
  }
  if (!Ready(options, session)) return;
  request.set_request_id(RequestId(options));
  request.set_name(options.booking);
  std::unique_ptr<grpc::ClientContext> context = session.NewContext();
  v1::Booking booking;
  grpc::Status status = session.scheduling()->RecordOutcome(context.get(), request, &booking);
  if (!status.ok()) {
    session.Fail(status, *context);
    if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
      HintAfterRefusal(request, session);
    }
    return;
  }
  // Described from what the server recorded, so a retried request (same --request-id) reports
  // the first outcome, and a deferral shows the end date the rule pack resolved.
  const v1::BookingOutcome& outcome = booking.outcome();
  std::string what;
  std::string details;
  switch (outcome.outcome()) {
    case v1::DONATION_OUTCOME_DONATED:
    case v1::DONATION_OUTCOME_INCOMPLETE:
      what = outcome.outcome() == v1::DONATION_OUTCOME_DONATED ? "Donated" : "Incomplete donation";
      details = absl::StrCat(", ", outcome.volume_ml(), " ml");
      break;
    case v1::DONATION_OUTCOME_DEFERRED_AT_SITE:
      what = "Deferred";
      details = absl::StrCat(
          ", ", cli::EnumLabel(v1::DeferralCode_descriptor(), outcome.deferral_code()));
      if (outcome.deferral_permanent()) {
        absl::StrAppend(&details, ", permanently");
      } else if (outcome.has_deferral_end_date()) {
        absl::StrAppend(&details, ", may donate again from ",
                        cli::FormatDate(outcome.deferral_end_date()));
      }
      break;
    case v1::DONATION_OUTCOME_NO_SHOW:
      what = "No-show";
      break;
    default:
      what = absl::StrCat("Outcome recorded (",
                          cli::EnumLabel(v1::BookingState_descriptor(), booking.state()), ")");
  }
  if (outcome.hemoglobin_g_per_l() > 0) {
    absl::StrAppend(&details, ", Hb ", outcome.hemoglobin_g_per_l(), " g/L");
  }
  Report(session, booking, what, details);
}

void RunDonated(const VisitOptions& options, cli::Session& session) {
  v1::RecordOutcomeRequest request;
  v1::RecordOutcomeRequest::Donated* donated = request.mutable_donated();
  donated->set_volume_ml(options.volume_ml);
  donated->set_hemoglobin_g_per_l(options.hemoglobin);
  donated->set_incomplete(options.incomplete);
  RecordOutcome(std::move(request), options, session);
}

void RunDeferred(const VisitOptions& options, cli::Session& session) {
  absl::StatusOr<v1::DeferralCode> code = ParseDeferralCode(options.reason);
  if (!code.ok()) {
    session.Fail(absl::StrCat("--reason: ", code.status().message()), cli::kExitUsage);
    return;
  }
  v1::RecordOutcomeRequest request;
  v1::RecordOutcomeRequest::DeferredAtSite* deferred = request.mutable_deferred();
  deferred->set_code(*code);
  deferred->set_hemoglobin_g_per_l(options.hemoglobin);
  deferred->set_permanent(options.permanent);
  if (!options.until.empty()) {
    absl::StatusOr<v1::Date> until = cli::ParseDate(options.until);
    if (!until.ok()) {
      session.Fail(absl::StrCat("--until: ", until.status().message()), cli::kExitUsage);
      return;
    }
    *deferred->mutable_end_date() = *until;
  }
  RecordOutcome(std::move(request), options, session);
}

void RunNoShow(const VisitOptions& options, cli::Session& session) {
  v1::RecordOutcomeRequest request;
  request.mutable_no_show();
  RecordOutcome(std::move(request), options, session);
}

void AddBookingArgs(CLI::App& command, VisitOptions& options) {
  command
      .add_option("BOOKING", options.booking, "drives/{drive}/bookings/{booking}, from `roster`")
      ->required();
  command.add_option("--request-id", options.request_id,
                     "Makes a retry safe: the same id again returns the first result and changes "
                     "nothing (default: a new random id)");
}

}  // namespace

bool IsOutcomeKind(absl::string_view word) {
  return word == "donated" || word == "deferred" || word == "no-show";
}

std::string OutcomeOrderHint(CLI::App& app) {
  const std::vector<CLI::App*> parsed =
      app.get_subcommands([](CLI::App* sub) { return sub->get_name() == "outcome"; });
  if (parsed.empty() || parsed.front()->count() == 0) return "";
  CLI::App* outcome = parsed.front();
  const CLI::Option* booking = outcome->get_option_no_throw("BOOKING");
  if (booking == nullptr || booking->results().empty() ||
      !IsOutcomeKind(booking->results().front())) {
    return "";
  }
  // CLI11 takes the first word after `outcome` as BOOKING even when it names a kind.
  return absl::StrCat("'", booking->results().front(),
                      "' comes after the booking: ", kOutcomeOrder);
}

void AddVisitCommands(CLI::App& app, cli::Session& session) {
  auto confirm_options = std::make_shared<VisitOptions>();
  CLI::App* confirm =
      app.add_subcommand("confirm", "The donor confirmed they will come: booked -> confirmed");
  AddBookingArgs(*confirm, *confirm_options);
  confirm
      ->add_option("--channel", confirm_options->channel,
                   "How the donor confirmed: phone, sms, in-person or portal")
      ->capture_default_str();
  confirm->callback([confirm_options, &session] { RunConfirm(*confirm_options, session); });

  auto check_in_options = std::make_shared<VisitOptions>();
  CLI::App* check_in = app.add_subcommand(
      "check-in",
      "The donor is at the site: booked or confirmed -> checked in (on the drive's day)");
  AddBookingArgs(*check_in, *check_in_options);
  check_in->callback([check_in_options, &session] { RunCheckIn(*check_in_options, session); });

  auto outcome_options = std::make_shared<VisitOptions>();
  VisitOptions& o = *outcome_options;
  CLI::App* outcome = app.add_subcommand(
      "outcome",
      "Record what happened: `outcome BOOKING donated ...` or `... deferred ...` (after "
      "check-in), `outcome BOOKING no-show` (once the slot has started)");
  AddBookingArgs(*outcome, o);
  outcome->require_subcommand(1);

  CLI::App* donated = outcome->add_subcommand("donated", "Blood was collected (checked in before)");
  donated->fallthrough();
  donated->add_option("--volume", o.volume_ml, "Collected volume in ml, 1..1000")
      ->required()
      ->check(CLI::Range(1, 1000));
  donated
      ->add_option("--hb", o.hemoglobin,
                   "Pre-donation hemoglobin in g/L, 50..250 (default: not measured)")
      ->check(CLI::Range(0, 250));
  donated->add_flag("--incomplete", o.incomplete,
                    "Collection started but stopped (still counts as a donation)");
  donated->callback([outcome_options, &session] { RunDonated(*outcome_options, session); });

  CLI::App* deferred = outcome->add_subcommand(
      "deferred", "Screened and deferred at the site, before collection (checked in before)");
  deferred->fallthrough();
  deferred
      ->add_option(
          "--reason", o.reason,
          absl::StrCat("Why: ", EnumArgChoices(v1::DeferralCode_descriptor(), "DEFERRAL_CODE_")))
      ->required();
  deferred->add_option("--hb", o.hemoglobin, "Measured hemoglobin in g/L, 50..250")
      ->check(CLI::Range(0, 250));
  CLI::Option* until = deferred->add_option(
      "--until", o.until,
      "First day the donor may donate again, YYYY-MM-DD (default: the rule pack's duration for "
      "the reason)");
  deferred->add_flag("--permanent", o.permanent, "The deferral never ends")->excludes(until);
  deferred->callback([outcome_options, &session] { RunDeferred(*outcome_options, session); });

  CLI::App* no_show = outcome->add_subcommand(
      "no-show", "The donor did not come (booked or confirmed, once the slot has started)");
  no_show->fallthrough();
  no_show->callback([outcome_options, &session] { RunNoShow(*outcome_options, session); });
}

}  // namespace blooddrive::clinic
