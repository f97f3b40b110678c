// CheckEligibility, GetNextEligibleDates and ResolveDeferral through gRPC, with facts from a real
// registry (over a real Redis) or given inline, under the shipped kz-astana pack (active).
#include <gmock/gmock.h>

#include "eligibility_fixture.h"

namespace blooddrive::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ES = EligibilityStub;

constexpr v1::DonationType kWholeBlood = v1::DONATION_TYPE_WHOLE_BLOOD;
constexpr v1::DonationType kPlasma = v1::DONATION_TYPE_PLASMA;

class CheckTest : public EligibilityTest {};

TEST_F(CheckTest, ByNameSeesTheRegistryHistoryAndItsChanges) {
  const v1::Donor donor = MustCreate(Kazakh(1));
  ASSERT_FALSE(donor.name().empty());

  // No donation yet: a first-time donor, eligible today.
  v1::EligibilityDecision decision = MustCheck(ByName(donor.name(), today()));
  EXPECT_TRUE(decision.eligible()) << decision.DebugString();
  EXPECT_TRUE(decision.first_time());
  EXPECT_EQ(decision.donor(), donor.name());
  EXPECT_EQ(decision.blood_group(), v1::BLOOD_GROUP_A_POSITIVE);
  EXPECT_EQ(decision.rule_pack(), "rulePacks/kz-astana");
  EXPECT_EQ(decision.rule_pack_version(), "2024.1-astana");
  EXPECT_EQ(decision.next_eligible_dates_size(), 4);

  // Whole blood 30 days ago; kz-astana wants 60 days between whole-blood donations.
  const absl::CivilDay donated = today() - 30;
  MustDonate(donor, donated, kWholeBlood, /*hemoglobin=*/131);
  decision = MustCheck(ByName(donor.name(), today()));
  EXPECT_FALSE(decision.eligible());
  EXPECT_FALSE(decision.first_time());
  const v1::EligibilityReason* interval =
      FindReason(decision, v1::ELIGIBILITY_REASON_CODE_INTERVAL_NOT_ELAPSED);
  ASSERT_NE(interval, nullptr) << decision.DebugString();
  EXPECT_EQ(interval->rule_id(), "interval.whole-blood.whole-blood");
  EXPECT_EQ(interval->citation().source(), "astana-branch-policy");
  EXPECT_TRUE(interval->blocking());
  EXPECT_EQ(DayOf(interval->end_date()), donated + 60) << Show(interval->end_date());
  const v1::NextEligibleDate* next = NextFor(decision.next_eligible_dates(), kWholeBlood);
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(next->outlook(), v1::NextEligibleDate::OUTLOOK_DATE);
  EXPECT_EQ(DayOf(next->date()), donated + 60) << Show(next->date());
  // Plasma needs 30 days after whole blood: eligible today.
  EXPECT_EQ(DayOf(NextFor(decision.next_eligible_dates(), kPlasma)->date()), today());

  // On the next eligible date itself the donor may give again.
  EXPECT_TRUE(MustCheck(ByName(donor.name(), donated + 60)).eligible());
  EXPECT_FALSE(MustCheck(ByName(donor.name(), donated + 59)).eligible());

  // A plasma donation recorded today is seen by the very next check.
  MustDonate(donor, today(), kPlasma);
  decision = MustCheck(ByName(donor.name(), today() + 7, kPlasma));
  EXPECT_FALSE(decision.eligible());
  interval = FindReason(decision, v1::ELIGIBILITY_REASON_CODE_INTERVAL_NOT_ELAPSED);
  ASSERT_NE(interval, nullptr) << decision.DebugString();
  EXPECT_EQ(interval->rule_id(), "interval.plasma.plasma");
  EXPECT_EQ(DayOf(interval->end_date()), today() + 14);
}

