#include "reminder_store.h"

#include <openssl/sha.h>

#include <algorithm>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "dates.h"
#include "reminders_scripts.h"
#include "validation.h"

namespace blooddrive::reminders {
namespace {

using platform::RedisReply;

constexpr absl::string_view kPrefix = "rem:{outbox}:";
constexpr int kRequestTtlSeconds = 24 * 60 * 60;

const platform::LuaScript kPlanMessage{"plan_message", kPlanMessageSource};
const platform::LuaScript kLeaseMessages{"lease_messages", kLeaseMessagesSource};
const platform::LuaScript kAckMessage{"ack_message", kAckMessageSource};
const platform::LuaScript kReportDelivery{"report_delivery", kReportDeliverySource};
const platform::LuaScript kWithdrawMessages{"withdraw_messages", kWithdrawMessagesSource};
const platform::LuaScript kRecordConsent{"record_consent", kRecordConsentSource};
const platform::LuaScript kRememberResponse{"remember_response", kRememberResponseSource};

std::string MessagePrefix() { return absl::StrCat(kPrefix, "msg:"); }
std::string MessageKey(absl::string_view id) { return absl::StrCat(kPrefix, "msg:", id); }
std::string DueKey() { return absl::StrCat(kPrefix, "due"); }
std::string AllKey() { return absl::StrCat(kPrefix, "all"); }
std::string ConsentKey() { return absl::StrCat(kPrefix, "consent"); }
std::string DonorKey(absl::string_view id) { return absl::StrCat(kPrefix, "donor:", id); }
std::string DriveKey(absl::string_view id) { return absl::StrCat(kPrefix, "drive:", id); }
std::string BookingKey(absl::string_view drive, absl::string_view booking) {
  return absl::StrCat(kPrefix, "booking:", drive, ":", booking);
}
std::string TombstoneKey(absl::string_view drive, absl::string_view booking) {
  return absl::StrCat(kPrefix, "gone:", drive, ":", booking);
}
// A key no script ever writes, for scripts whose optional key is not used.
std::string NoKey() { return absl::StrCat(kPrefix, "none"); }
std::string RequestKey(absl::string_view request_id) {
  return absl::StrCat(kPrefix, "req:", request_id);
}
std::string ProviderKey(absl::string_view gateway, absl::string_view provider_id) {
  return absl::StrCat(kPrefix, "pmid:", gateway, ":", provider_id);
}

std::string IdOf(absl::string_view name) {
  const size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name : name.substr(slash + 1));
}

int64_t Ms(absl::Time t) { return absl::ToUnixMillis(t); }
std::string MsText(absl::Time t) { return absl::StrCat(Ms(t)); }

std::string KindList(const std::vector<v1::MessageKind>& kinds) {
  if (kinds.empty()) return "";
  std::string out = ",";
  for (v1::MessageKind kind : kinds) absl::StrAppend(&out, static_cast<int>(kind), ",");
  return out;
}

absl::Status Unexpected(absl::string_view script) {
  return absl::InternalError(absl::StrCat("unexpected reply from ", script));
}

// A message from HGETALL: the planned content with the state fields laid over it.
absl::StatusOr<StoredMessage> FromHash(absl::string_view id, const RedisReply& reply) {
  if (reply.type != RedisReply::Type::kArray || reply.elements.empty()) {
    return absl::NotFoundError(absl::StrCat("messages/", id, " not found"));
  }
  StoredMessage out;
  v1::OutboundMessage& m = out.message;
  int64_t lease_expire = 0;
  std::string lease_id, gateway;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    const std::string& field = reply.elements[i].str;
    const std::string& value = reply.elements[i + 1].str;
    int64_t n = 0;
    const bool numeric = absl::SimpleAtoi(value, &n);
    if (field == "pb") {
      v1::OutboundMessage content;
      if (!content.ParseFromString(value)) return absl::InternalError("corrupt message record");
      content.MergeFrom(m);  // fields read before "pb" win
      m = std::move(content);
    } else if (field == "st" && numeric) {
      m.set_state(static_cast<v1::MessageState>(n));
    } else if (field == "due" && numeric) {
      *m.mutable_due_time() = platform::ToTimestamp(absl::FromUnixMillis(n));
    } else if (field == "exp" && numeric && n > 0) {
      *m.mutable_expire_time() = platform::ToTimestamp(absl::FromUnixMillis(n));
    } else if (field == "att" && numeric) {
      m.set_attempt_count(static_cast<int32_t>(n));
    } else if (field == "lid") {
      lease_id = value;
    } else if (field == "gw") {
      gateway = value;
    } else if (field == "lexp" && numeric) {
      lease_expire = n;
    } else if (field == "pmid") {
      m.set_provider_message_id(value);
    } else if (field == "sent" && numeric) {
      *m.mutable_sent_time() = platform::ToTimestamp(absl::FromUnixMillis(n));
    } else if (field == "fin" && numeric) {
      *m.mutable_final_time() = platform::ToTimestamp(absl::FromUnixMillis(n));
    } else if (field == "why") {
      m.set_state_reason(value);
    } else if (field == "upd" && numeric) {
      *m.mutable_update_time() = platform::ToTimestamp(absl::FromUnixMillis(n));
    } else if (field == "tz") {
      out.time_zone = value;
    }
  }
  m.set_name(absl::StrCat("messages/", id));
  if (m.state() == v1::MESSAGE_STATE_LEASED) {
    m.mutable_lease()->set_lease_id(lease_id);
    m.mutable_lease()->set_gateway_id(gateway);
    *m.mutable_lease()->mutable_expire_time() =
        platform::ToTimestamp(absl::FromUnixMillis(lease_expire));
  } else {
    m.clear_lease();
  }
  // Final states only: PENDING again after a failure keeps no final time.
  if (m.state() < v1::MESSAGE_STATE_DELIVERED) m.clear_final_time();
  return out;
}

