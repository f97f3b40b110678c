// Inbound keywords: STOP/START in every language, confirm/cancel replies, normalization,
// look-alike letters, and that the table never gives one word two meanings.
#include "inbound_keywords.h"

#include <string>

#include "absl/container/flat_hash_map.h"
#include "gmock/gmock.h"

namespace blooddrive::reminders {
namespace {

namespace v1 = blooddrive::v1;
using K = InboundKeyword;

K Kw(absl::string_view text) { return ClassifyInbound(text).keyword; }

TEST(InboundKeywordsTest, StopInEveryLanguage) {
  for (const char* text :
       {"STOP",    "stop",    "Stop",   "СТОП",     "стоп",   "Отписаться", "ТОҚТАТУ",
        "тоқтату", "ТОКТАТУ", "токтот", "ТОКТОТУУ", "ист",    "бас",        "TO'XTAT",
        "toʻxtat", "to‘xtat", "TOXTAT", "ТЎХТАТ",   "Тухтат", "toqtatu",    "UNSUBSCRIBE"}) {
    EXPECT_EQ(Kw(text), K::kStop) << text;
  }
}

TEST(InboundKeywordsTest, StartInEveryLanguage) {
  for (const char* text :
       {"START", "start", "СТАРТ", "Старт", "БАСТАУ", "бастау", "bastau", "баштоо", "БАШТА", "оғоз",
        "ОГОЗ", "сар кардан", "BOSHLASH", "boshla", "бошлаш", "ПОДПИСАТЬСЯ"}) {
    EXPECT_EQ(Kw(text), K::kStart) << text;
  }
}

TEST(InboundKeywordsTest, ConfirmAndCancel) {
  for (const char* text :
       {"1",  " 1 ", "1.",   "YES", "yes!", "Y",  "ok", "Да",    "da",      "ИӘ",    "иә",
        "ИА", "ия",  "ООБА", "ҲА",  "ха",   "HA", "ha", "Приду", "келемін", "МЕОЯМ", "Kelaman"}) {
    EXPECT_EQ(Kw(text), K::kConfirm) << text;
  }
  for (const char* text :
       {"0",   "0!",           "NO",         "n",          "Нет", "net",   "ОТМЕНА", "ЖОҚ",
        "жок", "Бас тарту",    "БАС  ТАРТУ", "баш тартуу", "не",  "бекор", "YO'Q",   "yoʻq",
        "YOQ", "bekor qilish", "ЙЎҚ",        "CANCEL"}) {
    EXPECT_EQ(Kw(text), K::kCancel) << text;
  }
}

TEST(InboundKeywordsTest, LanguageHint) {
  EXPECT_EQ(ClassifyInbound("ТОҚТАТУ").language, v1::LANGUAGE_KAZAKH);
  EXPECT_EQ(ClassifyInbound("токтот").language, v1::LANGUAGE_KYRGYZ);
  EXPECT_EQ(ClassifyInbound("yo'q").language, v1::LANGUAGE_UZBEK);
  EXPECT_EQ(ClassifyInbound("нет").language, v1::LANGUAGE_RUSSIAN);
  EXPECT_EQ(ClassifyInbound("STOP").language, v1::LANGUAGE_UNSPECIFIED);
  EXPECT_EQ(ClassifyInbound("1").language, v1::LANGUAGE_UNSPECIFIED);
}

TEST(InboundKeywordsTest, LookAlikesOnlyInMixedScriptWords) {
  EXPECT_EQ(Kw("CTOП"), K::kStop);    // Latin C, T, O + Cyrillic П
  EXPECT_EQ(Kw("STОP"), K::kStop);    // Latin S, T, P + Cyrillic О
  EXPECT_EQ(Kw("HEТ"), K::kCancel);   // Latin H, E + Cyrillic Т
  EXPECT_EQ(Kw("CTAPТ"), K::kStart);  // Latin CTAP + Cyrillic Т
  EXPECT_EQ(Kw("у"), K::kOther);      // plain Cyrillic у is not Latin Y
  EXPECT_EQ(Kw("НЕ"), K::kCancel);    // Tajik "no", Cyrillic
  EXPECT_EQ(Kw("HE"), K::kOther);     // Latin "he"
}

TEST(InboundKeywordsTest, OtherMessages) {
  for (const char* text : {"", "   ", "!!!", "Нет, я приду", "stop sending", "2", "10", "да да",
                           "Спасибо", "👍", "STOPP", "\xff\xfe"}) {
    EXPECT_EQ(Kw(text), K::kOther) << text;
  }
}

TEST(InboundKeywordsTest, EveryListedKeywordMatchesItself) {
  for (const KeywordEntry& e : InboundKeywords()) {
    EXPECT_EQ(Kw(e.text), e.keyword) << e.text;
  }
}

TEST(InboundKeywordsTest, NoWordHasTwoMeanings) {
  absl::flat_hash_map<std::string, const KeywordEntry*> seen;
  for (const KeywordEntry& e : InboundKeywords()) {
    auto [it, inserted] = seen.try_emplace(KeywordSkeleton(e.text), &e);
    if (!inserted) {
      EXPECT_EQ(it->second->keyword, e.keyword) << e.text << " vs " << it->second->text;
    }
  }
}

TEST(InboundKeywordsTest, Skeleton) {
  EXPECT_EQ(KeywordSkeleton("  ТОҚТАТУ!! "), "токтату");
  EXPECT_EQ(KeywordSkeleton("TOʻXTAT"), "toxtat");
  EXPECT_EQ(KeywordSkeleton("Бас\t\n тарту"), "бас тарту");
}

}  // namespace
}  // namespace blooddrive::reminders