TEST_F(CheckTest, DeferralFromTheRegistryIsAReason) {
  const v1::Donor donor = MustCreate(Kazakh(2));
  const v1::Deferral deferral =
      MustDefer(donor, v1::DEFERRAL_CODE_TATTOO_OR_PIERCING, today() - 10, today() + 355);
  ASSERT_FALSE(deferral.name().empty());
  const v1::EligibilityDecision decision = MustCheck(ByName(donor.name(), today()));
  EXPECT_FALSE(decision.eligible());
  const v1::EligibilityReason* deferred =
      FindReason(decision, v1::ELIGIBILITY_REASON_CODE_DEFERRED);
  ASSERT_NE(deferred, nullptr) << decision.DebugString();
  EXPECT_EQ(deferred->deferral_code(), v1::DEFERRAL_CODE_TATTOO_OR_PIERCING);
  EXPECT_EQ(deferred->deferral(), deferral.name());
  EXPECT_EQ(DayOf(deferred->end_date()), today() + 355);
  EXPECT_EQ(DayOf(NextFor(decision.next_eligible_dates(), kWholeBlood)->date()), today() + 355);
  EXPECT_TRUE(MustCheck(ByName(donor.name(), today() + 355)).eligible());
}

TEST_F(CheckTest, InlineFactsNeedNoRegistryEntry) {
  v1::EligibilityFacts facts = KazakhFacts(/*first_time=*/false);
  v1::EligibilityDecision decision = MustCheck(Inline(facts, today()));
  EXPECT_TRUE(decision.eligible()) << decision.DebugString();
  EXPECT_EQ(decision.donor(), "");
  EXPECT_EQ(decision.blood_group(), v1::BLOOD_GROUP_B_NEGATIVE);

  v1::Donation* past = facts.add_donations();
  *past->mutable_donation_date() = ToDate(today() - 30);
  past->set_donation_type(kWholeBlood);
  past->set_outcome(v1::DONATION_OUTCOME_DONATED);
  decision = MustCheck(Inline(facts, today()));
  EXPECT_FALSE(decision.eligible());
  EXPECT_EQ(DayOf(NextFor(decision.next_eligible_dates(), kWholeBlood)->date()), today() + 30);

  // A migrant with a passport only: kz asks foreign citizens for an IIN too.
  v1::EligibilityFacts migrant = KazakhFacts(/*first_time=*/false);
  migrant.set_citizenship("UZ");
  migrant.clear_documents();
  v1::IdentityDocument* passport = migrant.add_documents();
  passport->set_type(v1::DOCUMENT_TYPE_PASSPORT);
  passport->set_number("AA1234567");
  passport->set_issuing_country("UZ");
  decision = MustCheck(Inline(migrant, today()));
  EXPECT_FALSE(decision.eligible());
  const v1::EligibilityReason* documents =
      FindReason(decision, v1::ELIGIBILITY_REASON_CODE_DOCUMENTS_MISSING);
  ASSERT_NE(documents, nullptr) << decision.DebugString();
  EXPECT_EQ(documents->rule_id(), "documents.foreign-citizens");
  EXPECT_THAT(documents->missing_documents(), ElementsAre(v1::DOCUMENT_TYPE_IIN));
  EXPECT_EQ(NextFor(decision.next_eligible_dates(), kWholeBlood)->outlook(),
            v1::NextEligibleDate::OUTLOOK_NEEDS_CHANGE);
}

