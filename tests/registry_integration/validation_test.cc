// Bad input on every field of every DonorRegistry request: INVALID_ARGUMENT whose message starts
// with the field's path, and not one Redis key created, changed or deleted.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "absl/strings/str_cat.h"
#include "registry_fixture.h"

namespace blooddrive::testing {
namespace {

template <typename Request>
struct BadCase {
  std::string field;  // expected at the start of the error message, before ':'
  std::string what;   // for the trace
  std::function<void(Request&)> mutate;
};

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

v1::Date D(int y, int m, int d) {
  v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

class ValidationTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    if (HasFatalFailure()) return;
    // Existing data, so "nothing written" also covers "nothing of it changed".
    kazakh_ = MustCreate(KazakhDonor());
    migrant_ = MustCreate(MigrantDonor());
    v1::CreateDeferralRequest deferral;
    deferral.set_request_id(NewRequestId("deferral"));
    deferral.set_parent(kazakh_.name());
    deferral.mutable_deferral()->set_code(v1::DEFERRAL_CODE_DENTAL_WORK);
    *deferral.mutable_deferral()->mutable_start_date() = D(2024, 3, 1);
    *deferral.mutable_deferral()->mutable_end_date() = D(2024, 3, 8);
    ASSERT_TRUE(Call(stub(), &Stub::CreateDeferral, deferral, &deferral_).ok());
  }

