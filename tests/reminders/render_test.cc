// Rendering: every template in every language fits two segments with the longest realistic
// values, shortening the address (then the place name) and never the phone; dates and times
// follow each language's convention; fallback; placeholder errors.
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "message_render.h"

namespace blooddrive::reminders {
namespace {

namespace v1 = blooddrive::v1;
using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// The longest realistic values: a 42-character Cyrillic site name, a street address with city,
// house number and floor, the longest phone --info_phone accepts (20 characters); day 28 and
// September (the widest English date).
MessageFacts LongestCyrillic() {
  MessageFacts f;
  f.site_name = "Республиканский центр крови, филиал Астана";
  f.address = "г. Астана, пр. Мәңгілік Ел, 55/1, эт. 2";
  f.slot_start = absl::CivilMinute(2026, 9, 28, 19, 45);
  f.drive_date = absl::CivilDay(2026, 9, 28);
  f.next_eligible_date = absl::CivilDay(2026, 12, 28);
  f.branch_phone = "+996 (3222) 55-12-34";
  return f;
}

MessageFacts LongestLatin() {
  MessageFacts f = LongestCyrillic();
  f.site_name = "Republican Blood Centre, Astana branch No.2";
  f.address = "Astana, Mangilik El ave. 55/1, fl. 2";
  return f;
}

// A mobile drive: the drive's name is the place and its venue (free text, up to 300 characters)
// the address.
constexpr char kLongVenue[] =
    "Евразийский национальный университет им. Л. Н. Гумилёва, главный корпус, ул. Сатпаева, 2";

MessageFacts MobileDrive() {
  MessageFacts f = LongestCyrillic();
  f.site_name = "Выездной день донора в ЕНУ им. Л. Н. Гумилёва";
  f.address = kLongVenue;
  return f;
}

MessageFacts MobileDriveLatin() {
  MessageFacts f = LongestLatin();
  f.site_name = "Mobile blood drive at L.N. Gumilyov ENU";
  f.address = "L.N. Gumilyov Eurasian National University, main building, Satpayev St. 2";
  return f;
}

std::string Describe(v1::MessageKind kind, v1::Language language) {
  return absl::StrCat(v1::MessageKind_Name(kind), "/", v1::Language_Name(language));
}

bool UsesPhone(v1::MessageKind kind) {
  return kind == v1::MESSAGE_KIND_CANCELLATION || kind == v1::MESSAGE_KIND_DRIVE_CANCELLED ||
         kind == v1::MESSAGE_KIND_THANK_YOU || kind == v1::MESSAGE_KIND_RECALL ||
         kind == v1::MESSAGE_KIND_INVITATION;
}

TEST(RenderTest, EveryTemplateFitsTwoSegmentsWithLongestValues) {
  for (const MessageFacts& facts :
       {LongestCyrillic(), LongestLatin(), MobileDrive(), MobileDriveLatin()}) {
    for (v1::MessageKind kind : TemplateKinds()) {
      for (v1::Language language : TemplateLanguages()) {
        SCOPED_TRACE(absl::StrCat(Describe(kind, language), " ", facts.site_name));
        absl::StatusOr<RenderedMessage> m = Render(kind, language, facts);
        ASSERT_TRUE(m.ok()) << m.status();
        EXPECT_EQ(m->language, language);
        EXPECT_LE(m->sms.segments, 2) << m->sms.text << " (" << m->sms.units << " units)";
        EXPECT_THAT(m->sms.text, Not(HasSubstr("{")));
        // The phone is never shortened: a cut number is a wrong number.
        if (UsesPhone(kind)) {
          EXPECT_THAT(m->sms.text, HasSubstr(facts.branch_phone));
        }
      }
    }
  }
}

TEST(RenderTest, LatinTextsStayGsm7) {
  // English and Uzbek (after folding ʻ ʼ) with Latin place names cost GSM-7 rates.
  for (const MessageFacts& facts : {LongestLatin(), MobileDriveLatin()}) {
    for (v1::MessageKind kind : TemplateKinds()) {
      for (v1::Language language : {v1::LANGUAGE_ENGLISH, v1::LANGUAGE_UZBEK}) {
        SCOPED_TRACE(Describe(kind, language));
        absl::StatusOr<RenderedMessage> m = Render(kind, language, facts);
        ASSERT_TRUE(m.ok()) << m.status();
        EXPECT_EQ(m->sms.encoding, v1::SMS_ENCODING_GSM7) << m->sms.text;
      }
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

  // An address that fits is sent whole, house number included.
  f.address = "Астана, Бейбітшілік көшесі, 10";
  auto kk = Render(v1::MESSAGE_KIND_BOOKING_CONFIRMATION, v1::LANGUAGE_KAZAKH, f);
  ASSERT_TRUE(kk.ok());
  EXPECT_EQ(kk->sms.text,
            "Қан тапсыруға жазылдыңыз: 12.03.2026 09:30, Blood Centre, Астана, Бейбітшілік "
            "көшесі, 10. Бас тарту: 0");
  EXPECT_EQ(kk->sms.encoding, v1::SMS_ENCODING_UCS2);
  EXPECT_EQ(kk->sms.segments, 2);

  // A value that ends a sentence itself keeps one full stop before the template's next one.
  f.address = "Abay ave. 10, bldg.";
  en = Render(v1::MESSAGE_KIND_BOOKING_CONFIRMATION, v1::LANGUAGE_ENGLISH, f);
  ASSERT_TRUE(en.ok());
  EXPECT_THAT(en->sms.text, HasSubstr("Abay ave. 10, bldg. Reply 0"));
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
  f = LongestCyrillic();
  f.branch_phone.clear();
  m = Render(v1::MESSAGE_KIND_THANK_YOU, v1::LANGUAGE_KAZAKH, f);
  EXPECT_THAT(std::string(m.status().message()), HasSubstr("facts.branch_phone"));
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

TEST(RenderTest, AddressTailsDropLeadingPartsAndKeepTheHouseNumber) {
  EXPECT_THAT(AddressTails("г. Астана, ул. Бейбітшілік, 10"),
              ElementsAre("г. Астана, ул. Бейбітшілік, 10", "ул. Бейбітшілік, 10"));
  EXPECT_THAT(AddressTails(kLongVenue),
              ElementsAre(kLongVenue, "главный корпус, ул. Сатпаева, 2", "ул. Сатпаева, 2"));
  // Building and floor numbers stay with their street.
  EXPECT_THAT(AddressTails("Астана, пр. Мәңгілік Ел, 55/1, эт. 2"),
              ElementsAre("Астана, пр. Мәңгілік Ел, 55/1, эт. 2", "пр. Мәңгілік Ел, 55/1, эт. 2"));
  EXPECT_THAT(AddressTails("пр. Мәңгілік Ел, 55/1, эт. 2"),
              ElementsAre("пр. Мәңгілік Ел, 55/1, эт. 2"));
  // Street first (English order): dropping it would leave only the city.
  EXPECT_THAT(AddressTails("10 Abay ave., Astana"), ElementsAre("10 Abay ave., Astana"));
  // No number anywhere: down to the last part.
  EXPECT_THAT(AddressTails("Астана, Дворец школьников"),
              ElementsAre("Астана, Дворец школьников", "Дворец школьников"));
  EXPECT_THAT(AddressTails("Абая, 10"), ElementsAre("Абая, 10"));
}

TEST(RenderTest, WordCutsEndAtWordsAndNeverSplitANumber) {
  EXPECT_THAT(WordCuts("ул. Сатпаева, 2"), ElementsAre("ул. Сатпаева…"));
  // Not after "им.", "Л." or "Н.": an abbreviation means nothing without the next word.
  EXPECT_THAT(WordCuts("университет им. Л. Н. Гумилёва, корпус 2", "..."),
              ElementsAre("университет им. Л. Н. Гумилёва, корпус...",
                          "университет им. Л. Н. Гумилёва...", "университет..."));
  // A first word of more than 20 characters is cut inside too, but never inside a number.
  const std::vector<std::string> cuts = WordCuts("ДворецКультурыЖелезнодорожников55/1А рядом");
  ASSERT_GE(cuts.size(), 3u);
  EXPECT_EQ(cuts[0], "ДворецКультурыЖелезнодорожников55/1А…");
  EXPECT_EQ(cuts[1], "ДворецКультурыЖелезнодорожников…");
  EXPECT_EQ(cuts.back(), "Д…");
  for (const std::string& cut : cuts) {
    EXPECT_THAT(cut, Not(AnyOf(HasSubstr("5…"), HasSubstr("/…"), HasSubstr("1…"))));
  }
  EXPECT_THAT(WordCuts("Астана"), IsEmpty());
  EXPECT_THAT(WordCuts("12345"), IsEmpty());
  EXPECT_THAT(WordCuts(""), IsEmpty());
}

TEST(RenderTest, LongAddressThatFitsIsSentWhole) {
  // A full street address with city and house number next to a usual site name fits in every
  // language: nothing is shortened.
  MessageFacts f = LongestCyrillic();
  f.site_name = "Городской центр крови";
  f.address = "г. Астана, ул. Бейбітшілік, 10/2";
  for (v1::Language language : TemplateLanguages()) {
    SCOPED_TRACE(v1::Language_Name(language));
    auto m = Render(v1::MESSAGE_KIND_BOOKING_CONFIRMATION, language, f);
    ASSERT_TRUE(m.ok());
    EXPECT_THAT(m->sms.text,
                HasSubstr("Городской центр крови, г. Астана, ул. Бейбітшілік, 10/2. "));
    EXPECT_LE(m->sms.segments, 2);
  }
}

TEST(RenderTest, AddressThatMustShrinkKeepsStreetAndHouseNumber) {
  MessageFacts f = LongestCyrillic();
  f.address = "Республика Казахстан, г. Астана, район Есиль, ул. Бейбітшілік, 10";
  for (v1::Language language : TemplateLanguages()) {
    SCOPED_TRACE(v1::Language_Name(language));
    auto m = Render(v1::MESSAGE_KIND_BOOKING_CONFIRMATION, language, f);
    ASSERT_TRUE(m.ok());
    EXPECT_LE(m->sms.segments, 2) << m->sms.text;
    EXPECT_THAT(m->sms.text, HasSubstr(f.site_name));
    EXPECT_THAT(m->sms.text, HasSubstr("ул. Бейбітшілік, 10."));
    EXPECT_THAT(m->sms.text, Not(HasSubstr("Казахстан")));
    EXPECT_THAT(m->sms.text, Not(HasSubstr("…")));
  }
}

TEST(RenderTest, LongMobileVenueKeepsItsStreetInEveryLanguage) {
  for (const MessageFacts& f : {MobileDrive(), MobileDriveLatin()}) {
    for (v1::Language language : TemplateLanguages()) {
      SCOPED_TRACE(absl::StrCat(v1::Language_Name(language), " ", f.address));
      auto m = Render(v1::MESSAGE_KIND_BOOKING_CONFIRMATION, language, f);
      ASSERT_TRUE(m.ok());
      EXPECT_LE(m->sms.segments, 2) << m->sms.text;
      EXPECT_THAT(m->sms.text,
                  AnyOf(HasSubstr(", ул. Сатпаева, 2."), HasSubstr(", Satpayev St. 2.")));
      EXPECT_THAT(m->sms.text, HasSubstr(f.site_name));
      EXPECT_THAT(m->sms.text, HasSubstr("19:45"));
    }
  }
}

TEST(RenderTest, OverlongValuesAreCutAtWordsWithinTwoSegments) {
  // Far past anything realistic: the address is cut down to kMinAddressChars first, then the
  // place name; the phone, date and time stay whole.
  MessageFacts f = LongestCyrillic();
  f.site_name =
      "Передвижной пункт забора крови Республиканского научно-практического центра "
      "трансфузиологии";
  f.address = "здание бывшего Дворца культуры железнодорожников напротив центрального рынка";
  for (v1::MessageKind kind : TemplateKinds()) {
    for (v1::Language language : TemplateLanguages()) {
      SCOPED_TRACE(Describe(kind, language));
      auto m = Render(kind, language, f);
      ASSERT_TRUE(m.ok());
      EXPECT_LE(m->sms.segments, 2) << m->sms.text;
      if (UsesPhone(kind)) {
        EXPECT_THAT(m->sms.text, HasSubstr(f.branch_phone));
      }
    }
  }
  auto ru = Render(v1::MESSAGE_KIND_BOOKING_CONFIRMATION, v1::LANGUAGE_RUSSIAN, f);
  ASSERT_TRUE(ru.ok());
  EXPECT_EQ(ru->sms.text,
            "Вы записаны на сдачу крови 28.09.2026 в 19:45: Передвижной пункт забора крови "
            "Республиканского…, здание бывшего Дворца… Отмена: 0");
  EXPECT_EQ(ru->sms.segments, 2);

  // GSM-7 holds more: long Latin values fit whole after dropping leading address parts.
  f.site_name =
      "Mobile blood collection point of the Republican Scientific and Practical Centre of "
      "Transfusiology of the Ministry of Health of the Republic of Kazakhstan";
  f.address =
      "former Railway Workers' Palace of Culture building opposite the central market, next to "
      "the bus station, entrance from the courtyard, ground floor, room 5";
  auto en = Render(v1::MESSAGE_KIND_BOOKING_CONFIRMATION, v1::LANGUAGE_ENGLISH, f);
  ASSERT_TRUE(en.ok());
  EXPECT_EQ(en->sms.encoding, v1::SMS_ENCODING_GSM7);
  EXPECT_EQ(en->sms.segments, 2);
  EXPECT_THAT(en->sms.text, HasSubstr("Kazakhstan, next to the bus station, entrance from the "
                                      "courtyard, ground floor, room 5. Reply 0 to cancel"));
  EXPECT_THAT(en->sms.text, Not(HasSubstr("former")));

  // One long part cannot lose parts: it is cut, and the ellipsis of a GSM-7 text is "..."
  // ("…" would make it UCS-2 and halve what a segment holds).
  f.address =
      "former Railway Workers' Palace of Culture building opposite the central market next to "
      "the bus station entrance from the courtyard ground floor room 5";
  en = Render(v1::MESSAGE_KIND_BOOKING_CONFIRMATION, v1::LANGUAGE_ENGLISH, f);
  ASSERT_TRUE(en.ok());
  EXPECT_EQ(en->sms.encoding, v1::SMS_ENCODING_GSM7);
  EXPECT_EQ(en->sms.segments, 2);
  EXPECT_THAT(en->sms.text, HasSubstr("... Reply 0 to cancel"));
  EXPECT_THAT(en->sms.text, Not(HasSubstr("…")));
}

TEST(RenderTest, PhoneIsNeverShortened) {
  MessageFacts f = MobileDrive();
  for (const char* phone : {"+7 (7172) 55-12-34", "+996 (3222) 55-12-34", "8 800 080 11 11"}) {
    f.branch_phone = phone;
    for (v1::MessageKind kind : TemplateKinds()) {
      if (!UsesPhone(kind)) continue;
      for (v1::Language language : TemplateLanguages()) {
        SCOPED_TRACE(absl::StrCat(Describe(kind, language), " ", phone));
        auto m = Render(kind, language, f);
        ASSERT_TRUE(m.ok());
        EXPECT_THAT(m->sms.text, HasSubstr(phone));
        EXPECT_LE(m->sms.segments, 2);
      }
    }
  }
}

TEST(RenderTest, CheckMessagePhone) {
  EXPECT_TRUE(CheckMessagePhone("+7 (7172) 55-12-34").ok());
  EXPECT_TRUE(CheckMessagePhone("+996 (3222) 55-12-34").ok());  // 20 characters
  EXPECT_TRUE(CheckMessagePhone("1414").ok());
  EXPECT_FALSE(CheckMessagePhone("").ok());
  EXPECT_FALSE(CheckMessagePhone("+996 (3222) 55-12-345").ok());  // 21
  EXPECT_FALSE(CheckMessagePhone("+7 7172 55-12-34 доб. 2").ok());
  EXPECT_FALSE(CheckMessagePhone("+7.7172.551234").ok());
  EXPECT_FALSE(CheckMessagePhone("( - )").ok());
  EXPECT_THAT(std::string(CheckMessagePhone("+996 (3222) 55-12-345").message()),
              HasSubstr("at most 20"));
}

TEST(RenderTest, LocalSlotStart) {
  // 2026-03-12 04:30 UTC is 09:30 in Astana (UTC+5 since 2024-03-01).
  auto m = LocalSlotStart(
      absl::FromCivil(absl::CivilMinute(2026, 3, 12, 4, 30), absl::UTCTimeZone()), "Asia/Almaty");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, absl::CivilMinute(2026, 3, 12, 9, 30));
  EXPECT_FALSE(LocalSlotStart(absl::UnixEpoch(), "Mars/Olympus").ok());
}

// Prints every rendered text with its encoding and size (the samples in docs/reminders.md).
TEST(RenderTest, PrintSamples) {
  for (const MessageFacts& facts : {LongestCyrillic(), MobileDrive(), LongestLatin()}) {
    for (v1::MessageKind kind : TemplateKinds()) {
      for (v1::Language language : TemplateLanguages()) {
        auto m = Render(kind, language, facts);
        ASSERT_TRUE(m.ok());
        std::cout << Describe(kind, language) << " | " << v1::SmsEncoding_Name(m->sms.encoding)
                  << " " << m->sms.units << " units, " << m->sms.segments << " seg | "
                  << m->sms.text << "\n";
      }
    }
  }
}

}  // namespace
}  // namespace blooddrive::reminders
