// Rule packs through gRPC: ListRulePacks (paging), GetRulePack (as written and effective), and
// SIGHUP reload of a service started on a copy of the packs: a changed pack takes effect, a broken
// one is refused (the old packs stay, the log names file, line and rule), and calls in flight
// during reloads all succeed.
#include <gmock/gmock.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "eligibility_fixture.h"

namespace blooddrive::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ES = EligibilityStub;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  // Written aside and renamed, so that a reload never reads half a file.
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp);
    out << text;
  }
  fs::rename(temp, path);
}

class PacksTest : public EligibilityTest {};

TEST_F(PacksTest, ListRulePacksPagesInIdOrder) {
  v1::ListRulePacksRequest request;
  request.set_page_size(2);
  std::vector<std::string> names;
  std::vector<std::string> active;
  int pages = 0;
  do {
    v1::ListRulePacksResponse page;
    const grpc::Status status = Call(eligibility(), &ES::ListRulePacks, request, &page);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_LE(page.rule_packs_size(), 2);
    for (const v1::LoadedRulePack& pack : page.rule_packs()) {
      names.push_back(pack.name());
      if (pack.active()) active.push_back(pack.name());
      EXPECT_EQ(pack.pack().rules_size(), 0) << "the list leaves rules out";
      EXPECT_FALSE(pack.pack().version().empty());
      EXPECT_THAT(pack.file(), EndsWith(".textproto"));
    }
    request.set_page_token(page.next_page_token());
    ++pages;
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(names, ElementsAre("rulePacks/eu-uk", "rulePacks/kz", "rulePacks/kz-astana",
                                 "rulePacks/us", "rulePacks/who-2012"));
  EXPECT_THAT(active, ElementsAre("rulePacks/kz-astana"));

  v1::ListRulePacksResponse page;
  request.set_page_token("not-a-token");
  EXPECT_TRUE(
      IsInvalidField(Call(eligibility(), &ES::ListRulePacks, request, &page), "page_token"));
  request.clear_page_token();
  request.set_page_size(-1);
  EXPECT_TRUE(IsInvalidField(Call(eligibility(), &ES::ListRulePacks, request, &page), "page_size"));
}

TEST_F(PacksTest, GetRulePackAsWrittenAndEffective) {
  v1::GetRulePackRequest request;
  request.set_name("rulePacks/kz-astana");
  v1::LoadedRulePack written;
  grpc::Status status = Call(eligibility(), &ES::GetRulePack, request, &written);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(written.name(), "rulePacks/kz-astana");
  EXPECT_TRUE(written.active());
  EXPECT_THAT(written.layers(), ElementsAre("kz", "kz-astana"));
  EXPECT_THAT(written.file(), EndsWith("/kz-astana.textproto"));
  EXPECT_TRUE(written.has_load_time());
  EXPECT_EQ(written.pack().base_pack(), "kz");
  EXPECT_EQ(written.pack().version(), "2024.1-astana");
  auto ids = [](const v1::LoadedRulePack& pack) {
    std::vector<std::string> out;
    for (const v1::Rule& rule : pack.pack().rules()) out.push_back(rule.id());
    return out;
  };
  // As written: the branch's rules only.
  const std::string file = ReadFile(ShippedPacksDir() + "/kz-astana.textproto");
  int rules_in_file = 0;
  for (size_t at = file.find("\nrules {"); at != std::string::npos;
       at = file.find("\nrules {", at + 1)) {
    ++rules_in_file;
  }
  EXPECT_EQ(written.pack().rules_size(), rules_in_file);
  EXPECT_THAT(ids(written), ::testing::Contains("slot.first-time-before-10"));
  EXPECT_THAT(ids(written), Not(::testing::Contains("weight")));

  // Effective: the kz base merged in, the branch's values winning.
  request.set_effective(true);
  v1::LoadedRulePack effective;
  status = Call(eligibility(), &ES::GetRulePack, request, &effective);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(ids(effective), ::testing::IsSupersetOf({"weight", "documents.foreign-citizens",
                                                       "slot.first-time-before-10", "age"}));
  for (const v1::Rule& rule : effective.pack().rules()) {
    if (rule.id() == "age") {
      EXPECT_EQ(rule.age().first_time_max_age_years(), 60);
    } else if (rule.id() == "hb.male") {
      EXPECT_EQ(rule.hemoglobin().min_g_per_l(), 135);
    }
  }

  request.set_name("rulePacks/us");
  request.set_effective(false);
  v1::LoadedRulePack us;
  ASSERT_TRUE(Call(eligibility(), &ES::GetRulePack, request, &us).ok());
  EXPECT_FALSE(us.active());
  EXPECT_THAT(us.layers(), ElementsAre("us"));

  request.set_name("rulePacks/atlantis");
  EXPECT_TRUE(
      HasCode(Call(eligibility(), &ES::GetRulePack, request, &us), grpc::StatusCode::NOT_FOUND));
  request.set_name("kz-astana");
  EXPECT_TRUE(IsInvalidField(Call(eligibility(), &ES::GetRulePack, request, &us), "name"));
}

// A second eligibility process on a copy of the packs, which the test may change.
class ReloadTest : public EligibilityTest {
 protected:
  void SetUp() override {
    EligibilityTest::SetUp();
    dir_ = MakeTempDir("bd-packs");
    fs::copy(ShippedPacksDir(), dir_, fs::copy_options::recursive);
    process_ = NewEligibilityProcess(dir_, env().registry().target());
    ASSERT_OK(process_->Start());
    stub_ = v1::Eligibility::NewStub(process_->Channel());
  }
  void TearDown() override {
    // Our channel goes first: a server waits up to --shutdown_grace (10 s) for clients that
    // keep an idle connection open.
    stub_.reset();
    EXPECT_EQ(process_->Stop(), 0) << "SIGTERM: a graceful exit";
    process_.reset();
    fs::remove_all(dir_);
  }

  // The version of the pack that decides an inline check now.
  std::string DecidingVersion() {
    v1::EligibilityDecision decision;
    const grpc::Status status =
        Call(*stub_, &ES::CheckEligibility, Inline(KazakhFacts(), today()), &decision);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return decision.rule_pack_version();
  }
  // Polls until the deciding version is `version` (a reload runs on the server's signal thread).
  bool WaitForVersion(const std::string& version) {
    for (int i = 0; i < 100; ++i) {
      if (DecidingVersion() == version) return true;
      absl::SleepFor(absl::Milliseconds(30));
    }
    return false;
  }
  bool WaitForLog(const std::string& needle) {
    for (int i = 0; i < 100; ++i) {
      if (process_->ReadLog().find(needle) != std::string::npos) return true;
      absl::SleepFor(absl::Milliseconds(30));
    }
    return false;
  }

  std::string dir_;
  std::unique_ptr<ServiceProcess> process_;
  std::unique_ptr<ES> stub_;
};

TEST_F(ReloadTest, SighupLoadsChangedPacksAndKeepsThemWhenTheNewSetIsBroken) {
  EXPECT_EQ(DecidingVersion(), "2024.1-astana");
  const std::string path = dir_ + "/kz-astana.textproto";
  const std::string original = ReadFile(path);
  ASSERT_THAT(original, HasSubstr("min_days: 60"));
  WriteFile(path, absl::StrReplaceAll(original, {{"\"2024.1-astana\"", "\"2024.2-reload\""},
                                                 {"min_days: 60", "min_days: 90"}}));
  process_->Signal(SIGHUP);
  ASSERT_TRUE(WaitForVersion("2024.2-reload")) << process_->ReadLog();
  // The changed rule value decides too: whole blood 70 days ago is now too recent.
  v1::EligibilityFacts facts = KazakhFacts(false);
  v1::Donation* past = facts.add_donations();
  *past->mutable_donation_date() = ToDate(today() - 70);
  past->set_donation_type(v1::DONATION_TYPE_WHOLE_BLOOD);
  past->set_outcome(v1::DONATION_OUTCOME_DONATED);
  v1::EligibilityDecision decision;
  ASSERT_TRUE(Call(*stub_, &ES::CheckEligibility, Inline(facts, today()), &decision).ok());
  EXPECT_FALSE(decision.eligible());
  EXPECT_EQ(DayOf(NextFor(decision.next_eligible_dates(), v1::DONATION_TYPE_WHOLE_BLOOD)->date()),
            today() + 20);

  // A broken pack: the whole new set is refused, the running one stays.
  WriteFile(dir_ + "/zz-broken.textproto",
            "id: \"zz-broken\"\n"
            "version: \"1\"\n"
            "jurisdiction: \"KZ\"\n"
            "title: \"A layer citing a source nobody defined\"\n"
            "base_pack: \"kz\"\n"
            "rules {\n"
            "  id: \"weight.heavier\"\n"
            "  citation { source: \"no-such-source\" }\n"
            "  weight { min_weight_kg: 60 }\n"
            "}\n");
  WriteFile(path, original);  // would go back to 2024.1, were the set accepted
  process_->Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog("rule packs not reloaded")) << process_->ReadLog();
  const std::string log = process_->ReadLog();
  EXPECT_THAT(log, HasSubstr("zz-broken.textproto:6:"));
  EXPECT_THAT(log, HasSubstr("weight.heavier"));
  EXPECT_THAT(log, HasSubstr("no-such-source"));
  EXPECT_EQ(DecidingVersion(), "2024.2-reload");
  v1::ListRulePacksResponse list;
  ASSERT_TRUE(Call(*stub_, &ES::ListRulePacks, v1::ListRulePacksRequest(), &list).ok());
  EXPECT_EQ(list.rule_packs_size(), 5);

  // Fixed: the next reload takes the directory as it is now.
  fs::remove(dir_ + "/zz-broken.textproto");
  process_->Signal(SIGHUP);
  EXPECT_TRUE(WaitForVersion("2024.1-astana")) << process_->ReadLog();
}

