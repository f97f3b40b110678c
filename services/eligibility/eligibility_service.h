// Eligibility RPCs: validates each request (naming the offending field), gathers the donor's
// facts (inline, or from DonorRegistry over gRPC), and asks the engine. Stores nothing.
#pragma once

#include <memory>

#include "blooddrive/v1/eligibility.grpc.pb.h"
#include "blooddrive/v1/registry.grpc.pb.h"
#include "proto_convert.h"
#include "rule_packs.h"

namespace blooddrive::eligibility {

class EligibilityService final : public v1::Eligibility::Service {
 public:
  EligibilityService(RulePacks& packs, std::shared_ptr<v1::DonorRegistry::StubInterface> registry)
      : packs_(packs), registry_(std::move(registry)) {}

  grpc::Status CheckEligibility(grpc::ServerContext* context,
                                const v1::CheckEligibilityRequest* request,
                                v1::EligibilityDecision* response) override;
  grpc::Status GetNextEligibleDates(grpc::ServerContext* context,
                                    const v1::GetNextEligibleDatesRequest* request,
                                    v1::GetNextEligibleDatesResponse* response) override;
  grpc::Status CheckEligibilityBatch(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::CheckEligibilityBatchResponse, v1::CheckEligibilityBatchRequest>*
          stream) override;
  grpc::Status FindEligibleDonors(
      grpc::ServerContext* context, const v1::FindEligibleDonorsRequest* request,
      grpc::ServerWriter<v1::FindEligibleDonorsResponse>* writer) override;
  grpc::Status ResolveDeferral(grpc::ServerContext* context,
                               const v1::ResolveDeferralRequest* request,
                               v1::ResolveDeferralResponse* response) override;
  grpc::Status ListRulePacks(grpc::ServerContext* context, const v1::ListRulePacksRequest* request,
                             v1::ListRulePacksResponse* response) override;
  grpc::Status GetRulePack(grpc::ServerContext* context, const v1::GetRulePackRequest* request,
                           v1::LoadedRulePack* response) override;

 private:
  // The donor's facts, from the registry when `donor` is set, else from `inline_facts`.
  struct Facts;
  absl::StatusOr<Facts> GatherFacts(grpc::ServerContext* context, absl::string_view prefix,
                                    bool by_name, const std::string& donor,
                                    const v1::EligibilityFacts& inline_facts,
                                    const DonationList& assumed);
  absl::StatusOr<v1::EligibilityDecision> Check(grpc::ServerContext* context,
                                                const RulePacks::Snapshot& snapshot,
                                                const v1::CheckEligibilityRequest& request,
                                                absl::string_view prefix);

  RulePacks& packs_;
  std::shared_ptr<v1::DonorRegistry::StubInterface> registry_;
};

}  // namespace blooddrive::eligibility