std::string NewLeaseId(absl::string_view gateway) {
  thread_local absl::BitGen gen;
  // The gateway is part of the id, so a late SENT ack (from a lease that expired) still tells
  // which gateway's provider id it carries.
  return absl::StrCat(gateway, ".", absl::Hex(absl::Uniform<uint64_t>(gen), absl::kZeroPad16));
}

}  // namespace

std::string MessageIdFor(absl::string_view natural_key) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(natural_key.data()), natural_key.size(), digest);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), 16));
}

std::pair<std::string, std::string> SplitBookingName(absl::string_view booking) {
  std::vector<absl::string_view> parts = absl::StrSplit(booking, '/');
  if (parts.size() != 4 || parts[0] != "drives" || parts[2] != "bookings" || parts[1].empty() ||
      parts[3].empty()) {
    return {"", ""};
  }
  return {std::string(parts[1]), std::string(parts[3])};
}

std::string ReminderStore::InboundKey(absl::string_view gateway_id,
                                      absl::string_view provider_message_id) {
  return absl::StrCat(kPrefix, "inbound:", gateway_id, ":", provider_message_id);
}

absl::StatusOr<std::pair<PlanOutcome, v1::MessageState>> ReminderStore::Plan(const PlanInput& input,
                                                                             absl::Time now) {
  const v1::OutboundMessage& c = input.content;
  const auto [drive_id, booking_id] = SplitBookingName(c.booking());
  std::vector<std::string> keys = {MessageKey(input.id), DueKey(), ConsentKey(),
                                   drive_id.empty() ? NoKey() : TombstoneKey(drive_id, booking_id),
                                   AllKey()};
  if (!c.donor().empty()) keys.push_back(DonorKey(IdOf(c.donor())));
  if (!c.drive().empty()) keys.push_back(DriveKey(IdOf(c.drive())));
  if (!drive_id.empty()) keys.push_back(BookingKey(drive_id, booking_id));
  const absl::StatusOr<RedisReply> reply = redis_.RunScript(
      kPlanMessage, keys,
      {c.SerializeAsString(), absl::StrCat(static_cast<int>(input.state)), MsText(input.due),
       input.expire == absl::InfiniteFuture() ? "0" : MsText(input.expire), input.reason,
       MsText(now), IdOf(c.donor()), input.honour_optout ? "1" : "0",
       input.respect_tombstone ? "1" : "0", absl::StrCat(static_cast<int>(c.kind())),
       input.time_zone});
  if (!reply.ok()) return reply.status();
  if (reply->elements.empty()) return Unexpected("plan_message");
  const std::string& verdict = reply->elements[0].str;
  if (verdict == "GONE") return std::make_pair(PlanOutcome::kGone, v1::MESSAGE_STATE_UNSPECIFIED);
  if (reply->elements.size() < 2) return Unexpected("plan_message");
  const auto state = static_cast<v1::MessageState>(reply->elements[1].integer);
  return std::make_pair(verdict == "CREATED" ? PlanOutcome::kCreated : PlanOutcome::kExists, state);
}

