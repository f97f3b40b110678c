#include "reminders_service.h"

#include <grpcpp/client_context.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "auth/auth.h"
#include "dates.h"
#include "event_handler.h"
#include "grpc_status.h"
#include "idempotency.h"
#include "phone.h"
#include "validation.h"

namespace blooddrive::reminders {
namespace {

using platform::CheckRequestId;
using platform::CheckResourceName;
using platform::CheckText;
using platform::InvalidField;
using platform::Respond;
using platform::ToGrpcStatus;

constexpr absl::Duration kPeerDeadline = absl::Seconds(5);
constexpr absl::Duration kLeasePoll = absl::Milliseconds(200);

absl::Duration ToDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

absl::Status CheckGatewayId(absl::string_view field, absl::string_view id) {
  if (id.empty() || id.size() > 64) return InvalidField(field, "must be 1..64 characters");
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return InvalidField(field, "may hold only a-z, 0-9 and -");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckDuration(absl::string_view field, const google::protobuf::Duration& d,
                           absl::Duration min, absl::Duration max) {
  if (d.seconds() < 0 || d.nanos() < 0 || d.nanos() > 999999999) {
    return InvalidField(field, "must not be negative");
  }
  const absl::Duration v = ToDuration(d);
  if (v < min || v > max) {
    return InvalidField(field, absl::StrCat("must be ", absl::FormatDuration(min), "..",
                                            absl::FormatDuration(max)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> MessageId(absl::string_view field, absl::string_view name) {
  std::string id;
  if (absl::Status s = CheckResourceName(field, name, "messages", &id); !s.ok()) return s;
  return id;
}

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + kPeerDeadline));
}

void StripPersonal(v1::OutboundMessage* m, v1::MessageView view) {
  if (view == v1::MESSAGE_VIEW_FULL) return;
  m->clear_phone();
  m->clear_text();
}

}  // namespace

grpc::Status RemindersService::LeaseMessages(grpc::ServerContext* context,
                                             const v1::LeaseMessagesRequest* request,
                                             v1::LeaseMessagesResponse* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::Status valid = CheckRequestId("request_id", request->request_id());
  if (valid.ok()) valid = CheckGatewayId("gateway_id", request->gateway_id());
  if (valid.ok() && (request->max_messages() < 1 || request->max_messages() > 500)) {
    valid = InvalidField("max_messages", "must be 1..500");
  }
  if (valid.ok() && request->has_lease_duration()) {
    valid = CheckDuration("lease_duration", request->lease_duration(), absl::Seconds(10),
                          absl::Minutes(10));
  }
  if (valid.ok() && request->has_max_wait()) {
    valid = CheckDuration("max_wait", request->max_wait(), absl::ZeroDuration(), absl::Seconds(30));
  }
  if (!valid.ok()) return ToGrpcStatus(valid);
  LeaseRequest lease;
  lease.request_id = request->request_id();
  lease.fingerprint = platform::RequestFingerprint("LeaseMessages", *request);
  lease.gateway_id = request->gateway_id();
  lease.max_messages = request->max_messages();
  if (request->has_lease_duration()) lease.lease = ToDuration(request->lease_duration());
  absl::Time until = absl::Now();
  if (request->has_max_wait()) until += ToDuration(request->max_wait());
  // Leave time to answer before the caller's deadline.
  until = std::min(until, absl::FromChrono(context->deadline()) - absl::Milliseconds(200));
  for (;;) {
    absl::StatusOr<std::vector<v1::OutboundMessage>> leased = store_.Lease(lease, absl::Now());
    if (!leased.ok()) return ToGrpcStatus(leased.status());
    const absl::Time now = absl::Now();
    if (!leased->empty() || now >= until || context->IsCancelled()) {
      for (v1::OutboundMessage& m : *leased) *response->add_messages() = std::move(m);
      return grpc::Status::OK;
    }
    absl::SleepFor(std::min(kLeasePoll, until - now));
  }
}

grpc::Status RemindersService::AckMessage(grpc::ServerContext* context,
                                          const v1::AckMessageRequest* request,
                                          v1::OutboundMessage* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::Status valid = CheckRequestId("request_id", request->request_id());
  absl::StatusOr<std::string> id = MessageId("name", request->name());
  if (valid.ok()) valid = id.status();
  if (valid.ok()) valid = CheckText("lease_id", request->lease_id(), 200, true);
  if (valid.ok()) {
    switch (request->result_case()) {
      case v1::AckMessageRequest::kSent:
        valid =
            CheckText("sent.provider_message_id", request->sent().provider_message_id(), 128, true);
        break;
      case v1::AckMessageRequest::kTransientFailure:
        valid =
            CheckText("transient_failure.error", request->transient_failure().error(), 500, true);
        if (valid.ok() && request->transient_failure().has_retry_after()) {
          valid = CheckDuration("transient_failure.retry_after",
                                request->transient_failure().retry_after(), absl::ZeroDuration(),
                                absl::Hours(24));
        }
        break;
      case v1::AckMessageRequest::kPermanentFailure:
        valid =
            CheckText("permanent_failure.error", request->permanent_failure().error(), 500, true);
        break;
      default:
        valid = InvalidField("result",
                             "one of sent, transient_failure or permanent_failure is "
                             "required");
    }
  }
  if (!valid.ok()) return ToGrpcStatus(valid);
  absl::StatusOr<v1::OutboundMessage> acked =
      store_.Ack(request->request_id(), platform::RequestFingerprint("AckMessage", *request),
                 *request, *id, absl::Now());
  if (acked.ok()) StripPersonal(&*acked, v1::MESSAGE_VIEW_BASIC);
  return Respond(std::move(acked), response);
}

grpc::Status RemindersService::ReportDelivery(grpc::ServerContext* context,
                                              const v1::ReportDeliveryRequest* request,
                                              v1::OutboundMessage* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::Status valid = CheckRequestId("request_id", request->request_id());
  std::string id;
  if (valid.ok()) {
    switch (request->message_case()) {
      case v1::ReportDeliveryRequest::kName:
        valid = CheckResourceName("name", request->name(), "messages", &id);
        break;
      case v1::ReportDeliveryRequest::kProviderRef:
        valid = CheckGatewayId("provider_ref.gateway_id", request->provider_ref().gateway_id());
        if (valid.ok()) {
          valid = CheckText("provider_ref.provider_message_id",
                            request->provider_ref().provider_message_id(), 128, true);
        }
        break;
      default:
        valid = InvalidField("message", "name or provider_ref is required");
    }
  }
  if (valid.ok())
    valid = platform::CheckEnum("status", request->status(), v1::DeliveryStatus_IsValid);
  if (valid.ok()) valid = CheckText("provider_status", request->provider_status(), 64, false);
  if (!valid.ok()) return ToGrpcStatus(valid);
  if (id.empty()) {
    absl::StatusOr<std::string> found = store_.FindByProvider(
        request->provider_ref().gateway_id(), request->provider_ref().provider_message_id());
    if (!found.ok()) return ToGrpcStatus(found.status());
    id = *found;
  }
  absl::StatusOr<v1::OutboundMessage> result = store_.Receipt(
      request->request_id(), platform::RequestFingerprint("ReportDelivery", *request), id,
      request->status(), request->provider_status(), absl::Now());
  if (result.ok()) StripPersonal(&*result, v1::MESSAGE_VIEW_BASIC);
  return Respond(std::move(result), response);
}

grpc::Status RemindersService::ReceiveInbound(grpc::ServerContext* context,
                                              const v1::ReceiveInboundRequest* request,
                                              v1::ReceiveInboundResponse* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::Status valid = CheckRequestId("request_id", request->request_id());
  if (valid.ok()) valid = CheckGatewayId("gateway_id", request->gateway_id());
  if (valid.ok()) {
    valid = CheckText("provider_message_id", request->provider_message_id(), 128, true);
  }
  absl::StatusOr<std::string> e164 = registry::NormalizePhone(request->from_phone());
  if (valid.ok() && !e164.ok()) valid = InvalidField("from_phone", e164.status().message());
  if (valid.ok()) {
    // An SMS may hold line breaks; they are not control characters a person could not type.
    const std::string flat = absl::StrReplaceAll(request->text(), {{"\n", " "}, {"\r", " "}});
    valid = CheckText("text", flat, 1600, true);
  }
  if (!valid.ok()) return ToGrpcStatus(valid);
  const std::string fingerprint = platform::RequestFingerprint("ReceiveInbound", *request);
  const std::string inbound_key =
      ReminderStore::InboundKey(request->gateway_id(), request->provider_message_id());
  absl::StatusOr<std::optional<std::string>> replay =
      store_.Replayed(request->request_id(), fingerprint, inbound_key);
  if (!replay.ok()) return ToGrpcStatus(replay.status());
  if (replay->has_value()) {
    response->ParseFromString(**replay);
    return grpc::Status::OK;
  }
  absl::StatusOr<v1::ReceiveInboundResponse> result = Inbound(*request, *e164);
  if (!result.ok()) return ToGrpcStatus(result.status());
  absl::StatusOr<std::string> kept =
      store_.Remember(request->request_id(), fingerprint, result->SerializeAsString(), inbound_key);
  if (!kept.ok()) return ToGrpcStatus(kept.status());
  response->ParseFromString(*kept);
  return grpc::Status::OK;
}

grpc::Status RemindersService::QueueInvitations(grpc::ServerContext* context,
                                                const v1::QueueInvitationsRequest* request,
                                                v1::QueueInvitationsResponse* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::Status valid = CheckRequestId("request_id", request->request_id());
  std::string drive_id;
  if (valid.ok()) valid = CheckResourceName("drive", request->drive(), "drives", &drive_id);
  if (valid.ok() && (request->donors_size() < 1 || request->donors_size() > 1000)) {
    valid = InvalidField("donors", "must list 1..1000 donors");
  }
  for (int i = 0; valid.ok() && i < request->donors_size(); ++i) {
    std::string id;
    valid = CheckResourceName(platform::FieldPath("donors", i), request->donors(i), "donors", &id);
  }
  if (valid.ok() && request->has_send_time()) {
    const google::protobuf::Timestamp& t = request->send_time();
    if (t.seconds() < 0 || t.seconds() > 253402300799 || t.nanos() < 0 || t.nanos() > 999999999) {
      valid = InvalidField("send_time", "not a valid timestamp");
    }
  }
  if (!valid.ok()) return ToGrpcStatus(valid);
  const std::string fingerprint = platform::RequestFingerprint("QueueInvitations", *request);
  absl::StatusOr<std::optional<std::string>> replay =
      store_.Replayed(request->request_id(), fingerprint);
  if (!replay.ok()) return ToGrpcStatus(replay.status());
  if (replay->has_value()) {
    response->ParseFromString(**replay);
    return grpc::Status::OK;
  }
  absl::StatusOr<v1::QueueInvitationsResponse> result = Invite(context, *request);
  if (!result.ok()) return ToGrpcStatus(result.status());
  absl::StatusOr<std::string> kept =
      store_.Remember(request->request_id(), fingerprint, result->SerializeAsString());
  if (!kept.ok()) return ToGrpcStatus(kept.status());
  response->ParseFromString(*kept);
  return grpc::Status::OK;
}

absl::StatusOr<v1::QueueInvitationsResponse> RemindersService::Invite(
    grpc::ServerContext* context, const v1::QueueInvitationsRequest& request) {
  v1::Drive drive;
  {
    grpc::ClientContext call;
    SetDeadline(&call);
    v1::GetDriveRequest get;
    get.set_name(request.drive());
    const grpc::Status s = scheduling_.GetDrive(&call, get, &drive);
    if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
      return absl::NotFoundError(absl::StrCat("drive: ", request.drive(), " not found"));
    }
    if (!s.ok()) return platform::FromGrpcStatus(s);
  }
  v1::Site site;
  {
    grpc::ClientContext call;
    SetDeadline(&call);
    v1::GetSiteRequest get;
    get.set_name(drive.site());
    const grpc::Status s = scheduling_.GetSite(&call, get, &site);
    if (!s.ok()) return platform::FromGrpcStatus(s);
  }
  if (grpc::Status s = auth::AuthorizeSite(context, site.name(), site.branch()); !s.ok()) {
    return platform::FromGrpcStatus(s);
  }
  if (drive.state() != v1::DRIVE_STATE_PUBLISHED) {
    return absl::FailedPreconditionError(
        absl::StrCat("drive: ", request.drive(), " is not PUBLISHED"));
  }
  MessageFacts facts;
  facts.site_name = drive.display_name().empty() ? site.display_name() : drive.display_name();
  facts.address = drive.venue().empty() ? site.address() : drive.venue();
  facts.branch_phone = options_.info_phone;
  facts.drive_date = platform::ToCivilDay(drive.date());
  const absl::Time now = absl::Now();
  const absl::Time not_before =
      request.has_send_time() ? platform::ToTime(request.send_time()) : now;
  v1::QueueInvitationsResponse out;
  for (const std::string& donor_name : request.donors()) {
    v1::QueueInvitationsResponse::Item* item = out.add_items();
    item->set_donor(donor_name);
    absl::StatusOr<std::optional<v1::Donor>> donor = FetchDonor(registry_, donor_name);
    if (!donor.ok()) return donor.status();
    if (!donor->has_value()) {
      item->set_result(v1::QueueInvitationsResponse::RESULT_DONOR_NOT_FOUND);
      continue;
    }
    absl::StatusOr<Intent> intent = InvitationIntent(donor_name, drive.name(), facts,
                                                     site.time_zone(), not_before, now, options_);
    if (!intent.ok()) return intent.status();
    absl::StatusOr<PlanInput> input = Materialize(*intent, &**donor, options_, now);
    if (!input.ok()) return input.status();
    if ((*donor)->phone().empty()) {
      item->set_result(v1::QueueInvitationsResponse::RESULT_NO_PHONE);
      continue;
    }
    if (!(*donor)->sms_consent().opted_in()) {
      item->set_result(v1::QueueInvitationsResponse::RESULT_OPTED_OUT);
      continue;
    }
    absl::StatusOr<std::pair<PlanOutcome, v1::MessageState>> planned = store_.Plan(*input, now);
    if (!planned.ok()) return planned.status();
    item->set_message(input->content.name());
    if (planned->first == PlanOutcome::kExists) {
      item->set_result(v1::QueueInvitationsResponse::RESULT_ALREADY_QUEUED);
    } else if (planned->second == v1::MESSAGE_STATE_SUPPRESSED) {
      item->set_result(v1::QueueInvitationsResponse::RESULT_OPTED_OUT);
    } else {
      item->set_result(v1::QueueInvitationsResponse::RESULT_QUEUED);
      out.set_queued(out.queued() + 1);
    }
  }
  return out;
}

grpc::Status RemindersService::GetMessage(grpc::ServerContext* context,
                                          const v1::GetMessageRequest* request,
                                          v1::OutboundMessage* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::StatusOr<std::string> id = MessageId("name", request->name());
  absl::Status valid = id.status();
  if (valid.ok() && !v1::MessageView_IsValid(request->view())) {
    valid = InvalidField("view", "is not a known value");
  }
  if (!valid.ok()) return ToGrpcStatus(valid);
  absl::StatusOr<StoredMessage> m = store_.Get(*id);
  if (!m.ok()) return ToGrpcStatus(m.status());
  StripPersonal(&m->message, request->view());
  *response = std::move(m->message);
  return grpc::Status::OK;
}

grpc::Status RemindersService::ListMessages(grpc::ServerContext* context,
                                            const v1::ListMessagesRequest* request,
                                            v1::ListMessagesResponse* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  ListQuery query;
  absl::Status valid;
  if (!request->donor().empty()) {
    valid = CheckResourceName("donor", request->donor(), "donors", &query.donor_id);
  }
  if (valid.ok() && !request->drive().empty()) {
    valid = CheckResourceName("drive", request->drive(), "drives", &query.drive_id);
  }
  if (valid.ok() && !request->booking().empty()) {
    const auto [drive_id, booking_id] = SplitBookingName(request->booking());
    std::string ignored;
    if (drive_id.empty() ||
        !CheckResourceName("booking", absl::StrCat("b/", booking_id), "b", &ignored).ok() ||
        !CheckResourceName("booking", absl::StrCat("d/", drive_id), "d", &ignored).ok()) {
      valid = InvalidField("booking", "must be drives/{drive}/bookings/{booking}");
    } else if (!query.drive_id.empty() && query.drive_id != drive_id) {
      valid = InvalidField("booking", "is not a booking of the drive given");
    } else {
      query.drive_id = drive_id;
      query.booking_id = booking_id;
    }
  }
  if (valid.ok() && request->kind() != v1::MESSAGE_KIND_UNSPECIFIED) {
    valid = platform::CheckEnum("kind", request->kind(), v1::MessageKind_IsValid);
  }
  for (int i = 0; valid.ok() && i < request->states_size(); ++i) {
    valid = platform::CheckEnum(platform::FieldPath("states", i), request->states(i),
                                v1::MessageState_IsValid);
    query.states.push_back(static_cast<v1::MessageState>(request->states(i)));
  }
  if (valid.ok() && !v1::MessageView_IsValid(request->view())) {
    valid = InvalidField("view", "is not a known value");
  }
  if (valid.ok())
    valid = platform::CheckPageSize("page_size", request->page_size(), 50, &query.page_size);
  if (!valid.ok()) return ToGrpcStatus(valid);
  // The drive filter is site-scoped for coordinators: which site, scheduling knows.
  std::shared_ptr<const auth::Principal> caller = auth::CallerOf(context);
  if (caller != nullptr && caller->role == auth::ROLE_COORDINATOR && !query.drive_id.empty()) {
    grpc::ClientContext call;
    SetDeadline(&call);
    v1::GetDriveRequest get;
    get.set_name(absl::StrCat("drives/", query.drive_id));
    v1::Drive drive;
    grpc::Status s = scheduling_.GetDrive(&call, get, &drive);
    if (!s.ok()) return s;
    grpc::ClientContext site_call;
    SetDeadline(&site_call);
    v1::GetSiteRequest get_site;
    get_site.set_name(drive.site());
    v1::Site site;
    s = scheduling_.GetSite(&site_call, get_site, &site);
    if (!s.ok()) return s;
    if (s = auth::AuthorizeSite(context, site.name(), site.branch()); !s.ok()) return s;
  }
  query.kind = request->kind();
  query.page_token = request->page_token();
  absl::StatusOr<ListPage> page = store_.List(query);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (v1::OutboundMessage& m : page->messages) {
    StripPersonal(&m, request->view());
    *response->add_messages() = std::move(m);
  }
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

}  // namespace blooddrive::reminders