  // Sends each case's request (the valid `base` with one field broken) and checks the error and
  // that Redis holds exactly what it held before.
  template <typename Request, typename Response>
  void ExpectRejected(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                      const Request& base, const std::vector<BadCase<Request>>& cases) {
    const std::string before = RegistryEnvironment::Get().Snapshot();
    const long long size_before = redis().CommandInt({"DBSIZE"}).value_or(-1);
    for (const BadCase<Request>& c : cases) {
      SCOPED_TRACE(absl::StrCat(c.field, " <- ", c.what));
      Request request = base;
      c.mutate(request);
      Response response;
      EXPECT_TRUE(IsInvalidField(Call(stub(), method, request, &response), c.field));
      EXPECT_EQ(redis().CommandInt({"DBSIZE"}).value_or(-1), size_before);
      ASSERT_EQ(RegistryEnvironment::Get().Snapshot(), before);
    }
    // The base itself is fine: the cases fail for the field they break, not for something else.
    Request request = base;
    Response response;
    const grpc::Status status = Call(stub(), method, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  }

  v1::Donor kazakh_;
  v1::Donor migrant_;
  v1::Deferral deferral_;
};

using Create = v1::CreateDonorRequest;

TEST_F(ValidationTest, CreateDonorEveryField) {
  const absl::CivilDay today = TodayInAlmaty();
  v1::Donor donor = KazakhDonor(/*serial=*/77);
  donor.set_phone("+77015550000");
  const Create base = CreateRequest(donor, NewRequestId("create-valid"));
  auto doc = [](Create& r) { return r.mutable_donor()->mutable_documents(0); };
  auto passport = [](Create& r, const std::string& number, const std::string& country) {
    v1::IdentityDocument* d = r.mutable_donor()->add_documents();
    d->set_type(v1::DOCUMENT_TYPE_PASSPORT);
    d->set_number(number);
    d->set_issuing_country(country);
  };
  const std::vector<BadCase<Create>> cases = {
      {"request_id", "empty", [](Create& r) { r.clear_request_id(); }},
      {"request_id", "65 chars", [](Create& r) { r.set_request_id(std::string(65, 'a')); }},
      {"request_id", "space", [](Create& r) { r.set_request_id("a b"); }},
      {"request_id", "non-ASCII", [](Create& r) { r.set_request_id("запрос"); }},
      {"donor.given_name", "empty", [](Create& r) { r.mutable_donor()->clear_given_name(); }},
      {"donor.given_name", "blank", [](Create& r) { r.mutable_donor()->set_given_name(" \t "); }},
      {"donor.given_name", "101 chars",
       [](Create& r) { r.mutable_donor()->set_given_name(Repeat("я", 101)); }},
      {"donor.given_name", "control char",
       [](Create& r) { r.mutable_donor()->set_given_name("Ай\x01герим"); }},
      {"donor.family_name", "empty", [](Create& r) { r.mutable_donor()->clear_family_name(); }},
      {"donor.family_name", "101 chars",
       [](Create& r) { r.mutable_donor()->set_family_name(Repeat("ә", 101)); }},
      {"donor.patronymic", "blank", [](Create& r) { r.mutable_donor()->set_patronymic("   "); }},
      {"donor.patronymic", "101 chars",
       [](Create& r) { r.mutable_donor()->set_patronymic(std::string(101, 'x')); }},
      {"donor.birth_date", "missing", [](Create& r) { r.mutable_donor()->clear_birth_date(); }},
      {"donor.birth_date", "Feb 30",
       [](Create& r) { *r.mutable_donor()->mutable_birth_date() = D(1990, 2, 30); }},
      {"donor.birth_date", "month 13",
       [](Create& r) { *r.mutable_donor()->mutable_birth_date() = D(1990, 13, 1); }},
      {"donor.birth_date", "year 1850",
       [](Create& r) { *r.mutable_donor()->mutable_birth_date() = D(1850, 1, 1); }},
      {"donor.birth_date", "future",
       [&](Create& r) { *r.mutable_donor()->mutable_birth_date() = ToDate(today + 30); }},
      {"donor.birth_date", "10 years old",
       [&](Create& r) {
         *r.mutable_donor()->mutable_birth_date() = D(static_cast<int>(today.year()) - 10, 1, 1);
       }},
      {"donor.birth_date", "101 years old",
       [&](Create& r) {
         *r.mutable_donor()->mutable_birth_date() = D(static_cast<int>(today.year()) - 102, 1, 1);
       }},
      {"donor.sex", "unspecified",
       [](Create& r) { r.mutable_donor()->set_sex(v1::SEX_UNSPECIFIED); }},
      {"donor.sex", "unknown value",
       [](Create& r) { r.mutable_donor()->set_sex(static_cast<v1::Sex>(9)); }},
      {"donor.weight_kg", "29.9", [](Create& r) { r.mutable_donor()->set_weight_kg(29.9); }},
      {"donor.weight_kg", "300.5", [](Create& r) { r.mutable_donor()->set_weight_kg(300.5); }},
      {"donor.weight_kg", "negative", [](Create& r) { r.mutable_donor()->set_weight_kg(-60); }},
      {"donor.weight_kg", "NaN",
       [](Create& r) {
         r.mutable_donor()->set_weight_kg(std::numeric_limits<double>::quiet_NaN());
       }},
      {"donor.weight_kg", "inf",
       [](Create& r) {
         r.mutable_donor()->set_weight_kg(std::numeric_limits<double>::infinity());
       }},
      {"donor.blood_group", "unspecified",
       [](Create& r) { r.mutable_donor()->set_blood_group(v1::BLOOD_GROUP_UNSPECIFIED); }},
      {"donor.blood_group", "unknown value",
       [](Create& r) { r.mutable_donor()->set_blood_group(static_cast<v1::BloodGroup>(42)); }},
      {"donor.phone", "too short", [](Create& r) { r.mutable_donor()->set_phone("123"); }},
      {"donor.phone", "words", [](Create& r) { r.mutable_donor()->set_phone("call me maybe"); }},
      {"donor.phone", "extension",
       [](Create& r) { r.mutable_donor()->set_phone("+7 701 123 45 67 ext. 12"); }},
      {"donor.phone", "no such country",
       [](Create& r) { r.mutable_donor()->set_phone("+999 1234 5678"); }},
      {"donor.preferred_language", "unspecified",
       [](Create& r) { r.mutable_donor()->set_preferred_language(v1::LANGUAGE_UNSPECIFIED); }},
      {"donor.preferred_language", "unknown value",
       [](Create& r) { r.mutable_donor()->set_preferred_language(static_cast<v1::Language>(99)); }},
      {"donor.home_site", "no collection",
       [](Create& r) { r.mutable_donor()->set_home_site("astana-1"); }},
      {"donor.home_site", "empty id",
       [](Create& r) { r.mutable_donor()->set_home_site("sites/"); }},
      {"donor.home_site", "upper case",
       [](Create& r) { r.mutable_donor()->set_home_site("sites/Astana"); }},
      {"donor.home_site", "other collection",
       [](Create& r) { r.mutable_donor()->set_home_site("drives/a1"); }},
      {"donor.home_site", "33-char id",
       [](Create& r) { r.mutable_donor()->set_home_site("sites/" + std::string(33, 'a')); }},
      {"donor.citizenship", "alpha-3",
       [](Create& r) { r.mutable_donor()->set_citizenship("KAZ"); }},
      {"donor.citizenship", "not a country",
       [](Create& r) { r.mutable_donor()->set_citizenship("XQ"); }},
      {"donor.citizenship", "digit", [](Create& r) { r.mutable_donor()->set_citizenship("K1"); }},
      {"donor.documents", "none", [](Create& r) { r.mutable_donor()->clear_documents(); }},
      {"donor.documents", "six",
       [&](Create& r) {
         for (const char* c : {"UZ", "TJ", "KG", "RU", "TR"}) passport(r, "P1234567", c);
       }},
      {"donor.documents[0].type", "unspecified",
       [&](Create& r) { doc(r)->set_type(v1::DOCUMENT_TYPE_UNSPECIFIED); }},
      {"donor.documents[0].type", "unknown value",
       [&](Create& r) { doc(r)->set_type(static_cast<v1::DocumentType>(17)); }},
      {"donor.documents[0].number", "empty", [&](Create& r) { doc(r)->clear_number(); }},
      {"donor.documents[0].number", "only dashes", [&](Create& r) { doc(r)->set_number(" - -"); }},
      {"donor.documents[0].number", "IIN of 11 digits",
       [&](Create& r) { doc(r)->set_number(doc(r)->number().substr(0, 11)); }},
      {"donor.documents[0].number", "IIN with a letter",
       [&](Create& r) { doc(r)->set_number("90051440001A"); }},
      {"donor.documents[0].number", "IIN bad check digit",
       [&](Create& r) { doc(r)->set_number(WithBadCheckDigit(doc(r)->number())); }},
      {"donor.documents[0].number", "IIN of another birth date",
       [](Create& r) { *r.mutable_donor()->mutable_birth_date() = D(1990, 5, 15); }},
      {"donor.documents[0].number", "IIN of the other sex",
       [](Create& r) { r.mutable_donor()->set_sex(v1::SEX_MALE); }},
      {"donor.documents[0].number", "passport of 3 chars",
       [&](Create& r) {
         doc(r)->set_type(v1::DOCUMENT_TYPE_PASSPORT);
         doc(r)->set_number("A12");
       }},
      {"donor.documents[0].number", "passport of 21 chars",
       [&](Create& r) {
         doc(r)->set_type(v1::DOCUMENT_TYPE_PASSPORT);
         doc(r)->set_number(std::string(21, '7'));
       }},
      {"donor.documents[0].number", "Cyrillic look-alike",
       [&](Create& r) {
         doc(r)->set_type(v1::DOCUMENT_TYPE_PASSPORT);
         doc(r)->set_number("АА1234567");
       }},
      {"donor.documents[0].number", "underscore",
       [&](Create& r) {
         doc(r)->set_type(v1::DOCUMENT_TYPE_PASSPORT);
         doc(r)->set_number("AA_1234567");
       }},
      {"donor.documents[0].issuing_country", "missing",
       [&](Create& r) { doc(r)->clear_issuing_country(); }},
      {"donor.documents[0].issuing_country", "not a country",
       [&](Create& r) { doc(r)->set_issuing_country("QQ"); }},
      {"donor.documents[0].issuing_country", "IIN not from KZ",
       [&](Create& r) { doc(r)->set_issuing_country("UZ"); }},
      {"donor.documents[0].expiry_date", "Apr 31",
       [&](Create& r) { *doc(r)->mutable_expiry_date() = D(2030, 4, 31); }},
      {"donor.documents[1]", "two UZ passports",
       [&](Create& r) {
         passport(r, "AA0000001", "UZ");
         passport(r, "AA0000002", "UZ");
         r.mutable_donor()->mutable_documents()->DeleteSubrange(0, 1);
       }},
      {"donor.documents[1].number", "second document broken",
       [&](Create& r) { passport(r, "1", "UZ"); }},
      {"donor.sms_consent.channel", "unknown value",
       [](Create& r) {
         r.mutable_donor()->mutable_sms_consent()->set_channel(static_cast<v1::ConsentChannel>(55));
       }},
  };
  ExpectRejected(&Stub::CreateDonor, base, cases);
}

TEST_F(ValidationTest, RejectedCreateDoesNotUseUpItsRequestId) {
  Create request = CreateRequest(MigrantDonor("XY9876543"), NewRequestId("retry-after-fix"));
  request.mutable_donor()->set_phone("12");
  v1::Donor response;
  EXPECT_TRUE(IsInvalidField(Call(stub(), &Stub::CreateDonor, request, &response), "donor.phone"));
  request.mutable_donor()->set_phone("+998 90 000 11 22");
  const grpc::Status status = Call(stub(), &Stub::CreateDonor, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(ValidationTest, UpdateDonorEveryField) {
  using Update = v1::UpdateDonorRequest;
  Update base;
  base.set_request_id(NewRequestId("update-valid"));
  base.mutable_donor()->set_name(kazakh_.name());
  base.mutable_donor()->set_weight_kg(71);
  base.mutable_update_mask()->add_paths("weight_kg");
  auto mask = [](Update& r, const std::string& path) {
    r.mutable_update_mask()->clear_paths();
    r.mutable_update_mask()->add_paths(path);
  };
  const std::vector<BadCase<Update>> cases = {
      {"request_id", "empty", [](Update& r) { r.clear_request_id(); }},
      {"donor.name", "empty", [](Update& r) { r.mutable_donor()->clear_name(); }},
      {"donor.name", "wrong collection",
       [](Update& r) { r.mutable_donor()->set_name("donor/abc"); }},
      {"donor.name", "upper case id", [](Update& r) { r.mutable_donor()->set_name("donors/ABC"); }},
      {"update_mask", "empty", [](Update& r) { r.clear_update_mask(); }},
      {"update_mask", "name", [&](Update& r) { mask(r, "name"); }},
      {"update_mask", "etag", [&](Update& r) { mask(r, "etag"); }},
      {"update_mask", "sms_consent", [&](Update& r) { mask(r, "sms_consent"); }},
      {"update_mask", "create_time", [&](Update& r) { mask(r, "create_time"); }},
      {"update_mask", "sub-field", [&](Update& r) { mask(r, "documents.number"); }},
      {"update_mask", "unknown", [&](Update& r) { mask(r, "favourite_colour"); }},
      {"update_mask", "second path unknown",
       [](Update& r) { r.mutable_update_mask()->add_paths("x"); }},
      {"donor.given_name", "emptied", [&](Update& r) { mask(r, "given_name"); }},
      {"donor.weight_kg", "too light", [](Update& r) { r.mutable_donor()->set_weight_kg(5); }},
      {"donor.phone", "bad",
       [&](Update& r) {
         mask(r, "phone");
         r.mutable_donor()->set_phone("+7 12");
       }},
      {"donor.birth_date", "now a child",
       [&](Update& r) {
         mask(r, "birth_date");
         *r.mutable_donor()->mutable_birth_date() =
             D(static_cast<int>(TodayInAlmaty().year()) - 12, 6, 1);
       }},
      {"donor.blood_group", "cleared", [&](Update& r) { mask(r, "blood_group"); }},
      {"donor.home_site", "bad",
       [&](Update& r) {
         mask(r, "home_site");
         r.mutable_donor()->set_home_site("Astana");
       }},
      {"donor.documents", "emptied", [&](Update& r) { mask(r, "documents"); }},
      {"donor.documents[0].number", "sex no longer matches the IIN",
       [&](Update& r) {
         mask(r, "sex");
         r.mutable_donor()->set_sex(v1::SEX_MALE);
       }},
  };
  ExpectRejected(&Stub::UpdateDonor, base, cases);
}

TEST_F(ValidationTest, FindDonorsEveryField) {
  using Find = v1::FindDonorsRequest;
  Find base;
  base.set_phone("8 701 123 45 67");
  const std::vector<BadCase<Find>> cases = {
      {"key", "no key", [](Find& r) { r.clear_key(); }},
      {"phone", "bad", [](Find& r) { r.set_phone("12ab"); }},
      {"document.type", "unspecified",
       [](Find& r) {
         r.mutable_document()->set_number("AA1234567");
         r.mutable_document()->set_issuing_country("UZ");
       }},
      {"document.number", "too short",
       [](Find& r) {
         r.mutable_document()->set_type(v1::DOCUMENT_TYPE_PASSPORT);
         r.mutable_document()->set_number("A1");
         r.mutable_document()->set_issuing_country("UZ");
       }},
      {"document.issuing_country", "missing",
       [](Find& r) {
         r.mutable_document()->set_type(v1::DOCUMENT_TYPE_PASSPORT);
         r.mutable_document()->set_number("AA1234567");
       }},
      {"name_prefix", "one letter", [](Find& r) { r.set_name_prefix("С"); }},
      {"name_prefix", "blank", [](Find& r) { r.set_name_prefix("   "); }},
      {"name_prefix", "101 chars", [](Find& r) { r.set_name_prefix(std::string(101, 'a')); }},
      {"page_size", "negative", [](Find& r) { r.set_page_size(-1); }},
      {"page_size", "501", [](Find& r) { r.set_page_size(501); }},
      {"page_token", "not base64", [](Find& r) { r.set_page_token("!!not a token!!"); }},
  };
  ExpectRejected(&Stub::FindDonors, base, cases);
}

TEST_F(ValidationTest, ListDonorsEveryField) {
  using List = v1::ListDonorsRequest;
  List base;
  base.set_blood_group(v1::BLOOD_GROUP_A_POSITIVE);
  const std::vector<BadCase<List>> cases = {
      {"blood_group", "unknown value",
       [](List& r) { r.set_blood_group(static_cast<v1::BloodGroup>(99)); }},
      {"home_site", "bad", [](List& r) { r.set_home_site("astana"); }},
      {"page_size", "negative", [](List& r) { r.set_page_size(-3); }},
      {"page_size", "501", [](List& r) { r.set_page_size(501); }},
      {"page_token", "not base64", [](List& r) { r.set_page_token("%%%"); }},
  };
  ExpectRejected(&Stub::ListDonors, base, cases);
}

TEST_F(ValidationTest, GetDonorAndFactsName) {
  for (const char* name : {"", "donors/", "donors/ABC", "sites/abc", "donors/a/b", "abc"}) {
    SCOPED_TRACE(name);
    v1::GetDonorRequest get;
    get.set_name(name);
    v1::Donor donor;
    EXPECT_TRUE(IsInvalidField(Call(stub(), &Stub::GetDonor, get, &donor), "name"));
    v1::GetDonorFactsRequest facts;
    facts.set_name(name);
    v1::DonorFacts out;
    EXPECT_TRUE(IsInvalidField(Call(stub(), &Stub::GetDonorFacts, facts, &out), "name"));
  }
}

TEST_F(ValidationTest, UpdateSmsConsentEveryField) {
  using Consent = v1::UpdateSmsConsentRequest;
  Consent base;
  base.set_request_id(NewRequestId("consent-valid"));
  base.set_donor(migrant_.name());
  base.set_channel(v1::CONSENT_CHANNEL_PORTAL);
  const std::vector<BadCase<Consent>> cases = {
      {"request_id", "empty", [](Consent& r) { r.clear_request_id(); }},
      {"donor", "empty", [](Consent& r) { r.clear_donor(); }},
      {"donor", "bad", [](Consent& r) { r.set_donor("donors/Oybek Karimov"); }},
      {"channel", "unspecified", [](Consent& r) { r.clear_channel(); }},
      {"channel", "unknown value",
       [](Consent& r) { r.set_channel(static_cast<v1::ConsentChannel>(12)); }},
  };
  ExpectRejected(&Stub::UpdateSmsConsent, base, cases);
}

TEST_F(ValidationTest, RecordDonationEveryField) {
  using Record = v1::RecordDonationRequest;
  Record base;
  base.set_request_id(NewRequestId("donation-valid"));
  base.set_parent(kazakh_.name());
  v1::Donation* d = base.mutable_donation();
  *d->mutable_donation_date() = D(2024, 6, 1);
  d->set_donation_type(v1::DONATION_TYPE_WHOLE_BLOOD);
  d->set_site("sites/astana-central");
  d->set_volume_ml(450);
  d->set_hemoglobin_g_per_l(135);
  d->set_outcome(v1::DONATION_OUTCOME_DONATED);
  d->set_external_ref("drives/d1/bookings/b1");
  auto don = [](Record& r) { return r.mutable_donation(); };
  const std::vector<BadCase<Record>> cases = {
      {"request_id", "empty", [](Record& r) { r.clear_request_id(); }},
      {"parent", "empty", [](Record& r) { r.clear_parent(); }},
      {"parent", "no id", [](Record& r) { r.set_parent("donors/"); }},
      {"donation.donation_date", "missing", [&](Record& r) { don(r)->clear_donation_date(); }},
      {"donation.donation_date", "Feb 29 2023",
       [&](Record& r) { *don(r)->mutable_donation_date() = D(2023, 2, 29); }},
      {"donation.donation_date", "tomorrow",
       [&](Record& r) { *don(r)->mutable_donation_date() = ToDate(TodayInAlmaty() + 1); }},
      {"donation.donation_type", "unspecified", [&](Record& r) { don(r)->clear_donation_type(); }},
      {"donation.donation_type", "unknown value",
       [&](Record& r) { don(r)->set_donation_type(static_cast<v1::DonationType>(9)); }},
      {"donation.site", "bad", [&](Record& r) { don(r)->set_site("Astana Central"); }},
      {"donation.volume_ml", "negative", [&](Record& r) { don(r)->set_volume_ml(-1); }},
      {"donation.volume_ml", "1001", [&](Record& r) { don(r)->set_volume_ml(1001); }},
      {"donation.hemoglobin_g_per_l", "49", [&](Record& r) { don(r)->set_hemoglobin_g_per_l(49); }},
      {"donation.hemoglobin_g_per_l", "251",
       [&](Record& r) { don(r)->set_hemoglobin_g_per_l(251); }},
      {"donation.outcome", "unspecified", [&](Record& r) { don(r)->clear_outcome(); }},
      {"donation.outcome", "deferred at site",
       [&](Record& r) { don(r)->set_outcome(v1::DONATION_OUTCOME_DEFERRED_AT_SITE); }},
      {"donation.outcome", "no-show",
       [&](Record& r) { don(r)->set_outcome(v1::DONATION_OUTCOME_NO_SHOW); }},
      {"donation.outcome", "unknown value",
       [&](Record& r) { don(r)->set_outcome(static_cast<v1::DonationOutcome>(31)); }},
      {"donation.external_ref", "201 chars",
       [&](Record& r) { don(r)->set_external_ref(std::string(201, 'r')); }},
      {"donation.external_ref", "newline", [&](Record& r) { don(r)->set_external_ref("a\nb"); }},
  };
  ExpectRejected(&Stub::RecordDonation, base, cases);
}

TEST_F(ValidationTest, CreateDeferralEveryField) {
  using Defer = v1::CreateDeferralRequest;
  Defer base;
  base.set_request_id(NewRequestId("deferral-valid"));
  base.set_parent(migrant_.name());
  v1::Deferral* d = base.mutable_deferral();
  d->set_code(v1::DEFERRAL_CODE_TATTOO_OR_PIERCING);
  *d->mutable_start_date() = D(2024, 1, 10);
  *d->mutable_end_date() = D(2024, 7, 10);
  d->set_note("tattoo on 2024-01-05");
  d->set_site("sites/astana-central");
  d->set_external_ref("drives/d1/bookings/b2");
  auto def = [](Defer& r) { return r.mutable_deferral(); };
  const std::vector<BadCase<Defer>> cases = {
      {"request_id", "too long", [](Defer& r) { r.set_request_id(std::string(100, 'x')); }},
      {"parent", "empty", [](Defer& r) { r.clear_parent(); }},
      {"parent", "other collection", [](Defer& r) { r.set_parent("sites/abc"); }},
      {"deferral.code", "unspecified", [&](Defer& r) { def(r)->clear_code(); }},
      {"deferral.code", "unknown value",
       [&](Defer& r) { def(r)->set_code(static_cast<v1::DeferralCode>(99)); }},
      {"deferral.start_date", "missing", [&](Defer& r) { def(r)->clear_start_date(); }},
      {"deferral.start_date", "day 0",
       [&](Defer& r) { *def(r)->mutable_start_date() = D(2024, 1, 0); }},
      {"deferral.end_date", "missing, not permanent", [&](Defer& r) { def(r)->clear_end_date(); }},
      {"deferral.end_date", "equal to start",
       [&](Defer& r) { *def(r)->mutable_end_date() = D(2024, 1, 10); }},
      {"deferral.end_date", "before start",
       [&](Defer& r) { *def(r)->mutable_end_date() = D(2023, 1, 10); }},
      {"deferral.end_date", "invalid date",
       [&](Defer& r) { *def(r)->mutable_end_date() = D(2024, 6, 31); }},
      {"deferral.end_date", "given with permanent", [&](Defer& r) { def(r)->set_permanent(true); }},
      {"deferral.note", "501 chars", [&](Defer& r) { def(r)->set_note(Repeat("ы", 501)); }},
      {"deferral.note", "control char", [&](Defer& r) { def(r)->set_note("x\x07y"); }},
      {"deferral.site", "bad", [&](Defer& r) { def(r)->set_site("sites/a b"); }},
      {"deferral.external_ref", "201 chars",
       [&](Defer& r) { def(r)->set_external_ref(std::string(201, 'e')); }},
  };
  ExpectRejected(&Stub::CreateDeferral, base, cases);
}

TEST_F(ValidationTest, LiftDeferralEveryField) {
  using Lift = v1::LiftDeferralRequest;
  Lift base;
  base.set_request_id(NewRequestId("lift-valid"));
  base.set_name(deferral_.name());
  base.set_reason("recorded for the wrong donor");
  const std::string donor_id = IdOf(kazakh_.name());
  const std::vector<BadCase<Lift>> cases = {
      {"request_id", "empty", [](Lift& r) { r.clear_request_id(); }},
      {"request_id", "control char", [](Lift& r) { r.set_request_id("a\tb"); }},
      {"name", "empty", [](Lift& r) { r.clear_name(); }},
      {"name", "a donor", [&](Lift& r) { r.set_name("donors/" + donor_id); }},
      {"name", "no deferral id",
       [&](Lift& r) { r.set_name("donors/" + donor_id + "/deferrals/"); }},
      {"name", "bad donor id", [](Lift& r) { r.set_name("donors/X/deferrals/abc"); }},
      {"name", "other collection",
       [&](Lift& r) { r.set_name("donors/" + donor_id + "/donations/abc"); }},
      {"reason", "empty", [](Lift& r) { r.clear_reason(); }},
      {"reason", "501 chars", [](Lift& r) { r.set_reason(std::string(501, 'r')); }},
  };
  ExpectRejected(&Stub::LiftDeferral, base, cases);
}

TEST_F(ValidationTest, ListDonationsAndDeferralsEveryField) {
  using Donations = v1::ListDonationsRequest;
  Donations donations;
  donations.set_parent(kazakh_.name());
  ExpectRejected(&Stub::ListDonations, donations,
                 std::vector<BadCase<Donations>>{
                     {"parent", "empty", [](Donations& r) { r.clear_parent(); }},
                     {"parent", "bad", [](Donations& r) { r.set_parent("donors/a_b"); }},
                     {"page_size", "negative", [](Donations& r) { r.set_page_size(-1); }},
                     {"page_size", "501", [](Donations& r) { r.set_page_size(501); }},
                     {"page_token", "not a token", [](Donations& r) { r.set_page_token("next"); }},
                 });
  using Deferrals = v1::ListDeferralsRequest;
  Deferrals deferrals;
  deferrals.set_parent(kazakh_.name());
  deferrals.set_include_lifted(true);
  ExpectRejected(&Stub::ListDeferrals, deferrals,
                 std::vector<BadCase<Deferrals>>{
                     {"parent", "empty", [](Deferrals& r) { r.clear_parent(); }},
                     {"parent", "bad", [](Deferrals& r) { r.set_parent("deferrals/abc"); }},
                     {"page_size", "negative", [](Deferrals& r) { r.set_page_size(-7); }},
                     {"page_size", "501", [](Deferrals& r) { r.set_page_size(501); }},
                     {"page_token", "not a token", [](Deferrals& r) { r.set_page_token("-1"); }},
                 });
}

}  // namespace
}  // namespace blooddrive::testing
