// Rendering: every template in every language fits two segments with the longest realistic
// values; dates and times follow each language's convention; fallback; placeholder errors.
#include <iostream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "message_render.h"

namespace blooddrive::reminders {
namespace {

namespace v1 = blooddrive::v1;
using ::testing::HasSubstr;

// The longest values the templates are sized for (RenderOptions' limits): a 42-character
// Cyrillic site name, a 28-character address, a 16-character phone; day 28 and September (the
// widest English date).
MessageFacts LongestCyrillic() {
  MessageFacts f;
  f.site_name = "Республиканский центр крови, филиал Астана";
  f.address = "пр. Мәңгілік Ел, 55/1, эт. 2";
  f.slot_start = absl::CivilMinute(2026, 9, 28, 19, 45);
  f.drive_date = absl::CivilDay(2026, 9, 28);
  f.next_eligible_date = absl::CivilDay(2026, 12, 28);
  f.branch_phone = "+7 7172 55-12-34";
  return f;
}

MessageFacts LongestLatin() {
  MessageFacts f = LongestCyrillic();
  f.site_name = "Republican Blood Centre, Astana branch No.2";  // 43: cut to 42
  f.address = "Mangilik El ave. 55/1, fl. 2";
  return f;
}

std::string Describe(v1::MessageKind kind, v1::Language language) {
  return absl::StrCat(v1::MessageKind_Name(kind), "/", v1::Language_Name(language));
}

TEST(RenderTest, EveryTemplateFitsTwoSegmentsWithLongestValues) {
  for (const MessageFacts& facts : {LongestCyrillic(), LongestLatin()}) {
    for (v1::MessageKind kind : TemplateKinds()) {
      for (v1::Language language : TemplateLanguages()) {
        SCOPED_TRACE(Describe(kind, language));
        absl::StatusOr<RenderedMessage> m = Render(kind, language, facts);
        ASSERT_TRUE(m.ok()) << m.status();
        EXPECT_EQ(m->language, language);
        EXPECT_LE(m->sms.segments, 2) << m->sms.text << " (" << m->sms.units << " units)";
        EXPECT_THAT(m->sms.text, ::testing::Not(HasSubstr("{")));
      }
    }
  }
}

TEST(RenderTest, LatinTextsStayGsm7) {
  // English and Uzbek (after folding ʻ ʼ) with Latin place names cost GSM-7 rates.
  for (v1::MessageKind kind : TemplateKinds()) {
    for (v1::Language language : {v1::LANGUAGE_ENGLISH, v1::LANGUAGE_UZBEK}) {
      SCOPED_TRACE(Describe(kind, language));
      absl::StatusOr<RenderedMessage> m = Render(kind, language, LongestLatin());
      ASSERT_TRUE(m.ok()) << m.status();
      EXPECT_EQ(m->sms.encoding, v1::SMS_ENCODING_GSM7) << m->sms.text;
    }
  }
}

TEST(RenderTest, DateAndTimeConventions) {
  MessageFacts f = LongestCyrillic();
  f.slot_start = absl::CivilMinute(2026, 3, 2, 9, 5);
  auto ru = Render(v1::MESSAGE_KIND_REMINDER, v1::LANGUAGE_RUSSIAN, f);
  ASSERT_TRUE(ru.ok());
  EXPECT_THAT(ru->sms.text, HasSubstr("02.03.2026 в 09:05"));
  auto en = Render(v1::MESSAGE_KIND_REMINDER, v1::LANGUAGE_ENGLISH, f);
  ASSERT_TRUE(en.ok());
  EXPECT_THAT(en->sms.text, HasSubstr("2 Mar 2026, 09:05"));
  auto kk = Render(v1::MESSAGE_KIND_REMINDER, v1::LANGUAGE_KAZAKH, f);
  ASSERT_TRUE(kk.ok());
  EXPECT_THAT(kk->sms.text, HasSubstr("02.03.2026 09:05"));
  EXPECT_EQ(FormatDate(absl::CivilDay(2026, 12, 31), v1::LANGUAGE_ENGLISH), "31 Dec 2026");
  EXPECT_EQ(FormatDate(absl::CivilDay(2026, 1, 9), v1::LANGUAGE_TAJIK), "09.01.2026");
  EXPECT_EQ(FormatTime(absl::CivilMinute(2026, 1, 9, 0, 0)), "00:00");
  EXPECT_EQ(FormatTime(absl::CivilMinute(2026, 1, 9, 23, 59)), "23:59");
}

TEST(RenderTest, ExactTexts) {
  MessageFacts f;
  f.site_name = "Blood Centre";
  f.address = "Abay ave. 10";
  f.slot_start = absl::CivilMinute(2026, 3, 12, 9, 30);
  auto en = Render(v1::MESSAGE_KIND_BOOKING_CONFIRMATION, v1::LANGUAGE_ENGLISH, f);
  ASSERT_TRUE(en.ok());
  EXPECT_EQ(en->sms.text,
            "Blood donation booked: 12 Mar 2026, 09:30, Blood Centre, Abay ave. 10. Reply 0 to "
            "cancel");
  EXPECT_EQ(en->sms.encoding, v1::SMS_ENCODING_GSM7);
  EXPECT_EQ(en->sms.segments, 1);
  auto uz = Render(v1::MESSAGE_KIND_WAITLIST_PROMOTION, v1::LANGUAGE_UZBEK, f);
  ASSERT_TRUE(uz.ok());
  EXPECT_EQ(uz->sms.text,
            "Siz uchun joy bo'shadi: qon topshirish 12.03.2026 09:30, Blood Centre. Kelaman: 1, "
            "bekor: 0");
  EXPECT_EQ(uz->sms.encoding, v1::SMS_ENCODING_GSM7);

  // An address cut short keeps one full stop before the template's next sentence.
  f.address = "Астана, Бейбітшілік көшесі, 10";
  auto kk = Render(v1::MESSAGE_KIND_BOOKING_CONFIRMATION, v1::LANGUAGE_KAZAKH, f);
  ASSERT_TRUE(kk.ok());
  EXPECT_TRUE(absl::StrContains(kk->sms.text, "Астана, Бейбітшілік көшесі. Бас тарту: 0"))
      << kk->sms.text;
}

TEST(RenderTest, FallbackOrder) {
  TemplateSet set;
  ASSERT_TRUE(set.Set(v1::MESSAGE_KIND_THANK_YOU, v1::LANGUAGE_ENGLISH, "Thanks").ok());
  ASSERT_TRUE(set.Set(v1::MESSAGE_KIND_THANK_YOU, v1::LANGUAGE_RUSSIAN, "Спасибо").ok());
  RenderOptions options;
  options.templates = &set;
  MessageFacts f;
  auto m = Render(v1::MESSAGE_KIND_THANK_YOU, v1::LANGUAGE_TAJIK, f, options);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->language, v1::LANGUAGE_RUSSIAN);  // default: donor's -> ru -> en
  EXPECT_EQ(m->sms.text, "Спасибо");

