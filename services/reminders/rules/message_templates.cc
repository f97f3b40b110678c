#include "message_templates.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "unicode/utf8.h"

namespace blooddrive::reminders {
namespace {

namespace v1 = blooddrive::v1;

struct BuiltinText {
  v1::MessageKind kind;
  v1::Language language;
  const char* text;
};

// Short on purpose: with the longest realistic place names a Cyrillic text must stay within two
// UCS-2 segments (134 units), so every word counts. Uzbek uses ʻ/ʼ as written; the encoder folds
// them to ' when that keeps the text in GSM-7. The reply hints match inbound_keywords.h.
constexpr BuiltinText kBuiltin[] = {
    // --- BOOKING_CONFIRMATION ---
    {v1::MESSAGE_KIND_BOOKING_CONFIRMATION, v1::LANGUAGE_ENGLISH,
     "Blood donation booked: {date}, {time}, {site}, {address}. Reply 0 to cancel"},
    {v1::MESSAGE_KIND_BOOKING_CONFIRMATION, v1::LANGUAGE_RUSSIAN,
     "Вы записаны на сдачу крови {date} в {time}: {site}, {address}. Отмена: 0"},
    {v1::MESSAGE_KIND_BOOKING_CONFIRMATION, v1::LANGUAGE_KAZAKH,
     "Қан тапсыруға жазылдыңыз: {date} {time}, {site}, {address}. Бас тарту: 0"},
    {v1::MESSAGE_KIND_BOOKING_CONFIRMATION, v1::LANGUAGE_KYRGYZ,
     "Кан тапшырууга жазылдыңыз: {date} {time}, {site}, {address}. Баш тартуу: 0"},
    {v1::MESSAGE_KIND_BOOKING_CONFIRMATION, v1::LANGUAGE_TAJIK,
     "Сабт барои супоридани хун: {date} {time}, {site}, {address}. Бекор: 0"},
    {v1::MESSAGE_KIND_BOOKING_CONFIRMATION, v1::LANGUAGE_UZBEK,
     "Qon topshirishga yozildingiz: {date} {time}, {site}, {address}. Bekor: 0"},

    // --- REMINDER ---
    {v1::MESSAGE_KIND_REMINDER, v1::LANGUAGE_ENGLISH,
     "Reminder: blood donation {date}, {time}, {site}. Reply 1 to confirm, 0 to cancel"},
    {v1::MESSAGE_KIND_REMINDER, v1::LANGUAGE_RUSSIAN,
     "Напоминаем: сдача крови {date} в {time}, {site}. Ответьте 1 - приду, 0 - отмена"},
    {v1::MESSAGE_KIND_REMINDER, v1::LANGUAGE_KAZAKH,
     "Еске саламыз: қан тапсыру {date} {time}, {site}. Келемін: 1, бас тарту: 0"},
    {v1::MESSAGE_KIND_REMINDER, v1::LANGUAGE_KYRGYZ,
     "Эскертебиз: кан тапшыруу {date} {time}, {site}. Келем: 1, баш тартуу: 0"},
    {v1::MESSAGE_KIND_REMINDER, v1::LANGUAGE_TAJIK,
     "Ёдоварӣ: супоридани хун {date} {time}, {site}. Меоям: 1, бекор: 0"},
    {v1::MESSAGE_KIND_REMINDER, v1::LANGUAGE_UZBEK,
     "Eslatma: qon topshirish {date} {time}, {site}. Kelaman: 1, bekor qilish: 0"},

    // --- CANCELLATION ---
    {v1::MESSAGE_KIND_CANCELLATION, v1::LANGUAGE_ENGLISH,
     "Your blood donation {date}, {time} at {site} is cancelled. To rebook: {phone}"},
    {v1::MESSAGE_KIND_CANCELLATION, v1::LANGUAGE_RUSSIAN,
     "Запись на сдачу крови {date} в {time} ({site}) отменена. Новая запись: {phone}"},
    {v1::MESSAGE_KIND_CANCELLATION, v1::LANGUAGE_KAZAKH,
     "{date} {time} қан тапсыруға жазылу ({site}) жойылды. Қайта жазылу: {phone}"},
    {v1::MESSAGE_KIND_CANCELLATION, v1::LANGUAGE_KYRGYZ,
     "{date} {time} кан тапшырууга жазылуу ({site}) жокко чыгарылды. Кайра жазылуу: {phone}"},
    {v1::MESSAGE_KIND_CANCELLATION, v1::LANGUAGE_TAJIK,
     "Сабти супоридани хун {date} {time} ({site}) бекор шуд. Сабти нав: {phone}"},
    {v1::MESSAGE_KIND_CANCELLATION, v1::LANGUAGE_UZBEK,
     "{date} {time} qon topshirishga yozuv ({site}) bekor qilindi. Qayta yozilish: {phone}"},

    // --- DRIVE_CANCELLED ---
    {v1::MESSAGE_KIND_DRIVE_CANCELLED, v1::LANGUAGE_ENGLISH,
     "Sorry, blood drive {drive_date} at {site} is cancelled, your booking too. Info: {phone}"},
    {v1::MESSAGE_KIND_DRIVE_CANCELLED, v1::LANGUAGE_RUSSIAN,
     "Извините, день донора {drive_date} ({site}) отменён, ваша запись тоже. Справки: {phone}"},
    {v1::MESSAGE_KIND_DRIVE_CANCELLED, v1::LANGUAGE_KAZAKH,
     "Кешіріңіз, {drive_date} донор күні ({site}) өтпейді, жазылуыңыз жойылды. Анықтама: "
     "{phone}"},
    {v1::MESSAGE_KIND_DRIVE_CANCELLED, v1::LANGUAGE_KYRGYZ,
     "Кечиресиз, {drive_date} донор күнү ({site}) болбойт, жазылуу жокко чыкты. Тел.: {phone}"},
    {v1::MESSAGE_KIND_DRIVE_CANCELLED, v1::LANGUAGE_TAJIK,
     "Бубахшед, рӯзи донор {drive_date} ({site}) бекор шуд, сабти шумо низ. Маълумот: {phone}"},
    {v1::MESSAGE_KIND_DRIVE_CANCELLED, v1::LANGUAGE_UZBEK,
     "Uzr, {drive_date} donor kuni ({site}) bekor qilindi, yozuvingiz ham. Maʼlumot: {phone}"},

    // --- WAITLIST_PROMOTION ---
    {v1::MESSAGE_KIND_WAITLIST_PROMOTION, v1::LANGUAGE_ENGLISH,
     "A seat came free: blood donation {date}, {time}, {site}. Reply 1 to confirm, 0 to "
     "cancel"},
    {v1::MESSAGE_KIND_WAITLIST_PROMOTION, v1::LANGUAGE_RUSSIAN,
     "Для вас освободилось место: {date} в {time}, {site}. Ответьте 1 - приду, 0 - отмена"},
    {v1::MESSAGE_KIND_WAITLIST_PROMOTION, v1::LANGUAGE_KAZAKH,
     "Сізге орын босады: қан тапсыру {date} {time}, {site}. Келемін: 1, бас тарту: 0"},
    {v1::MESSAGE_KIND_WAITLIST_PROMOTION, v1::LANGUAGE_KYRGYZ,
     "Сизге орун бошоду: кан тапшыруу {date} {time}, {site}. Келем: 1, баш тартуу: 0"},
    {v1::MESSAGE_KIND_WAITLIST_PROMOTION, v1::LANGUAGE_TAJIK,
     "Барои шумо ҷой холӣ шуд: супоридани хун {date} {time}, {site}. Меоям: 1, бекор: 0"},
    {v1::MESSAGE_KIND_WAITLIST_PROMOTION, v1::LANGUAGE_UZBEK,
     "Siz uchun joy boʻshadi: qon topshirish {date} {time}, {site}. Kelaman: 1, bekor: 0"},

    // --- THANK_YOU ---
    {v1::MESSAGE_KIND_THANK_YOU, v1::LANGUAGE_ENGLISH,
     "Thank you for donating blood! Your gift helps save lives. Questions: {phone}"},
    {v1::MESSAGE_KIND_THANK_YOU, v1::LANGUAGE_RUSSIAN,
     "Спасибо за сдачу крови! Ваша помощь спасает жизни. Вопросы: {phone}"},
    {v1::MESSAGE_KIND_THANK_YOU, v1::LANGUAGE_KAZAKH,
     "Қан тапсырғаныңызға рахмет! Сіздің көмегіңіз өмір сақтайды. Сұрақтар: {phone}"},
    {v1::MESSAGE_KIND_THANK_YOU, v1::LANGUAGE_KYRGYZ,
     "Кан тапшырганыңыз үчүн рахмат! Сиздин жардамыңыз өмүр сактайт. Суроолор: {phone}"},
    {v1::MESSAGE_KIND_THANK_YOU, v1::LANGUAGE_TAJIK,
     "Ташаккур барои супоридани хун! Кӯмаки шумо ҳаёт наҷот медиҳад. Саволҳо: {phone}"},
    {v1::MESSAGE_KIND_THANK_YOU, v1::LANGUAGE_UZBEK,
     "Qon topshirganingiz uchun rahmat! Yordamingiz hayotlarni saqlaydi. Savollar: {phone}"},

    // --- RECALL ---
    {v1::MESSAGE_KIND_RECALL, v1::LANGUAGE_ENGLISH,
     "From {next_date} you can donate blood again. To book: {phone}. Reply STOP to opt out"},
    {v1::MESSAGE_KIND_RECALL, v1::LANGUAGE_RUSSIAN,
     "С {next_date} вы снова можете сдать кровь. Запись: {phone}. Отписаться: СТОП"},
    {v1::MESSAGE_KIND_RECALL, v1::LANGUAGE_KAZAKH,
     "{next_date} бастап қайта қан тапсыра аласыз. Жазылу: {phone}. Бас тарту: СТОП"},
    {v1::MESSAGE_KIND_RECALL, v1::LANGUAGE_KYRGYZ,
     "{next_date} баштап кайра кан тапшыра аласыз. Жазылуу: {phone}. Баш тартуу: СТОП"},
    {v1::MESSAGE_KIND_RECALL, v1::LANGUAGE_TAJIK,
     "Аз {next_date} шумо боз хун супорида метавонед. Сабт: {phone}. Қатъи паём: СТОП"},
    {v1::MESSAGE_KIND_RECALL, v1::LANGUAGE_UZBEK,
     "{next_date} dan yana qon topshirishingiz mumkin. Yozilish: {phone}. Rad etish: STOP"},

    // --- INVITATION ---
    {v1::MESSAGE_KIND_INVITATION, v1::LANGUAGE_ENGLISH,
     "Join our blood drive on {drive_date} at {site}. To book: {phone}. Reply STOP to opt "
     "out"},
    {v1::MESSAGE_KIND_INVITATION, v1::LANGUAGE_RUSSIAN,
     "Приглашаем на день донора {drive_date}: {site}. Запись: {phone}. Отписаться: СТОП"},
    {v1::MESSAGE_KIND_INVITATION, v1::LANGUAGE_KAZAKH,
     "{drive_date} донор күніне шақырамыз: {site}. Жазылу: {phone}. Бас тарту: СТОП"},
    {v1::MESSAGE_KIND_INVITATION, v1::LANGUAGE_KYRGYZ,
     "{drive_date} донор күнүнө чакырабыз: {site}. Жазылуу: {phone}. Баш тартуу: СТОП"},
    {v1::MESSAGE_KIND_INVITATION, v1::LANGUAGE_TAJIK,
     "Шуморо ба рӯзи донор даъват мекунем: {drive_date}, {site}. Сабт: {phone}. Қатъи паём: СТОП"},
    {v1::MESSAGE_KIND_INVITATION, v1::LANGUAGE_UZBEK,
     "Sizni donor kuniga taklif qilamiz: {drive_date}, {site}. Yozilish: {phone}. Rad etish: STOP"},
};

bool ValidUtf8(absl::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const int32_t n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) return false;
  }
  return true;
}

}  // namespace

