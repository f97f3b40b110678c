// The planner without processes: what each event plans and withdraws, how an intent becomes a
// message for a donor, and the replies to inbound SMS.
#include "planner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "dates.h"

namespace blooddrive::reminders {
namespace {

namespace v1 = ::blooddrive::v1;

absl::TimeZone Almaty() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Asia/Almaty", &zone));
  return zone;
}

v1::BookingSnapshot Booking(const std::string& id, absl::CivilMinute local) {
  v1::BookingSnapshot b;
  b.set_booking("drives/d1/bookings/" + id);
  b.set_donor("donors/x1");
  b.set_donation_type(v1::DONATION_TYPE_WHOLE_BLOOD);
  *b.mutable_slot_start_time() = platform::ToTimestamp(absl::FromCivil(local, Almaty()));
  *b.mutable_date() = platform::ToDate(absl::CivilDay(local));
  b.set_site_time_zone("Asia/Almaty");
  b.set_place_display_name("Blood Centre");
  b.set_site_address("Abay ave. 10");
  return b;
}

// 2026-12-01 12:00 local (07:00 UTC): outside quiet hours.
const absl::Time kNow = absl::FromCivil(absl::CivilMinute(2026, 12, 1, 12, 0), Almaty());

TEST(PlanEventTest, BookingCreatedPlansConfirmationAndReminders) {
  v1::Event e;
  e.set_drive("drives/d1");
  *e.mutable_booking_created()->mutable_booking() =
      Booking("b1", absl::CivilMinute(2026, 12, 10, 9, 30));
  absl::StatusOr<EventActions> a = PlanEvent(e, kNow, {});
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_EQ(a->intents.size(), 4u);
  EXPECT_EQ(a->intents[0].kind, v1::MESSAGE_KIND_BOOKING_CONFIRMATION);
  EXPECT_EQ(a->intents[0].due, kNow);
  std::set<std::string> keys;
  for (const Intent& i : a->intents) {
    EXPECT_TRUE(i.respect_tombstone);
    EXPECT_EQ(i.drive, "drives/d1");
    keys.insert(i.natural_key);
  }
  EXPECT_EQ(keys.size(), 4u);
  EXPECT_TRUE(a->withdrawals.empty());
  // The same event planned again: the same keys (so the same message ids).
  absl::StatusOr<EventActions> b = PlanEvent(e, kNow + absl::Minutes(5), {});
  ASSERT_TRUE(b.ok());
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(a->intents[i].natural_key, b->intents[i].natural_key);
}

TEST(PlanEventTest, RescheduleWithdrawsTheOldBooking) {
  v1::Event e;
  *e.mutable_booking_created()->mutable_booking() =
      Booking("b2", absl::CivilMinute(2026, 12, 12, 11, 0));
  e.mutable_booking_created()->set_rescheduled_from("drives/d1/bookings/b1");
  absl::StatusOr<EventActions> a = PlanEvent(e, kNow, {});
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->withdrawals.size(), 1u);
  EXPECT_EQ(a->withdrawals[0].booking, "drives/d1/bookings/b1");
  EXPECT_EQ(a->intents.size(), 4u);
}

TEST(PlanEventTest, CancellationsByReason) {
  v1::Event e;
  *e.mutable_booking_cancelled()->mutable_booking() =
      Booking("b1", absl::CivilMinute(2026, 12, 10, 9, 30));
  e.mutable_booking_cancelled()->set_reason(v1::CANCEL_REASON_DONOR_SMS_REPLY);
  absl::StatusOr<EventActions> a = PlanEvent(e, kNow, {});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->withdrawals.size(), 1u);
  EXPECT_TRUE(a->intents.empty()) << "the SMS reply answers a cancel by SMS";

  e.mutable_booking_cancelled()->set_reason(v1::CANCEL_REASON_CLINIC);
  a = PlanEvent(e, kNow, {});
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->intents.size(), 1u);
  EXPECT_EQ(a->intents[0].kind, v1::MESSAGE_KIND_CANCELLATION);

  // Drive cancelled: one notice per donor and drive, whichever booking announces it.
  e.mutable_booking_cancelled()->set_reason(v1::CANCEL_REASON_DRIVE_CANCELLED);
  a = PlanEvent(e, kNow, {});
  *e.mutable_booking_cancelled()->mutable_booking() =
      Booking("b9", absl::CivilMinute(2026, 12, 10, 10, 30));
  absl::StatusOr<EventActions> other = PlanEvent(e, kNow, {});
  ASSERT_TRUE(a.ok() && other.ok());
  ASSERT_EQ(a->intents.size(), 1u);
  EXPECT_EQ(a->intents[0].kind, v1::MESSAGE_KIND_DRIVE_CANCELLED);
  EXPECT_EQ(a->intents[0].natural_key, other->intents[0].natural_key);
}

