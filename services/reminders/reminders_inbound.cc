// ReceiveInbound's work once the request is valid and not a replay: who sent it, what it asks,
// the calls to the registry and scheduling it takes, and the reply.
#include <grpcpp/client_context.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "dates.h"
#include "grpc_status.h"
#include "inbound_keywords.h"
#include "reminders_service.h"

namespace blooddrive::reminders {
namespace {

constexpr absl::Duration kPeerDeadline = absl::Seconds(5);
constexpr absl::Duration kReplyTtl = absl::Hours(24);

// A stable request id for a call this service makes on behalf of one inbound SMS, so a retry of
// the SMS repeats the same call and the peer's idempotency does the rest.
std::string DerivedRequestId(absl::string_view what, const v1::ReceiveInboundRequest& request,
                             absl::string_view target) {
  return absl::StrCat("rem-", what, "-",
                      MessageIdFor(absl::StrCat(request.gateway_id(), "|",
                                                request.provider_message_id(), "|", target))
                          .substr(0, 24));
}

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + kPeerDeadline));
}

// When a message about `booking` that asks for a reply (confirmation, promotion notice,
// reminder: each says "1 / 0") last went to `phone`; InfinitePast when none did.
absl::StatusOr<absl::Time> LastAskedAt(ReminderStore& store, const v1::Booking& booking,
                                       absl::string_view phone) {
  const std::vector<std::string> parts = absl::StrSplit(booking.name(), '/');
  if (parts.size() != 4) return absl::InfinitePast();
  ListQuery query;
  query.drive_id = parts[1];
  query.booking_id = parts[3];
  query.states = {v1::MESSAGE_STATE_SENT, v1::MESSAGE_STATE_DELIVERED};
  absl::StatusOr<ListPage> page = store.List(query);
  if (!page.ok()) return page.status();
  absl::Time last = absl::InfinitePast();
  for (const v1::OutboundMessage& m : page->messages) {
    const bool asks = m.kind() == v1::MESSAGE_KIND_BOOKING_CONFIRMATION ||
                      m.kind() == v1::MESSAGE_KIND_WAITLIST_PROMOTION ||
                      m.kind() == v1::MESSAGE_KIND_REMINDER;
    if (asks && m.phone() == phone && m.has_sent_time()) {
      last = std::max(last, platform::ToTime(m.sent_time()));
    }
  }
  return last;
}

}  // namespace

