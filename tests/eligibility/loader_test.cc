// Pack loading: the shipped packs load and layer; broken packs are refused with file, line, rule.
#include "gmock/gmock.h"
#include "proto_convert.h"
#include "test_util.h"

namespace blooddrive::eligibility::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kBase[] = R"pb(id: "base"
                              version: "1"
                              jurisdiction: "INT"
                              title: "Base"
                              sources { id: "src" citation: "A source" }
                              rules {
                                id: "age"
                                citation { source: "src" }
                                age { min_age_years: 18 max_age_years: 65 }
                              }
                              rules {
                                id: "hb.female"
                                citation { source_not_found: true }
                              }
)pb";

absl::Status LoadStatus(const std::vector<PackSet::Text>& texts) {
  return PackSet::LoadTexts(texts).status();
}

TEST(ShippedPacks, AllLoad) {
  const PackSet& packs = ShippedPacks();
  std::vector<std::string> ids;
  for (const LoadedPack* p : packs.List()) ids.push_back(p->pack.id());
  EXPECT_THAT(ids, ::testing::ElementsAre("eu-uk", "kz", "kz-astana", "us", "who-2012"));
  for (const char* id : {"eu-uk", "kz-astana", "us", "who-2012"}) {
    EXPECT_TRUE(packs.Activate(id).ok()) << id << ": " << packs.Activate(id).status();
  }
}

TEST(ShippedPacks, KzAloneIsNotReadyAndSaysWhichRule) {
  absl::Status status = ShippedPacks().Activate("kz").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("kz.textproto:"));
  EXPECT_THAT(status.message(), HasSubstr("rule \"hb.female\""));
  EXPECT_THAT(status.message(), HasSubstr("branch layer must set it"));
}

TEST(ShippedPacks, UnknownPackIsNotFound) {
  EXPECT_EQ(ShippedPacks().Activate("xx").status().code(), absl::StatusCode::kNotFound);
}

TEST(ShippedPacks, AstanaLayersOnKz) {
  const LoadedPack* astana = ShippedPacks().Find("kz-astana");
  ASSERT_NE(astana, nullptr);
  EXPECT_THAT(astana->layers, ::testing::ElementsAre("kz", "kz-astana"));
  auto pack = Pack("kz-astana");
  ASSERT_NE(pack, nullptr);
  EXPECT_EQ(pack->version(), "2024.1-astana");
  // Overridden whole: the branch's age rule, with its own citation.
  EXPECT_EQ(pack->FindRule("age")->rule.age().first_time_max_age_years(), 60);
  EXPECT_EQ(pack->FindRule("age")->rule.citation().source(), "astana-branch-policy");
  // Inherited: the base's weight rule and its source text.
  EXPECT_THAT(pack->FindRule("weight")->source_text, HasSubstr("egov.kz"));
  // Added: the branch's slot rule.
  EXPECT_NE(pack->FindRule("slot.first-time-before-10"), nullptr);

  v1::LoadedRulePack written = DescribePack(*astana, false, true, true);
  v1::LoadedRulePack effective = DescribePack(*astana, true, true, true);
  v1::LoadedRulePack listed = DescribePack(*astana, false, false, false);
  EXPECT_EQ(written.name(), "rulePacks/kz-astana");
  EXPECT_LT(written.pack().rules_size(), effective.pack().rules_size());
  EXPECT_EQ(listed.pack().rules_size(), 0);
  EXPECT_GT(effective.pack().sources_size(), written.pack().sources_size());
  EXPECT_THAT(written.file(), HasSubstr("kz-astana.textproto"));
}

TEST(ShippedPacks, EveryRuleCitesASourceOrSaysNotFound) {
  for (const LoadedPack* p : ShippedPacks().List()) {
    for (const v1::Rule& rule : p->effective.rules()) {
      EXPECT_TRUE(!rule.citation().source().empty() || rule.citation().source_not_found())
          << p->pack.id() << " " << rule.id();
    }
  }
}

struct Broken {
  std::string name;
  std::string text;             // the layer file "layer.textproto" on top of kBase
  std::string expect_location;  // "layer.textproto:<line>"
  std::string expect_text;
};

class BrokenPack : public ::testing::TestWithParam<Broken> {};

TEST_P(BrokenPack, IsRefusedNamingFileLineAndRule) {
  const Broken& b = GetParam();
  absl::Status status = LoadStatus({{"base.textproto", kBase}, {"layer.textproto", b.text}});
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr(b.expect_location));
  EXPECT_THAT(status.message(), HasSubstr(b.expect_text));
}

const char kHeader[] = "id: \"layer\"\nversion: \"1\"\njurisdiction: \"KZ\"\ntitle: \"L\"\n";

std::string Layer(const std::string& rest) {
  return kHeader + std::string("base_pack: \"base\"\n") + rest;
}

