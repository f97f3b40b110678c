// Booking events in -> the right messages at the right UTC instants, for drives in Asia/Almaty
// with the default quiet hours (21:00-09:00 local) and offsets (3 days, 1 day, 2 hours).
#include <gmock/gmock.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "reminders_fixture.h"

namespace blooddrive::testing {

RemindersSetup SetupForThisBinary() { return {}; }

namespace {

using ::testing::HasSubstr;

bool InQuiet(absl::CivilMinute local) { return local.hour() >= 21 || local.hour() < 9; }

// When an announcement sent "now" may go out: now, or 09:00 local when now is in quiet hours.
absl::Time AnnounceAfter(absl::Time now) {
  const absl::CivilMinute local = absl::ToCivilMinute(now, Almaty());
  if (!InQuiet(local)) return now;
  absl::CivilDay day = absl::CivilDay(local);
  if (local.hour() >= 21) day += 1;
  return AlmatyTime(absl::CivilMinute(day.year(), day.month(), day.day(), 9, 0));
}

void ExpectAnnounceDue(const v1::OutboundMessage& m, absl::Time before, absl::Time after) {
  const absl::Time due = TimeOf(m.due_time());
  const absl::Time low = AnnounceAfter(before), high = AnnounceAfter(after);
  EXPECT_GE(due, low - absl::Seconds(1)) << absl::FormatTime(due);
  EXPECT_LE(due, high + absl::Seconds(1)) << absl::FormatTime(due);
  EXPECT_FALSE(InQuiet(absl::ToCivilMinute(due, Almaty())) &&
               absl::ToCivilMinute(due, Almaty()).hour() != 9)
      << "due in quiet hours: " << absl::FormatTime(due, Almaty());
}

std::vector<absl::Time> ReminderDues(const std::vector<v1::OutboundMessage>& messages) {
  std::vector<absl::Time> out;
  for (const v1::OutboundMessage& m : OfKind(messages, v1::MESSAGE_KIND_REMINDER)) {
    out.push_back(TimeOf(m.due_time()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<v1::OutboundMessage> InState(const std::vector<v1::OutboundMessage>& messages,
                                         v1::MessageState state) {
  std::vector<v1::OutboundMessage> out;
  for (const v1::OutboundMessage& m : messages) {
    if (m.state() == state) out.push_back(m);
  }
  return out;
}

std::string DateText(absl::CivilDay d) {
  return absl::StrFormat("%02d.%02d.%04d", d.day(), d.month(), d.year());
}

class PlanningTest : public RemindersTest {
 protected:
  void SetUp() override {
    RemindersTest::SetUp();
    donor_ = MustCreate(KazakhDonor(11));
    today_ = absl::ToCivilDay(absl::Now(), Almaty());
  }

  v1::Event Created(const v1::BookingSnapshot& b, const std::string& rescheduled_from = "") {
    v1::Event e;
    *e.mutable_booking_created()->mutable_booking() = b;
    e.mutable_booking_created()->set_rescheduled_from(rescheduled_from);
    return e;
  }

  bool AllPlanned(const std::vector<v1::OutboundMessage>& m, size_t n) { return m.size() >= n; }

  v1::Donor donor_;
  absl::CivilDay today_;
};

TEST_F(PlanningTest, BookingPlansConfirmationAndRemindersAtLocalInstants) {
  // A 09:30 slot in 10 days: reminders at 09:30 three days and one day before (whole days keep
  // the wall time), and 2 hours before = 07:30, inside quiet hours, so moved to 09:00.
  const absl::CivilDay day = today_ + 10;
  const absl::Time start = AlmatyTime(absl::CivilMinute(day.year(), day.month(), day.day(), 9, 30));
  const v1::BookingSnapshot b = MakeBooking("drv-a", "bk1", donor_.name(), start);
  const absl::Time before = absl::Now();
  EmitSchedulingEvent("drv-a", Created(b));
  std::vector<v1::OutboundMessage> messages =
      WaitForMessages(ForBooking(b.booking()), [](const auto& m) { return m.size() >= 4; });
  const absl::Time after = absl::Now();
  ASSERT_EQ(messages.size(), 4u) << Describe(messages);

  const auto confirmations = OfKind(messages, v1::MESSAGE_KIND_BOOKING_CONFIRMATION);
  ASSERT_EQ(confirmations.size(), 1u) << Describe(messages);
  ExpectAnnounceDue(confirmations[0], before, after);

  const absl::CivilDay d3 = day - 3, d1 = day - 1;
  EXPECT_THAT(ReminderDues(messages),
              ::testing::ElementsAre(
                  AlmatyTime(absl::CivilMinute(d3.year(), d3.month(), d3.day(), 9, 30)),
                  AlmatyTime(absl::CivilMinute(d1.year(), d1.month(), d1.day(), 9, 30)),
                  AlmatyTime(absl::CivilMinute(day.year(), day.month(), day.day(), 9, 0))))
      << Describe(messages);
  // Asia/Almaty is UTC+5 (since March 2024): 09:00 local is 04:00 UTC.
  EXPECT_EQ(absl::FormatTime("%H:%M", ReminderDues(messages).back(), absl::UTCTimeZone()), "04:00");
  for (const v1::OutboundMessage& m : messages) {
    EXPECT_EQ(m.state(), v1::MESSAGE_STATE_PENDING) << Describe({m});
    EXPECT_EQ(m.phone(), "+77011234567");
    EXPECT_EQ(m.language(), v1::LANGUAGE_KAZAKH);
    EXPECT_EQ(m.encoding(), v1::SMS_ENCODING_UCS2);
    EXPECT_GE(m.segment_count(), 1);
    EXPECT_LE(m.segment_count(), 2);
    EXPECT_THAT(m.text(), HasSubstr("09:30"));
    EXPECT_THAT(m.text(), HasSubstr(DateText(day)));
    EXPECT_EQ(TimeOf(m.expire_time()), start);
    EXPECT_EQ(m.donor(), donor_.name());
    EXPECT_EQ(m.drive(), "drives/drv-a");
  }
}

TEST_F(PlanningTest, QuietHoursMoveEveningRemindersAndDropThoseThatReachTheSlot) {
  // 09:00 slot: "2 hours before" is 07:00, quiet hours end at 09:00 = the slot: dropped.
  const absl::CivilDay day = today_ + 8;
  const v1::BookingSnapshot early =
      MakeBooking("drv-b", "early", donor_.name(),
                  AlmatyTime(absl::CivilMinute(day.year(), day.month(), day.day(), 9, 0)));
  // 21:30 slot (an evening drive): 3 days and 1 day before fall at 21:30, inside quiet hours,
  // and move to 09:00 the next morning; 2 hours before is 19:30, outside.
  const absl::CivilDay eve = today_ + 12;
  const v1::BookingSnapshot late =
      MakeBooking("drv-b", "late", donor_.name(),
                  AlmatyTime(absl::CivilMinute(eve.year(), eve.month(), eve.day(), 21, 30)));
  EmitSchedulingEvent("drv-b", Created(early));
  EmitSchedulingEvent("drv-b", Created(late));

  // The dropped reminder is recorded, not only logged: DROPPED with the reason, never due.
  std::vector<v1::OutboundMessage> e =
      WaitForMessages(ForBooking(early.booking()), [](const auto& m) { return m.size() >= 4; });
  ASSERT_EQ(e.size(), 4u) << Describe(e);
  const absl::CivilDay e3 = day - 3, e1 = day - 1;
  EXPECT_THAT(
      ReminderDues(InState(e, v1::MESSAGE_STATE_PENDING)),
      ::testing::ElementsAre(AlmatyTime(absl::CivilMinute(e3.year(), e3.month(), e3.day(), 9, 0)),
                             AlmatyTime(absl::CivilMinute(e1.year(), e1.month(), e1.day(), 9, 0))))
      << Describe(e);
  const std::vector<v1::OutboundMessage> dropped = InState(e, v1::MESSAGE_STATE_DROPPED);
  ASSERT_EQ(dropped.size(), 1u) << Describe(e);
  const v1::OutboundMessage& d = dropped[0];
  EXPECT_EQ(d.kind(), v1::MESSAGE_KIND_REMINDER);
  // When it would have gone (07:00, 2 hours before), and the slot it would have been late for.
  EXPECT_EQ(TimeOf(d.due_time()),
            AlmatyTime(absl::CivilMinute(day.year(), day.month(), day.day(), 7, 0)));
  EXPECT_EQ(TimeOf(d.expire_time()), TimeOf(early.slot_start_time()));
  EXPECT_EQ(d.state_reason(),
            absl::StrFormat("quiet hours: the next allowed time, %04d-%02d-%02d 09:00 local, is "
                            "not before the appointment",
                            day.year(), day.month(), day.day()));
  EXPECT_TRUE(d.has_final_time());
  EXPECT_EQ(d.attempt_count(), 0);
  EXPECT_FALSE(d.text().empty());  // what it would have said, for staff
  const std::string id = d.name().substr(std::string("messages/").size());
  EXPECT_EQ(env().redis().Command({"ZSCORE", "rem:{outbox}:due", id}).value_or("?"), "(nil)")
      << "a dropped message is in the due index: it could be leased";
  // Counted: staff list the dropped messages by state.
  v1::ListMessagesRequest by_state = ForBooking(early.booking());
  by_state.add_states(v1::MESSAGE_STATE_DROPPED);
  const std::vector<v1::OutboundMessage> listed = ListAll(by_state);
  ASSERT_EQ(listed.size(), 1u) << Describe(listed);
  EXPECT_EQ(listed[0].name(), d.name());

  // A replayed event (a consumer crash) records nothing twice and changes nothing.
  EmitSchedulingEvent("drv-b", Created(early));
  EmitSchedulingEvent("drv-b", Created(early));
  // A partition's events are applied in order: once this one's messages exist, so do the
  // replays' effects.
  const v1::BookingSnapshot marker =
      MakeBooking("drv-b", "marker", donor_.name(),
                  AlmatyTime(absl::CivilMinute(day.year(), day.month(), day.day(), 14, 0)));
  EmitSchedulingEvent("drv-b", Created(marker));
  WaitForMessages(ForBooking(marker.booking()), [](const auto& m) { return m.size() >= 4; });
  const std::vector<v1::OutboundMessage> replayed = ListAll(ForBooking(early.booking()));
  ASSERT_EQ(replayed.size(), 4u) << Describe(replayed);
  const std::vector<v1::OutboundMessage> dropped_again =
      InState(replayed, v1::MESSAGE_STATE_DROPPED);
  ASSERT_EQ(dropped_again.size(), 1u) << Describe(replayed);
  EXPECT_EQ(dropped_again[0].SerializeAsString(), d.SerializeAsString());
  for (size_t i = 0; i < e.size(); ++i) {
    EXPECT_EQ(replayed[i].SerializeAsString(), e[i].SerializeAsString()) << Describe({e[i]});
  }

  std::vector<v1::OutboundMessage> l =
      WaitForMessages(ForBooking(late.booking()), [](const auto& m) { return m.size() >= 4; });
  const absl::CivilDay l2 = eve - 2;
  EXPECT_THAT(ReminderDues(l),
              ::testing::ElementsAre(
                  AlmatyTime(absl::CivilMinute(l2.year(), l2.month(), l2.day(), 9, 0)),
                  AlmatyTime(absl::CivilMinute(eve.year(), eve.month(), eve.day(), 9, 0)),
                  AlmatyTime(absl::CivilMinute(eve.year(), eve.month(), eve.day(), 19, 30))))
      << Describe(l);
  for (const v1::OutboundMessage& m : l) {
    const absl::CivilMinute local = absl::ToCivilMinute(TimeOf(m.due_time()), Almaty());
    EXPECT_TRUE(!InQuiet(local) || (local.hour() == 9 && local.minute() == 0)) << Describe({m});
  }
}

TEST_F(PlanningTest, ReplayedEventPlansNothingTwice) {
  const absl::CivilDay day = today_ + 9;
  const v1::BookingSnapshot b =
      MakeBooking("drv-c", "bk", donor_.name(),
                  AlmatyTime(absl::CivilMinute(day.year(), day.month(), day.day(), 11, 0)));
  EmitSchedulingEvent("drv-c", Created(b));
  const auto first =
      WaitForMessages(ForBooking(b.booking()), [](const auto& m) { return m.size() >= 4; });
  ASSERT_EQ(first.size(), 4u) << Describe(first);
  EmitSchedulingEvent("drv-c", Created(b));  // delivered again, e.g. after a consumer crash
  EmitSchedulingEvent("drv-c", Created(b));
  absl::SleepFor(absl::Seconds(1));
  const auto again = ListAll(ForBooking(b.booking()));
  ASSERT_EQ(again.size(), 4u) << Describe(again);
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].name(), again[i].name());
    EXPECT_EQ(first[i].due_time().seconds(), again[i].due_time().seconds());
  }
}

TEST_F(PlanningTest, CancelWithdrawsPendingMessagesAndSendsOneNotice) {
  const absl::CivilDay day = today_ + 7;
  const v1::BookingSnapshot b =
      MakeBooking("drv-d", "bk", donor_.name(),
                  AlmatyTime(absl::CivilMinute(day.year(), day.month(), day.day(), 14, 0)));
  EmitSchedulingEvent("drv-d", Created(b));
  WaitForMessages(ForBooking(b.booking()), [](const auto& m) { return m.size() >= 4; });
  v1::Event cancel;
  *cancel.mutable_booking_cancelled()->mutable_booking() = b;
  cancel.mutable_booking_cancelled()->mutable_booking()->set_state(v1::BOOKING_STATE_CANCELLED);
  cancel.mutable_booking_cancelled()->set_reason(v1::CANCEL_REASON_DONOR_REQUEST);
  EmitSchedulingEvent("drv-d", cancel);
  auto messages = WaitForMessages(ForBooking(b.booking()), [](const auto& m) {
    return !OfKind(m, v1::MESSAGE_KIND_CANCELLATION).empty();
  });
  ASSERT_EQ(messages.size(), 5u) << Describe(messages);
  for (const v1::OutboundMessage& m : messages) {
    if (m.kind() == v1::MESSAGE_KIND_CANCELLATION) {
      EXPECT_EQ(m.state(), v1::MESSAGE_STATE_PENDING) << Describe({m});
      EXPECT_THAT(m.text(), HasSubstr("14:00"));
    } else {
      EXPECT_EQ(m.state(), v1::MESSAGE_STATE_WITHDRAWN) << Describe({m});
      EXPECT_EQ(m.state_reason(), "booking cancelled");
    }
  }
  // The booking event delivered again after the cancel plans nothing new, and the cancel
  // delivered again withdraws nothing more (the notice stays).
  EmitSchedulingEvent("drv-d", Created(b));
  EmitSchedulingEvent("drv-d", cancel);
  absl::SleepFor(absl::Seconds(1));
  const auto after = ListAll(ForBooking(b.booking()));
  ASSERT_EQ(after.size(), 5u) << Describe(after);
  EXPECT_EQ(OfKind(after, v1::MESSAGE_KIND_CANCELLATION)[0].state(), v1::MESSAGE_STATE_PENDING);
  for (const auto& m : OfKind(after, v1::MESSAGE_KIND_REMINDER)) {
    EXPECT_EQ(m.state(), v1::MESSAGE_STATE_WITHDRAWN);
  }
}

TEST_F(PlanningTest, RescheduleMovesMessagesToTheNewBooking) {
  const absl::CivilDay day = today_ + 6, later = today_ + 15;
  const v1::BookingSnapshot old_b =
      MakeBooking("drv-e", "old", donor_.name(),
                  AlmatyTime(absl::CivilMinute(day.year(), day.month(), day.day(), 10, 0)));
  v1::BookingSnapshot new_b =
      MakeBooking("drv-f", "new", donor_.name(),
                  AlmatyTime(absl::CivilMinute(later.year(), later.month(), later.day(), 16, 15)));
  EmitSchedulingEvent("drv-e", Created(old_b));
  WaitForMessages(ForBooking(old_b.booking()), [](const auto& m) { return m.size() >= 4; });
  // Scheduling writes the new booking first (on the new drive's partition), then releases the
  // old one (BookingRescheduled on the old partition).
  EmitSchedulingEvent("drv-f", Created(new_b, old_b.booking()));
  v1::Event moved;
  *moved.mutable_booking_rescheduled()->mutable_from_booking() = old_b;
  *moved.mutable_booking_rescheduled()->mutable_to_booking() = new_b;
  EmitSchedulingEvent("drv-e", moved);
  const auto fresh =
      WaitForMessages(ForBooking(new_b.booking()), [](const auto& m) { return m.size() >= 4; });
  ASSERT_EQ(fresh.size(), 4u) << Describe(fresh);
  const absl::CivilDay l1 = later - 1;
  EXPECT_EQ(ReminderDues(fresh)[1],
            AlmatyTime(absl::CivilMinute(l1.year(), l1.month(), l1.day(), 16, 15)));
  for (const auto& m : fresh) {
    EXPECT_EQ(m.state(), v1::MESSAGE_STATE_PENDING);
    EXPECT_THAT(m.text(), HasSubstr("16:15"));
  }
  const auto old_messages = WaitForMessages(ForBooking(old_b.booking()), [](const auto& m) {
    for (const auto& x : m) {
      if (x.state() != v1::MESSAGE_STATE_WITHDRAWN) return false;
    }
    return true;
  });
  ASSERT_EQ(old_messages.size(), 4u);
  for (const auto& m : old_messages) {
    EXPECT_EQ(m.state(), v1::MESSAGE_STATE_WITHDRAWN) << Describe({m});
  }
}

TEST_F(PlanningTest, DriveCancellationSendsOneNoticePerDonor) {
  const absl::CivilDay day = today_ + 5;
  const v1::BookingSnapshot b =
      MakeBooking("drv-g", "bk", donor_.name(),
                  AlmatyTime(absl::CivilMinute(day.year(), day.month(), day.day(), 12, 0)));
  EmitSchedulingEvent("drv-g", Created(b));
  WaitForMessages(ForBooking(b.booking()), [](const auto& m) { return m.size() >= 4; });
  v1::Event cancel;
  *cancel.mutable_booking_cancelled()->mutable_booking() = b;
  cancel.mutable_booking_cancelled()->set_reason(v1::CANCEL_REASON_DRIVE_CANCELLED);
  EmitSchedulingEvent("drv-g", cancel);
  v1::Event drive;
  drive.mutable_drive_cancelled()->set_drive("drives/drv-g");
  drive.mutable_drive_cancelled()->set_bookings_cancelled(1);
  EmitSchedulingEvent("drv-g", drive);
  const auto messages = WaitForMessages(ForBooking(b.booking()), [](const auto& m) {
    return !OfKind(m, v1::MESSAGE_KIND_DRIVE_CANCELLED).empty();
  });
  const auto notices = OfKind(messages, v1::MESSAGE_KIND_DRIVE_CANCELLED);
  ASSERT_EQ(notices.size(), 1u) << Describe(messages);
  EXPECT_EQ(notices[0].state(), v1::MESSAGE_STATE_PENDING);
  EXPECT_THAT(notices[0].text(), HasSubstr(DateText(day)));
  EXPECT_EQ(OfKind(messages, v1::MESSAGE_KIND_CANCELLATION).size(), 0u);
}

TEST_F(PlanningTest, WaitlistPromotionAndDonationThankYou) {
  const absl::CivilDay day = today_ + 4;
  const v1::BookingSnapshot b =
      MakeBooking("drv-h", "bk", donor_.name(),
                  AlmatyTime(absl::CivilMinute(day.year(), day.month(), day.day(), 15, 0)));
  v1::Event promoted;
  *promoted.mutable_waitlist_promoted()->mutable_booking() = b;
  EmitSchedulingEvent("drv-h", promoted);
  const auto messages =
      WaitForMessages(ForBooking(b.booking()), [](const auto& m) { return m.size() >= 4; });
  EXPECT_EQ(OfKind(messages, v1::MESSAGE_KIND_WAITLIST_PROMOTION).size(), 1u) << Describe(messages);
  EXPECT_EQ(OfKind(messages, v1::MESSAGE_KIND_BOOKING_CONFIRMATION).size(), 0u);

  // A donation recorded today (the drive happened early, say): thank-you the next day 10:00.
  v1::Event outcome;
  v1::OutcomeRecorded* o = outcome.mutable_outcome_recorded();
  *o->mutable_booking() = b;
  o->set_outcome(v1::DONATION_OUTCOME_DONATED);
  o->mutable_donation_date()->set_year(static_cast<int>(today_.year()));
  o->mutable_donation_date()->set_month(today_.month());
  o->mutable_donation_date()->set_day(today_.day());
  o->set_volume_ml(450);
  EmitSchedulingEvent("drv-h", outcome);
  const auto after = WaitForMessages(ForBooking(b.booking()), [](const auto& m) {
    return !OfKind(m, v1::MESSAGE_KIND_THANK_YOU).empty();
  });
  const auto thanks = OfKind(after, v1::MESSAGE_KIND_THANK_YOU);
  ASSERT_EQ(thanks.size(), 1u) << Describe(after);
  const absl::CivilDay next = today_ + 1;
  EXPECT_EQ(TimeOf(thanks[0].due_time()),
            AlmatyTime(absl::CivilMinute(next.year(), next.month(), next.day(), 10, 0)));
  for (const auto& m : OfKind(after, v1::MESSAGE_KIND_REMINDER)) {
    EXPECT_EQ(m.state(), v1::MESSAGE_STATE_WITHDRAWN) << Describe({m});
  }
}

TEST_F(PlanningTest, DonorWithoutPhoneOrOptedOutGetsSuppressedMessages) {
  v1::Donor no_phone = KazakhDonor(12);
  no_phone.clear_phone();
  no_phone = MustCreate(no_phone);
  const absl::CivilDay day = today_ + 11;
  const v1::BookingSnapshot b =
      MakeBooking("drv-i", "bk", no_phone.name(),
                  AlmatyTime(absl::CivilMinute(day.year(), day.month(), day.day(), 10, 0)));
  EmitSchedulingEvent("drv-i", Created(b));
  const auto messages =
      WaitForMessages(ForBooking(b.booking()), [](const auto& m) { return m.size() >= 4; });
  ASSERT_EQ(messages.size(), 4u);
  for (const auto& m : messages) {
    EXPECT_EQ(m.state(), v1::MESSAGE_STATE_SUPPRESSED) << Describe({m});
    EXPECT_EQ(m.state_reason(), "no phone");
  }

  // An opt-out announced by the registry suppresses what was planned before it.
  const v1::BookingSnapshot c =
      MakeBooking("drv-i", "bk2", donor_.name(),
                  AlmatyTime(absl::CivilMinute(day.year(), day.month(), day.day(), 11, 0)));
  EmitSchedulingEvent("drv-i", Created(c));
  WaitForMessages(ForBooking(c.booking()), [](const auto& m) { return m.size() >= 4; });
  v1::Event consent;
  consent.mutable_donor_sms_consent_changed()->set_donor(donor_.name());
  consent.mutable_donor_sms_consent_changed()->set_opted_in(false);
  consent.mutable_donor_sms_consent_changed()->set_channel(v1::CONSENT_CHANNEL_CALL_CENTRE);
  *consent.mutable_donor_sms_consent_changed()->mutable_update_time() = Ts(absl::Now());
  EmitRegistryEvent(consent);
  const auto suppressed = WaitForMessages(ForBooking(c.booking()), [](const auto& m) {
    for (const auto& x : m) {
      if (x.state() != v1::MESSAGE_STATE_SUPPRESSED) return false;
    }
    return !m.empty();
  });
  for (const auto& m : suppressed) {
    EXPECT_EQ(m.state(), v1::MESSAGE_STATE_SUPPRESSED) << Describe({m});
    EXPECT_EQ(m.state_reason(), "opted out");
  }
}

}  // namespace
}  // namespace blooddrive::testing
