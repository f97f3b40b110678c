#include "provider.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace blooddrive::sms_gateway {

absl::string_view EncodingName(v1::SmsEncoding encoding) {
  switch (encoding) {
    case v1::SMS_ENCODING_GSM7:
      return "GSM7";
    case v1::SMS_ENCODING_UCS2:
      return "UCS2";
    default:
      return "UNSPECIFIED";
  }
}

void AppendJsonString(std::string* out, absl::string_view value) {
  out->push_back('"');
  for (const char c : value) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        // Bytes >= 0x80 are UTF-8 sequences (protobuf strings are valid UTF-8): kept as they are.
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          absl::StrAppendFormat(out, "\\u%04x", static_cast<unsigned char>(c));
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void JsonObject::Key(absl::string_view key) {
  if (body_.size() > 1) body_.push_back(',');
  AppendJsonString(&body_, key);
  body_.push_back(':');
}

JsonObject& JsonObject::Add(absl::string_view key, absl::string_view value) {
  Key(key);
  AppendJsonString(&body_, value);
  return *this;
}

JsonObject& JsonObject::AddRaw(absl::string_view key, absl::string_view json) {
  Key(key);
  absl::StrAppend(&body_, json);
  return *this;
}

JsonObject& JsonObject::Add(absl::string_view key, long long value) {
  Key(key);
  absl::StrAppend(&body_, value);
  return *this;
}

JsonObject MessageJson(const v1::OutboundMessage& message) {
  JsonObject json;
  json.Add("name", message.name())
      .Add("phone", message.phone())
      .Add("text", message.text())
      .Add("encoding", EncodingName(message.encoding()))
      .Add("segments", message.segment_count());
  return json;
}

std::string Rfc3339(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

}  // namespace blooddrive::sms_gateway