absl::StatusOr<int> ReminderStore::Withdraw(const std::string& index, const std::string& tombstone,
                                            absl::string_view reason,
                                            const std::vector<v1::MessageKind>& keep,
                                            absl::Time now, absl::Duration tombstone_ttl) {
  const absl::StatusOr<RedisReply> reply =
      redis_.RunScript(kWithdrawMessages, {index, DueKey(), tombstone},
                       {MsText(now), absl::StrCat(static_cast<int>(v1::MESSAGE_STATE_WITHDRAWN)),
                        std::string(reason), KindList(keep), MessagePrefix(),
                        absl::StrCat(absl::ToInt64Seconds(tombstone_ttl))});
  if (!reply.ok()) return reply.status();
  return static_cast<int>(reply->integer);
}

absl::StatusOr<int> ReminderStore::WithdrawBooking(absl::string_view booking,
                                                   absl::string_view reason,
                                                   const std::vector<v1::MessageKind>& keep,
                                                   absl::Time now) {
  const auto [drive_id, booking_id] = SplitBookingName(booking);
  if (drive_id.empty()) return platform::InvalidField("booking", "not a booking name");
  return Withdraw(BookingKey(drive_id, booking_id), TombstoneKey(drive_id, booking_id), reason,
                  keep, now, options_.tombstone_ttl);
}

absl::StatusOr<int> ReminderStore::WithdrawDrive(absl::string_view drive_id,
                                                 absl::string_view reason,
                                                 const std::vector<v1::MessageKind>& keep,
                                                 absl::Time now) {
  return Withdraw(DriveKey(drive_id), NoKey(), reason, keep, now, absl::ZeroDuration());
}

absl::StatusOr<int> ReminderStore::RecordConsent(absl::string_view donor_id, bool opted_in,
                                                 absl::Time at, absl::Time now) {
  const absl::StatusOr<RedisReply> reply =
      redis_.RunScript(kRecordConsent, {ConsentKey(), DonorKey(donor_id), DueKey()},
                       {std::string(donor_id), opted_in ? "1" : "0", MsText(at), MsText(now),
                        MessagePrefix(), KindList({v1::MESSAGE_KIND_INBOUND_REPLY})});
  if (!reply.ok()) return reply.status();
  if (reply->elements.size() == 2) return static_cast<int>(reply->elements[1].integer);
  return 0;
}

absl::StatusOr<std::vector<v1::OutboundMessage>> ReminderStore::Lease(const LeaseRequest& request,
                                                                      absl::Time now) {
  const absl::StatusOr<RedisReply> reply = redis_.RunScript(
      kLeaseMessages, {DueKey(), RequestKey(request.request_id)},
      {MsText(now), absl::StrCat(request.max_messages),
       absl::StrCat(absl::ToInt64Milliseconds(request.lease)), request.gateway_id,
       NewLeaseId(request.gateway_id), request.fingerprint, absl::StrCat(kRequestTtlSeconds),
       MessagePrefix(), absl::StrCat(options_.max_attempts)});
  if (!reply.ok()) return reply.status();
  if (reply->elements.empty()) return Unexpected("lease_messages");
  const std::string& verdict = reply->elements[0].str;
  if (verdict == "REQUEST_REUSED") {
    return platform::InvalidField("request_id", "reused for a different request");
  }
  std::vector<std::string> ids;
  std::string lease_id;
  bool replay = false;
  if (verdict == "REPLAY") {
    // The first lease's messages that it still holds.
    if (reply->elements.size() < 2) return Unexpected("lease_messages");
    lease_id = reply->elements[1].str;
    replay = true;
  } else {
    if (reply->elements.size() < 2) return Unexpected("lease_messages");
    lease_id = reply->elements[1].str;
    for (size_t i = 2; i < reply->elements.size(); ++i) ids.push_back(reply->elements[i].str);
  }
  if (replay) {
    absl::StatusOr<RedisReply> due =
        redis_.Command({"ZRANGEBYSCORE", DueKey(), MsText(now), "+inf"});
    if (!due.ok()) return due.status();
    for (const RedisReply& e : due->elements) ids.push_back(e.str);
  }
  absl::StatusOr<std::vector<StoredMessage>> loaded = GetMany(ids);
  if (!loaded.ok()) return loaded.status();
  std::vector<v1::OutboundMessage> out;
  for (StoredMessage& m : *loaded) {
    if (m.message.state() != v1::MESSAGE_STATE_LEASED || m.message.lease().lease_id() != lease_id) {
      continue;
    }
    out.push_back(std::move(m.message));
  }
  if (replay) {
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return platform::ToTime(a.due_time()) < platform::ToTime(b.due_time());
    });
  }
  return out;
}