TEST_F(CheckTest, AssumedDonationsCountAsMade) {
  const v1::Donor donor = MustCreate(Kazakh(3));
  v1::CheckEligibilityRequest request = ByName(donor.name(), today());
  v1::Donation* booked = request.add_assumed_donations();
  *booked->mutable_donation_date() = ToDate(today() + 20);
  booked->set_donation_type(kWholeBlood);
  // A booking in 20 days: donating today would break the 60-day interval before it.
  v1::EligibilityDecision decision = MustCheck(request);
  EXPECT_FALSE(decision.eligible()) << decision.DebugString();
  EXPECT_NE(FindReason(decision, v1::ELIGIBILITY_REASON_CODE_INTERVAL_NOT_ELAPSED), nullptr);
  // Assumed donations are not stored: the same check without them is eligible.
  EXPECT_TRUE(MustCheck(ByName(donor.name(), today())).eligible());

  *booked->mutable_donation_date() = ToDate(today() - 10);
  decision = MustCheck(request);
  EXPECT_FALSE(decision.eligible());
  EXPECT_EQ(DayOf(NextFor(decision.next_eligible_dates(), kWholeBlood)->date()), today() + 50);

  booked->clear_donation_date();
  v1::EligibilityDecision out;
  EXPECT_TRUE(IsInvalidField(Call(eligibility(), &ES::CheckEligibility, request, &out),
                             "assumed_donations[0].donation_date"));
  for (int i = 0; i < 21; ++i) *request.add_assumed_donations() = request.assumed_donations(0);
  EXPECT_TRUE(IsInvalidField(Call(eligibility(), &ES::CheckEligibility, request, &out),
                             "assumed_donations"));
}

TEST_F(CheckTest, FirstTimeDonorsOnlyInSlotsBeforeTen) {
  const v1::Donor first_timer = MustCreate(Kazakh(4));
  const v1::Donor regular = MustCreate(Kazakh(5));
  MustDonate(regular, today() - 200, kWholeBlood, 140);
  auto at = [&](const v1::Donor& donor, int hours, int minutes) {
    v1::CheckEligibilityRequest request = ByName(donor.name(), today());
    request.mutable_slot_start()->set_hours(hours);
    request.mutable_slot_start()->set_minutes(minutes);
    return request;
  };
  EXPECT_TRUE(MustCheck(at(first_timer, 9, 59)).eligible());
  v1::EligibilityDecision decision = MustCheck(at(first_timer, 10, 0));
  EXPECT_FALSE(decision.eligible());
  const v1::EligibilityReason* slot =
      FindReason(decision, v1::ELIGIBILITY_REASON_CODE_SLOT_TIME_NOT_ALLOWED);
  ASSERT_NE(slot, nullptr) << decision.DebugString();
  EXPECT_EQ(slot->rule_id(), "slot.first-time-before-10");
  EXPECT_EQ(slot->citation().source(), "astana-branch-policy");
  EXPECT_TRUE(MustCheck(at(regular, 15, 30)).eligible());
  // Without a slot time the rule has nothing to check.
  EXPECT_TRUE(MustCheck(ByName(first_timer.name(), today())).eligible());
  // Another pack, named in the request, has no such branch rule.
  v1::CheckEligibilityRequest eu = at(first_timer, 15, 30);
  eu.set_rule_pack("rulePacks/eu-uk");
  decision = MustCheck(eu);
  EXPECT_EQ(decision.rule_pack(), "rulePacks/eu-uk");
  EXPECT_EQ(FindReason(decision, v1::ELIGIBILITY_REASON_CODE_SLOT_TIME_NOT_ALLOWED), nullptr);

  v1::EligibilityDecision out;
  v1::CheckEligibilityRequest bad = at(first_timer, 24, 0);
  EXPECT_TRUE(IsInvalidField(Call(eligibility(), &ES::CheckEligibility, bad, &out), "slot_start"));
}