const std::vector<v1::MessageKind>& TemplateKinds() {
  static const auto* kinds = new std::vector<v1::MessageKind>{
      v1::MESSAGE_KIND_BOOKING_CONFIRMATION,
      v1::MESSAGE_KIND_REMINDER,
      v1::MESSAGE_KIND_CANCELLATION,
      v1::MESSAGE_KIND_DRIVE_CANCELLED,
      v1::MESSAGE_KIND_WAITLIST_PROMOTION,
      v1::MESSAGE_KIND_THANK_YOU,
      v1::MESSAGE_KIND_RECALL,
      v1::MESSAGE_KIND_INVITATION,
  };
  return *kinds;
}

const std::vector<v1::Language>& TemplateLanguages() {
  static const auto* languages = new std::vector<v1::Language>{
      v1::LANGUAGE_KAZAKH, v1::LANGUAGE_RUSSIAN, v1::LANGUAGE_ENGLISH,
      v1::LANGUAGE_UZBEK,  v1::LANGUAGE_KYRGYZ,  v1::LANGUAGE_TAJIK,
  };
  return *languages;
}

const std::vector<std::string>& PlaceholderNames() {
  static const auto* names = new std::vector<std::string>{
      "site", "address", "date", "time", "drive_date", "next_date", "phone",
  };
  return *names;
}

