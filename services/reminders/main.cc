// blooddrive-reminders: the ReminderFeed gRPC service (the SMS outbox) and the consumer that turns
// booking and consent events into messages.
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "blooddrive/v1/eligibility.grpc.pb.h"
#include "blooddrive/v1/registry.grpc.pb.h"
#include "blooddrive/v1/scheduling.grpc.pb.h"
#include "downstream.h"
#include "event_consumer.h"
#include "event_handler.h"
#include "event_stream.h"
#include "log.h"
#include "message_render.h"
#include "process.h"
#include "redis_client.h"
#include "reminders_service.h"
#include "server.h"

ABSL_FLAG(std::string, registry_target, "127.0.0.1:50051", "DonorRegistry service, HOST:PORT");
ABSL_FLAG(std::string, eligibility_target, "127.0.0.1:50052", "Eligibility service, HOST:PORT");
ABSL_FLAG(std::string, scheduling_target, "127.0.0.1:50053", "DriveScheduling service, HOST:PORT");
ABSL_FLAG(std::string, reminder_offsets, "72h,24h,2h",
          "Reminders before the slot, comma-separated durations; whole days keep the wall time");
ABSL_FLAG(std::string, quiet_hours, "21:00-09:00",
          "No SMS in this local window of the site (HH:MM-HH:MM; equal ends: none)");
ABSL_FLAG(std::string, fallback_languages, "ru,en",
          "Languages tried, in order, when the donor's has no template (kk,ru,en,uz,ky,tg)");
ABSL_FLAG(std::string, info_phone, "+7 7172 55-12-34",
          "The number donors call to book or ask, as printed in messages ({phone}): at most 20 "
          "characters, digits, spaces and + - ( ) only (messages never shorten it); the default "
          "is the demo stack's made-up Astana number: set the branch's own");
ABSL_FLAG(int, max_attempts, 8, "Leases of one message before it is FAILED");
ABSL_FLAG(std::string, consumer_name, "",
          "This instance's consumer name in the \"reminders\" group; empty: the host name");
ABSL_FLAG(bool, consume_events, true, "Consume booking and consent events (off: serve only)");

namespace {

using namespace blooddrive;

absl::StatusOr<reminders::LocalTimeOfDay> ParseClock(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  int h = 0, m = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &h) || !absl::SimpleAtoi(parts[1], &m) ||
      h < 0 || h > 23 || m < 0 || m > 59) {
    return absl::InvalidArgumentError(absl::StrCat("not HH:MM: ", text));
  }
  return reminders::LocalTimeOfDay{h, m};
}

absl::StatusOr<reminders::PlannerOptions> OptionsFromFlags() {
  reminders::PlannerOptions options;
  options.schedule.reminder_offsets.clear();
  // The flags' values live here: the views that StrSplit hands out point into them.
  const std::string offsets = absl::GetFlag(FLAGS_reminder_offsets);
  const std::string quiet_hours = absl::GetFlag(FLAGS_quiet_hours);
  const std::string fallback_languages = absl::GetFlag(FLAGS_fallback_languages);
  for (absl::string_view part : absl::StrSplit(offsets, ',', absl::SkipEmpty())) {
    absl::Duration d;
    if (!absl::ParseDuration(part, &d) || d <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(absl::StrCat("--reminder_offsets: bad duration ", part));
    }
    options.schedule.reminder_offsets.push_back(d);
  }
  std::vector<absl::string_view> window = absl::StrSplit(quiet_hours, '-');
  if (window.size() != 2) return absl::InvalidArgumentError("--quiet_hours: not HH:MM-HH:MM");
  absl::StatusOr<reminders::LocalTimeOfDay> start = ParseClock(window[0]);
  absl::StatusOr<reminders::LocalTimeOfDay> end = ParseClock(window[1]);
  if (!start.ok() || !end.ok()) return absl::InvalidArgumentError("--quiet_hours: not HH:MM-HH:MM");
  options.schedule.quiet = {*start, *end};
  if (absl::Status s = reminders::CheckScheduleOptions(options.schedule); !s.ok()) return s;
  options.render.fallback.clear();
  for (absl::string_view code : absl::StrSplit(fallback_languages, ',', absl::SkipEmpty())) {
    static const std::pair<const char*, v1::Language> kCodes[] = {
        {"kk", v1::LANGUAGE_KAZAKH}, {"ru", v1::LANGUAGE_RUSSIAN}, {"en", v1::LANGUAGE_ENGLISH},
        {"uz", v1::LANGUAGE_UZBEK},  {"ky", v1::LANGUAGE_KYRGYZ},  {"tg", v1::LANGUAGE_TAJIK}};
    bool found = false;
    for (const auto& [name, language] : kCodes) {
      if (code == name) {
        options.render.fallback.push_back(language);
        found = true;
      }
    }
    if (!found) {
      return absl::InvalidArgumentError(absl::StrCat("--fallback_languages: unknown ", code));
    }
  }
  options.info_phone = absl::GetFlag(FLAGS_info_phone);
  // Checked here, not when a message is rendered: a phone that does not fit would otherwise go
  // out in every cancellation, thank-you and recall before anyone noticed.
  if (absl::Status s = reminders::CheckMessagePhone(options.info_phone); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--info_phone: ", s.message()));
  }
  return options;
}

