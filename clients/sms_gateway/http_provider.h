// A provider that POSTs each message as JSON to an HTTP endpoint (libcurl):
//   POST <url>   Content-Type: application/json   Idempotency-Key: <message name>
//   {"name":"messages/…","phone":"+7701…","text":"…","encoding":"UCS2","segments":2}
// The Idempotency-Key lets a provider that supports it drop the duplicate that at-least-once
// delivery causes after a gateway crash.
//
// The answer decides the result:
//   2xx                      sent; the id is the body's "id" / "message_id" / "messageId"
//                            (a JSON string or number), or a generated one when there is none
//   408, 425, 429            transient (the provider is busy), honouring Retry-After in seconds
//   401, 403, 404, 407       the gateway's configuration (token, account, URL, proxy), not the
//                            message: logged as an error naming the status, and transient as
//                            "not sent: http status 401 (gateway configuration)" after at least a
//                            minute; the feed counts no attempt for "not sent", so the messages
//                            wait (until their expiry) for the operator's fix instead of FAILED
//   other 4xx                permanent (e.g. 400 for an invalid number, 413, 422): sending
//                            again cannot help
//   5xx, other codes         transient
//   no answer (connection refused, timeout, TLS error)   transient
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "provider.h"

namespace blooddrive::sms_gateway {

class HttpProvider : public Provider {
 public:
  struct Options {
    std::string url;
    absl::Duration timeout = absl::Seconds(10);  // the whole request
    absl::Duration connect_timeout = absl::Seconds(3);
    // Sent as "Authorization: <value>" when not empty, e.g. "Bearer abc".
    std::string authorization;
  };

  static absl::StatusOr<std::unique_ptr<HttpProvider>> Create(const Options& options);
  ~HttpProvider() override;

  SendResult Send(const v1::OutboundMessage& message) override;

 private:
  explicit HttpProvider(Options options, void* curl) : options_(std::move(options)), curl_(curl) {}

  const Options options_;
  void* const curl_;  // CURL*, reused so connections are kept alive between messages
  long long counter_ = 0;
};

// 401, 403, 404, 407: the provider refuses the gateway's configuration, not the message.
bool IsConfigurationError(long status);

// The provider's message id in a 2xx response body, or "" when it names none.
std::string ProviderIdFromBody(const std::string& body);

}  // namespace blooddrive::sms_gateway