TEST_F(ReloadTest, CallsInFlightDuringReloadsAllSucceed) {
  const v1::Donor donor = MustCreate(Kazakh(31));
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0};
  std::vector<std::string> failures;  // written by the caller thread only, read after join
  std::thread caller([&] {
    for (int i = 0; !stop.load() || i < 20; ++i) {
      v1::EligibilityDecision decision;
      const v1::CheckEligibilityRequest request =
          i % 2 == 0 ? ByName(donor.name(), today()) : Inline(KazakhFacts(), today());
      const grpc::Status status = Call(*stub_, &ES::CheckEligibility, request, &decision);
      if (status.ok() && decision.eligible()) {
        ++ok;
      } else {
        failures.push_back(absl::StrCat(status.error_code(), " ", status.error_message()));
      }
    }
  });
  // A batch stream spans every reload: its items are decided under the snapshot it started with.
  std::thread streamer([&] {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    auto stream = stub_->CheckEligibilityBatch(&context);
    int answered = 0;
    for (int i = 0; !stop.load() || i < 20; ++i) {
      v1::CheckEligibilityBatchRequest item;
      item.set_item_id(absl::StrCat("s", i));
      *item.mutable_check() = Inline(KazakhFacts(), today());
      v1::CheckEligibilityBatchResponse response;
      if (!stream->Write(item) || !stream->Read(&response)) break;
      if (response.has_decision() && response.decision().eligible()) ++answered;
      if (answered != i + 1) break;
    }
    stream->WritesDone();
    const grpc::Status status = stream->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_GE(answered, 20);
  });
  for (int i = 0; i < 25; ++i) {
    process_->Signal(SIGHUP);
    absl::SleepFor(absl::Milliseconds(20));
  }
  stop = true;
  caller.join();
  streamer.join();
  EXPECT_THAT(failures, ::testing::IsEmpty());
  EXPECT_GE(ok.load(), 20);
  EXPECT_TRUE(process_->running());
  EXPECT_THAT(process_->ReadLog(), HasSubstr("rule packs reloaded"));
}

}  // namespace
}  // namespace blooddrive::testing
