// The gateway's view of an SMS provider: something that takes one rendered message and either
// accepts it (with the provider's id for it), fails for now, or refuses it for good.
//
// Send() is called from one thread at a time, and only returns kSent once the provider has taken
// responsibility for the message: the gateway acknowledges SENT right after, and a SENT message is
// never leased again, so a kSent that is later lost would be a lost reminder.
#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "blooddrive/v1/reminders.pb.h"

namespace blooddrive::sms_gateway {

struct SendResult {
  enum class Kind { kSent, kTransientFailure, kPermanentFailure };

  Kind kind = Kind::kTransientFailure;
  std::string provider_message_id;  // kSent: 1..128 characters
  absl::Time sent_time;             // kSent
  std::string error;                // failures: the provider's words, no personal data
  absl::Duration retry_after;       // kTransientFailure: the provider's hint, 0 for none

  static SendResult Sent(std::string id, absl::Time when) {
    SendResult result;
    result.kind = Kind::kSent;
    result.provider_message_id = std::move(id);
    result.sent_time = when;
    return result;
  }
  static SendResult Transient(std::string error,
                              absl::Duration retry_after = absl::ZeroDuration()) {
    SendResult result;
    result.kind = Kind::kTransientFailure;
    result.error = std::move(error);
    result.retry_after = retry_after;
    return result;
  }
  static SendResult Permanent(std::string error) {
    SendResult result;
    result.kind = Kind::kPermanentFailure;
    result.error = std::move(error);
    return result;
  }
};

class Provider {
 public:
  virtual ~Provider() = default;

  // `message` comes from LeaseMessages: name, phone, text, encoding and segment_count are set.
  virtual SendResult Send(const v1::OutboundMessage& message) = 0;

  // When the provider can tell that it already accepted the message `name` (a gateway that crashed
  // between sending and acknowledging leases it again), the id it was accepted under; the gateway
  // then acknowledges it without sending it twice. Providers that cannot tell return nullopt.
  virtual std::optional<SendResult> AlreadySent(const std::string& name) {
    (void)name;
    return std::nullopt;
  }
};

// "GSM7", "UCS2" or "UNSPECIFIED": the encoding as written to files and HTTP bodies.
absl::string_view EncodingName(v1::SmsEncoding encoding);

// Builds one JSON object, keys in the order added. Strings are escaped for JSON (quote, backslash
// and control characters); UTF-8 passes through unchanged, so Cyrillic text stays readable.
class JsonObject {
 public:
  JsonObject& Add(absl::string_view key, absl::string_view value);
  JsonObject& Add(absl::string_view key, const char* value) {
    return Add(key, absl::string_view(value));
  }
  JsonObject& Add(absl::string_view key, long long value);
  JsonObject& Add(absl::string_view key, int value) { return Add(key, (long long){value}); }
  // `json` must already be valid JSON (e.g. an array built with AppendJsonString).
  JsonObject& AddRaw(absl::string_view key, absl::string_view json);
  std::string Build() const { return body_ + "}"; }

 private:
  void Key(absl::string_view key);
  std::string body_ = "{";
};

// Appends `value` as a JSON string literal (with the quotes).
void AppendJsonString(std::string* out, absl::string_view value);

// The message fields every provider passes on: name, phone, text, encoding, segments.
JsonObject MessageJson(const v1::OutboundMessage& message);

// RFC 3339 in UTC with milliseconds, e.g. "2026-11-28T02:10:00.123Z".
std::string Rfc3339(absl::Time time);

}  // namespace blooddrive::sms_gateway
