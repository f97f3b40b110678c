// Exact civil-date arithmetic: 29 February birthdays, the 365-day window across a leap day,
// calendar months, exclusive deferral ends, and next eligible dates.
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "proto_convert.h"
#include "test_util.h"

namespace blooddrive::eligibility::testing {
namespace {

constexpr v1::DonationType WB = v1::DONATION_TYPE_WHOLE_BLOOD;
constexpr v1::DonationType PA = v1::DONATION_TYPE_PLASMA;

std::shared_ptr<const CompiledPack> MakePack(const std::string& rules) {
  const std::string text = absl::StrCat(
      "id: \"t\" version: \"1\" jurisdiction: \"INT\" title: \"T\"\n"
      "sources { id: \"s\" citation: \"S\" }\n",
      rules);
  auto set = PackSet::LoadTexts({{"t.textproto", text}});
  EXPECT_TRUE(set.ok()) << set.status();
  if (!set.ok()) return nullptr;
  auto pack = (*set)->Activate("t");
  EXPECT_TRUE(pack.ok()) << pack.status();
  return pack.ok() ? *pack : nullptr;
}

std::string Rule(const std::string& id, const std::string& body) {
  return absl::StrCat("rules { id: \"", id, "\" citation { source: \"s\" } ", body, " }\n");
}

TEST(DayNumbers, MatchAbslForEveryDayFrom1900To2100) {
  const absl::CivilDay epoch(1970, 1, 1);
  for (absl::CivilDay d(1900, 1, 1); d <= absl::CivilDay(2100, 12, 31); ++d) {
    ASSERT_EQ(ToDay(d), d - epoch) << d;
    ASSERT_EQ(FromDay(ToDay(d)), d) << d;
  }
}

TEST(Age, LeapDayBirthdayIsFirstMarchInCommonYears) {
  auto pack = MakePack(Rule("age", "age { min_age_years: 18 max_age_years: 65 }"));
  const Donor young("2004-02-29", 'F');
  Decision d = Decide(*pack, young, WB, D("2022-02-28"));
  EXPECT_FALSE(d.eligible);
  ASSERT_EQ(d.reasons.size(), 1u);
  EXPECT_EQ(d.reasons[0].end_date(), D("2022-03-01"));
  EXPECT_TRUE(Decide(*pack, young, WB, D("2022-03-01")).eligible);

  const Donor old("1956-02-29", 'M');  // 66 on 1 March 2022
  EXPECT_TRUE(Decide(*pack, old, WB, D("2022-02-28")).eligible);
  d = Decide(*pack, old, WB, D("2022-03-01"));
  EXPECT_FALSE(d.eligible);
  EXPECT_TRUE(d.reasons[0].permanent);
}

TEST(Age, LeapDayBirthdayIsTheLeapDayInLeapYears) {
  auto pack = MakePack(Rule("age", "age { min_age_years: 20 }"));
  const Donor donor("2004-02-29", 'F');
  EXPECT_FALSE(Decide(*pack, donor, WB, D("2024-02-28")).eligible);
  EXPECT_EQ(Decide(*pack, donor, WB, D("2024-02-28")).reasons[0].end_date(), D("2024-02-29"));
  EXPECT_TRUE(Decide(*pack, donor, WB, D("2024-02-29")).eligible);
}

TEST(Window, Is365DaysEndingOnTheDateAcrossALeapDay) {
  auto pack = MakePack(Rule(
      "annual", "annual_maximum { donation_types: [DONATION_TYPE_WHOLE_BLOOD] max_count: 2 }"));
  // 2024-03-01 - 364 days = 2023-03-03 (the window holds 29 February 2024).
  const absl::CivilDay day = D("2024-03-01");
  EXPECT_EQ(day - 364, D("2023-03-03"));
  const Donor outside = Donor("1990-01-01", 'M').Donations("WB 2023-03-02, WB 2024-02-01");
  EXPECT_TRUE(Decide(*pack, outside, WB, day).eligible);
  const Donor inside = Donor("1990-01-01", 'M').Donations("WB 2023-03-03, WB 2024-02-01");
  Decision d = Decide(*pack, inside, WB, day);
  EXPECT_FALSE(d.eligible);
  ASSERT_EQ(d.reasons.size(), 1u);
  EXPECT_EQ(d.reasons[0].end_date(), D("2024-03-02"));
  EXPECT_EQ(d.reasons[0].value, 2);
  // Other types do not count towards a whole-blood maximum, nor does the maximum bind them.
  EXPECT_TRUE(Decide(*pack, inside, PA, day).eligible);
}

TEST(Window, WindowLengthIsConfigurable) {
  auto pack = MakePack(Rule("annual",
                            "annual_maximum { donation_types: [DONATION_TYPE_PLASMA] "
                            "max_count: 1 window_days: 28 }"));
  const Donor donor = Donor("1990-01-01", 'M').Donations("PA 2024-02-10");
  EXPECT_FALSE(Decide(*pack, donor, PA, D("2024-03-08")).eligible);  // 27 days later
  EXPECT_TRUE(Decide(*pack, donor, PA, D("2024-03-09")).eligible);   // 28 days later
}

TEST(Window, BookingsAfterTheDateCount) {
  auto pack = MakePack(Rule(
      "annual", "annual_maximum { donation_types: [DONATION_TYPE_WHOLE_BLOOD] max_count: 2 }"));
  const absl::CivilDay day = D("2024-06-01");
  const Donor donor = Donor("1990-01-01", 'M').Donations("WB 2024-05-22, WB 2024-06-11");
  Decision d = Decide(*pack, donor, WB, day);
  EXPECT_FALSE(d.eligible);
  // Blocked while a 365-day window can hold both donations and this one: until 2024-05-22 + 365.
  EXPECT_EQ(d.reasons[0].end_date(), D("2024-05-22") + 365);
}

TEST(Interval, CountsCalendarDaysAcrossFebruary) {
  auto pack = MakePack(Rule("interval",
                            "interval { from_type: DONATION_TYPE_WHOLE_BLOOD to_type: "
                            "DONATION_TYPE_PLASMA min_days: 28 }"));
  const Donor leap = Donor("1990-01-01", 'M').Donations("WB 2024-02-15");
  EXPECT_FALSE(Decide(*pack, leap, PA, D("2024-03-13")).eligible);
  EXPECT_TRUE(Decide(*pack, leap, PA, D("2024-03-14")).eligible);
  const Donor common = Donor("1990-01-01", 'M').Donations("WB 2023-02-15");
  EXPECT_FALSE(Decide(*pack, common, PA, D("2023-03-14")).eligible);
  EXPECT_TRUE(Decide(*pack, common, PA, D("2023-03-15")).eligible);
  // The other direction: plasma booked on 2024-03-20 does not constrain whole blood (no rule
  // plasma -> whole blood), but whole blood then may not come before 2024-02-21.
  const Donor booked = Donor("1990-01-01", 'M').Donations("PA 2024-03-20");
  EXPECT_FALSE(Decide(*pack, booked, WB, D("2024-02-22")).eligible);
  EXPECT_TRUE(Decide(*pack, booked, WB, D("2024-02-21")).eligible);
  EXPECT_TRUE(Decide(*pack, booked, WB, D("2024-03-20")).eligible);
}

TEST(Months, ClampToTheMonthsLastDay) {
  EXPECT_EQ(AddMonths(D("2024-01-31"), 1), D("2024-02-29"));
  EXPECT_EQ(AddMonths(D("2023-01-31"), 1), D("2023-02-28"));
  EXPECT_EQ(AddMonths(D("2024-08-31"), 1), D("2024-09-30"));
  EXPECT_EQ(AddMonths(D("2023-12-31"), 2), D("2024-02-29"));
  EXPECT_EQ(AddMonths(D("2024-02-29"), 12), D("2025-02-28"));
  EXPECT_EQ(AddMonths(D("2024-05-15"), 120), D("2034-05-15"));
}

TEST(Deferral, ResolvesByCodeAndEndsExclusively) {
  auto pack = MakePack(
      Rule("deferral.tattoo",
           "deferral_duration { code: DEFERRAL_CODE_TATTOO_OR_PIERCING months: 6 }") +
      Rule("deferral.marker",
           "deferral_duration { code: DEFERRAL_CODE_INFECTIOUS_DISEASE_MARKER permanent: true }"));
  auto tattoo = ResolveDeferral(*pack, v1::DEFERRAL_CODE_TATTOO_OR_PIERCING, D("2023-08-31"));
  ASSERT_TRUE(tattoo.ok());
  EXPECT_EQ(tattoo->end_date, D("2024-02-29"));
  EXPECT_EQ(tattoo->rule->id, "deferral.tattoo");
  auto marker =
      ResolveDeferral(*pack, v1::DEFERRAL_CODE_INFECTIOUS_DISEASE_MARKER, D("2023-08-31"));
  ASSERT_TRUE(marker.ok());
  EXPECT_TRUE(marker->permanent);
  EXPECT_EQ(ResolveDeferral(*pack, v1::DEFERRAL_CODE_SURGERY, D("2023-08-31")).status().code(),
            absl::StatusCode::kNotFound);

  auto proto = ResolveDeferralProto(*pack, v1::DEFERRAL_CODE_TATTOO_OR_PIERCING, D("2023-08-31"));
  ASSERT_TRUE(proto.ok());
  EXPECT_EQ(proto->end_date().month(), 2);
  EXPECT_EQ(proto->end_date().day(), 29);
  EXPECT_EQ(proto->source_text(), "S");

  const Donor recorded =
      Donor("1990-01-01", 'M').Deferral(v1::DEFERRAL_CODE_SURGERY, "2024-05-01", "2024-06-10");
  EXPECT_FALSE(Decide(*pack, recorded, WB, D("2024-06-09")).eligible);
  EXPECT_TRUE(Decide(*pack, recorded, WB, D("2024-06-10")).eligible);
  EXPECT_TRUE(Decide(*pack, recorded, WB, D("2024-04-30")).eligible);  // not started yet
}

TEST(NextDates, JumpsOverEveryBlockingReason) {
  auto pack = MakePack(
      Rule("interval",
           "interval { from_type: DONATION_TYPE_WHOLE_BLOOD to_type: "
           "DONATION_TYPE_WHOLE_BLOOD min_days: 56 }") +
      Rule("annual",
           "annual_maximum { donation_types: [DONATION_TYPE_WHOLE_BLOOD] max_count: 3 }") +
      Rule("age", "age { min_age_years: 18 max_age_years: 65 }") +
      Rule("weight", "weight { min_weight_kg: 50 donation_types: [DONATION_TYPE_PLATELETS] }") +
      Rule("tattoo", "deferral_duration { code: DEFERRAL_CODE_TATTOO_OR_PIERCING months: 4 }"));
  // Three whole blood donations: the interval ends 2024-03-27; the window [D - 364, D] first
  // leaves out 2023-08-01 on 2024-07-31 (2024 has 29 February); the tattoo ends 2024-06-10.
  const Donor donor = Donor("1990-01-01", 'M')
                          .Weight(48)
                          .Donations("WB 2023-08-01, WB 2023-11-01, WB 2024-01-31")
                          .Deferral(v1::DEFERRAL_CODE_TATTOO_OR_PIERCING, "2024-02-10");
  auto next = NextEligibleDates(*pack, donor, D("2024-02-15"));
  EXPECT_EQ(next[0].outlook, v1::NextEligibleDate::OUTLOOK_DATE);
  EXPECT_EQ(next[0].date, D("2024-07-31"));
  EXPECT_EQ(next[3].date, D("2024-06-10"));  // plasma: only the tattoo deferral
  EXPECT_EQ(next[2].outlook, v1::NextEligibleDate::OUTLOOK_NEEDS_CHANGE);  // platelets: weight

  const Donor teen("2008-07-04", 'F');
  EXPECT_EQ(NextEligibleDate(*pack, teen, PA, D("2024-01-01")).date, D("2026-07-04"));
  const Donor senior("1958-07-04", 'F');
  EXPECT_EQ(NextEligibleDate(*pack, senior, PA, D("2024-01-01")).outlook,
            v1::NextEligibleDate::OUTLOOK_DATE);
  EXPECT_EQ(NextEligibleDate(*pack, senior, PA, D("2024-07-04")).outlook,
            v1::NextEligibleDate::OUTLOOK_PERMANENT);
}

TEST(Decision, ReasonsAreOrderedByRuleIdAndConvertToProto) {
  auto pack = MakePack(Rule("z.weight", "weight { min_weight_kg: 50 }") +
                       Rule("a.age", "age { min_age_years: 18 }") +
                       Rule("m.interval",
                            "interval { from_type: DONATION_TYPE_WHOLE_BLOOD "
                            "to_type: DONATION_TYPE_PLASMA min_days: 28 }"));
  const Donor donor = Donor("2010-01-01", 'F').Weight(40).Donations("WB 2024-05-20");
  const v1::EligibilityDecision d =
      BuildDecision(*pack, donor, PA, D("2024-06-01"), kNoSlot, "", v1::BLOOD_GROUP_O_POSITIVE);
  EXPECT_FALSE(d.eligible());
  ASSERT_EQ(d.reasons_size(), 3);
  EXPECT_EQ(d.reasons(0).rule_id(), "a.age");
  EXPECT_EQ(d.reasons(1).rule_id(), "m.interval");
  EXPECT_EQ(d.reasons(2).rule_id(), "z.weight");
  EXPECT_EQ(d.reasons(1).message(),
            "whole blood 2024-05-20; needs 28 days between, until 2024-06-17");
  EXPECT_EQ(d.reasons(1).end_date().day(), 17);
  EXPECT_FALSE(d.reasons(2).has_end_date());
  EXPECT_EQ(d.reasons(2).source_text(), "S");
  EXPECT_EQ(d.next_eligible_dates_size(), 4);
  EXPECT_EQ(d.next_eligible_dates(3).outlook(), v1::NextEligibleDate::OUTLOOK_NEEDS_CHANGE);
  EXPECT_EQ(d.rule_pack(), "rulePacks/t");
}

TEST(Facts, FromProtoNamesTheBadField) {
  v1::EligibilityFacts facts;
  facts.mutable_birth_date()->set_year(1990);
  facts.mutable_birth_date()->set_month(2);
  facts.mutable_birth_date()->set_day(30);
  facts.set_sex(v1::SEX_MALE);
  DonationList none;
  auto bad = FactsFromProto(facts, none, "check.facts");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("check.facts.birth_date"));
  facts.mutable_birth_date()->set_day(28);
  v1::Donation* d = facts.add_donations();
  d->mutable_donation_date()->set_year(2024);
  d->mutable_donation_date()->set_month(1);
  d->mutable_donation_date()->set_day(5);
  d->set_donation_type(v1::DONATION_TYPE_PLASMA);
  d->set_outcome(v1::DONATION_OUTCOME_DONATED);
  auto good = FactsFromProto(facts, none, "check.facts");
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(good->donations().size(), 1u);
}

}  // namespace
}  // namespace blooddrive::eligibility::testing
