// SMS encoding and segment counts against hand-checked strings: Latin, the whole GSM-7 table,
// extension characters, Cyrillic with Kazakh letters, emoji, and every part boundary.
#include "sms_encoding.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"

namespace blooddrive::reminders {
namespace {

namespace v1 = blooddrive::v1;
constexpr v1::SmsEncoding GSM = v1::SMS_ENCODING_GSM7;
constexpr v1::SmsEncoding UCS = v1::SMS_ENCODING_UCS2;

std::string Repeat(absl::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) absl::StrAppend(&out, s);
  return out;
}

struct Case {
  std::string name;
  std::string text;
  v1::SmsEncoding encoding;
  int units;
  int segments;
};

// Each row counted by hand (units: septets for GSM-7, UTF-16 code units for UCS-2).
std::vector<Case> Table() {
  const std::string a = "a", zhe = "Ж", euro = "€", thumbs = "👍";
  return {
      {"empty", "", GSM, 0, 1},
      {"latin", "Hello, world!", GSM, 13, 1},
      {"gsm_symbols", "@£$¥_!#%&'()*+,-./:;<=>?", GSM, 24, 1},
      {"gsm_accents", "èéùìòÇØøÅåÄÖÑÜäöñüàßÆæÉ¡¿§¤", GSM, 27, 1},
      {"gsm_greek", "ΔΦΓΛΩΠΨΣΘΞ", GSM, 10, 1},
      {"newlines", "a\nb\r\n", GSM, 5, 1},
      {"extension_each_two", "^{}\\[~]|€", GSM, 18, 1},
      {"form_feed_two", "a\fb", GSM, 4, 1},
      {"euro_in_text", "Price: 5€", GSM, 10, 1},
      {"backtick_folded", "a`b", GSM, 3, 1},  // folded to a'b (see FoldsQuotes)
      {"small_c_cedilla_not_gsm", "ç", UCS, 1, 1},
      {"a_acute_not_gsm", "á", UCS, 1, 1},
      {"cyrillic", "Привет", UCS, 6, 1},
      {"kazakh_letters", "әғқңөұүһі ӘҒҚҢӨҰҮҺІ", UCS, 19, 1},
      {"kazakh_sentence", "Қан тапсыруға жазылдыңыз", UCS, 24, 1},
      {"emoji_two_units", "👍", UCS, 2, 1},
      {"emoji_with_variation", "Спасибо за донацию! 👍❤️", UCS, 24, 1},
      {"one_cyrillic_letter_forces_ucs2", Repeat(a, 100) + "Ж", UCS, 101, 2},
      // GSM-7 boundaries.
      {"gsm_160", Repeat(a, 160), GSM, 160, 1},
      {"gsm_161", Repeat(a, 161), GSM, 161, 2},
      {"gsm_306", Repeat(a, 153 * 2), GSM, 306, 2},
      {"gsm_307", Repeat(a, 153 * 2 + 1), GSM, 307, 3},
      {"gsm_80_euro_160", Repeat(euro, 80), GSM, 160, 1},
      {"gsm_159_plus_euro", Repeat(a, 159) + euro, GSM, 161, 2},
      // 152 + escape: the escape pair cannot straddle the boundary, so 306 septets need 3 parts.
      {"gsm_escape_at_boundary", Repeat(a, 152) + euro + Repeat(a, 152), GSM, 306, 3},
      {"gsm_escape_fits_boundary", Repeat(a, 151) + euro + Repeat(a, 153), GSM, 306, 2},
      // UCS-2 boundaries.
      {"ucs2_70", Repeat(zhe, 70), UCS, 70, 1},
      {"ucs2_71", Repeat(zhe, 71), UCS, 71, 2},
      {"ucs2_134", Repeat(zhe, 67 * 2), UCS, 134, 2},
      {"ucs2_135", Repeat(zhe, 67 * 2 + 1), UCS, 135, 3},
      {"ucs2_emoji_ends_single", Repeat(zhe, 68) + thumbs, UCS, 70, 1},
      {"ucs2_emoji_over_single", Repeat(zhe, 69) + thumbs, UCS, 71, 2},
      // 66 + pair: the pair cannot straddle units 67/68, so 134 units need 3 parts.
      {"ucs2_emoji_at_boundary", Repeat(zhe, 66) + thumbs + Repeat(zhe, 66), UCS, 134, 3},
      {"ucs2_emoji_fits_boundary", Repeat(zhe, 65) + thumbs + Repeat(zhe, 67), UCS, 134, 2},
      {"ucs2_emoji_only", Repeat(thumbs, 35), UCS, 70, 1},
      {"ucs2_emoji_only_over", Repeat(thumbs, 36), UCS, 72, 2},  // 33 pairs (66) in part 1
  };
}

TEST(SmsEncodingTest, HandCheckedTable) {
  for (const Case& c : Table()) {
    SCOPED_TRACE(c.name);
    const SmsInfo info = AnalyzeSms(c.text);
    EXPECT_EQ(info.encoding, c.encoding);
    EXPECT_EQ(info.units, c.units);
    EXPECT_EQ(info.segments, c.segments);
    // The parts agree with the count and each respects its limit.
    const std::vector<std::string> parts = SplitSms(info);
    EXPECT_EQ(static_cast<int>(parts.size()), c.segments);
    std::string joined;
    for (const std::string& p : parts) {
      const SmsInfo part = AnalyzeSms(p, {.fold_quotes = false});
      if (c.segments > 1) {
        EXPECT_LE(part.units, c.encoding == GSM ? kGsm7PartSeptets : kUcs2PartUnits) << p;
      }
      joined += p;
    }
    EXPECT_EQ(joined, info.text);
  }
}

TEST(SmsEncodingTest, WholeDefaultAlphabetIsOneSeptetEach) {
  const std::string basic =
      "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
      "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  const SmsInfo info = AnalyzeSms(basic);
  EXPECT_EQ(info.encoding, GSM);
  EXPECT_EQ(info.units, 125);  // 128 positions minus LF, CR and the escape
  EXPECT_EQ(Gsm7Septets('@'), 1);
  EXPECT_EQ(Gsm7Septets(0x20AC), 2);
  EXPECT_EQ(Gsm7Septets('\f'), 2);
  EXPECT_EQ(Gsm7Septets('`'), 0);
  EXPECT_EQ(Gsm7Septets(0x00E7), 0);  // ç: the table has only Ç
  EXPECT_EQ(Gsm7Septets(0x0416), 0);  // Ж
  EXPECT_EQ(Gsm7Septets('\t'), 0);
}

TEST(SmsEncodingTest, FoldsUzbekApostrophesOnlyWhenThatMakesGsm7) {
  SmsInfo info = AnalyzeSms("Oʻzbekiston, gʻalaba, maʼlumot");
  EXPECT_EQ(info.encoding, GSM);
  EXPECT_EQ(info.text, "O'zbekiston, g'alaba, ma'lumot");
  EXPECT_EQ(info.units, 30);

  info = AnalyzeSms("“Oʻzbekiston” ‘ok’");
  EXPECT_EQ(info.encoding, GSM);
  EXPECT_EQ(info.text, "\"O'zbekiston\" 'ok'");

  // A text that stays UCS-2 keeps its letters.
  info = AnalyzeSms("Oʻzbekiston, Астана");
  EXPECT_EQ(info.encoding, UCS);
  EXPECT_EQ(info.text, "Oʻzbekiston, Астана");
  EXPECT_EQ(info.units, 19);

  // Folding off: ʻ alone forces UCS-2.
  info = AnalyzeSms("Oʻzbekiston", {.fold_quotes = false});
  EXPECT_EQ(info.encoding, UCS);
  EXPECT_EQ(info.units, 11);
  EXPECT_EQ(info.text, "Oʻzbekiston");
}

TEST(SmsEncodingTest, FoldingCanSaveASegment) {
  // 100 Latin letters and one ʻ: UCS-2 would be 101 units (2 segments); folded, 101 septets (1).
  const std::string text = Repeat("o", 50) + "ʻ" + Repeat("g", 50);
  EXPECT_EQ(AnalyzeSms(text).segments, 1);
  EXPECT_EQ(AnalyzeSms(text, {.fold_quotes = false}).segments, 2);
}

TEST(SmsEncodingTest, IllFormedUtf8BecomesReplacementCharacter) {
  const SmsInfo info = AnalyzeSms("ok\xff");
  EXPECT_EQ(info.encoding, UCS);
  EXPECT_EQ(info.units, 3);
  EXPECT_EQ(info.text, "ok\xEF\xBF\xBD");
}

TEST(SmsEncodingTest, SplitKeepsEmojiWhole) {
  const SmsInfo info = AnalyzeSms(Repeat("Ж", 66) + "👍" + Repeat("Ж", 66));
  const std::vector<std::string> parts = SplitSms(info);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], Repeat("Ж", 66));
  EXPECT_EQ(parts[1], "👍" + Repeat("Ж", 65));
  EXPECT_EQ(parts[2], "Ж");
}

}  // namespace
}  // namespace blooddrive::reminders