std::string ConsumerName() {
  std::string name = absl::GetFlag(FLAGS_consumer_name);
  if (!name.empty()) return name;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') return "reminders";
  return host;
}

}  // namespace

int main(int argc, char** argv) {
  platform::InitProcess(argc, argv, "reminders",
                        "blooddrive-reminders: booking events in, localized SMS out to gateways");
  absl::StatusOr<platform::RedisConfig> redis_config = platform::RedisConfig::FromFlags();
  absl::StatusOr<reminders::PlannerOptions> options = OptionsFromFlags();
  absl::StatusOr<platform::Downstream> downstream = platform::Downstream::FromFlags();
  for (const absl::Status& s : {redis_config.status(), options.status(), downstream.status()}) {
    if (!s.ok()) {
      platform::LogError("bad flags", {{"error", std::string(s.message())}});
      return 2;
    }
  }
  platform::RedisClient redis(*redis_config);
  reminders::ReminderStore::Options store_options;
  store_options.max_attempts = absl::GetFlag(FLAGS_max_attempts);
  store_options.quiet = options->schedule.quiet;
  reminders::ReminderStore store(redis, store_options);
  auto registry =
      v1::DonorRegistry::NewStub(downstream->NewChannel(absl::GetFlag(FLAGS_registry_target)));
  auto eligibility =
      v1::Eligibility::NewStub(downstream->NewChannel(absl::GetFlag(FLAGS_eligibility_target)));
  auto scheduling =
      v1::DriveScheduling::NewStub(downstream->NewChannel(absl::GetFlag(FLAGS_scheduling_target)));
  reminders::EventHandler handler(store, *registry, *eligibility, *options);
  reminders::RemindersService service(store, *registry, *scheduling, *options);

  // Booking events (every scheduling partition) and consent events (the registry's stream), each
  // with the "reminders" group. One consumer per source, so a slow partition does not hold the
  // opt-outs back.
  std::vector<std::unique_ptr<platform::EventConsumer>> consumers;
  if (absl::GetFlag(FLAGS_consume_events)) {
    const std::string consumer = ConsumerName();
    auto handle = [&handler](const v1::Event& event) { return handler.Handle(event); };
    consumers.push_back(std::make_unique<platform::EventConsumer>(
        &redis, platform::EventConsumer::Options{.group = "reminders", .consumer = consumer},
        platform::SchedulingStreams(&redis), handle));
    consumers.push_back(std::make_unique<platform::EventConsumer>(
        &redis, platform::EventConsumer::Options{.group = "reminders", .consumer = consumer},
        []() -> absl::StatusOr<std::vector<std::string>> {
          return std::vector<std::string>{platform::kRegistryStreamKey};
        },
        handle));
    for (auto& c : consumers) c->Start();
  }
  const int code = platform::RunServer({.default_listen = "127.0.0.1:50054",
                                        .services = {&service},
                                        .service_names = {"blooddrive.v1.ReminderFeed"},
                                        .on_reload = nullptr,
                                        .audit_stream = "rem:audit"},
                                       redis);
  for (auto& c : consumers) c->Stop();
  return code;
}
