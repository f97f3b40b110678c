// The streaming RPCs through gRPC: CheckEligibilityBatch (bidi; a failed item does not end the
// stream) and FindEligibleDonors (campaign targeting over the registry's donors).
#include <gmock/gmock.h>

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "eligibility_fixture.h"

namespace blooddrive::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr v1::DonationType kWholeBlood = v1::DONATION_TYPE_WHOLE_BLOOD;
constexpr char kOldTown[] = "sites/astana-old-town";
constexpr char kLeftBank[] = "sites/astana-left-bank";

class StreamTest : public EligibilityTest {
 protected:
  // Sends every item, then reads every response; returns them by item_id.
  std::map<std::string, v1::CheckEligibilityBatchResponse> Batch(
      const std::vector<v1::CheckEligibilityBatchRequest>& items, grpc::Status* status) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    auto stream = eligibility().CheckEligibilityBatch(&context);
    for (const auto& item : items) EXPECT_TRUE(stream->Write(item));
    EXPECT_TRUE(stream->WritesDone());
    std::map<std::string, v1::CheckEligibilityBatchResponse> responses;
    v1::CheckEligibilityBatchResponse response;
    int count = 0;
    while (stream->Read(&response)) {
      ++count;
      responses[response.item_id()] = response;
    }
    *status = stream->Finish();
    EXPECT_EQ(count, static_cast<int>(items.size())) << "one response per item";
    return responses;
  }

  static v1::CheckEligibilityBatchRequest Item(const std::string& id,
                                               const v1::CheckEligibilityRequest& check) {
    v1::CheckEligibilityBatchRequest item;
    item.set_item_id(id);
    *item.mutable_check() = check;
    return item;
  }

  // Every response of FindEligibleDonors, with the final status.
  std::vector<v1::FindEligibleDonorsResponse> Find(const v1::FindEligibleDonorsRequest& request,
                                                   grpc::Status* status) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    auto reader = eligibility().FindEligibleDonors(&context, request);
    std::vector<v1::FindEligibleDonorsResponse> all;
    v1::FindEligibleDonorsResponse response;
    while (reader->Read(&response)) all.push_back(response);
    *status = reader->Finish();
    return all;
  }

  static std::vector<std::string> Donors(const std::vector<v1::FindEligibleDonorsResponse>& all) {
    std::vector<std::string> names;
    for (const auto& r : all) names.push_back(r.decision().donor());
    return names;
  }

  v1::FindEligibleDonorsRequest Campaign(std::vector<v1::BloodGroup> groups,
                                         std::vector<std::string> sites) {
    v1::FindEligibleDonorsRequest request;
    for (v1::BloodGroup g : groups) request.add_blood_groups(g);
    for (const std::string& s : sites) request.add_home_sites(s);
    request.set_donation_type(kWholeBlood);
    *request.mutable_date() = ToDate(today());
    return request;
  }
};

