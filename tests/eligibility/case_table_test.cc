// Case tables: per shipped pack, donors at the edges of each rule, each case naming the rule it
// exercises. "kz" cannot decide on its own (values left to the branch), so its rules are
// exercised through its example branch layer "kz-astana".
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "test_util.h"

namespace blooddrive::eligibility::testing {
namespace {

using v1::DOCUMENT_TYPE_IIN;
using v1::DOCUMENT_TYPE_PASSPORT;

struct Case {
  std::string pack;
  std::string name;
  std::string rule;  // the rule the case exercises
  std::function<Donor()> donor;
  std::string type;  // WB, DR, PL, PA
  std::string date;
  int slot;  // minutes after midnight, or kNoSlot
  bool eligible;
  // For the rule's reason: "" no reason expected (or not checked when ineligible), "advise" a
  // non-blocking reason, "permanent", "open" (no end date), or the expected end date.
  std::string end;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.pack << ": " << c.name << " (" << c.rule << ")";
}

Donor Man() { return Donor("1990-05-01", 'M').Weight(75).Hb(150); }
Donor Woman() { return Donor("1992-08-15", 'F').Weight(62).Hb(135); }
Donor KzMan() { return Man().Document(DOCUMENT_TYPE_IIN, "KZ"); }
Donor KzWoman() { return Woman().Document(DOCUMENT_TYPE_IIN, "KZ"); }

constexpr int N = kNoSlot;
const char kDay[] = "2024-06-03";

std::vector<Case> Cases() {
  return {
      // ---- eu-uk ----
      {"eu-uk", "healthy repeat donor", "age", Man, "WB", kDay, N, true, ""},
      {"eu-uk", "17 until tomorrow", "age", [] { return Donor("2006-06-04", 'M').Weight(70); },
       "WB", kDay, N, false, "2024-06-04"},
      {"eu-uk", "18 today", "age", [] { return Donor("2006-06-03", 'M').Weight(70); }, "WB", kDay,
       N, true, ""},
      {"eu-uk", "66", "age", [] { return Donor("1958-06-02", 'M').Weight(70); }, "WB", kDay, N,
       false, "permanent"},
      {"eu-uk", "65 until tomorrow", "age", [] { return Donor("1958-06-04", 'M').Weight(70); },
       "WB", kDay, N, true, ""},
      {"eu-uk", "first-time at 61 advised", "age.first-time-over-60",
       [] { return Donor("1963-01-01", 'F').Weight(70).FirstTime(); }, "WB", kDay, N, true,
       "advise"},
      {"eu-uk", "49.5 kg", "weight", [] { return Man().Weight(49.5); }, "PA", kDay, N, false,
       "open"},
      {"eu-uk", "woman Hb 124", "hb.female", [] { return Woman().Hb(124); }, "WB", kDay, N, false,
       "open"},
      {"eu-uk", "woman Hb 125", "hb.female", [] { return Woman().Hb(125); }, "WB", kDay, N, true,
       ""},
      {"eu-uk", "man Hb 134", "hb.male", [] { return Man().Hb(134); }, "PL", kDay, N, false,
       "open"},
      {"eu-uk", "man Hb 130 gives plasma", "hb.male", [] { return Man().Hb(130); }, "PA", kDay, N,
       true, ""},
      {"eu-uk", "whole blood 83 days ago", "interval.whole-blood.whole-blood",
       [] { return Man().Donations("WB 2024-03-12"); }, "WB", kDay, N, false, "2024-06-04"},
      {"eu-uk", "whole blood 84 days ago", "interval.whole-blood.whole-blood",
       [] { return Man().Donations("WB 2024-03-11"); }, "WB", kDay, N, true, ""},
      {"eu-uk", "plasma 27 days after whole blood", "interval.whole-blood.plasma",
       [] { return Man().Donations("WB 2024-05-07"); }, "PA", kDay, N, false, "2024-06-04"},
      {"eu-uk", "woman's fourth whole blood in 365 days", "annual.whole-blood.female",
       [] { return Woman().Donations("WB 2023-07-01, WB 2023-10-01, WB 2024-01-15"); }, "WB", kDay,
       N, false, "2024-06-30"},
      {"eu-uk", "man's fourth whole blood in 365 days", "annual.whole-blood.male",
       [] { return Man().Donations("WB 2023-07-01, WB 2023-10-01, WB 2024-01-15"); }, "WB", kDay, N,
       true, ""},
      {"eu-uk", "platelets 13 days after platelets", "interval.platelets.platelets",
       [] { return Man().Donations("PL 2024-05-21"); }, "PL", kDay, N, false, "2024-06-04"},
      {"eu-uk", "25th apheresis in 365 days", "annual.apheresis",
       [] { return Man().Series("PL", "2023-06-20", 14, 24); }, "PL", kDay, N, false, ""},
      {"eu-uk", "double red cells after 181 days", "interval.double-red-cells.double-red-cells",
       [] { return Man().Donations("DR 2023-12-05"); }, "DR", kDay, N, false, "2024-06-04"},
      {"eu-uk", "tattoo deferral by code", "deferral.tattoo-or-piercing",
       [] { return Man().Deferral(v1::DEFERRAL_CODE_TATTOO_OR_PIERCING, "2024-01-10"); }, "WB",
       kDay, N, false, "2024-07-10"},
      {"eu-uk", "infectious marker is permanent", "deferral.infectious-disease-marker",
       [] { return Man().Deferral(v1::DEFERRAL_CODE_INFECTIOUS_DISEASE_MARKER, "2020-01-10"); },
       "PA", kDay, N, false, "permanent"},
      {"eu-uk", "booked whole blood in 4 weeks", "interval.whole-blood.whole-blood",
       [] { return Man().Donations("WB 2024-07-01"); }, "WB", kDay, N, false, "2024-07-01"},

      // ---- us ----
      {"us", "17 today", "age", [] { return Donor("2007-06-03", 'F').Weight(60); }, "WB", kDay, N,
       true, ""},
      {"us", "16 until tomorrow", "age", [] { return Donor("2007-06-04", 'F').Weight(60); }, "WB",
       kDay, N, false, "2024-06-04"},
      {"us", "no upper age limit", "age", [] { return Donor("1940-01-01", 'M').Weight(70); }, "WB",
       kDay, N, true, ""},
      {"us", "49.8 kg", "weight", [] { return Man().Weight(49.8); }, "WB", kDay, N, false, "open"},
      {"us", "49.9 kg (110 lb)", "weight", [] { return Woman().Weight(49.9); }, "WB", kDay, N, true,
       ""},
      {"us", "man of 58 kg for double red cells", "weight.double-red-cells.male",
       [] { return Man().Weight(58); }, "DR", kDay, N, false, "open"},
      {"us", "woman of 65 kg for double red cells", "weight.double-red-cells.female",
       [] { return Woman().Weight(65).Hb(140); }, "DR", kDay, N, false, "open"},
      {"us", "woman Hb 124", "hb.female", [] { return Woman().Hb(124); }, "WB", kDay, N, false,
       "open"},
      {"us", "man Hb 205 above maximum", "hb.male", [] { return Man().Hb(205); }, "WB", kDay, N,
       false, "open"},
      {"us", "double red cells at Hb 132", "hb.double-red-cells",
       [] { return Man().Weight(80).Hb(132); }, "DR", kDay, N, false, "open"},
      {"us", "whole blood after 55 days", "interval.whole-blood.whole-blood",
       [] { return Man().Donations("WB 2024-04-09"); }, "WB", kDay, N, false, "2024-06-04"},
      {"us", "whole blood after 56 days", "interval.whole-blood.whole-blood",
       [] { return Man().Donations("WB 2024-04-08"); }, "WB", kDay, N, true, ""},
      {"us", "platelets after 6 days", "interval.platelets.platelets",
       [] { return Man().Donations("PL 2024-05-28"); }, "PL", kDay, N, false, "2024-06-04"},
      {"us", "25th platelets in 365 days", "annual.platelets",
       [] { return Man().Series("PL", "2023-06-20", 14, 24); }, "PL", kDay, N, false, ""},
      {"us", "14th plasma in 365 days", "annual.plasma",
       [] { return Man().Series("PA", "2023-06-10", 28, 13); }, "PA", "2024-06-08", N, false, ""},
      {"us", "4th double red cells in 365 days", "annual.double-red-cells",
       [] { return Man().Weight(80).Donations("DR 2023-06-15, DR 2023-10-05, DR 2024-01-25"); },
       "DR", "2024-05-16", N, false, ""},
      {"us", "double red cells 55 days after whole blood", "interval.whole-blood.double-red-cells",
       [] { return Man().Weight(80).Donations("WB 2024-04-09"); }, "DR", kDay, N, false,
       "2024-06-04"},
      {"us", "7th whole blood in 365 days", "annual.whole-blood",
       [] { return Man().Series("WB", "2023-06-10", 56, 6); }, "WB", "2024-05-20", N, false, ""},
      {"us", "tattoo 3 months", "deferral.tattoo-or-piercing",
       [] { return Man().Deferral(v1::DEFERRAL_CODE_TATTOO_OR_PIERCING, "2024-04-01"); }, "PA",
       kDay, N, false, "2024-07-01"},
      {"us", "recorded deferral without a pack rule", "deferral.recorded",
       [] { return Man().Deferral(v1::DEFERRAL_CODE_LOW_HEMOGLOBIN, "2024-05-01", "2024-08-01"); },
       "WB", kDay, N, false, "2024-08-01"},

      // ---- who-2012 ----
      {"who-2012", "healthy repeat donor", "age", Woman, "WB", kDay, N, true, ""},
      {"who-2012", "17", "age", [] { return Donor("2007-01-01", 'F').Weight(60); }, "WB", kDay, N,
       false, "2025-01-01"},
      {"who-2012", "66", "age", [] { return Donor("1958-01-01", 'F').Weight(60); }, "WB", kDay, N,
       false, "permanent"},
      {"who-2012", "first-time at 62 advised", "age.first-time-over-60",
       [] { return Donor("1962-01-01", 'M').Weight(70).FirstTime(); }, "WB", kDay, N, true,
       "advise"},
      {"who-2012", "49 kg", "weight", [] { return Woman().Weight(49); }, "WB", kDay, N, false,
       "open"},
      {"who-2012", "woman Hb 119", "hb.female", [] { return Woman().Hb(119); }, "WB", kDay, N,
       false, "open"},
      {"who-2012", "woman Hb 120", "hb.female", [] { return Woman().Hb(120); }, "WB", kDay, N, true,
       ""},
      {"who-2012", "man Hb 129", "hb.male", [] { return Man().Hb(129); }, "WB", kDay, N, false,
       "open"},
      {"who-2012", "whole blood after 83 days", "interval.whole-blood.whole-blood",
       [] { return Man().Donations("WB 2024-03-12"); }, "WB", kDay, N, false, "2024-06-04"},
      {"who-2012", "whole blood after 84 days", "interval.whole-blood.whole-blood",
       [] { return Man().Donations("WB 2024-03-11"); }, "WB", kDay, N, true, ""},
      {"who-2012", "woman's fourth whole blood", "annual.whole-blood.female",
       [] { return Woman().Donations("WB 2023-07-01, WB 2023-10-01, WB 2024-01-15"); }, "WB", kDay,
       N, false, "2024-06-30"},
      {"who-2012", "man's fifth whole blood", "annual.whole-blood.male",
       [] { return Man().Series("WB", "2023-06-20", 84, 4); }, "WB", kDay, N, false, ""},
      {"who-2012", "plasma after 13 days", "interval.plasma.plasma",
       [] { return Man().Donations("PA 2024-05-21"); }, "PA", kDay, N, false, "2024-06-04"},
      {"who-2012", "platelets 27 days after whole blood", "interval.whole-blood.platelets",
       [] { return Man().Donations("WB 2024-05-07"); }, "PL", kDay, N, false, "2024-06-04"},
      {"who-2012", "tattoo 6 months", "deferral.tattoo-or-piercing",
       [] { return Man().Deferral(v1::DEFERRAL_CODE_TATTOO_OR_PIERCING, "2024-01-01"); }, "WB",
       kDay, N, false, "2024-07-01"},
      {"who-2012", "dental work yesterday", "deferral.dental-work",
       [] { return Man().Deferral(v1::DEFERRAL_CODE_DENTAL_WORK, "2024-06-02"); }, "WB", kDay, N,
       true, ""},
      {"who-2012", "dental work today", "deferral.dental-work",
       [] { return Man().Deferral(v1::DEFERRAL_CODE_DENTAL_WORK, "2024-06-03"); }, "WB", kDay, N,
       false, "2024-06-04"},

      // ---- kz (through kz-astana) ----
      {"kz-astana", "citizen with IIN", "documents.citizens", KzMan, "WB", kDay, N, true, ""},
      {"kz-astana", "citizen without IIN", "documents.citizens", Man, "WB", kDay, N, false, "open"},
      {"kz-astana", "foreign citizen with passport only", "documents.foreign-citizens",
       [] { return Man().Citizen("UZ").Document(DOCUMENT_TYPE_PASSPORT, "UZ"); }, "WB", kDay, N,
       false, "open"},
      {"kz-astana", "foreign citizen with passport and IIN", "documents.foreign-citizens",
       [] {
         return Man().Document(DOCUMENT_TYPE_PASSPORT, "TJ").Document(DOCUMENT_TYPE_IIN, "KZ");
       },
       "WB", kDay, N, true, ""},
      {"kz-astana", "IIN not issued by KZ", "documents.foreign-citizens",
       [] {
         return Man().Document(DOCUMENT_TYPE_PASSPORT, "KG").Document(DOCUMENT_TYPE_IIN, "KG");
       },
       "WB", kDay, N, false, "open"},
      {"kz-astana", "expired passport", "documents.foreign-citizens",
       [] {
         return Man()
             .Document(DOCUMENT_TYPE_PASSPORT, "UZ", "2024-06-02")
             .Document(DOCUMENT_TYPE_IIN, "KZ");
       },
       "WB", kDay, N, false, "open"},
      {"kz-astana", "17 (Code art. 206)", "age",
       [] { return Donor("2007-01-01", 'M').Weight(70).Document(DOCUMENT_TYPE_IIN, "KZ"); }, "WB",
       kDay, N, false, "2025-01-01"},
      {"kz-astana", "first-time donor at 61", "age",
       [] {
         return Donor("1963-01-01", 'M').Weight(70).FirstTime().Document(DOCUMENT_TYPE_IIN, "KZ");
       },
       "WB", kDay, N, false, "permanent"},
      {"kz-astana", "repeat donor at 61", "age",
       [] { return Donor("1963-01-01", 'M').Weight(70).Document(DOCUMENT_TYPE_IIN, "KZ"); }, "WB",
       kDay, N, true, ""},
      {"kz-astana", "54.9 kg", "weight", [] { return KzMan().Weight(54.9); }, "PA", kDay, N, false,
       "open"},
      {"kz-astana", "first-time donor at 10:00", "slot.first-time-before-10",
       [] { return KzMan().FirstTime(); }, "WB", kDay, 600, false, "open"},
      {"kz-astana", "first-time donor at 09:59", "slot.first-time-before-10",
       [] { return KzMan().FirstTime(); }, "WB", kDay, 599, true, ""},
      {"kz-astana", "repeat donor at 11:00", "slot.first-time-before-10", KzMan, "WB", kDay, 660,
       true, ""},
      {"kz-astana", "acute infection one month", "deferral.acute-infection",
       [] { return KzMan().Deferral(v1::DEFERRAL_CODE_ACUTE_INFECTION, "2024-05-10"); }, "WB", kDay,
       N, false, "2024-06-10"},
      {"kz-astana", "acute infection from 31 January ends 29 February", "deferral.acute-infection",
       [] { return KzMan().Deferral(v1::DEFERRAL_CODE_ACUTE_INFECTION, "2024-01-31"); }, "WB",
       "2024-02-28", N, false, "2024-02-29"},
      {"kz-astana", "woman Hb 124 (branch value)", "hb.female", [] { return KzWoman().Hb(124); },
       "WB", kDay, N, false, "open"},
      {"kz-astana", "whole blood after 59 days (branch value)", "interval.whole-blood.whole-blood",
       [] { return KzMan().Donations("WB 2024-04-05"); }, "WB", kDay, N, false, "2024-06-04"},
      {"kz-astana", "woman's fifth whole blood (branch value)", "annual.whole-blood.female",
       [] { return KzWoman().Series("WB", "2023-06-10", 70, 4); }, "WB", kDay, N, false, ""},
      {"kz-astana", "tattoo 12 months (branch value)", "deferral.tattoo-or-piercing",
       [] { return KzMan().Deferral(v1::DEFERRAL_CODE_TATTOO_OR_PIERCING, "2024-02-29"); }, "WB",
       kDay, N, false, "2025-02-28"},
  };
}

class CaseTable : public ::testing::TestWithParam<Case> {};

TEST_P(CaseTable, Decides) {
  const Case& c = GetParam();
  std::shared_ptr<const CompiledPack> pack = Pack(c.pack);
  ASSERT_NE(pack, nullptr);
  ASSERT_NE(pack->FindRule(c.rule), nullptr) << "case cites unknown rule " << c.rule;
  const Donor donor = c.donor();
  const Decision decision = Decide(*pack, donor, TypeCode(c.type), D(c.date), c.slot);
  std::string reasons;
  for (const Reason& r : decision.reasons) {
    reasons += " " + r.rule->id + (r.blocking ? "" : "(advise)");
  }
  EXPECT_EQ(decision.eligible, c.eligible) << "reasons:" << reasons;
  const Reason* reason = FindReason(decision, c.rule);
  if (c.eligible) {
    if (c.end == "advise") {
      ASSERT_NE(reason, nullptr) << "reasons:" << reasons;
      EXPECT_FALSE(reason->blocking);
    } else if (reason != nullptr) {
      EXPECT_FALSE(reason->blocking) << "reasons:" << reasons;
    }
    return;
  }
  ASSERT_NE(reason, nullptr) << "reasons:" << reasons;
  EXPECT_TRUE(reason->blocking);
  if (c.end == "permanent") {
    EXPECT_TRUE(reason->permanent);
  } else if (c.end == "open") {
    EXPECT_FALSE(reason->permanent);
    EXPECT_FALSE(reason->has_end);
  } else if (!c.end.empty()) {
    ASSERT_TRUE(reason->has_end);
    EXPECT_EQ(reason->end_date(), D(c.end));
  }
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.pack + "_" + std::to_string(info.index) + "_" + info.param.name;
  for (char& ch : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Packs, CaseTable, ::testing::ValuesIn(Cases()), CaseName);

TEST(CaseTableSize, AtLeastFifteenPerPack) {
  std::map<std::string, int> per_pack;
  for (const Case& c : Cases()) ++per_pack[c.pack];
  for (const char* pack : {"eu-uk", "us", "who-2012", "kz-astana"}) {
    EXPECT_GE(per_pack[pack], 15) << pack;
  }
}

}  // namespace
}  // namespace blooddrive::eligibility::testing