absl::Status ParseTemplate(absl::string_view text, std::vector<TemplatePiece>* pieces) {
  pieces->clear();
  if (text.empty()) return absl::InvalidArgumentError("template: empty");
  if (!ValidUtf8(text)) return absl::InvalidArgumentError("template: not valid UTF-8");
  std::string literal;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '}') return absl::InvalidArgumentError("template: stray '}'");
    if (text[i] != '{') {
      literal.push_back(text[i]);
      continue;
    }
    const size_t close = text.find('}', i);
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError("template: unclosed '{'");
    }
    const std::string name(text.substr(i + 1, close - i - 1));
    const auto& names = PlaceholderNames();
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      return absl::InvalidArgumentError(absl::StrCat("template: unknown placeholder {", name, "}"));
    }
    if (!literal.empty()) pieces->push_back({std::move(literal), false});
    literal.clear();
    pieces->push_back({name, true});
    i = close;
  }
  if (!literal.empty()) pieces->push_back({std::move(literal), false});
  return absl::OkStatus();
}

const TemplateSet& TemplateSet::Builtin() {
  static const TemplateSet* set = [] {
    auto* s = new TemplateSet;
    for (const BuiltinText& t : kBuiltin) {
      // The built-in texts are covered by tests; a bad one would fail them, not here.
      s->Set(t.kind, t.language, t.text).IgnoreError();
    }
    return s;
  }();
  return *set;
}

absl::Status TemplateSet::Set(v1::MessageKind kind, v1::Language language, absl::string_view text) {
  std::vector<TemplatePiece> pieces;
  if (absl::Status s = ParseTemplate(text, &pieces); !s.ok()) return s;
  templates_[{kind, language}] = std::move(pieces);
  return absl::OkStatus();
}

void TemplateSet::Erase(v1::MessageKind kind, v1::Language language) {
  templates_.erase(std::make_pair(static_cast<int>(kind), static_cast<int>(language)));
}

const std::vector<TemplatePiece>* TemplateSet::Find(v1::MessageKind kind,
                                                    v1::Language language) const {
  auto it = templates_.find(std::make_pair(static_cast<int>(kind), static_cast<int>(language)));
  return it == templates_.end() ? nullptr : &it->second;
}

}  // namespace blooddrive::reminders
