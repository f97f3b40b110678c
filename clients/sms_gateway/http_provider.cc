#include "http_provider.h"

#include <curl/curl.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "log.h"

namespace blooddrive::sms_gateway {
namespace {

constexpr size_t kMaxBody = 64 * 1024;  // more than any id answer; the rest is dropped
constexpr size_t kMaxIdLength = 128;    // AckMessageRequest.Sent.provider_message_id
// How long a message waits after a configuration error: the operator needs minutes, and a
// shorter wait only repeats the same refusal for every due message.
constexpr absl::Duration kConfigurationRetry = absl::Minutes(1);

size_t CollectBody(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  const size_t n = size * count;
  if (body->size() < kMaxBody) body->append(data, std::min(n, kMaxBody - body->size()));
  return n;
}

// Retry-After as a number of seconds (providers rarely send the HTTP-date form); capped, since a
// message also has an expire_time and the feed applies its own backoff.
absl::Duration RetryAfter(CURL* curl) {
  curl_off_t seconds = 0;
  if (curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &seconds) != CURLE_OK || seconds <= 0) {
    return absl::ZeroDuration();
  }
  return std::min(absl::Seconds(seconds), absl::Hours(1));
}

// What the operator should look at, for the log.
const char* ConfigurationHint(long status) {
  switch (status) {
    case 401:
      return "--http_authorization_file (an expired or wrong token)";
    case 403:
      return "the provider account's rights, --http_authorization_file";
    case 404:
      return "--http_url";
    default:
      return "the proxy's credentials (https_proxy / http_proxy)";
  }
}

}  // namespace

bool IsConfigurationError(long status) {
  return status == 401 || status == 403 || status == 404 || status == 407;
}

std::string ProviderIdFromBody(const std::string& body) {
  google::protobuf::Struct object;
  if (body.empty() || !google::protobuf::util::JsonStringToMessage(body, &object).ok()) return "";
  for (const char* key : {"id", "message_id", "messageId"}) {
    const auto it = object.fields().find(key);
    if (it == object.fields().end()) continue;
    const google::protobuf::Value& value = it->second;
    std::string id;
    if (value.has_string_value()) {
      id = value.string_value();
    } else if (value.has_number_value() && std::isfinite(value.number_value())) {
      id = absl::StrFormat("%.0f", value.number_value());
    }
    if (!id.empty() && id.size() <= kMaxIdLength) return id;
  }
  return "";
}

absl::StatusOr<std::unique_ptr<HttpProvider>> HttpProvider::Create(const Options& options) {
  if (options.url.rfind("http://", 0) != 0 && options.url.rfind("https://", 0) != 0) {
    return absl::InvalidArgumentError("--http_url: must start with http:// or https://");
  }
  if (options.timeout <= absl::ZeroDuration() || options.connect_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--http_timeout: must be positive");
  }
  // curl_global_init is not thread-safe: once, before any handle exists.
  static std::once_flag once;
  static CURLcode global = CURLE_OK;
  std::call_once(once, [] { global = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (global != CURLE_OK) {
    return absl::InternalError(absl::StrCat("curl_global_init: ", curl_easy_strerror(global)));
  }
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  return std::unique_ptr<HttpProvider>(new HttpProvider(options, curl));
}

HttpProvider::~HttpProvider() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

SendResult HttpProvider::Send(const v1::OutboundMessage& message) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);  // keeps the connection cache, drops the last request's options
  const std::string request = MessageJson(message).Build();
  std::string body;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json; charset=utf-8");
  headers = curl_slist_append(headers, absl::StrCat("Idempotency-Key: ", message.name()).c_str());
  if (!options_.authorization.empty()) {
    headers =
        curl_slist_append(headers, absl::StrCat("Authorization: ", options_.authorization).c_str());
  }
  // No "Expect: 100-continue" round trip for small bodies.
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(curl, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, CollectBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options_.timeout)));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options_.connect_timeout)));
  // Timeouts must not use SIGALRM: the gateway has other threads (gRPC, the signal waiter).
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "blooddrive-sms-gateway");
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (code != CURLE_OK) {
    // Nothing or only part of an answer came back: the provider may or may not have the message,
    // and trying again is the at-least-once choice.
    return SendResult::Transient(absl::StrCat("http: ", curl_easy_strerror(code)));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300) {
    std::string id = ProviderIdFromBody(body);
    if (id.empty()) {
      id = absl::StrFormat("http-%x-%x-%d", absl::ToUnixNanos(absl::Now()), getpid(), ++counter_);
    }
    return SendResult::Sent(std::move(id), absl::Now());
  }
  // Only the status code goes into the error: a provider's error body may quote the phone number.
  const std::string error = absl::StrCat("http status ", status);
  if (status == 408 || status == 425 || status == 429) {
    return SendResult::Transient(error, RetryAfter(curl));
  }
  if (IsConfigurationError(status)) {
    // Says nothing about this message: every message fails the same way until the operator fixes
    // the gateway's flags or the provider account. Failing them permanently would lose every due
    // reminder, so they wait as "not sent" (the feed counts no attempt for those: IsRelease in
    // services/reminders/reminder_store.h), and the log says what to fix.
    platform::LogError(
        "the SMS provider refuses the gateway's configuration: fix it, messages wait",
        {{"http_status", absl::StrCat(status)},
         {"check", ConfigurationHint(status)},
         {"message", message.name()}});
    return SendResult::Transient(absl::StrCat("not sent: ", error, " (gateway configuration)"),
                                 std::max(RetryAfter(curl), kConfigurationRetry));
  }
  if (status >= 400 && status < 500) return SendResult::Permanent(error);
  return SendResult::Transient(error, RetryAfter(curl));
}

}  // namespace blooddrive::sms_gateway