TEST(PlanEventTest, EventsWithoutSmsAndUnplannableEvents) {
  v1::Event held;
  *held.mutable_booking_held()->mutable_booking() =
      Booking("b1", absl::CivilMinute(2026, 12, 10, 9, 30));
  absl::StatusOr<EventActions> a = PlanEvent(held, kNow, {});
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->intents.empty() && a->withdrawals.empty());

  v1::Event confirmed;
  *confirmed.mutable_booking_confirmed()->mutable_booking() = held.booking_held().booking();
  a = PlanEvent(confirmed, kNow, {});
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->intents.empty() && a->withdrawals.empty());

  v1::Event bad;
  *bad.mutable_booking_created()->mutable_booking() = held.booking_held().booking();
  bad.mutable_booking_created()->mutable_booking()->set_site_time_zone("Mars/Olympus");
  EXPECT_EQ(PlanEvent(bad, kNow, {}).status().code(), absl::StatusCode::kInvalidArgument);

  v1::Event consent;
  consent.mutable_donor_sms_consent_changed()->set_donor("not-a-donor");
  EXPECT_EQ(PlanEvent(consent, kNow, {}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PlanEventTest, DonationPlansThankYouAndAsksForTheRecall) {
  v1::Event e;
  v1::OutcomeRecorded* o = e.mutable_outcome_recorded();
  *o->mutable_booking() = Booking("b1", absl::CivilMinute(2026, 12, 1, 9, 30));
  o->set_outcome(v1::DONATION_OUTCOME_DONATED);
  *o->mutable_donation_date() = platform::ToDate(absl::CivilDay(2026, 12, 1));
  absl::StatusOr<EventActions> a = PlanEvent(e, kNow, {});
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->intents.size(), 1u);
  EXPECT_EQ(a->intents[0].kind, v1::MESSAGE_KIND_THANK_YOU);
  EXPECT_EQ(a->intents[0].due, absl::FromCivil(absl::CivilMinute(2026, 12, 2, 10, 0), Almaty()));
  ASSERT_TRUE(a->recall.has_value());
  const std::vector<Intent> recall =
      RecallIntents(*a->recall, absl::CivilDay(2027, 2, 1), kNow, {});
  ASSERT_EQ(recall.size(), 1u);
  EXPECT_EQ(recall[0].due, absl::FromCivil(absl::CivilMinute(2027, 2, 1, 10, 0), Almaty()));

  o->set_outcome(v1::DONATION_OUTCOME_NO_SHOW);
  a = PlanEvent(e, kNow, {});
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->intents.empty());
  EXPECT_FALSE(a->recall.has_value());
  EXPECT_EQ(a->withdrawals.size(), 1u);
}

TEST(PlanEventTest, QuietHoursDropsAreNamedWithTheKeysTheyWouldHave) {
  // Booked at 22:00 for 08:30 the next morning: quiet hours (21:00-09:00) hold the confirmation
  // and the 2-hour reminder past the slot; the 1-day reminder was already past.
  const absl::Time now = absl::FromCivil(absl::CivilMinute(2026, 12, 1, 22, 0), Almaty());
  v1::Event e;
  *e.mutable_booking_created()->mutable_booking() =
      Booking("b", absl::CivilMinute(2026, 12, 2, 8, 30));
  absl::StatusOr<EventActions> a = PlanEvent(e, now, PlannerOptions());
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->intents.empty());
  ASSERT_EQ(a->dropped.size(), 2u);
  EXPECT_EQ(a->dropped[0].kind, v1::MESSAGE_KIND_BOOKING_CONFIRMATION);
  EXPECT_EQ(a->dropped[0].due, now);
  EXPECT_EQ(a->dropped[1].kind, v1::MESSAGE_KIND_REMINDER);
  EXPECT_EQ(a->dropped[1].due, absl::FromCivil(absl::CivilMinute(2026, 12, 2, 6, 30), Almaty()));
  EXPECT_NE(a->dropped[0].natural_key, a->dropped[1].natural_key);
  for (const Intent& d : a->dropped) {
    EXPECT_EQ(d.expire, absl::FromCivil(absl::CivilMinute(2026, 12, 2, 8, 30), Almaty()));
  }
  // Booked the same evening for 10:00: both go at 09:00 instead, none is dropped (the reminder
  // is then too close to the confirmation and skipped).
  *e.mutable_booking_created()->mutable_booking() =
      Booking("b", absl::CivilMinute(2026, 12, 2, 10, 0));
  a = PlanEvent(e, now, PlannerOptions());
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->dropped.empty());
  ASSERT_FALSE(a->intents.empty());
  EXPECT_EQ(a->intents[0].due, absl::FromCivil(absl::CivilMinute(2026, 12, 2, 9, 0), Almaty()));
}

