// ReminderFeed RPCs: validates each request (naming the offending field, before anything is
// written), then works on the outbox (ReminderStore) and, for inbound SMS and invitations, on the
// registry and scheduling through their APIs with this service's token.
#pragma once

#include "absl/time/time.h"
#include "blooddrive/v1/registry.grpc.pb.h"
#include "blooddrive/v1/reminders.grpc.pb.h"
#include "blooddrive/v1/scheduling.grpc.pb.h"
#include "planner.h"
#include "reminder_store.h"

namespace blooddrive::reminders {

class RemindersService final : public v1::ReminderFeed::Service {
 public:
  RemindersService(ReminderStore& store, v1::DonorRegistry::StubInterface& registry,
                   v1::DriveScheduling::StubInterface& scheduling, const PlannerOptions& options)
      : store_(store), registry_(registry), scheduling_(scheduling), options_(options) {}

  grpc::Status LeaseMessages(grpc::ServerContext* context, const v1::LeaseMessagesRequest* request,
                             v1::LeaseMessagesResponse* response) override;
  grpc::Status AckMessage(grpc::ServerContext* context, const v1::AckMessageRequest* request,
                          v1::OutboundMessage* response) override;
  grpc::Status ReportDelivery(grpc::ServerContext* context,
                              const v1::ReportDeliveryRequest* request,
                              v1::OutboundMessage* response) override;
  grpc::Status ReceiveInbound(grpc::ServerContext* context,
                              const v1::ReceiveInboundRequest* request,
                              v1::ReceiveInboundResponse* response) override;
  grpc::Status QueueInvitations(grpc::ServerContext* context,
                                const v1::QueueInvitationsRequest* request,
                                v1::QueueInvitationsResponse* response) override;
  grpc::Status GetMessage(grpc::ServerContext* context, const v1::GetMessageRequest* request,
                          v1::OutboundMessage* response) override;
  grpc::Status ListMessages(grpc::ServerContext* context, const v1::ListMessagesRequest* request,
                            v1::ListMessagesResponse* response) override;

 private:
  absl::StatusOr<v1::ReceiveInboundResponse> Inbound(const v1::ReceiveInboundRequest& request,
                                                     const std::string& e164);
  absl::StatusOr<v1::QueueInvitationsResponse> Invite(grpc::ServerContext* context,
                                                      const v1::QueueInvitationsRequest& request);

  ReminderStore& store_;
  v1::DonorRegistry::StubInterface& registry_;
  v1::DriveScheduling::StubInterface& scheduling_;
  const PlannerOptions& options_;
};

}  // namespace blooddrive::reminders
