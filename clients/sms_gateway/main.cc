// blooddrive-sms-gateway: leases due reminder messages from the ReminderFeed (the reminders
// service), sends them through a provider and acknowledges each one. See gateway.h for the
// delivery guarantees.
//
//   blooddrive-sms-gateway --feed=127.0.0.1:50054 --token_file=gateway.token
//       --gateway_id=local-1 --provider=file --out_file=var/sms/outbox.jsonl
//   blooddrive-sms-gateway ... --provider=http --http_url=https://sms.example/api/send
//   blooddrive-sms-gateway ... --in_file=var/sms/inbox.jsonl   (inbound SMS: see inbound.h)
//
// SIGTERM/SIGINT: stop leasing, finish the message being sent, release the rest of the batch and
// exit 0; after --shutdown_grace everything still running is abandoned (leases then expire). A
// second signal abandons at once.
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "auth/client_credentials.h"
#include "auth/credentials.h"
#include "file_provider.h"
#include "gateway.h"
#include "http_provider.h"
#include "inbound.h"
#include "log.h"
#include "process.h"

ABSL_FLAG(std::string, feed, "localhost:50054", "ReminderFeed address HOST:PORT.");
ABSL_FLAG(std::string, token, "",
          "Bearer token of an sms-gateway principal. Prefer --token_file or the environment "
          "variable BLOODDRIVE_TOKEN: a flag shows in the process list.");
ABSL_FLAG(std::string, token_file, "", "File (mode 0600) holding the bearer token.");
ABSL_FLAG(std::string, tls_ca, "", "PEM CA file: call the feed over TLS, verifying it with this.");
ABSL_FLAG(std::string, tls_cert, "", "PEM client certificate for mTLS (with --tls_key).");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(std::string, tls_server_name, "",
          "Name expected in the feed's certificate when it is not the --feed host.");
ABSL_FLAG(std::string, gateway_id, "local-1",
          "This gateway's id, [a-z0-9-]{1,64}; keep it stable across restarts.");
ABSL_FLAG(std::string, provider, "file", "Where messages go: file or http.");
ABSL_FLAG(std::string, out_file, "sms-outbox.jsonl",
          "--provider=file: the file each message is appended to as a JSON line (mode 0600).");
ABSL_FLAG(bool, file_dedupe, true,
          "--provider=file: acknowledge a message already in --out_file (sent before a crash, "
          "never acknowledged) instead of writing it again.");
ABSL_FLAG(std::string, http_url, "", "--provider=http: the URL each message is POSTed to.");
ABSL_FLAG(absl::Duration, http_timeout, absl::Seconds(10),
          "--provider=http: the deadline of one request.");
ABSL_FLAG(std::string, http_authorization_file, "",
          "--provider=http: file (mode 0600) whose content is sent as the Authorization header, "
          "e.g. 'Bearer <key>'.");
ABSL_FLAG(int, batch, 50, "Messages per lease (max_messages), 1..500.");
ABSL_FLAG(absl::Duration, lease, absl::Seconds(60), "Lease length, 10s..10m.");
ABSL_FLAG(absl::Duration, max_wait, absl::Seconds(10),
          "How long one LeaseMessages waits for a due message (long poll), 0..30s.");
ABSL_FLAG(absl::Duration, rpc_timeout, absl::Seconds(10),
          "Deadline of each call to the feed (plus --max_wait for LeaseMessages).");
ABSL_FLAG(absl::Duration, send_margin, absl::Seconds(5),
          "Send a message only with this much of its lease left (the http provider raises it to "
          "--http_timeout).");
ABSL_FLAG(absl::Duration, send_interval, absl::ZeroDuration(),
          "Least time between two sends, for a provider's rate limit (100ms: 10 SMS/s).");
ABSL_FLAG(std::string, in_file, "",
          "Inbound SMS, the file provider's way: a JSON-lines file, one SMS a line, "
          "{\"id\":\"...\",\"from\":\"+77015550123\",\"text\":\"СТОП\",\"time\":\"RFC 3339\"} "
          "(id and time optional), tailed and forwarded to ReceiveInbound. Empty: none.");