TEST_F(CheckTest, NextEligibleDatesFilteredByType) {
  const v1::Donor donor = MustCreate(Kazakh(6));
  MustDonate(donor, today() - 30, kWholeBlood, 130);
  v1::GetNextEligibleDatesRequest request;
  request.set_donor(donor.name());
  *request.mutable_from_date() = ToDate(today());
  request.add_donation_types(kPlasma);
  request.add_donation_types(kWholeBlood);
  v1::GetNextEligibleDatesResponse response;
  grpc::Status status = Call(eligibility(), &ES::GetNextEligibleDates, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.next_eligible_dates_size(), 2) << response.DebugString();
  // Ordered by DonationType value whatever order the request named them in.
  EXPECT_EQ(response.next_eligible_dates(0).donation_type(), kWholeBlood);
  EXPECT_EQ(DayOf(response.next_eligible_dates(0).date()), today() + 30);
  EXPECT_EQ(response.next_eligible_dates(1).donation_type(), kPlasma);
  EXPECT_EQ(DayOf(response.next_eligible_dates(1).date()), today());
  EXPECT_EQ(response.rule_pack(), "rulePacks/kz-astana");
  EXPECT_EQ(response.rule_pack_version(), "2024.1-astana");

  request.clear_donation_types();
  ASSERT_TRUE(Call(eligibility(), &ES::GetNextEligibleDates, request, &response).ok());
  EXPECT_EQ(response.next_eligible_dates_size(), 4);

  // Inline facts, with a booking assumed.
  v1::GetNextEligibleDatesRequest inline_request;
  *inline_request.mutable_facts() = KazakhFacts(false);
  *inline_request.mutable_from_date() = ToDate(today());
  inline_request.add_donation_types(kWholeBlood);
  v1::Donation* booked = inline_request.add_assumed_donations();
  *booked->mutable_donation_date() = ToDate(today() + 1);
  booked->set_donation_type(kWholeBlood);
  ASSERT_TRUE(Call(eligibility(), &ES::GetNextEligibleDates, inline_request, &response).ok());
  ASSERT_EQ(response.next_eligible_dates_size(), 1);
  EXPECT_EQ(DayOf(response.next_eligible_dates(0).date()), today() + 61);

  request.add_donation_types(kWholeBlood);
  request.add_donation_types(static_cast<v1::DonationType>(99));
  EXPECT_TRUE(IsInvalidField(Call(eligibility(), &ES::GetNextEligibleDates, request, &response),
                             "donation_types[1]"));
  request.clear_donation_types();
  request.clear_from_date();
  EXPECT_TRUE(IsInvalidField(Call(eligibility(), &ES::GetNextEligibleDates, request, &response),
                             "from_date"));
  request.clear_donor();
  EXPECT_TRUE(IsInvalidField(Call(eligibility(), &ES::GetNextEligibleDates, request, &response),
                             "donor_source"));
}

TEST_F(CheckTest, ResolveDeferralUnderTheLayeredPack) {
  v1::ResolveDeferralRequest request;
  request.set_code(v1::DEFERRAL_CODE_TATTOO_OR_PIERCING);
  *request.mutable_start_date() = ToDate(absl::CivilDay(2024, 2, 29));
  v1::ResolveDeferralResponse response;
  grpc::Status status = Call(eligibility(), &ES::ResolveDeferral, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.rule_id(), "deferral.tattoo-or-piercing");  // set by the branch layer
  EXPECT_EQ(response.citation().source(), "astana-branch-policy");
  EXPECT_FALSE(response.permanent());
  EXPECT_EQ(response.end_date().year(), 2025) << Show(response.end_date());

  request.set_code(v1::DEFERRAL_CODE_ACUTE_INFECTION);  // from the kz base pack
  *request.mutable_start_date() = ToDate(absl::CivilDay(2026, 1, 15));
  ASSERT_TRUE(Call(eligibility(), &ES::ResolveDeferral, request, &response).ok());
  EXPECT_EQ(response.rule_id(), "deferral.acute-infection");
  EXPECT_EQ(DayOf(response.end_date()), absl::CivilDay(2026, 2, 15));
  EXPECT_EQ(response.citation().source(), "blood-centre-memo");

  request.set_code(v1::DEFERRAL_CODE_INFECTIOUS_DISEASE_MARKER);
  ASSERT_TRUE(Call(eligibility(), &ES::ResolveDeferral, request, &response).ok());
  EXPECT_TRUE(response.permanent());
  EXPECT_EQ(response.end_date().year(), 0);

  request.clear_start_date();
  EXPECT_TRUE(
      IsInvalidField(Call(eligibility(), &ES::ResolveDeferral, request, &response), "start_date"));
  request.set_code(v1::DEFERRAL_CODE_UNSPECIFIED);
  EXPECT_TRUE(
      IsInvalidField(Call(eligibility(), &ES::ResolveDeferral, request, &response), "code"));
}

