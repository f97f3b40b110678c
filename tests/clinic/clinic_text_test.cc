#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "clinic.h"

namespace blooddrive::clinic {
namespace {

TEST(SiteName, AcceptsIdOrName) {
  EXPECT_EQ(SiteName("astana-old-town").value(), "sites/astana-old-town");
  EXPECT_EQ(SiteName("sites/astana-old-town").value(), "sites/astana-old-town");
  EXPECT_EQ(SiteName(" astana-old-town ").value(), "sites/astana-old-town");
}

TEST(SiteName, RejectsWhatIsNoId) {
  EXPECT_FALSE(SiteName("").ok());
  EXPECT_FALSE(SiteName("sites/").ok());
  EXPECT_FALSE(SiteName("Astana Old Town").ok());
  EXPECT_FALSE(SiteName("drives/abc").ok());
  EXPECT_FALSE(SiteName("sites/a/b").ok());
  EXPECT_FALSE(SiteName(std::string(33, 'a')).ok());
}

TEST(DonorName, AcceptsIdOrName) {
  EXPECT_EQ(DonorName("abc123").value(), "donors/abc123");
  EXPECT_EQ(DonorName("donors/abc123").value(), "donors/abc123");
  EXPECT_FALSE(DonorName("+77015550123").ok());
}

TEST(CheckBookingName, OnlyFullBookingNames) {
  EXPECT_TRUE(CheckBookingName("drives/d1/bookings/b2").ok());
  EXPECT_FALSE(CheckBookingName("b2").ok());
  EXPECT_FALSE(CheckBookingName("drives/d1/slots/0930").ok());
  EXPECT_FALSE(CheckBookingName("drives/d1/bookings/").ok());
  EXPECT_FALSE(CheckBookingName("drives/d1/bookings/b2/x").ok());
  absl::Status s = CheckBookingName("donors/x");
  EXPECT_NE(s.message().find("drives/{drive}/bookings/{booking}"), absl::string_view::npos);
}

TEST(DriveOf, TakesTheFirstTwoParts) {
  EXPECT_EQ(DriveOf("drives/d1/bookings/b2"), "drives/d1");
  EXPECT_EQ(DriveOf("drives/d1/slots/0930"), "drives/d1");
  EXPECT_EQ(DriveOf("drives/d1"), "drives/d1");
}

TEST(ParseClock, Spellings) {
  EXPECT_EQ(FormatClock(ParseClock("09:30").value()), "09:30");
  EXPECT_EQ(FormatClock(ParseClock("9:30").value()), "09:30");
  EXPECT_EQ(FormatClock(ParseClock("0930").value()), "09:30");
  EXPECT_EQ(FormatClock(ParseClock("23:59").value()), "23:59");
  for (const char* bad :
       {"", "24:00", "9:5", "09:60", "9.30", "930", "ab:cd", "09:30:00", "-1:30"}) {
    EXPECT_FALSE(ParseClock(bad).ok()) << bad;
  }
}

TEST(SlotNameAt, UsesHhmm) {
  EXPECT_EQ(SlotNameAt("drives/d1", ParseClock("9:05").value()), "drives/d1/slots/0905");
}

TEST(ParseStates, CommaSeparatedAnySpelling) {
  auto states = ParseStates("booked, checked-in,NO_SHOW,hold expired");
  ASSERT_TRUE(states.ok()) << states.status();
  EXPECT_EQ(*states, (std::vector<v1::BookingState>{
                         v1::BOOKING_STATE_BOOKED, v1::BOOKING_STATE_CHECKED_IN,
                         v1::BOOKING_STATE_NO_SHOW, v1::BOOKING_STATE_HOLD_EXPIRED}));
  EXPECT_TRUE(ParseStates("").value().empty());
}

TEST(ParseStates, UnknownOrUnspecifiedNamesTheChoices) {
  absl::Status s = ParseStates("booked,arrived").status();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("checked-in"), absl::string_view::npos) << s;
  EXPECT_FALSE(ParseStates("unspecified").ok());
}

TEST(ParseDeferralCode, LowerCaseHyphenNames) {
  EXPECT_EQ(ParseDeferralCode("low-hemoglobin").value(), v1::DEFERRAL_CODE_LOW_HEMOGLOBIN);
  EXPECT_EQ(ParseDeferralCode("Tattoo_or_piercing").value(), v1::DEFERRAL_CODE_TATTOO_OR_PIERCING);
  EXPECT_FALSE(ParseDeferralCode("anemia").ok());
  EXPECT_FALSE(ParseDeferralCode("").ok());
}

TEST(EnumArg, RoundTripsEveryValue) {
  const auto* descriptor = v1::DeferralCode_descriptor();
  for (int i = 1; i < descriptor->value_count(); ++i) {
    const int number = descriptor->value(i)->number();
    const std::string arg = EnumArg(descriptor, "DEFERRAL_CODE_", number);
    EXPECT_EQ(ParseEnumArg(descriptor, "DEFERRAL_CODE_", arg).value(), number) << arg;
  }
  EXPECT_EQ(EnumArg(descriptor, "DEFERRAL_CODE_", v1::DEFERRAL_CODE_INFECTIOUS_DISEASE_MARKER),
            "infectious-disease-marker");
  const std::string choices = EnumArgChoices(descriptor, "DEFERRAL_CODE_");
  EXPECT_EQ(choices.find("unspecified"), std::string::npos);
  EXPECT_EQ(choices.rfind("tattoo-or-piercing, malaria-area-travel", 0), 0u) << choices;
}

TEST(ParseChannel, StaffWords) {
  EXPECT_EQ(ParseChannel("phone").value(), v1::CONFIRMATION_CHANNEL_PHONE_CALL);
  EXPECT_EQ(ParseChannel("SMS").value(), v1::CONFIRMATION_CHANNEL_SMS_REPLY);
  EXPECT_EQ(ParseChannel("in-person").value(), v1::CONFIRMATION_CHANNEL_CLINIC);
  EXPECT_EQ(ParseChannel("portal").value(), v1::CONFIRMATION_CHANNEL_PORTAL);
  EXPECT_FALSE(ParseChannel("email").ok());
}

TEST(ParseDocument, TypeCountryNumber) {
  auto document = ParseDocument("passport:uz:AB1234567");
  ASSERT_TRUE(document.ok()) << document.status();
  EXPECT_EQ(document->type(), v1::DOCUMENT_TYPE_PASSPORT);
  EXPECT_EQ(document->issuing_country(), "UZ");
  EXPECT_EQ(document->number(), "AB1234567");
  EXPECT_EQ(ParseDocument("residence-permit:KZ:12 34").value().type(),
            v1::DOCUMENT_TYPE_RESIDENCE_PERMIT);
  for (const char* bad :
       {"", "passport", "passport:UZ", "passport:UZB:1", "visa:UZ:1", "passport:UZ:"}) {
    EXPECT_FALSE(ParseDocument(bad).ok()) << bad;
  }
}

TEST(DonorDisplayName, GivenThenFamily) {
  v1::Donor donor;
  donor.set_given_name("Айгерім");
  donor.set_family_name("Сапарова");
  donor.set_patronymic("Ержанқызы");
  EXPECT_EQ(DonorDisplayName(donor), "Айгерім Сапарова");
  donor.clear_family_name();
  EXPECT_EQ(DonorDisplayName(donor), "Айгерім");
}

// `outcome donated BOOKING`: CLI11 takes "donated" as the booking; the hint names the order.
std::string OutcomeHintFor(std::vector<std::string> args) {
  CLI::App app("test", "blooddrive-clinic");
  cli::GlobalOptions options;
  cli::AddGlobalOptions(app, options);
  cli::Session session(options);
  AddVisitCommands(app, session);
  app.require_subcommand(1);
  std::vector<char*> argv = {const_cast<char*>("blooddrive-clinic")};
  for (std::string& arg : args) argv.push_back(arg.data());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError&) {
    return OutcomeOrderHint(app);
  }
  return "(parsed)";
}

TEST(OutcomeOrder, ReversedOrderIsExplained) {
  const std::string donated =
      OutcomeHintFor({"outcome", "donated", "drives/d/bookings/b", "--volume", "450"});
  EXPECT_NE(donated.find("outcome BOOKING donated|deferred|no-show"), std::string::npos) << donated;
  const std::string no_show = OutcomeHintFor({"outcome", "no-show", "drives/d/bookings/b"});
  EXPECT_EQ(no_show.rfind("'no-show' comes after the booking", 0), 0u) << no_show;
  // A booking without its kind is another error, left to the generic hint.
  EXPECT_EQ(OutcomeHintFor({"outcome", "drives/d/bookings/b"}), "");
  EXPECT_TRUE(IsOutcomeKind("deferred"));
  EXPECT_FALSE(IsOutcomeKind("drives/d/bookings/b"));
}

}  // namespace
}  // namespace blooddrive::clinic
