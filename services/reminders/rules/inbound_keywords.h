// Classifies an SMS a donor sent in: opt out, opt back in, confirm or cancel the next booking.
//
// The whole message must be one keyword (after normalization), so "нет, я приду" or "stop
// sending me the time" are not taken as commands: a wrong opt-out or cancellation costs more
// than a reply left to staff (OTHER).
//
// Normalization: Unicode case folding; surrounding whitespace and trailing . ! ? , ; removed;
// inner whitespace runs become one space; apostrophe-like marks (' ʻ ʼ ‘ ’ ` ´) removed, so
// TO'XTAT, TOʻXTAT and TOXTAT are one word; Kazakh/Kyrgyz/Tajik/Uzbek-Cyrillic letters folded
// to their Russian base (ә→а, ғ→г, қ→к, ң→н, ө→о, ұ→у, ү→у, һ→х, і→и, ҳ→х, ӣ→и, ӯ→у, ҷ→ч,
// ў→у), so ТОКТАТУ typed without Kazakh letters still matches; Cyrillic letters that look like
// Latin ones (А В Е К М Н О Р С Т У Х І) matched both ways, but only in a word that mixes the
// two scripts, so СТОП typed with a Latin C, T or O still matches while a plain Cyrillic "у" is
// not taken for the Latin "Y".
//
// Keywords (as listed; matching is case-insensitive):
//   STOP (opt out)
//     any:  STOP, STOPALL, UNSUBSCRIBE, END, QUIT, СТОП
//     ru:   ОТПИСАТЬСЯ, ОТПИСКА, ХВАТИТ
//     kk:   ТОҚТАТУ, ТОҚТА
//     ky:   ТОКТОТ, ТОКТОТУУ, ТОКТО
//     tg:   ИСТ, БАС
//     uz:   TO'XTAT, TO'XTATISH, TO'XTA, ТЎХТАТ, ТЎХТА  (and TOXTAT etc., apostrophes dropped)
//   START (opt back in)
//     any:  START, UNSTOP, SUBSCRIBE, СТАРТ
//     ru:   ПОДПИСАТЬСЯ, ВОЗОБНОВИТЬ
//     kk:   БАСТАУ, БАСТА
//     ky:   БАШТОО, БАШТА
//     tg:   ОҒОЗ, САР КАРДАН
//     uz:   BOSHLASH, BOSHLA, БОШЛАШ, БОШЛА
//   CONFIRM (confirm the next booking)
//     any:  1, YES, Y, OK, CONFIRM
//     ru:   ДА, ПОДТВЕРЖДАЮ, ПРИДУ
//     kk:   ИӘ, ИЯ, КЕЛЕМІН, РАСТАЙМЫН
//     ky:   ООБА, КЕЛЕМ
//     tg:   ҲА, ХА, МЕОЯМ  (ҲА/ХА is also Uzbek Cyrillic "yes")
//     uz:   HA, XA, KELAMAN
//   CANCEL (cancel the next booking)
//     any:  0, NO, N, CANCEL
//     ru:   НЕТ, ОТМЕНА, ОТМЕНИТЬ
//     kk:   ЖОҚ, БАС ТАРТУ, БОЛДЫРМАУ
//     ky:   ЖОК, БАШ ТАРТУУ
//     tg:   НЕ, БЕКОР
//     uz:   YO'Q, BEKOR, BEKOR QILISH, ЙЎҚ
// Latin transliterations donors commonly type: kk TOQTATU, BASTAU, IA, JOQ; ru STOP, DA, NET.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "blooddrive/v1/common.pb.h"

namespace blooddrive::reminders {

enum class InboundKeyword {
  kOther = 0,  // not a keyword: kept for staff
  kStop,       // opt out of SMS
  kStart,      // opt back in
  kConfirm,    // confirm the next booking
  kCancel,     // cancel the next booking
};

struct InboundMatch {
  InboundKeyword keyword = InboundKeyword::kOther;
  // The keyword's language when only one language has it (a hint for the reply; the donor's
  // registered language comes first); UNSPECIFIED for shared ones (STOP, 1, 0) and OTHER.
  blooddrive::v1::Language language = blooddrive::v1::LANGUAGE_UNSPECIFIED;
};

InboundMatch ClassifyInbound(absl::string_view text);

struct KeywordEntry {
  const char* text;  // as listed above
  InboundKeyword keyword;
  blooddrive::v1::Language language;
};

// Every keyword, for docs and tests.
const std::vector<KeywordEntry>& InboundKeywords();

// The comparison form of `text` described above, without the look-alike mapping (for tests).
std::string KeywordSkeleton(absl::string_view text);

}  // namespace blooddrive::reminders