  options.fallback = {v1::LANGUAGE_ENGLISH, v1::LANGUAGE_RUSSIAN};
  m = Render(v1::MESSAGE_KIND_THANK_YOU, v1::LANGUAGE_TAJIK, f, options);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->language, v1::LANGUAGE_ENGLISH);

  m = Render(v1::MESSAGE_KIND_THANK_YOU, v1::LANGUAGE_UNSPECIFIED, f, options);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->language, v1::LANGUAGE_ENGLISH);

  set.Erase(v1::MESSAGE_KIND_THANK_YOU, v1::LANGUAGE_ENGLISH);
  set.Erase(v1::MESSAGE_KIND_THANK_YOU, v1::LANGUAGE_RUSSIAN);
  m = Render(v1::MESSAGE_KIND_THANK_YOU, v1::LANGUAGE_TAJIK, f, options);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kNotFound);
}

TEST(RenderTest, MissingFactsAndBadKind) {
  MessageFacts f = LongestCyrillic();
  f.slot_start.reset();
  auto m = Render(v1::MESSAGE_KIND_REMINDER, v1::LANGUAGE_RUSSIAN, f);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(m.status().message()), HasSubstr("facts.slot_start"));
  f = LongestCyrillic();
  f.next_eligible_date.reset();
  m = Render(v1::MESSAGE_KIND_RECALL, v1::LANGUAGE_KAZAKH, f);
  EXPECT_THAT(std::string(m.status().message()), HasSubstr("facts.next_eligible_date"));
  m = Render(v1::MESSAGE_KIND_UNSPECIFIED, v1::LANGUAGE_KAZAKH, LongestCyrillic());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RenderTest, TemplateParsing) {
  std::vector<TemplatePiece> pieces;
  ASSERT_TRUE(ParseTemplate("At {site}, {time}.", &pieces).ok());
  ASSERT_EQ(pieces.size(), 5u);
  EXPECT_EQ(pieces[1].text, "site");
  EXPECT_TRUE(pieces[1].placeholder);
  EXPECT_FALSE(ParseTemplate("", &pieces).ok());
  EXPECT_FALSE(ParseTemplate("Hi {name}", &pieces).ok());
  EXPECT_FALSE(ParseTemplate("Hi {site", &pieces).ok());
  EXPECT_FALSE(ParseTemplate("Hi site}", &pieces).ok());
  EXPECT_FALSE(ParseTemplate("\xff", &pieces).ok());
  TemplateSet set;
  EXPECT_FALSE(set.Set(v1::MESSAGE_KIND_REMINDER, v1::LANGUAGE_ENGLISH, "{nope}").ok());
  EXPECT_EQ(set.Find(v1::MESSAGE_KIND_REMINDER, v1::LANGUAGE_ENGLISH), nullptr);
}

TEST(RenderTest, Truncate) {
  EXPECT_EQ(Truncate("short", 10), "short");
  EXPECT_EQ(Truncate("exactly10!", 10), "exactly10!");
  EXPECT_EQ(Truncate("Центр крови, филиал", 13), "Центр крови.");  // drops ", " first
  EXPECT_EQ(Truncate("Республиканский", 6), "Респу.");
  EXPECT_EQ(Truncate("ab", 1), ".");
}

TEST(RenderTest, LocalSlotStart) {
  // 2026-03-12 04:30 UTC is 09:30 in Astana (UTC+5 since 2024-03-01).
  auto m = LocalSlotStart(
      absl::FromCivil(absl::CivilMinute(2026, 3, 12, 4, 30), absl::UTCTimeZone()), "Asia/Almaty");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, absl::CivilMinute(2026, 3, 12, 9, 30));
  EXPECT_FALSE(LocalSlotStart(absl::UnixEpoch(), "Mars/Olympus").ok());
}

// Prints every rendered text with its encoding and size (the sample for docs/).
TEST(RenderTest, PrintSamples) {
  for (v1::MessageKind kind : TemplateKinds()) {
    for (v1::Language language : TemplateLanguages()) {
      auto m = Render(kind, language, LongestCyrillic());
      ASSERT_TRUE(m.ok());
      std::cout << Describe(kind, language) << " | " << v1::SmsEncoding_Name(m->sms.encoding) << " "
                << m->sms.units << " units, " << m->sms.segments << " seg | " << m->sms.text
                << "\n";
    }
  }
}

}  // namespace
}  // namespace blooddrive::reminders