absl::Time ReminderStore::RetryDue(int attempts, absl::Duration retry_after,
                                   absl::string_view time_zone, absl::Time now) const {
  absl::Duration backoff = options_.retry_base;
  for (int i = 1; i < attempts && backoff < options_.retry_max; ++i) backoff *= 2;
  backoff = std::min(backoff, options_.retry_max);
  backoff = std::max(backoff, retry_after);
  absl::TimeZone zone = absl::UTCTimeZone();
  if (!time_zone.empty()) absl::LoadTimeZone(std::string(time_zone), &zone);
  return ApplyQuietHours(now + backoff, zone, options_.quiet);
}

bool IsRelease(absl::string_view error) { return absl::StartsWith(error, kNotSentPrefix); }

absl::Time ReminderStore::ReleaseDue(const v1::OutboundMessage& message, absl::Duration retry_after,
                                     absl::string_view time_zone, absl::Time now) const {
  absl::TimeZone zone = absl::UTCTimeZone();
  if (!time_zone.empty()) absl::LoadTimeZone(std::string(time_zone), &zone);
  const absl::Time earliest = now + std::max(retry_after, absl::ZeroDuration());
  if (InQuietHours(earliest, zone, options_.quiet)) {
    return ApplyQuietHours(earliest, zone, options_.quiet);
  }
  // Due at once keeps its planned due time, so it stays ahead of messages due after it (leases
  // take the oldest due first) instead of going to the back of the queue.
  if (retry_after <= absl::ZeroDuration() && message.has_due_time()) {
    return std::min(platform::ToTime(message.due_time()), now);
  }
  return earliest;
}

absl::StatusOr<v1::OutboundMessage> ReminderStore::Ack(const std::string& request_id,
                                                       const std::string& fingerprint,
                                                       const v1::AckMessageRequest& ack,
                                                       const std::string& message_id,
                                                       absl::Time now) {
  std::string kind, text, when = "0";
  std::string provider_key = NoKey();
  switch (ack.result_case()) {
    case v1::AckMessageRequest::kSent: {
      kind = "sent";
      text = ack.sent().provider_message_id();
      when = MsText(ack.sent().has_sent_time() ? platform::ToTime(ack.sent().sent_time()) : now);
      const std::string gateway = ack.lease_id().substr(0, ack.lease_id().find('.'));
      provider_key = ProviderKey(gateway, text);
      break;
    }
    case v1::AckMessageRequest::kTransientFailure: {
      kind = "transient";
      text = ack.transient_failure().error();
      // The retry's time depends on the attempts so far and the site's quiet hours.
      absl::StatusOr<StoredMessage> current = Get(message_id);
      if (!current.ok()) return current.status();
      const v1::OutboundMessage& m = current->message;
      absl::Duration retry_after = absl::ZeroDuration();
      if (ack.transient_failure().has_retry_after()) {
        retry_after = absl::Seconds(ack.transient_failure().retry_after().seconds()) +
                      absl::Nanoseconds(ack.transient_failure().retry_after().nanos());
      }
      if (IsRelease(text)) {
        kind = "release";
        const absl::Time due = ReleaseDue(m, retry_after, current->time_zone, now);
        when = m.has_expire_time() && due >= platform::ToTime(m.expire_time()) ? "-1" : MsText(due);
        break;
      }
      const absl::Time retry = RetryDue(m.attempt_count(), retry_after, current->time_zone, now);
      if (m.attempt_count() >= options_.max_attempts) {
        when = "0";
      } else if (m.has_expire_time() && retry >= platform::ToTime(m.expire_time())) {
        when = "-1";
      } else {
        when = MsText(retry);
      }
      break;
    }
    case v1::AckMessageRequest::kPermanentFailure:
      kind = "permanent";
      text = ack.permanent_failure().error();
      break;
    default:
      return platform::InvalidField("result",
                                    "one of sent, transient_failure or "
                                    "permanent_failure is required");
  }
  const absl::StatusOr<RedisReply> reply = redis_.RunScript(
      kAckMessage, {MessageKey(message_id), DueKey(), RequestKey(request_id), provider_key},
      {fingerprint, absl::StrCat(kRequestTtlSeconds), MsText(now), ack.lease_id(), kind, text, when,
       absl::StrCat(absl::ToInt64Seconds(options_.provider_ref_ttl))});
  if (!reply.ok()) return reply.status();
  absl::StatusOr<StoredMessage> m = Get(message_id);
  if (!m.ok()) return m.status();
  return std::move(m->message);
}