TEST_F(StreamTest, BatchDecidesEveryItemAndReportsFailedOnesInPlace) {
  const v1::Donor ready = MustCreate(Kazakh(11));
  const v1::Donor recent = MustCreate(Kazakh(12));
  MustDonate(recent, today() - 30, kWholeBlood, 140);

  v1::CheckEligibilityRequest bad = ByName(ready.name(), today());
  bad.clear_date();
  std::vector<v1::CheckEligibilityBatchRequest> items = {
      Item("ready", ByName(ready.name(), today())),
      Item("bad", bad),
      Item("recent", ByName(recent.name(), today())),
      Item("ghost", ByName("donors/no-such-donor", today())),
      Item("", ByName(ready.name(), today())),
      Item("inline", Inline(KazakhFacts(), today())),
      Item("later", ByName(recent.name(), today() + 30)),
  };
  grpc::Status status;
  auto responses = Batch(items, &status);
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();

  ASSERT_TRUE(responses["ready"].has_decision());
  EXPECT_TRUE(responses["ready"].decision().eligible());
  EXPECT_EQ(responses["ready"].decision().donor(), ready.name());

  ASSERT_TRUE(responses["bad"].has_error());
  EXPECT_EQ(responses["bad"].error().code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(responses["bad"].error().message(), StartsWith("check.date:"));

  ASSERT_TRUE(responses["recent"].has_decision());
  EXPECT_FALSE(responses["recent"].decision().eligible());
  EXPECT_NE(
      FindReason(responses["recent"].decision(), v1::ELIGIBILITY_REASON_CODE_INTERVAL_NOT_ELAPSED),
      nullptr);

  ASSERT_TRUE(responses["ghost"].has_error());
  EXPECT_EQ(responses["ghost"].error().code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(responses["ghost"].error().message(), StartsWith("check.donor:"));

  ASSERT_TRUE(responses[""].has_error());
  EXPECT_EQ(responses[""].error().code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(responses[""].error().message(), StartsWith("item_id:"));

  ASSERT_TRUE(responses["inline"].has_decision());
  EXPECT_TRUE(responses["inline"].decision().eligible());
  // Items after the failures are still decided.
  ASSERT_TRUE(responses["later"].has_decision());
  EXPECT_TRUE(responses["later"].decision().eligible());
}

TEST_F(StreamTest, BatchAnswersWhileTheClientKeepsWriting) {
  const v1::Donor donor = MustCreate(Kazakh(13));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  auto stream = eligibility().CheckEligibilityBatch(&context);
  // One item at a time, each answer read before the next write: the server must not wait for
  // the end of the stream.
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(stream->Write(Item(absl::StrCat("item-", i), ByName(donor.name(), today() + i))));
    v1::CheckEligibilityBatchResponse response;
    ASSERT_TRUE(stream->Read(&response));
    EXPECT_EQ(response.item_id(), absl::StrCat("item-", i));
    EXPECT_TRUE(response.has_decision());
  }
  EXPECT_TRUE(stream->WritesDone());
  const grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(StreamTest, FindEligibleDonorsByGroupAndSite) {
  const v1::Donor a1 = MustCreate(Kazakh(21, v1::BLOOD_GROUP_A_POSITIVE, kOldTown));
  const v1::Donor a2 = MustCreate(Kazakh(22, v1::BLOOD_GROUP_A_POSITIVE, kOldTown));
  const v1::Donor a3_recent = MustCreate(Kazakh(23, v1::BLOOD_GROUP_A_POSITIVE, kOldTown));
  const v1::Donor o1 = MustCreate(Kazakh(24, v1::BLOOD_GROUP_O_POSITIVE, kOldTown));
  const v1::Donor a4_elsewhere = MustCreate(Kazakh(25, v1::BLOOD_GROUP_A_POSITIVE, kLeftBank));
  v1::Donor migrant_donor = MigrantDonor("AB7654321");
  migrant_donor.set_blood_group(v1::BLOOD_GROUP_A_POSITIVE);
  migrant_donor.set_home_site(kOldTown);
  const v1::Donor migrant = MustCreate(migrant_donor);  // passport only: documents missing
  MustDonate(a3_recent, today() - 30, kWholeBlood, 140);
  auto sorted = [](std::vector<std::string> names) {
    std::sort(names.begin(), names.end());
    return names;
  };

  grpc::Status status;
  auto found = Find(Campaign({v1::BLOOD_GROUP_A_POSITIVE}, {kOldTown}), &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(Donors(found), ElementsAreArray(sorted({a1.name(), a2.name()})));
  for (const auto& r : found) {
    EXPECT_TRUE(r.decision().eligible());
    EXPECT_EQ(r.home_site(), kOldTown);
    EXPECT_EQ(r.decision().blood_group(), v1::BLOOD_GROUP_A_POSITIVE);
  }

  v1::FindEligibleDonorsRequest everyone = Campaign({v1::BLOOD_GROUP_A_POSITIVE}, {kOldTown});
  everyone.set_include_ineligible(true);
  found = Find(everyone, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(Donors(found),
              ElementsAreArray(sorted({a1.name(), a2.name(), a3_recent.name(), migrant.name()})));
  for (const auto& r : found) {
    const bool ineligible =
        r.decision().donor() == a3_recent.name() || r.decision().donor() == migrant.name();
    EXPECT_EQ(r.decision().eligible(), !ineligible) << r.decision().donor();
  }

  // Two groups and two sites: the union, still ordered by donor id.
  found = Find(
      Campaign({v1::BLOOD_GROUP_O_POSITIVE, v1::BLOOD_GROUP_A_POSITIVE}, {kLeftBank, kOldTown}),
      &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(Donors(found),
              ElementsAreArray(sorted({a1.name(), a2.name(), o1.name(), a4_elsewhere.name()})));
  // No filters: every donor of the registry.
  found = Find(Campaign({}, {}), &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(found.size(), 4u);

  v1::FindEligibleDonorsRequest first = everyone;
  first.set_max_results(1);
  found = Find(first, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(Donors(found),
              ElementsAre(sorted({a1.name(), a2.name(), a3_recent.name(), migrant.name()})[0]));

  // A later date: the recent donor is eligible again.
  v1::FindEligibleDonorsRequest later = Campaign({v1::BLOOD_GROUP_A_POSITIVE}, {kOldTown});
  *later.mutable_date() = ToDate(today() + 30);
  found = Find(later, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(Donors(found), ElementsAreArray(sorted({a1.name(), a2.name(), a3_recent.name()})));
}

TEST_F(StreamTest, FindEligibleDonorsRefusesBadInput) {
  grpc::Status status;
  v1::FindEligibleDonorsRequest request = Campaign({}, {"astana-old-town"});
  Find(request, &status);
  EXPECT_TRUE(IsInvalidField(status, "home_sites[0]"));
  request = Campaign({static_cast<v1::BloodGroup>(77)}, {});
  Find(request, &status);
  EXPECT_TRUE(IsInvalidField(status, "blood_groups[0]"));
  request = Campaign({}, {});
  request.set_max_results(-1);
  Find(request, &status);
  EXPECT_TRUE(IsInvalidField(status, "max_results"));
  request = Campaign({}, {});
  request.clear_date();
  Find(request, &status);
  EXPECT_TRUE(IsInvalidField(status, "date"));
  request = Campaign({}, {});
  request.set_rule_pack("rulePacks/atlantis");
  Find(request, &status);
  EXPECT_TRUE(HasCode(status, grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(status.error_message(), HasSubstr("rule_pack"));
}

}  // namespace
}  // namespace blooddrive::testing