TEST_F(CheckTest, BadInputNamesTheField) {
  const v1::CheckEligibilityRequest good = Inline(KazakhFacts(), today());
  v1::EligibilityDecision out;
  auto check = [&](const v1::CheckEligibilityRequest& request) {
    return Call(eligibility(), &ES::CheckEligibility, request, &out);
  };
  ASSERT_TRUE(check(good).ok());

  v1::CheckEligibilityRequest request = good;
  request.clear_facts();
  EXPECT_TRUE(IsInvalidField(check(request), "donor_source"));
  request = good;
  request.set_donation_type(v1::DONATION_TYPE_UNSPECIFIED);
  EXPECT_TRUE(IsInvalidField(check(request), "donation_type"));
  request = good;
  request.clear_date();
  EXPECT_TRUE(IsInvalidField(check(request), "date"));
  request = good;
  request.mutable_date()->set_month(13);
  EXPECT_TRUE(IsInvalidField(check(request), "date"));
  request = good;
  request.mutable_facts()->clear_birth_date();
  EXPECT_TRUE(IsInvalidField(check(request), "facts.birth_date"));
  request = good;
  request.mutable_facts()->set_latest_hemoglobin_g_per_l(20);
  EXPECT_TRUE(IsInvalidField(check(request), "facts.latest_hemoglobin_g_per_l"));
  request = good;
  request.set_donor("Aigerim Serikova");  // personal data where a resource name belongs
  EXPECT_TRUE(IsInvalidField(check(request), "donor"));
  EXPECT_THAT(check(request).error_message(), ::testing::Not(HasSubstr("Serikova")));
  request = good;
  request.set_rule_pack("kz-astana");
  EXPECT_TRUE(IsInvalidField(check(request), "rule_pack"));
}

TEST_F(CheckTest, UnknownDonorOrRulePackIsNotFound) {
  v1::EligibilityDecision out;
  const grpc::Status donor =
      Call(eligibility(), &ES::CheckEligibility, ByName("donors/nobody", today()), &out);
  EXPECT_TRUE(HasCode(donor, grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(donor.error_message(), HasSubstr("donor"));

  v1::CheckEligibilityRequest request = Inline(KazakhFacts(), today());
  request.set_rule_pack("rulePacks/atlantis");
  const grpc::Status pack = Call(eligibility(), &ES::CheckEligibility, request, &out);
  EXPECT_TRUE(HasCode(pack, grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(pack.error_message(), HasSubstr("rule_pack"));

  v1::GetNextEligibleDatesRequest next;
  *next.mutable_facts() = KazakhFacts();
  *next.mutable_from_date() = ToDate(today());
  next.set_rule_pack("rulePacks/atlantis");
  v1::GetNextEligibleDatesResponse dates;
  EXPECT_TRUE(HasCode(Call(eligibility(), &ES::GetNextEligibleDates, next, &dates),
                      grpc::StatusCode::NOT_FOUND));
  v1::ResolveDeferralRequest resolve;
  resolve.set_code(v1::DEFERRAL_CODE_DENTAL_WORK);
  *resolve.mutable_start_date() = ToDate(today());
  resolve.set_rule_pack("rulePacks/atlantis");
  v1::ResolveDeferralResponse resolved;
  EXPECT_TRUE(HasCode(Call(eligibility(), &ES::ResolveDeferral, resolve, &resolved),
                      grpc::StatusCode::NOT_FOUND));
}

}  // namespace
}  // namespace blooddrive::testing