INSTANTIATE_TEST_SUITE_P(
    Loader, BrokenPack,
    ::testing::Values(
        Broken{"syntax", Layer("rules {\n  id: \"x\"\n  age { min_age_years: }\n}\n"),
               "layer.textproto:8:", "Expected integer"},
        Broken{"unknown_field", Layer("rules {\n  id: \"x\"\n  colour: 3\n}\n"),
               "layer.textproto:8:", "colour"},
        Broken{"duplicate_id",
               Layer("rules {\n id: \"w\"\n citation { source: \"src\" }\n weight { min_weight_kg: "
                     "50 }\n}\nrules {\n id: \"w\"\n citation { source: \"src\" }\n weight { "
                     "min_weight_kg: 55 }\n}\n"),
               "layer.textproto:11: rule \"w\"", "duplicate rule id (first at line 6)"},
        Broken{"missing_citation", Layer("rules {\n id: \"w\"\n weight { min_weight_kg: 50 }\n}\n"),
               "layer.textproto:6: rule \"w\"", "missing citation"},
        Broken{"bad_value",
               Layer("rules {\n id: \"i\"\n citation { source: \"src\" }\n interval { from_type: "
                     "DONATION_TYPE_PLASMA to_type: DONATION_TYPE_PLASMA min_days: 0 }\n}\n"),
               "layer.textproto:6: rule \"i\"", "interval.min_days 0 is outside 1..730"},
        Broken{"unknown_source",
               Layer("rules {\n id: \"w\"\n citation { source: \"nope\" }\n weight { "
                     "min_weight_kg: 50 }\n}\n"),
               "layer.textproto:6: rule \"w\"", "unknown source \"nope\""},
        Broken{"kind_change",
               Layer("rules {\n id: \"age\"\n citation { source: \"src\" }\n weight { "
                     "min_weight_kg: 50 }\n}\n"),
               "layer.textproto:6: rule \"age\"", "another kind"},
        Broken{"disable_missing", Layer("rules {\n id: \"zzz\"\n disabled: true\n}\n"),
               "layer.textproto:6: rule \"zzz\"", "disables a rule no base pack has"},
        Broken{"unknown_base", std::string(kHeader) + "base_pack: \"nowhere\"\n",
               "layer.textproto:5:", "unknown base_pack \"nowhere\""},
        Broken{"no_body", Layer("rules {\n id: \"w\"\n citation { source: \"src\" }\n}\n"),
               "layer.textproto:6: rule \"w\"", "no rule body"},
        Broken{"second_interval_same_types",
               Layer("rules {\n id: \"a\"\n citation { source: \"src\" }\n interval { from_type: "
                     "DONATION_TYPE_PLASMA to_type: DONATION_TYPE_PLASMA min_days: 14 }\n}\n"
                     "rules {\n id: \"b\"\n citation { source: \"src\" }\n interval { from_type: "
                     "DONATION_TYPE_PLASMA to_type: DONATION_TYPE_PLASMA min_days: 28 }\n}\n"),
               "layer.textproto:11: rule \"b\"", "second interval rule"}),
    [](const ::testing::TestParamInfo<Broken>& info) { return info.param.name; });

TEST(Loader, CycleIsRefused) {
  const std::string a =
      "id: \"a\"\nversion: \"1\"\njurisdiction: \"KZ\"\ntitle: \"A\"\nbase_pack: \"b\"\n";
  const std::string b =
      "id: \"b\"\nversion: \"1\"\njurisdiction: \"KZ\"\ntitle: \"B\"\nbase_pack: \"a\"\n";
  absl::Status status = LoadStatus({{"a.textproto", a}, {"b.textproto", b}});
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("base_pack cycle"));
  EXPECT_THAT(status.message(), HasSubstr(".textproto:5:"));
}

TEST(Loader, DuplicatePackIdIsRefused) {
  absl::Status status = LoadStatus({{"one.textproto", kBase}, {"two.textproto", kBase}});
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("two.textproto:1"));
  EXPECT_THAT(status.message(), HasSubstr("also used by one.textproto"));
}

TEST(Loader, SourceNotFoundWithoutBranchValueRefusedOnActivation) {
  auto set = PackSet::LoadTexts({{"base.textproto", kBase}, {"layer.textproto", Layer("")}});
  ASSERT_TRUE(set.ok()) << set.status();
  absl::Status status = (*set)->Activate("layer").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("base.textproto:11: rule \"hb.female\""));
}

TEST(Loader, LayerSetsBranchValueAndDisablesRule) {
  const std::string layer = Layer(
      "rules {\n id: \"hb.female\"\n citation { source: \"src\" }\n hemoglobin { sex: SEX_FEMALE "
      "min_g_per_l: 120 }\n}\nrules {\n id: \"age\"\n disabled: true\n}\n");
  auto set = PackSet::LoadTexts({{"base.textproto", kBase}, {"layer.textproto", layer}});
  ASSERT_TRUE(set.ok()) << set.status();
  auto pack = (*set)->Activate("layer");
  ASSERT_TRUE(pack.ok()) << pack.status();
  EXPECT_EQ((*pack)->FindRule("age"), nullptr);
  EXPECT_EQ((*pack)->FindRule("hb.female")->source_text, "A source");
  const Decision d = Decide(**pack, Donor("2015-01-01", 'F').Hb(119), v1::DONATION_TYPE_WHOLE_BLOOD,
                            D("2024-01-01"));
  ASSERT_EQ(d.reasons.size(), 1u);  // too young, but the age rule is switched off
  EXPECT_EQ(d.reasons[0].rule->id, "hb.female");
}

TEST(Loader, DisabledOnlyInLayers) {
  const std::string base = std::string(kHeader) + "rules {\n id: \"x\"\n disabled: true\n}\n";
  absl::Status status = LoadStatus({{"solo.textproto", base}});
  EXPECT_THAT(status.message(),
              HasSubstr("solo.textproto:5: rule \"x\": disabled is only for layers"));
}

TEST(Loader, MissingFileIsNotFound) {
  EXPECT_EQ(PackSet::LoadFiles({"/nonexistent/x.textproto"}).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace blooddrive::eligibility::testing
