// DonorRegistry RPCs: validates each request (naming the offending field), then calls DonorStore.
#pragma once

#include "absl/time/time.h"
#include "blooddrive/v1/registry.grpc.pb.h"
#include "donor_store.h"

namespace blooddrive::registry {

class RegistryService final : public v1::DonorRegistry::Service {
 public:
  // `zone` decides "today" for ages and for donation dates that must not be in the future.
  RegistryService(DonorStore& store, absl::TimeZone zone) : store_(store), zone_(zone) {}

  grpc::Status CreateDonor(grpc::ServerContext*, const v1::CreateDonorRequest* request,
                           v1::Donor* response) override;
  grpc::Status GetDonor(grpc::ServerContext*, const v1::GetDonorRequest* request,
                        v1::Donor* response) override;
  grpc::Status UpdateDonor(grpc::ServerContext*, const v1::UpdateDonorRequest* request,
                           v1::Donor* response) override;
  grpc::Status FindDonors(grpc::ServerContext*, const v1::FindDonorsRequest* request,
                          v1::FindDonorsResponse* response) override;
  grpc::Status ListDonors(grpc::ServerContext*, const v1::ListDonorsRequest* request,
                          v1::ListDonorsResponse* response) override;
  grpc::Status UpdateSmsConsent(grpc::ServerContext*, const v1::UpdateSmsConsentRequest* request,
                                v1::Donor* response) override;
  grpc::Status RecordDonation(grpc::ServerContext*, const v1::RecordDonationRequest* request,
                              v1::Donation* response) override;
  grpc::Status ListDonations(grpc::ServerContext*, const v1::ListDonationsRequest* request,
                             v1::ListDonationsResponse* response) override;
  grpc::Status CreateDeferral(grpc::ServerContext*, const v1::CreateDeferralRequest* request,
                              v1::Deferral* response) override;
  grpc::Status LiftDeferral(grpc::ServerContext*, const v1::LiftDeferralRequest* request,
                            v1::Deferral* response) override;
  grpc::Status ListDeferrals(grpc::ServerContext*, const v1::ListDeferralsRequest* request,
                             v1::ListDeferralsResponse* response) override;
  grpc::Status GetDonorFacts(grpc::ServerContext*, const v1::GetDonorFactsRequest* request,
                             v1::DonorFacts* response) override;

 private:
  absl::CivilDay Today() const;

  DonorStore& store_;
  const absl::TimeZone zone_;
};

}  // namespace blooddrive::registry
