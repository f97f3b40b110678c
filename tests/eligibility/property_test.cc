// Properties over randomized donors (fixed seed, so failures reproduce):
// 1. A decision agrees with the rules evaluated one at a time: the blocking rules of the whole
//    pack are exactly the union of those of single-rule packs (so an eligible decision never
//    contradicts any single rule, and an ineligible one always names a rule that refuses alone).
// 2. The next eligible date is the earliest day >= the asked date on which Decide says eligible,
//    checked by brute force day by day for two years.
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "test_util.h"

namespace blooddrive::eligibility::testing {
namespace {

constexpr int kDonors = 150;
constexpr int kHorizonDays = 730;

DonorFacts RandomDonor(std::mt19937& rng, absl::CivilDay today) {
  auto uniform = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  DonorFacts f;
  // Some donors are born on 29 February; ages span below the minimum to above the maximum.
  const absl::CivilDay birth = uniform(0, 9) == 0 ? absl::CivilDay(1952 + 4 * uniform(0, 13), 2, 29)
                                                  : today - uniform(15 * 365, 72 * 365);
  f.set_birth_date(birth);
  f.set_sex(static_cast<v1::Sex>(uniform(0, 2)));
  f.set_weight_kg(uniform(0, 4) == 0 ? 0 : uniform(450, 1000) / 10.0);
  f.set_latest_hemoglobin_g_per_l(uniform(0, 4) == 0 ? 0 : uniform(110, 170));
  f.set_first_time(uniform(0, 3) == 0);
  const int past = uniform(0, 20);
  for (int i = 0; i < past; ++i) {
    f.AddDonation(today - uniform(1, 3 * 365), static_cast<v1::DonationType>(uniform(1, 4)));
  }
  const int booked = uniform(0, 2);  // assumed future donations
  for (int i = 0; i < booked; ++i) {
    f.AddDonation(today + uniform(0, 90), static_cast<v1::DonationType>(uniform(1, 4)));
  }
  const int deferrals = uniform(0, 2);
  for (int i = 0; i < deferrals; ++i) {
    const auto code = static_cast<v1::DeferralCode>(uniform(1, 15));
    const absl::CivilDay start = today - uniform(0, 400);
    const absl::CivilDay end = start + uniform(1, 500);
    const int kind = uniform(0, 9);  // mostly by code, some with an end, rarely permanent
    f.AddDeferral(code, start, kind < 6 ? nullptr : &end, kind == 9);
  }
  if (uniform(0, 3) != 0)
    f.AddDocument(v1::DOCUMENT_TYPE_IIN, uniform(0, 5) ? "KZ" : "UZ", nullptr);
  if (uniform(0, 2) == 0) {
    const absl::CivilDay expiry = today + uniform(-100, 900);
    f.AddDocument(v1::DOCUMENT_TYPE_PASSPORT, uniform(0, 1) ? "UZ" : "KZ", &expiry);
  }
  if (uniform(0, 3) == 0) f.set_citizenship(uniform(0, 1) ? "KZ" : "TJ");
  return f;
}

std::set<std::string> BlockingRules(const Decision& d) {
  std::set<std::string> ids;
  for (const Reason& r : d.reasons) {
    if (r.blocking) ids.insert(r.rule->id);
  }
  return ids;
}

// Each rule alone, with the pack's deferral durations (data the deferral facts need, not
// checks of their own).
std::vector<std::shared_ptr<const CompiledPack>> SingleRulePacks(const CompiledPack& pack) {
  std::vector<std::shared_ptr<const CompiledPack>> singles;
  for (const v1::Rule& rule : pack.effective().rules()) {
    if (rule.has_deferral_duration()) continue;
    v1::RulePack one = pack.effective();
    one.clear_rules();
    *one.add_rules() = rule;
    for (const v1::Rule& r : pack.effective().rules()) {
      if (r.has_deferral_duration()) *one.add_rules() = r;
    }
    auto compiled = CompiledPack::Compile(one, {one.id()});
    EXPECT_TRUE(compiled.ok()) << compiled.status();
    singles.push_back(std::move(*compiled));
  }
  return singles;
}

class Properties : public ::testing::TestWithParam<std::string> {};

TEST_P(Properties, DecisionIsTheUnionOfSingleRules) {
  auto pack = Pack(GetParam());
  ASSERT_NE(pack, nullptr);
  const auto singles = SingleRulePacks(*pack);
  std::mt19937 rng(20240603);
  int eligible = 0;
  for (int i = 0; i < kDonors; ++i) {
    const absl::CivilDay today = absl::CivilDay(2023, 1, 1) + static_cast<int>(rng() % 900);
    const DonorFacts facts = RandomDonor(rng, today);
    for (int t = 1; t <= 4; ++t) {
      const auto type = static_cast<v1::DonationType>(t);
      const int slot = static_cast<int>(rng() % 3) == 0 ? kNoSlot : static_cast<int>(rng() % 1440);
      const Decision whole = Decide(*pack, facts, type, today, slot);
      std::set<std::string> union_ids;
      for (const auto& single : singles) {
        const Decision alone = Decide(*single, facts, type, today, slot);
        if (whole.eligible) {
          EXPECT_TRUE(alone.eligible) << "donor " << i << " type " << t << ": eligible, but "
                                      << single->effective().rules(0).id() << " refuses alone";
        }
        for (const std::string& id : BlockingRules(alone)) union_ids.insert(id);
      }
      EXPECT_EQ(BlockingRules(whole), union_ids) << "donor " << i << " type " << t;
      EXPECT_EQ(whole.eligible, union_ids.empty()) << "donor " << i << " type " << t;
      eligible += whole.eligible ? 1 : 0;
    }
  }
  // The generator must exercise both outcomes.
  EXPECT_GT(eligible, kDonors / 10);
  EXPECT_LT(eligible, kDonors * 4 - kDonors / 10);
}

TEST_P(Properties, NextEligibleDateIsTheFirstEligibleDay) {
  auto pack = Pack(GetParam());
  ASSERT_NE(pack, nullptr);
  std::mt19937 rng(7);
  int dated = 0;
  for (int i = 0; i < kDonors; ++i) {
    const absl::CivilDay today = absl::CivilDay(2023, 1, 1) + static_cast<int>(rng() % 900);
    const DonorFacts facts = RandomDonor(rng, today);
    const auto next = NextEligibleDates(*pack, facts, today);
    for (int t = 0; t < kNumDonationTypes; ++t) {
      const v1::DonationType type = TypeFromIndex(t);
      ASSERT_EQ(next[t].type, type);
      absl::CivilDay first;
      bool found = false;
      for (int k = 0; k <= kHorizonDays && !found; ++k) {
        if (Decide(*pack, facts, type, today + k).eligible) {
          first = today + k;
          found = true;
        }
      }
      const std::string where =
          absl::StrCat("donor ", i, " type ", t, " from ", absl::FormatCivilTime(today));
      if (next[t].outlook == v1::NextEligibleDate::OUTLOOK_DATE) {
        ++dated;
        ASSERT_GE(next[t].date, today) << where;
        EXPECT_TRUE(Decide(*pack, facts, type, next[t].date).eligible) << where;
        if (next[t].date <= today + kHorizonDays) {
          EXPECT_TRUE(found) << where;
          EXPECT_EQ(next[t].date, first) << where;
        } else {
          EXPECT_FALSE(found) << where;
        }
      } else {
        EXPECT_FALSE(found) << where << " outlook " << next[t].outlook << " but eligible on "
                            << absl::FormatCivilTime(first);
      }
    }
  }
  EXPECT_GT(dated, kDonors / 2);  // enough dated answers to mean something
}

INSTANTIATE_TEST_SUITE_P(Packs, Properties,
                         ::testing::Values("who-2012", "eu-uk", "us", "kz-astana"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) c = c == '-' ? '_' : c;
                           return name;
                         });

}  // namespace
}  // namespace blooddrive::eligibility::testing