TEST(MaterializeTest, DonorStateDecidesSuppression) {
  v1::Event e;
  *e.mutable_booking_created()->mutable_booking() =
      Booking("b1", absl::CivilMinute(2026, 12, 10, 9, 30));
  const Intent intent = PlanEvent(e, kNow, {})->intents[0];
  v1::Donor donor;
  donor.set_name("donors/x1");
  donor.set_phone("+998901234567");
  donor.set_preferred_language(v1::LANGUAGE_UZBEK);
  donor.mutable_sms_consent()->set_opted_in(true);
  absl::StatusOr<PlanInput> in = Materialize(intent, &donor, {}, kNow);
  ASSERT_TRUE(in.ok()) << in.status();
  EXPECT_EQ(in->state, v1::MESSAGE_STATE_PENDING);
  EXPECT_EQ(in->content.language(), v1::LANGUAGE_UZBEK);
  EXPECT_EQ(in->content.encoding(), v1::SMS_ENCODING_GSM7);
  EXPECT_EQ(in->content.phone(), "+998901234567");
  EXPECT_EQ(in->content.name(), "messages/" + in->id);
  EXPECT_EQ(in->id, MessageIdFor(intent.natural_key));
  EXPECT_EQ(in->id.size(), 32u);

  donor.mutable_sms_consent()->set_opted_in(false);
  EXPECT_EQ(Materialize(intent, &donor, {}, kNow)->state, v1::MESSAGE_STATE_SUPPRESSED);
  donor.clear_phone();
  EXPECT_EQ(Materialize(intent, &donor, {}, kNow)->reason, "no phone");
  EXPECT_EQ(Materialize(intent, nullptr, {}, kNow)->reason, "donor not found");
}

TEST(RenderReplyTest, EveryReplyInEveryLanguageFitsOneOrTwoSegments) {
  const v1::InboundAction actions[] = {v1::INBOUND_ACTION_OPTED_OUT, v1::INBOUND_ACTION_OPTED_IN,
                                       v1::INBOUND_ACTION_BOOKING_CONFIRMED,
                                       v1::INBOUND_ACTION_BOOKING_CANCELLED,
                                       v1::INBOUND_ACTION_NO_BOOKING};
  const v1::Language languages[] = {v1::LANGUAGE_KAZAKH, v1::LANGUAGE_RUSSIAN, v1::LANGUAGE_ENGLISH,
                                    v1::LANGUAGE_UZBEK,  v1::LANGUAGE_KYRGYZ,  v1::LANGUAGE_TAJIK};
  for (v1::InboundAction action : actions) {
    for (v1::Language language : languages) {
      std::optional<RenderedMessage> r = RenderReply(action, language, {});
      ASSERT_TRUE(r.has_value()) << action << " " << language;
      EXPECT_EQ(r->language, language);
      EXPECT_LE(r->sms.segments, 1) << r->sms.text;
    }
  }
  EXPECT_FALSE(RenderReply(v1::INBOUND_ACTION_NOT_UNDERSTOOD, v1::LANGUAGE_RUSSIAN, {}));
  EXPECT_FALSE(RenderReply(v1::INBOUND_ACTION_NO_DONOR, v1::LANGUAGE_RUSSIAN, {}));
}

}  // namespace
}  // namespace blooddrive::reminders
