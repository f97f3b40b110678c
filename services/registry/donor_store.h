// DonorStore owns every Redis key under "reg:" (layout: docs/redis-keys.md). All keys share the
// hash tag {donors}, so every script touches one hash slot and runs unchanged on Redis Cluster.
//
// Mutations are idempotent: each carries the request id and a fingerprint of the request; the first
// outcome is kept for a day and returned again for a retry.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "blooddrive/v1/registry.pb.h"
#include "redis_client.h"

namespace blooddrive::registry {

struct Mutation {
  std::string request_id;
  std::string fingerprint;  // the RPC's method and request bytes: a reused id must match it
};

struct PageRequest {
  int size = 50;
  std::string token;  // opaque, from the previous page
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_token;
};

class DonorStore {
 public:
  explicit DonorStore(platform::RedisClient& redis) : redis_(redis) {}

  // `donor` is validated and normalized; the store assigns its name and times.
  absl::StatusOr<v1::Donor> Create(const Mutation& mutation, v1::Donor donor, absl::Time now);

  absl::StatusOr<v1::Donor> Get(absl::string_view donor_id);

  // Read-modify-write: `change` computes the new donor from the current one; it is called again if
  // another writer got in between (unless the caller pinned an etag, which then fails ABORTED).
  using DonorChange = std::function<absl::StatusOr<v1::Donor>(const v1::Donor& current)>;
  absl::StatusOr<v1::Donor> Update(const Mutation& mutation, absl::string_view donor_id,
                                   absl::string_view etag, const DonorChange& change,
                                   absl::Time now);

  absl::StatusOr<Page<v1::Donor>> FindByPhone(absl::string_view e164, const PageRequest& page);
  absl::StatusOr<Page<v1::Donor>> FindByDocument(const v1::IdentityDocument& document);
  // `prefix` is already a name search key (NameSearchKey).
  absl::StatusOr<Page<v1::Donor>> FindByNamePrefix(absl::string_view prefix,
                                                   const PageRequest& page);
  absl::StatusOr<Page<v1::Donor>> List(v1::BloodGroup group, absl::string_view home_site,
                                       const PageRequest& page);

  absl::StatusOr<v1::Donation> AddDonation(const Mutation& mutation, absl::string_view donor_id,
                                           v1::Donation donation, absl::Time now);
  absl::StatusOr<v1::Deferral> AddDeferral(const Mutation& mutation, absl::string_view donor_id,
                                           v1::Deferral deferral, absl::Time now);
  absl::StatusOr<v1::Deferral> LiftDeferral(const Mutation& mutation, absl::string_view donor_id,
                                            absl::string_view deferral_id, absl::string_view reason,
                                            absl::Time now);

  // Newest first. NOT_FOUND when the donor does not exist.
  absl::StatusOr<std::vector<v1::Donation>> Donations(absl::string_view donor_id);
  absl::StatusOr<std::vector<v1::Deferral>> Deferrals(absl::string_view donor_id);

  // Donor, history and deferrals read in one MULTI/EXEC, so they are consistent with each other.
  absl::StatusOr<v1::DonorFacts> Facts(absl::string_view donor_id);

 private:
  absl::StatusOr<Page<v1::Donor>> PageOfIndex(const std::string& key, const PageRequest& page);
  // Skips ids whose donor vanished between the index read and this one.
  absl::StatusOr<std::vector<v1::Donor>> LoadDonors(const std::vector<std::string>& ids);
  template <typename Record>
  absl::StatusOr<Record> AddRecord(const Mutation& mutation, absl::string_view donor_id,
                                   const std::string& records_key, Record record);
  template <typename Record>
  absl::StatusOr<std::vector<Record>> History(absl::string_view donor_id,
                                              const std::string& records_key);

  platform::RedisClient& redis_;
};

}  // namespace blooddrive::registry
