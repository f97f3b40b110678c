#include "planner.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "dates.h"
#include "validation.h"

namespace blooddrive::reminders {
namespace {

using platform::ToTime;

std::string BookingKeyOf(const std::string& booking, v1::MessageKind kind,
                         absl::Duration offset = absl::ZeroDuration()) {
  return absl::StrCat("booking|", booking, "|", v1::MessageKind_Name(kind), "|",
                      absl::ToInt64Seconds(offset));
}

std::string DriveKeyOf(const std::string& drive, const std::string& donor, v1::MessageKind kind) {
  return absl::StrCat("drive|", drive, "|", donor, "|", v1::MessageKind_Name(kind));
}

std::string DriveOf(const v1::Event& event, const v1::BookingSnapshot& b) {
  if (!event.drive().empty()) return event.drive();
  const auto [drive_id, booking_id] = SplitBookingName(b.booking());
  return drive_id.empty() ? "" : absl::StrCat("drives/", drive_id);
}

absl::StatusOr<absl::TimeZone> ZoneOf(absl::string_view name, absl::string_view field) {
  absl::TimeZone zone;
  if (name.empty() || !absl::LoadTimeZone(std::string(name), &zone)) {
    return platform::InvalidField(field, "not a known IANA time zone");
  }
  return zone;
}

// What the templates may say about a booking's place and time.
absl::StatusOr<MessageFacts> FactsOf(const v1::BookingSnapshot& b, const PlannerOptions& options) {
  MessageFacts facts;
  facts.site_name = b.place_display_name();
  facts.address = b.venue().empty() ? b.site_address() : b.venue();
  facts.branch_phone = options.info_phone;
  if (b.has_slot_start_time()) {
    absl::StatusOr<absl::CivilMinute> local =
        LocalSlotStart(ToTime(b.slot_start_time()), b.site_time_zone());
    if (!local.ok()) return platform::InvalidField("booking.site_time_zone", "unknown time zone");
    facts.slot_start = *local;
  }
  if (platform::IsSet(b.date())) facts.drive_date = platform::ToCivilDay(b.date());
  return facts;
}

// An intent shell about a booking.
Intent BookingIntent(const v1::Event& event, const v1::BookingSnapshot& b,
                     const MessageFacts& facts) {
  Intent intent;
  intent.donor = b.donor();
  intent.booking = b.booking();
  intent.drive = DriveOf(event, b);
  intent.time_zone = b.site_time_zone();
  intent.facts = facts;
  return intent;
}

Intent FromShell(const Intent& shell, const PlannedMessage& p) {
  Intent intent = shell;
  intent.kind = p.kind;
  intent.due = p.due;
  intent.expire = p.expire;
  if (intent.natural_key.empty())
    intent.natural_key = BookingKeyOf(shell.booking, p.kind, p.offset);
  return intent;
}

void AddPlan(const Plan& plan, const Intent& shell, EventActions* actions) {
  for (const PlannedMessage& p : plan.messages) actions->intents.push_back(FromShell(shell, p));
  for (const PlannedMessage& p : plan.dropped) actions->dropped.push_back(FromShell(shell, p));
  actions->skipped += plan.skipped;
}

absl::Status PlanNewBooking(const v1::Event& event, const v1::BookingSnapshot& b,
                            v1::MessageKind announce, absl::Time now, const PlannerOptions& options,
                            EventActions* actions) {
  absl::StatusOr<absl::TimeZone> zone = ZoneOf(b.site_time_zone(), "booking.site_time_zone");
  if (!zone.ok()) return zone.status();
  if (b.booking().empty() || b.donor().empty() || !b.has_slot_start_time()) {
    return platform::InvalidField("booking", "booking, donor and slot_start_time are required");
  }
  absl::StatusOr<MessageFacts> facts = FactsOf(b, options);
  if (!facts.ok()) return facts.status();
  Intent shell = BookingIntent(event, b, *facts);
  shell.respect_tombstone = true;
  AddPlan(PlanBooking(announce, ToTime(b.slot_start_time()), *zone, now, options.schedule), shell,
          actions);
  return absl::OkStatus();
}

void Withdraw(const std::string& booking, std::string reason, EventActions* actions,
              std::vector<v1::MessageKind> keep = {}) {
  if (booking.empty()) return;
  actions->withdrawals.push_back({booking, "", std::move(reason), std::move(keep)});
}

absl::Status PlanCancelled(const v1::Event& event, const v1::BookingCancelled& c, absl::Time now,
                           const PlannerOptions& options, EventActions* actions) {
  const v1::BookingSnapshot& b = c.booking();
  const bool drive_cancelled = c.reason() == v1::CANCEL_REASON_DRIVE_CANCELLED;
  Withdraw(b.booking(), drive_cancelled ? "drive cancelled" : "booking cancelled", actions,
           {v1::MESSAGE_KIND_CANCELLATION, v1::MESSAGE_KIND_DRIVE_CANCELLED});
  // A cancel by SMS reply is answered by the reply itself.
  if (c.reason() == v1::CANCEL_REASON_DONOR_SMS_REPLY) return absl::OkStatus();
  absl::StatusOr<absl::TimeZone> zone = ZoneOf(b.site_time_zone(), "booking.site_time_zone");
  if (!zone.ok()) return zone.status();
  absl::StatusOr<MessageFacts> facts = FactsOf(b, options);
  if (!facts.ok()) return facts.status();
  Intent shell = BookingIntent(event, b, *facts);
  const v1::MessageKind kind =
      drive_cancelled ? v1::MESSAGE_KIND_DRIVE_CANCELLED : v1::MESSAGE_KIND_CANCELLATION;
  // One drive-cancelled notice per donor and drive, however many bookings they had there.
  shell.natural_key =
      drive_cancelled ? DriveKeyOf(shell.drive, b.donor(), kind) : BookingKeyOf(b.booking(), kind);
  const absl::Time expire =
      b.has_slot_start_time() ? ToTime(b.slot_start_time()) : absl::InfiniteFuture();
  AddPlan(PlanNotice(kind, now, expire, *zone, now, options.schedule), shell, actions);
  return absl::OkStatus();
}

absl::Status PlanVisitOutcome(const v1::Event& event, const v1::OutcomeRecorded& o, absl::Time now,
                              const PlannerOptions& options, EventActions* actions) {
  const v1::BookingSnapshot& b = o.booking();
  Withdraw(b.booking(), "visit recorded", actions);
  if (o.outcome() != v1::DONATION_OUTCOME_DONATED &&
      o.outcome() != v1::DONATION_OUTCOME_INCOMPLETE) {
    return absl::OkStatus();
  }
  absl::StatusOr<absl::TimeZone> zone = ZoneOf(b.site_time_zone(), "booking.site_time_zone");
  if (!zone.ok()) return zone.status();
  absl::StatusOr<MessageFacts> facts = FactsOf(b, options);
  if (!facts.ok()) return facts.status();
  const v1::Date& date = platform::IsSet(o.donation_date()) ? o.donation_date() : b.date();
  if (absl::Status s = platform::CheckDate("donation_date", date, true); !s.ok()) return s;
  const absl::CivilDay day = platform::ToCivilDay(date);
  Intent shell = BookingIntent(event, b, *facts);
  AddPlan(PlanThankYou(day, *zone, now, options.schedule), shell, actions);
  RecallQuery recall;
  recall.donor = b.donor();
  recall.booking = b.booking();
  recall.drive = shell.drive;
  recall.time_zone = b.site_time_zone();
  recall.donation_type = b.donation_type();
  recall.donation_date = day;
  recall.volume_ml = o.volume_ml();
  recall.outcome = o.outcome();
  recall.facts = *facts;
  actions->recall = std::move(recall);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<EventActions> PlanEvent(const v1::Event& event, absl::Time now,
                                       const PlannerOptions& options) {
  EventActions actions;
  absl::Status status;
  switch (event.payload_case()) {
    case v1::Event::kBookingCreated: {
      const v1::BookingCreated& c = event.booking_created();
      Withdraw(c.rescheduled_from(), "booking moved", &actions);
      status = PlanNewBooking(event, c.booking(), v1::MESSAGE_KIND_BOOKING_CONFIRMATION, now,
                              options, &actions);
      break;
    }
    case v1::Event::kWaitlistPromoted:
      status = PlanNewBooking(event, event.waitlist_promoted().booking(),
                              v1::MESSAGE_KIND_WAITLIST_PROMOTION, now, options, &actions);
      break;
    case v1::Event::kBookingCancelled:
      status = PlanCancelled(event, event.booking_cancelled(), now, options, &actions);
      break;
    case v1::Event::kBookingRescheduled:
      Withdraw(event.booking_rescheduled().from_booking().booking(), "booking moved", &actions);
      break;
    case v1::Event::kBookingCheckedIn:
      Withdraw(event.booking_checked_in().booking().booking(), "checked in", &actions);
      break;
    case v1::Event::kBookingHoldExpired:
      Withdraw(event.booking_hold_expired().booking().booking(), "hold expired", &actions);
      break;
    case v1::Event::kOutcomeRecorded:
      status = PlanVisitOutcome(event, event.outcome_recorded(), now, options, &actions);
      break;
    case v1::Event::kDriveCancelled: {
      const std::string& drive =
          event.drive_cancelled().drive().empty() ? event.drive() : event.drive_cancelled().drive();
      if (!drive.empty()) {
        actions.withdrawals.push_back(
            {"",
             drive.substr(drive.rfind('/') + 1),
             "drive cancelled",
             {v1::MESSAGE_KIND_CANCELLATION, v1::MESSAGE_KIND_DRIVE_CANCELLED}});
      }
      break;
    }
    case v1::Event::kDonorSmsConsentChanged: {
      const v1::DonorSmsConsentChanged& c = event.donor_sms_consent_changed();
      std::string id;
      if (absl::Status s = platform::CheckResourceName("donor", c.donor(), "donors", &id);
          !s.ok()) {
        return s;
      }
      const absl::Time at = c.has_update_time()      ? ToTime(c.update_time())
                            : event.has_occur_time() ? ToTime(event.occur_time())
                                                     : now;
      actions.consent = ConsentChange{id, c.opted_in(), at};
      break;
    }
    default:  // held, confirmed, published: no SMS
      break;
  }
  if (!status.ok()) return status;
  return actions;
}

std::vector<Intent> RecallIntents(const RecallQuery& query, absl::CivilDay next_eligible,
                                  absl::Time now, const PlannerOptions& options,
                                  std::vector<Intent>* dropped) {
  std::vector<Intent> out;
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(query.time_zone, &zone)) return out;
  const Plan plan = PlanRecall(next_eligible, zone, now, options.schedule);
  Intent shell;
  shell.natural_key = BookingKeyOf(query.booking, v1::MESSAGE_KIND_RECALL);
  shell.donor = query.donor;
  shell.booking = query.booking;
  shell.drive = query.drive;
  shell.time_zone = query.time_zone;
  shell.facts = query.facts;
  shell.facts.next_eligible_date = next_eligible;
  for (const PlannedMessage& p : plan.messages) out.push_back(FromShell(shell, p));
  if (dropped != nullptr) {
    for (const PlannedMessage& p : plan.dropped) dropped->push_back(FromShell(shell, p));
  }
  return out;
}

absl::StatusOr<Intent> InvitationIntent(const std::string& donor, const std::string& drive,
                                        const MessageFacts& facts, const std::string& time_zone,
                                        absl::Time not_before, absl::Time now,
                                        const PlannerOptions& options) {
  absl::StatusOr<absl::TimeZone> zone = ZoneOf(time_zone, "drive.site.time_zone");
  if (!zone.ok()) return zone.status();
  absl::Time expire = absl::InfiniteFuture();
  if (facts.drive_date.has_value()) {
    expire = LocalInstant(absl::CivilSecond(*facts.drive_date), *zone);
  }
  const Plan plan =
      PlanNotice(v1::MESSAGE_KIND_INVITATION, not_before, expire, *zone, now, options.schedule);
  if (plan.messages.empty()) {
    return absl::FailedPreconditionError("send_time: too late to invite for this drive");
  }
  Intent intent;
  intent.natural_key = DriveKeyOf(drive, donor, v1::MESSAGE_KIND_INVITATION);
  intent.kind = v1::MESSAGE_KIND_INVITATION;
  intent.donor = donor;
  intent.drive = drive;
  intent.time_zone = time_zone;
  intent.facts = facts;
  intent.due = plan.messages[0].due;
  intent.expire = plan.messages[0].expire;
  return intent;
}

absl::StatusOr<PlanInput> Materialize(const Intent& intent, const v1::Donor* donor,
                                      const PlannerOptions& options, absl::Time now) {
  PlanInput in;
  in.id = MessageIdFor(intent.natural_key);
  in.due = intent.due;
  in.expire = intent.expire;
  in.respect_tombstone = intent.respect_tombstone;
  in.time_zone = intent.time_zone;
  v1::OutboundMessage& m = in.content;
  m.set_name(absl::StrCat("messages/", in.id));
  m.set_kind(intent.kind);
  m.set_donor(intent.donor);
  m.set_booking(intent.booking);
  m.set_drive(intent.drive);
  *m.mutable_due_time() = platform::ToTimestamp(intent.due);
  if (intent.expire != absl::InfiniteFuture()) {
    *m.mutable_expire_time() = platform::ToTimestamp(intent.expire);
  }
  *m.mutable_create_time() = platform::ToTimestamp(now);
  const v1::Language language =
      donor != nullptr ? donor->preferred_language() : v1::LANGUAGE_UNSPECIFIED;
  absl::StatusOr<RenderedMessage> rendered =
      Render(intent.kind, language, intent.facts, options.render);
  if (!rendered.ok()) return rendered.status();
  m.set_text(rendered->sms.text);
  m.set_language(rendered->language);
  m.set_encoding(rendered->sms.encoding);
  m.set_segment_count(rendered->sms.segments);
  m.set_length(rendered->sms.units);
  if (donor == nullptr) {
    in.state = v1::MESSAGE_STATE_SUPPRESSED;
    in.reason = "donor not found";
  } else if (donor->phone().empty()) {
    in.state = v1::MESSAGE_STATE_SUPPRESSED;
    in.reason = "no phone";
  } else if (!donor->sms_consent().opted_in()) {
    in.state = v1::MESSAGE_STATE_SUPPRESSED;
    in.reason = "opted out";
  }
  if (donor != nullptr) m.set_phone(donor->phone());
  return in;
}

std::optional<RenderedMessage> RenderReply(v1::InboundAction action, v1::Language language,
                                           const PlannerOptions& options) {
  struct Reply {
    v1::InboundAction action;
    v1::Language language;
    const char* text;
  };
  // Short and without placeholders: a reply goes out at once, whatever the booking.
  static constexpr Reply kReplies[] = {
      {v1::INBOUND_ACTION_OPTED_OUT, v1::LANGUAGE_ENGLISH,
       "You will get no more SMS from us. To resume, reply START"},
      {v1::INBOUND_ACTION_OPTED_OUT, v1::LANGUAGE_RUSSIAN,
       "Вы отписались от SMS. Чтобы возобновить, ответьте СТАРТ"},
      {v1::INBOUND_ACTION_OPTED_OUT, v1::LANGUAGE_KAZAKH,
       "Сіз SMS-тен бас тарттыңыз. Қайта қосу үшін: БАСТАУ"},
      {v1::INBOUND_ACTION_OPTED_OUT, v1::LANGUAGE_KYRGYZ,
       "Сиз SMS-тен баш тарттыңыз. Кайра кошуу үчүн: БАШТА"},
      {v1::INBOUND_ACTION_OPTED_OUT, v1::LANGUAGE_TAJIK,
       "Шумо аз SMS даст кашидед. Барои барқарор: СТАРТ"},
      {v1::INBOUND_ACTION_OPTED_OUT, v1::LANGUAGE_UZBEK,
       "Siz SMS xabarlardan voz kechdingiz. Qayta yoqish: START"},
      {v1::INBOUND_ACTION_OPTED_IN, v1::LANGUAGE_ENGLISH,
       "SMS reminders are on again. Reply STOP to opt out"},
      {v1::INBOUND_ACTION_OPTED_IN, v1::LANGUAGE_RUSSIAN,
       "SMS-напоминания снова включены. Отписаться: СТОП"},
      {v1::INBOUND_ACTION_OPTED_IN, v1::LANGUAGE_KAZAKH,
       "SMS-еске салулар қайта қосылды. Бас тарту: СТОП"},
      {v1::INBOUND_ACTION_OPTED_IN, v1::LANGUAGE_KYRGYZ,
       "SMS-эскертмелер кайра күйгүзүлдү. Баш тартуу: СТОП"},
      {v1::INBOUND_ACTION_OPTED_IN, v1::LANGUAGE_TAJIK,
       "Паёмҳои SMS боз фаъол шуданд. Қатъи паём: СТОП"},
      {v1::INBOUND_ACTION_OPTED_IN, v1::LANGUAGE_UZBEK,
       "SMS eslatmalar qayta yoqildi. Rad etish: STOP"},
      {v1::INBOUND_ACTION_BOOKING_CONFIRMED, v1::LANGUAGE_ENGLISH,
       "Thank you, your visit is confirmed. See you!"},
      {v1::INBOUND_ACTION_BOOKING_CONFIRMED, v1::LANGUAGE_RUSSIAN,
       "Спасибо, ваш визит подтверждён. Ждём вас!"},
      {v1::INBOUND_ACTION_BOOKING_CONFIRMED, v1::LANGUAGE_KAZAKH,
       "Рахмет, келуіңіз расталды. Күтеміз!"},
      {v1::INBOUND_ACTION_BOOKING_CONFIRMED, v1::LANGUAGE_KYRGYZ,
       "Рахмат, келишиңиз ырасталды. Күтөбүз!"},
      {v1::INBOUND_ACTION_BOOKING_CONFIRMED, v1::LANGUAGE_TAJIK,
       "Ташаккур, ташрифи шумо тасдиқ шуд. Интизорем!"},
      {v1::INBOUND_ACTION_BOOKING_CONFIRMED, v1::LANGUAGE_UZBEK,
       "Rahmat, tashrifingiz tasdiqlandi. Kutamiz!"},
      {v1::INBOUND_ACTION_BOOKING_CANCELLED, v1::LANGUAGE_ENGLISH,
       "Your booking is cancelled. Thank you for letting us know"},
      {v1::INBOUND_ACTION_BOOKING_CANCELLED, v1::LANGUAGE_RUSSIAN,
       "Ваша запись отменена. Спасибо, что сообщили"},
      {v1::INBOUND_ACTION_BOOKING_CANCELLED, v1::LANGUAGE_KAZAKH,
       "Жазылуыңыз жойылды. Хабарлағаныңызға рахмет"},
      {v1::INBOUND_ACTION_BOOKING_CANCELLED, v1::LANGUAGE_KYRGYZ,
       "Жазылууңуз жокко чыгарылды. Кабарлаганыңызга рахмат"},
      {v1::INBOUND_ACTION_BOOKING_CANCELLED, v1::LANGUAGE_TAJIK,
       "Сабти шумо бекор шуд. Ташаккур барои хабар"},
      {v1::INBOUND_ACTION_BOOKING_CANCELLED, v1::LANGUAGE_UZBEK,
       "Yozuvingiz bekor qilindi. Xabar berganingiz uchun rahmat"},
      {v1::INBOUND_ACTION_NO_BOOKING, v1::LANGUAGE_ENGLISH,
       "We found no upcoming booking for this number"},
      {v1::INBOUND_ACTION_NO_BOOKING, v1::LANGUAGE_RUSSIAN,
       "Предстоящих записей на этот номер не найдено"},
      {v1::INBOUND_ACTION_NO_BOOKING, v1::LANGUAGE_KAZAKH, "Бұл нөмірге алдағы жазылу табылмады"},
      {v1::INBOUND_ACTION_NO_BOOKING, v1::LANGUAGE_KYRGYZ,
       "Бул номерге алдыдагы жазылуу табылган жок"},
      {v1::INBOUND_ACTION_NO_BOOKING, v1::LANGUAGE_TAJIK, "Барои ин рақам сабти оянда ёфт нашуд"},
      {v1::INBOUND_ACTION_NO_BOOKING, v1::LANGUAGE_UZBEK, "Bu raqam uchun kelgusi yozuv topilmadi"},
  };
  std::vector<v1::Language> chain;
  if (language != v1::LANGUAGE_UNSPECIFIED) chain.push_back(language);
  for (v1::Language l : options.render.fallback) chain.push_back(l);
  chain.push_back(v1::LANGUAGE_ENGLISH);
  for (v1::Language l : chain) {
    for (const Reply& r : kReplies) {
      if (r.action != action || r.language != l) continue;
      RenderedMessage out;
      out.language = l;
      out.sms = AnalyzeSms(r.text, options.render.sms);
      return out;
    }
  }
  return std::nullopt;
}

}  // namespace blooddrive::reminders
