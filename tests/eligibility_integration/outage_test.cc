// The registry goes away: calls that need donor facts fail promptly with UNAVAILABLE (never a
// hang, never a guess), calls that need no registry go on, and all is well once it is back.
// Its own binary, since it stops the environment's registry.
#include <gmock/gmock.h>

#include <map>

#include "eligibility_fixture.h"

namespace blooddrive::testing {
namespace {

using ::testing::HasSubstr;
using ES = EligibilityStub;

class OutageTest : public EligibilityTest {};

TEST_F(OutageTest, RegistryStoppedIsUnavailablePromptly) {
  const v1::Donor donor = MustCreate(Kazakh(41));
  ASSERT_TRUE(MustCheck(ByName(donor.name(), today())).eligible());

  // A crash: the connection eligibility holds drops at once. (A SIGTERM would keep the registry
  // in its shutdown grace for as long as that connection stays open.)
  env().registry().Kill();
  auto timed = [](auto&& call) {
    const absl::Time start = absl::Now();
    const grpc::Status status = call();
    return std::make_pair(status, absl::Now() - start);
  };

  v1::EligibilityDecision decision;
  auto [check, check_took] = timed([&] {
    return Call(eligibility(), &ES::CheckEligibility, ByName(donor.name(), today()), &decision);
  });
  EXPECT_TRUE(HasCode(check, grpc::StatusCode::UNAVAILABLE));
  EXPECT_THAT(check.error_message(), HasSubstr("registry"));
  EXPECT_LT(check_took, absl::Seconds(3));

  v1::GetNextEligibleDatesRequest next;
  next.set_donor(donor.name());
  *next.mutable_from_date() = ToDate(today());
  v1::GetNextEligibleDatesResponse dates;
  auto [next_status, next_took] =
      timed([&] { return Call(eligibility(), &ES::GetNextEligibleDates, next, &dates); });
  EXPECT_TRUE(HasCode(next_status, grpc::StatusCode::UNAVAILABLE));
  EXPECT_LT(next_took, absl::Seconds(3));

  v1::FindEligibleDonorsRequest find;
  find.set_donation_type(v1::DONATION_TYPE_WHOLE_BLOOD);
  *find.mutable_date() = ToDate(today());
  auto [find_status, find_took] = timed([&] {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    auto reader = eligibility().FindEligibleDonors(&context, find);
    v1::FindEligibleDonorsResponse response;
    while (reader->Read(&response)) {
    }
    return reader->Finish();
  });
  EXPECT_TRUE(HasCode(find_status, grpc::StatusCode::UNAVAILABLE));
  EXPECT_LT(find_took, absl::Seconds(3));

  // In a batch, the item fails with the code the unary call would have had.
  {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    auto stream = eligibility().CheckEligibilityBatch(&context);
    v1::CheckEligibilityBatchRequest item;
    item.set_item_id("by-name");
    *item.mutable_check() = ByName(donor.name(), today());
    ASSERT_TRUE(stream->Write(item));
    item.set_item_id("inline");
    *item.mutable_check() = Inline(KazakhFacts(), today());
    ASSERT_TRUE(stream->Write(item));
    stream->WritesDone();
    v1::CheckEligibilityBatchResponse response;
    std::map<std::string, v1::CheckEligibilityBatchResponse> responses;
    while (stream->Read(&response)) responses[response.item_id()] = response;
    EXPECT_TRUE(stream->Finish().ok());
    ASSERT_TRUE(responses["by-name"].has_error());
    EXPECT_EQ(responses["by-name"].error().code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_TRUE(responses["inline"].has_decision());
  }

  // What needs no registry still works.
  EXPECT_TRUE(MustCheck(Inline(KazakhFacts(), today())).eligible());
  v1::ListRulePacksResponse packs;
  EXPECT_TRUE(Call(eligibility(), &ES::ListRulePacks, v1::ListRulePacksRequest(), &packs).ok());
  EXPECT_EQ(packs.rule_packs_size(), 5);
  // The eligibility server itself stays healthy: it stores nothing and depends on no Redis.
  EXPECT_OK(
      WaitForHealth(LoopbackChannel(env().eligibility().target()), "blooddrive.v1.Eligibility"));

  // Back on the same port (its data is in Redis): by-name checks work again.
  ASSERT_OK(env().registry().Start());
  grpc::Status status;
  // Eligibility's channel reconnects after its backoff (about a second after a short outage).
  for (int i = 0; i < 100; ++i) {
    status = Call(eligibility(), &ES::CheckEligibility, ByName(donor.name(), today()), &decision);
    if (status.ok()) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_TRUE(decision.eligible());
  EXPECT_EQ(decision.donor(), donor.name());
}

}  // namespace
}  // namespace blooddrive::testing