absl::StatusOr<v1::OutboundMessage> ReminderStore::Receipt(
    const std::string& request_id, const std::string& fingerprint, const std::string& message_id,
    v1::DeliveryStatus status, absl::string_view provider_status, absl::Time now) {
  v1::MessageState final_state = v1::MESSAGE_STATE_DELIVERED;
  if (status == v1::DELIVERY_STATUS_UNDELIVERABLE) final_state = v1::MESSAGE_STATE_UNDELIVERABLE;
  if (status == v1::DELIVERY_STATUS_EXPIRED) final_state = v1::MESSAGE_STATE_EXPIRED;
  const absl::StatusOr<RedisReply> reply =
      redis_.RunScript(kReportDelivery, {MessageKey(message_id), DueKey(), RequestKey(request_id)},
                       {fingerprint, absl::StrCat(kRequestTtlSeconds), MsText(now),
                        absl::StrCat(static_cast<int>(final_state)), std::string(provider_status)});
  if (!reply.ok()) return reply.status();
  absl::StatusOr<StoredMessage> m = Get(message_id);
  if (!m.ok()) return m.status();
  return std::move(m->message);
}

absl::StatusOr<std::string> ReminderStore::FindByProvider(absl::string_view gateway_id,
                                                          absl::string_view provider_message_id) {
  absl::StatusOr<RedisReply> reply =
      redis_.Command({"GET", ProviderKey(gateway_id, provider_message_id)});
  if (!reply.ok()) return reply.status();
  if (reply->is_nil()) {
    return absl::NotFoundError("provider_ref: no message was acknowledged with this provider id");
  }
  return reply->str;
}

absl::StatusOr<StoredMessage> ReminderStore::Get(absl::string_view id) {
  absl::StatusOr<RedisReply> reply = redis_.Command({"HGETALL", MessageKey(id)});
  if (!reply.ok()) return reply.status();
  return FromHash(id, *reply);
}

absl::StatusOr<std::vector<StoredMessage>> ReminderStore::GetMany(
    const std::vector<std::string>& ids) {
  std::vector<StoredMessage> out;
  if (ids.empty()) return out;
  std::vector<std::vector<std::string>> commands;
  for (const std::string& id : ids) commands.push_back({"HGETALL", MessageKey(id)});
  absl::StatusOr<std::vector<RedisReply>> replies = redis_.Pipeline(commands);
  if (!replies.ok()) return replies.status();
  for (size_t i = 0; i < ids.size(); ++i) {
    absl::StatusOr<StoredMessage> m = FromHash(ids[i], (*replies)[i]);
    if (m.ok()) out.push_back(*std::move(m));  // skips one removed meanwhile
  }
  return out;
}

