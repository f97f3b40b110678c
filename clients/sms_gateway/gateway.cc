#include "gateway.h"

#include <algorithm>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "dates.h"
#include "log.h"

namespace blooddrive::sms_gateway {
namespace {

using platform::LogError;
using platform::LogInfo;
using platform::LogWarning;

google::protobuf::Duration ToProto(absl::Duration d) {
  google::protobuf::Duration out;
  const int64_t seconds = absl::IDivDuration(d, absl::Seconds(1), &d);
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(d)));
  return out;
}

// The feed may answer these later: the same request (same request_id) is worth repeating.
bool Unreachable(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE ||
         status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
}

std::string CodeText(const grpc::Status& status) {
  return absl::StrCat(static_cast<int>(status.error_code()));
}

// The feed takes 1..500 characters of error text; a cut never splits a UTF-8 sequence.
std::string ErrorText(absl::string_view error) {
  if (error.empty()) return "unknown error";
  if (error.size() <= 500) return std::string(error);
  size_t cut = 500;
  while (cut > 0 && (static_cast<unsigned char>(error[cut]) & 0xC0) == 0x80) --cut;
  return std::string(error.substr(0, cut));
}

}  // namespace

std::string NewRequestId(absl::string_view prefix) {
  static absl::Mutex mu(absl::kConstInit);
  static absl::BitGen* random = new absl::BitGen();
  absl::MutexLock lock(&mu);
  return absl::StrFormat("%s-%016x%016x", prefix, absl::Uniform<uint64_t>(*random),
                         absl::Uniform<uint64_t>(*random));
}

absl::Status ValidateOptions(const GatewayOptions& options) {
  const std::string& id = options.gateway_id;
  if (id.empty() || id.size() > 64 || !std::all_of(id.begin(), id.end(), [](char c) {
        return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-';
      })) {
    return absl::InvalidArgumentError("--gateway_id: 1..64 characters of [a-z0-9-]");
  }
  if (options.batch < 1 || options.batch > 500) {
    return absl::InvalidArgumentError("--batch: 1..500");
  }
  if (options.lease < absl::Seconds(10) || options.lease > absl::Minutes(10)) {
    return absl::InvalidArgumentError("--lease: 10s..10m");
  }
  if (options.max_wait < absl::ZeroDuration() || options.max_wait > absl::Seconds(30)) {
    return absl::InvalidArgumentError("--max_wait: 0..30s");
  }
  if (options.rpc_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--rpc_timeout: must be positive");
  }
  if (options.send_margin < absl::ZeroDuration() || options.send_margin >= options.lease) {
    return absl::InvalidArgumentError("--send_margin: 0.. less than --lease");
  }
  if (options.send_interval < absl::ZeroDuration() || options.send_interval > absl::Minutes(1)) {
    return absl::InvalidArgumentError("--send_interval: 0..1m");
  }
  return absl::OkStatus();
}

Gateway::Gateway(GatewayOptions options, std::shared_ptr<grpc::Channel> feed, Provider* provider)
    : options_(std::move(options)),
      stub_(v1::ReminderFeed::NewStub(std::move(feed))),
      provider_(provider) {}

void Gateway::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
}

void Gateway::Abort() {
  Stop();
  absl::MutexLock lock(&mu_);
  if (!abort_.HasBeenNotified()) abort_.Notify();
  if (in_flight_ != nullptr) in_flight_->TryCancel();
}

GatewayStats Gateway::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

bool Gateway::Sleep(absl::Duration delay, const absl::Notification& until) {
  return !until.WaitForNotificationWithTimeout(delay);
}

template <typename Request, typename Response>
grpc::Status Gateway::CallFeed(grpc::Status (v1::ReminderFeed::Stub::*method)(grpc::ClientContext*,
                                                                              const Request&,
                                                                              Response*),
                               const Request& request, Response* response, absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  {
    absl::MutexLock lock(&mu_);
    if (aborting()) return grpc::Status(grpc::StatusCode::CANCELLED, "gateway aborted");
    in_flight_ = &context;
  }
  grpc::Status status = ((*stub_).*method)(&context, request, response);
  absl::MutexLock lock(&mu_);
  in_flight_ = nullptr;
  if (!status.ok()) ++stats_.feed_failures;
  return status;
}

void Gateway::Run() {
  LogInfo("gateway running", {{"gateway_id", options_.gateway_id},
                              {"batch", absl::StrCat(options_.batch)},
                              {"lease", absl::FormatDuration(options_.lease)},
                              {"max_wait", absl::FormatDuration(options_.max_wait)}});
  Backoff backoff(options_.backoff);
  v1::LeaseMessagesRequest request;
  request.set_gateway_id(options_.gateway_id);
  request.set_max_messages(options_.batch);
  *request.mutable_lease_duration() = ToProto(options_.lease);
  *request.mutable_max_wait() = ToProto(options_.max_wait);
  // Taken before the first call of a request id: the feed starts the lease later (a retry gets the
  // first call's lease back), so this end is never too late, whatever the two clocks say.
  absl::Time local_lease_end;
  while (!stopping()) {
    if (request.request_id().empty()) {
      request.set_request_id(NewRequestId("lease"));
      local_lease_end = absl::Now() + options_.lease;
    }
    v1::LeaseMessagesResponse response;
    const grpc::Status status = CallFeed(&v1::ReminderFeed::Stub::LeaseMessages, request, &response,
                                         options_.max_wait + options_.rpc_timeout);
    if (!status.ok()) {
      if (aborting()) break;
      // A lost answer may hold a lease: ask again with the same id. Any other refusal (bad token,
      // bad request) gets a new id, so a fixed configuration is not held to the old request.
      if (!Unreachable(status)) request.clear_request_id();
      const absl::Duration delay = backoff.Next();
      (backoff.failures() == 1 ? LogWarning : LogError)(
          "LeaseMessages failed", {{"code", CodeText(status)},
                                   {"error", status.error_message()},
                                   {"failures", absl::StrCat(backoff.failures())},
                                   {"retry_in", absl::FormatDuration(delay)}});
      Sleep(delay, stop_);
      continue;
    }
    if (backoff.failures() > 0) {
      LogInfo("feed reachable again", {{"after_failures", absl::StrCat(backoff.failures())}});
    }
    backoff.Reset();
    request.clear_request_id();
    if (response.messages_size() == 0) continue;
    ProcessBatch(response, local_lease_end);
  }
  const GatewayStats s = stats();
  LogInfo("gateway stopped", {{"sent", absl::StrCat(s.sent)},
                              {"transient", absl::StrCat(s.transient)},
                              {"permanent", absl::StrCat(s.permanent)},
                              {"released", absl::StrCat(s.released)},
                              {"aborted", aborting() ? "true" : "false"}});
}