absl::StatusOr<v1::ReceiveInboundResponse> RemindersService::Inbound(
    const v1::ReceiveInboundRequest& request, const std::string& e164) {
  const absl::Time now = absl::Now();
  const InboundMatch match = ClassifyInbound(request.text());
  v1::ReceiveInboundResponse out;
  std::vector<v1::Donor> donors;
  {
    v1::FindDonorsRequest find;
    find.set_phone(e164);
    find.set_page_size(50);  // donors sharing one handset: a family, a few co-workers
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::FindDonorsResponse found;
    const grpc::Status s = registry_.FindDonors(&context, find, &found);
    if (!s.ok()) return platform::FromGrpcStatus(s);
    donors.assign(found.donors().begin(), found.donors().end());
  }
  if (donors.empty()) {
    out.set_action(v1::INBOUND_ACTION_NO_DONOR);
    return out;
  }
  const v1::Donor* reply_to = &donors[0];
  switch (match.keyword) {
    case InboundKeyword::kStop:
    case InboundKeyword::kStart: {
      const bool opt_in = match.keyword == InboundKeyword::kStart;
      for (const v1::Donor& donor : donors) {
        v1::UpdateSmsConsentRequest update;
        update.set_request_id(DerivedRequestId(opt_in ? "in" : "out", request, donor.name()));
        update.set_donor(donor.name());
        update.set_opted_in(opt_in);
        update.set_channel(v1::CONSENT_CHANNEL_SMS_KEYWORD);
        grpc::ClientContext context;
        SetDeadline(&context);
        v1::Donor updated;
        const grpc::Status s = registry_.UpdateSmsConsent(&context, update, &updated);
        if (!s.ok()) return platform::FromGrpcStatus(s);
        // Without waiting for the registry's event: the donor expects STOP to act at once.
        const absl::Time at = updated.sms_consent().has_update_time()
                                  ? platform::ToTime(updated.sms_consent().update_time())
                                  : now;
        absl::StatusOr<int> changed =
            store_.RecordConsent(donor.name().substr(donor.name().rfind('/') + 1), opt_in, at, now);
        if (!changed.ok()) return changed.status();
        out.add_donors(donor.name());
      }
      out.set_action(opt_in ? v1::INBOUND_ACTION_OPTED_IN : v1::INBOUND_ACTION_OPTED_OUT);
      break;
    }
    case InboundKeyword::kConfirm:
    case InboundKeyword::kCancel: {
      // The booking the reply answers: of the upcoming active bookings of every donor with this
      // phone, the one whose confirmation, promotion notice or reminder reached the phone last;
      // the soonest when none did. A family shares a handset, and a "0" written after a
      // relative's reminder must not cancel the sooner booking of someone else.
      v1::Booking target;
      absl::Time target_asked = absl::InfinitePast();
      const v1::Donor* owner = nullptr;
      const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone()) - 1;
      for (const v1::Donor& donor : donors) {
        v1::ListBookingsRequest list;
        list.set_donor(donor.name());
        list.add_states(v1::BOOKING_STATE_BOOKED);
        list.add_states(v1::BOOKING_STATE_CONFIRMED);
        *list.mutable_start_date() = platform::ToDate(today);
        list.set_page_size(50);
        grpc::ClientContext context;
        SetDeadline(&context);
        v1::ListBookingsResponse found;
        const grpc::Status s = scheduling_.ListBookings(&context, list, &found);
        if (!s.ok()) return platform::FromGrpcStatus(s);
        for (const v1::Booking& b : found.bookings()) {
          if (platform::ToTime(b.slot_start_time()) <= now) continue;
          absl::StatusOr<absl::Time> asked = LastAskedAt(store_, b, e164);
          if (!asked.ok()) return asked.status();
          if (owner == nullptr || *asked > target_asked ||
              (*asked == target_asked && platform::ToTime(b.slot_start_time()) <
                                             platform::ToTime(target.slot_start_time()))) {
            target = b;
            target_asked = *asked;
            owner = &donor;
          }
        }
      }
      if (owner == nullptr) {
        out.set_action(v1::INBOUND_ACTION_NO_BOOKING);
        break;
      }
      reply_to = owner;
      grpc::ClientContext context;
      SetDeadline(&context);
      v1::Booking changed;
      grpc::Status s;
      if (match.keyword == InboundKeyword::kConfirm) {
        v1::ConfirmBookingRequest confirm;
        confirm.set_request_id(DerivedRequestId("confirm", request, target.name()));
        confirm.set_name(target.name());
        confirm.set_channel(v1::CONFIRMATION_CHANNEL_SMS_REPLY);
        s = scheduling_.ConfirmBooking(&context, confirm, &changed);
        out.set_action(v1::INBOUND_ACTION_BOOKING_CONFIRMED);
      } else {
        v1::CancelBookingRequest cancel;
        cancel.set_request_id(DerivedRequestId("cancel", request, target.name()));
        cancel.set_name(target.name());
        cancel.set_reason(v1::CANCEL_REASON_DONOR_SMS_REPLY);
        s = scheduling_.CancelBooking(&context, cancel, &changed);
        out.set_action(v1::INBOUND_ACTION_BOOKING_CANCELLED);
      }
      if (!s.ok()) return platform::FromGrpcStatus(s);
      out.add_donors(owner->name());
      out.set_booking(target.name());
      break;
    }
    case InboundKeyword::kOther:
      out.set_action(v1::INBOUND_ACTION_NOT_UNDERSTOOD);
      return out;
  }
  const v1::Language language = reply_to->preferred_language() != v1::LANGUAGE_UNSPECIFIED
                                    ? reply_to->preferred_language()
                                    : match.language;
  std::optional<RenderedMessage> reply = RenderReply(out.action(), language, options_);
  if (!reply.has_value()) return out;
  PlanInput in;
  in.id = MessageIdFor(
      absl::StrCat("inbound|", request.gateway_id(), "|", request.provider_message_id()));
  in.due = now;
  in.expire = now + kReplyTtl;
  in.honour_optout = false;  // the answer to STOP goes out, once
  v1::OutboundMessage& m = in.content;
  m.set_name(absl::StrCat("messages/", in.id));
  m.set_kind(v1::MESSAGE_KIND_INBOUND_REPLY);
  m.set_donor(reply_to->name());
  m.set_booking(out.booking());
  if (!out.booking().empty()) {
    m.set_drive(out.booking().substr(0, out.booking().find("/bookings/")));
  }
  m.set_phone(e164);
  m.set_text(reply->sms.text);
  m.set_language(reply->language);
  m.set_encoding(reply->sms.encoding);
  m.set_segment_count(reply->sms.segments);
  m.set_length(reply->sms.units);
  *m.mutable_due_time() = platform::ToTimestamp(in.due);
  *m.mutable_expire_time() = platform::ToTimestamp(in.expire);
  *m.mutable_create_time() = platform::ToTimestamp(now);
  absl::StatusOr<std::pair<PlanOutcome, v1::MessageState>> planned = store_.Plan(in, now);
  if (!planned.ok()) return planned.status();
  out.set_reply(m.name());
  return out;
}

}  // namespace blooddrive::reminders