absl::StatusOr<ListPage> ReminderStore::List(const ListQuery& query) {
  std::string index = AllKey();
  if (!query.booking_id.empty()) {
    index = BookingKey(query.drive_id, query.booking_id);
  } else if (!query.donor_id.empty()) {
    index = DonorKey(query.donor_id);
  } else if (!query.drive_id.empty()) {
    index = DriveKey(query.drive_id);
  }
  int64_t offset = 0;
  if (!query.page_token.empty() && (!absl::SimpleAtoi(query.page_token, &offset) || offset < 0)) {
    return platform::InvalidField("page_token", "not a token this service issued");
  }
  auto matches = [&](const v1::OutboundMessage& m) {
    if (!query.donor_id.empty() && m.donor() != absl::StrCat("donors/", query.donor_id)) {
      return false;
    }
    if (!query.drive_id.empty() && m.drive() != absl::StrCat("drives/", query.drive_id)) {
      return false;
    }
    if (query.kind != v1::MESSAGE_KIND_UNSPECIFIED && m.kind() != query.kind) return false;
    if (!query.states.empty() &&
        std::find(query.states.begin(), query.states.end(), m.state()) == query.states.end()) {
      return false;
    }
    return true;
  };
  ListPage page;
  constexpr int64_t kChunk = 200;
  // Index scores are the planned due times: newest first. Filters other than the index are
  // applied while walking, so a page may take several chunks.
  for (;;) {
    absl::StatusOr<RedisReply> chunk = redis_.Command(
        {"ZREVRANGE", index, absl::StrCat(offset), absl::StrCat(offset + kChunk - 1)});
    if (!chunk.ok()) return chunk.status();
    if (chunk->elements.empty()) return page;
    std::vector<std::string> ids;
    for (const RedisReply& e : chunk->elements) ids.push_back(e.str);
    absl::StatusOr<std::vector<StoredMessage>> loaded = GetMany(ids);
    if (!loaded.ok()) return loaded.status();
    // GetMany skips vanished ids; walk by id to keep offsets exact.
    size_t next = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      ++offset;
      if (next < loaded->size() &&
          (*loaded)[next].message.name() == absl::StrCat("messages/", ids[i])) {
        if (matches((*loaded)[next].message)) {
          page.messages.push_back(std::move((*loaded)[next].message));
          if (static_cast<int>(page.messages.size()) == query.page_size) {
            if (i + 1 < ids.size() || static_cast<int64_t>(ids.size()) == kChunk) {
              page.next_page_token = absl::StrCat(offset);
            }
            return page;
          }
        }
        ++next;
      }
    }
    if (static_cast<int64_t>(ids.size()) < kChunk) return page;
  }
}

absl::StatusOr<std::optional<std::string>> ReminderStore::Replayed(absl::string_view request_id,
                                                                   absl::string_view fingerprint,
                                                                   absl::string_view second_key) {
  std::vector<std::vector<std::string>> commands = {
      {"HMGET", RequestKey(request_id), "fp", "resp"}};
  if (!second_key.empty()) commands.push_back({"HGET", std::string(second_key), "resp"});
  absl::StatusOr<std::vector<RedisReply>> replies = redis_.Pipeline(commands);
  if (!replies.ok()) return replies.status();
  const RedisReply& first = (*replies)[0];
  if (first.elements.size() == 2 && !first.elements[0].is_nil()) {
    if (first.elements[0].str != fingerprint) {
      return platform::InvalidField("request_id", "reused for a different request");
    }
    return std::optional<std::string>(first.elements[1].str);
  }
  if (replies->size() > 1 && !(*replies)[1].is_nil()) {
    return std::optional<std::string>((*replies)[1].str);
  }
  return std::optional<std::string>();
}

absl::StatusOr<std::string> ReminderStore::Remember(absl::string_view request_id,
                                                    absl::string_view fingerprint,
                                                    const std::string& response,
                                                    absl::string_view second_key) {
  std::vector<std::string> keys = {RequestKey(request_id)};
  if (!second_key.empty()) keys.emplace_back(second_key);
  const absl::StatusOr<RedisReply> reply =
      redis_.RunScript(kRememberResponse, keys,
                       {std::string(fingerprint), response, absl::StrCat(kRequestTtlSeconds)});
  if (!reply.ok()) return reply.status();
  if (reply->elements.size() == 2 && reply->elements[0].str == "REPLAY") {
    return reply->elements[1].str;
  }
  return response;
}

}  // namespace blooddrive::reminders