void Gateway::ProcessBatch(const v1::LeaseMessagesResponse& response, absl::Time local_lease_end) {
  {
    absl::MutexLock lock(&mu_);
    ++stats_.leases;
    stats_.leased += response.messages_size();
  }
  LogInfo("leased", {{"count", absl::StrCat(response.messages_size())}});
  for (const v1::OutboundMessage& message : response.messages()) {
    if (aborting()) return;
    absl::Time lease_end = local_lease_end;
    if (message.lease().has_expire_time()) {
      lease_end = std::min(lease_end, platform::ToTime(message.lease().expire_time()));
    }
    if (std::optional<SendResult> earlier = provider_->AlreadySent(message.name())) {
      // Sent before a crash and never acknowledged: acknowledge the first send (also when
      // stopping: it costs no send).
      LogInfo("already sent, acknowledging", {{"message", message.name()}});
      Acknowledge(message, *earlier, lease_end);
      continue;
    }
    if (stopping()) {
      Release(message, "not sent: gateway stopping", lease_end);
      continue;
    }
    if (options_.send_interval > absl::ZeroDuration()) {
      Sleep(last_send_ + options_.send_interval - absl::Now(), stop_);
      if (stopping()) {
        Release(message, "not sent: gateway stopping", lease_end);
        continue;
      }
    }
    if (absl::Now() + options_.send_margin > lease_end) {
      Release(message, "not sent: lease too short", lease_end);
      continue;
    }
    last_send_ = absl::Now();
    Acknowledge(message, provider_->Send(message), lease_end);
  }
}

void Gateway::Release(const v1::OutboundMessage& message, absl::string_view why,
                      absl::Time give_up) {
  {
    absl::MutexLock lock(&mu_);
    ++stats_.released;
  }
  Acknowledge(message, SendResult::Transient(std::string(why), absl::ZeroDuration()), give_up);
}

void Gateway::Acknowledge(const v1::OutboundMessage& message, const SendResult& result,
                          absl::Time give_up) {
  v1::AckMessageRequest request;
  request.set_request_id(NewRequestId("ack"));
  request.set_name(message.name());
  request.set_lease_id(message.lease().lease_id());
  const char* kind = "sent";
  switch (result.kind) {
    case SendResult::Kind::kSent: {
      v1::AckMessageRequest::Sent* sent = request.mutable_sent();
      sent->set_provider_message_id(result.provider_message_id);
      *sent->mutable_sent_time() = platform::ToTimestamp(result.sent_time);
      break;
    }
    case SendResult::Kind::kTransientFailure: {
      kind = "transient";
      v1::AckMessageRequest::TransientFailure* failure = request.mutable_transient_failure();
      failure->set_error(ErrorText(result.error));
      if (result.retry_after > absl::ZeroDuration()) {
        *failure->mutable_retry_after() = ToProto(result.retry_after);
      } else {
        // Explicitly 0: leasable again at once (a release, or a provider without a hint).
        *failure->mutable_retry_after() = ToProto(absl::ZeroDuration());
      }
      break;
    }
    case SendResult::Kind::kPermanentFailure:
      kind = "permanent";
      request.mutable_permanent_failure()->set_error(ErrorText(result.error));
      break;
  }
  const bool sent = result.kind == SendResult::Kind::kSent;
  Backoff backoff(options_.backoff);
  while (true) {
    v1::OutboundMessage answer;
    const grpc::Status status =
        CallFeed(&v1::ReminderFeed::Stub::AckMessage, request, &answer, options_.rpc_timeout);
    if (status.ok()) {
      absl::MutexLock lock(&mu_);
      switch (result.kind) {
        case SendResult::Kind::kSent:
          ++stats_.sent;
          break;
        case SendResult::Kind::kTransientFailure:
          ++stats_.transient;
          break;
        case SendResult::Kind::kPermanentFailure:
          ++stats_.permanent;
          break;
      }
      return;
    }
    if (aborting()) return;
    if (!Unreachable(status) || (!sent && absl::Now() >= give_up)) {
      // FAILED_PRECONDITION: the lease ran out and the message went to another lease; a failure
      // ack no longer matters then. Anything else is a bug on one side: logged for staff.
      (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION ? LogWarning : LogError)(
          "AckMessage refused", {{"message", message.name()},
                                 {"result", kind},
                                 {"code", CodeText(status)},
                                 {"error", status.error_message()}});
      return;
    }
    const absl::Duration delay = backoff.Next();
    LogWarning("AckMessage failed, retrying", {{"message", message.name()},
                                               {"result", kind},
                                               {"code", CodeText(status)},
                                               {"retry_in", absl::FormatDuration(delay)}});
    Sleep(delay, abort_);
  }
}

}  // namespace blooddrive::sms_gateway