ABSL_FLAG(
    std::string, in_offset_file, "",
    "Where the --in_file read offset is kept across restarts; empty: --in_file + \".offset\".");
ABSL_FLAG(std::string, in_log_file, "",
          "Each inbound SMS's result (action, donors, reply) as a JSON line (mode 0600); empty: "
          "the process log only.");
ABSL_FLAG(absl::Duration, in_poll_interval, absl::Milliseconds(500),
          "How often --in_file is checked for new lines.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(15),
          "After SIGTERM: how long the gateway may take to finish before it abandons the rest.");

namespace {

namespace gw = blooddrive::sms_gateway;
using blooddrive::platform::LogError;
using blooddrive::platform::LogInfo;

constexpr int kExitUsage = 2;

int Fail(absl::string_view message) {
  LogError("cannot start", {{"error", std::string(message)}});
  return kExitUsage;
}

absl::StatusOr<std::unique_ptr<gw::Provider>> MakeProvider() {
  const std::string kind = absl::GetFlag(FLAGS_provider);
  if (kind == "file") {
    absl::StatusOr<std::unique_ptr<gw::FileProvider>> file = gw::FileProvider::Open(
        {.path = absl::GetFlag(FLAGS_out_file), .deduplicate = absl::GetFlag(FLAGS_file_dedupe)});
    if (!file.ok()) return file.status();
    return std::unique_ptr<gw::Provider>(*std::move(file));
  }
  if (kind == "http") {
    gw::HttpProvider::Options options;
    options.url = absl::GetFlag(FLAGS_http_url);
    options.timeout = absl::GetFlag(FLAGS_http_timeout);
    if (const std::string file = absl::GetFlag(FLAGS_http_authorization_file); !file.empty()) {
      absl::StatusOr<std::string> value = blooddrive::auth::ReadSecretFile(file);
      if (!value.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--http_authorization_file: ", value.status().message()));
      }
      options.authorization = *std::move(value);
    }
    absl::StatusOr<std::unique_ptr<gw::HttpProvider>> http = gw::HttpProvider::Create(options);
    if (!http.ok()) return http.status();
    return std::unique_ptr<gw::Provider>(*std::move(http));
  }
  return absl::InvalidArgumentError("--provider: file or http");
}

absl::StatusOr<std::string> Token() {
  if (const std::string file = absl::GetFlag(FLAGS_token_file); !file.empty()) {
    absl::StatusOr<std::string> token = blooddrive::auth::ReadSecretFile(file);
    if (!token.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--token_file: ", token.status().message()));
    }
    return token;
  }
  return absl::GetFlag(FLAGS_token);
}

// Waits for SIGTERM/SIGINT (blocked in every thread by InitProcess) until `done`: the first one
// stops the gateway, a second one or the end of --shutdown_grace abandons what is left.
void WatchSignals(gw::Gateway* gateway, gw::InboundReader* inbound, const std::atomic<bool>* done) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  const timespec tick = {.tv_sec = 0, .tv_nsec = 200 * 1000 * 1000};
  absl::Time abandon_at = absl::InfiniteFuture();
  bool stopping = false;
  bool abandoned = false;
  while (!done->load()) {
    const int signal = sigtimedwait(&signals, nullptr, &tick);
    if (signal == SIGTERM || signal == SIGINT) {
      if (!stopping) {
        LogInfo("stopping", {{"signal", absl::StrCat(signal)}});
        stopping = true;
        abandon_at = absl::Now() + absl::GetFlag(FLAGS_shutdown_grace);
        gateway->Stop();
        if (inbound != nullptr) inbound->Stop();
      } else if (!abandoned) {
        LogInfo("second signal: abandoning the batch in flight");
        abandoned = true;
        gateway->Abort();
        if (inbound != nullptr) inbound->Abort();
      }
    } else if (signal == SIGHUP) {
      LogInfo("SIGHUP ignored: restart the gateway to change its configuration");
    }
    if (!abandoned && absl::Now() >= abandon_at) {
      LogError("shutdown grace over: abandoning the batch in flight (its leases will expire)");
      abandoned = true;
      gateway->Abort();
      if (inbound != nullptr) inbound->Abort();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  blooddrive::platform::InitProcess(
      argc, argv, "sms-gateway",
      "blooddrive-sms-gateway [flags]\n"
      "Leases due SMS reminders from the ReminderFeed, sends them through a provider (a JSON-lines "
      "file or an HTTP endpoint) and acknowledges each one.");

  gw::GatewayOptions options;
  options.gateway_id = absl::GetFlag(FLAGS_gateway_id);
  options.batch = absl::GetFlag(FLAGS_batch);
  options.lease = absl::GetFlag(FLAGS_lease);
  options.max_wait = absl::GetFlag(FLAGS_max_wait);
  options.rpc_timeout = absl::GetFlag(FLAGS_rpc_timeout);
  options.send_margin = absl::GetFlag(FLAGS_send_margin);
  if (absl::GetFlag(FLAGS_provider) == "http") {
    // A send that outlives its lease races the gateway that leases the message next.
    options.send_margin = std::max(options.send_margin, absl::GetFlag(FLAGS_http_timeout));
  }
  options.send_interval = absl::GetFlag(FLAGS_send_interval);
  if (absl::Status valid = gw::ValidateOptions(options); !valid.ok()) return Fail(valid.message());

  absl::StatusOr<std::string> token = Token();
  if (!token.ok()) return Fail(token.status().message());
  if (token->empty()) {
    blooddrive::platform::LogWarning("no token given: calls to the feed will be UNAUTHENTICATED");
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      blooddrive::auth::ClientCredentials({.ca = absl::GetFlag(FLAGS_tls_ca),
                                           .cert = absl::GetFlag(FLAGS_tls_cert),
                                           .key = absl::GetFlag(FLAGS_tls_key)});
  if (!credentials.ok()) return Fail(credentials.status().message());
  absl::StatusOr<std::unique_ptr<gw::Provider>> provider = MakeProvider();
  if (!provider.ok()) return Fail(provider.status().message());

  grpc::ChannelArguments channel_args;
  // The gateway has its own backoff; gRPC's reconnect backoff must not outgrow it, or a feed that
  // came back would wait for the channel's next attempt.
  channel_args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  channel_args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  std::shared_ptr<grpc::Channel> channel =
      blooddrive::auth::NewTokenChannel(absl::GetFlag(FLAGS_feed), *token, *credentials,
                                        channel_args, absl::GetFlag(FLAGS_tls_server_name));

  LogInfo("starting", {{"feed", absl::GetFlag(FLAGS_feed)},
                       {"provider", absl::GetFlag(FLAGS_provider)},
                       {"gateway_id", options.gateway_id}});
  std::unique_ptr<gw::InboundReader> inbound;
  if (const std::string in_file = absl::GetFlag(FLAGS_in_file); !in_file.empty()) {
    absl::StatusOr<std::unique_ptr<gw::InboundReader>> reader =
        gw::InboundReader::Create({.path = in_file,
                                   .offset_path = absl::GetFlag(FLAGS_in_offset_file),
                                   .log_path = absl::GetFlag(FLAGS_in_log_file),
                                   .gateway_id = options.gateway_id,
                                   .poll_interval = absl::GetFlag(FLAGS_in_poll_interval),
                                   .rpc_timeout = options.rpc_timeout,
                                   .backoff = options.backoff},
                                  channel);
    if (!reader.ok()) return Fail(reader.status().message());
    inbound = *std::move(reader);
  }
  gw::Gateway gateway(options, channel, provider->get());
  std::atomic<bool> done{false};
  std::thread signals(WatchSignals, &gateway, inbound.get(), &done);
  std::thread inbound_thread;
  if (inbound != nullptr) inbound_thread = std::thread([&inbound] { inbound->Run(); });
  gateway.Run();
  // The gateway returns only once stopped, which stopped the inbound reader too.
  if (inbound != nullptr) inbound->Stop();
  if (inbound_thread.joinable()) inbound_thread.join();
  done.store(true);
  signals.join();
  return EXIT_SUCCESS;
}
