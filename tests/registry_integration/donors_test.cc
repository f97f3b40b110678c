// DonorRegistry through gRPC: creating, reading, updating, finding and listing donors, SMS consent,
// and the health and reflection services every server must answer.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "registry_fixture.h"

namespace blooddrive::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::UnorderedElementsAreArray;

class DonorsTest : public RegistryTest {
 protected:
  std::vector<std::string> FindNames(const v1::FindDonorsRequest& request) {
    v1::FindDonorsResponse response;
    const grpc::Status status = Call(stub(), &Stub::FindDonors, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> names;
    for (const v1::Donor& d : response.donors()) names.push_back(d.name());
    return names;
  }
  std::vector<std::string> FindByPhone(const std::string& phone) {
    v1::FindDonorsRequest request;
    request.set_phone(phone);
    return FindNames(request);
  }
  std::vector<std::string> FindByDocument(const v1::IdentityDocument& document) {
    v1::FindDonorsRequest request;
    *request.mutable_document() = document;
    return FindNames(request);
  }

  // Follows next_page_token to the end; every page must have at most page_size donors.
  template <typename Request, typename Response>
  std::vector<std::string> WalkPages(grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                                  const Request&, Response*),
                                     Request request, int page_size) {
    std::vector<std::string> names;
    request.set_page_size(page_size);
    for (int page = 0; page < 100; ++page) {
      Response response;
      const grpc::Status status = Call(stub(), method, request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      if (page_size > 0) {
        EXPECT_LE(response.donors_size(), page_size);
      }
      for (const v1::Donor& d : response.donors()) names.push_back(d.name());
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return names;
  }

  std::vector<std::string> ListAll(v1::BloodGroup group, const std::string& site,
                                   int page_size = 0) {
    v1::ListDonorsRequest request;
    request.set_blood_group(group);
    request.set_home_site(site);
    return WalkPages(&Stub::ListDonors, request, page_size == 0 ? 500 : page_size);
  }
};

TEST_F(DonorsTest, CreatesKazakhDonorWithIinAndNormalizedPhone) {
  const v1::Donor input = KazakhDonor();
  const v1::Donor created = MustCreate(input);
  EXPECT_THAT(created.name(), MatchesRegex("donors/[a-z0-9]{1,32}"));
  EXPECT_EQ(created.given_name(), "Айгерим");
  EXPECT_EQ(created.family_name(), "Серикова");
  EXPECT_EQ(created.patronymic(), "Болатовна");
  EXPECT_EQ(created.phone(), "+77011234567");
  EXPECT_EQ(created.citizenship(), "KZ");
  EXPECT_EQ(created.blood_group(), v1::BLOOD_GROUP_A_POSITIVE);
  EXPECT_EQ(created.home_site(), "sites/astana-central");
  ASSERT_EQ(created.documents_size(), 1);
  EXPECT_EQ(created.documents(0).number(), input.documents(0).number());
  EXPECT_FALSE(created.etag().empty());
  EXPECT_GT(created.create_time().seconds(), 0);
  EXPECT_TRUE(created.sms_consent().opted_in());
  EXPECT_EQ(created.sms_consent().channel(), v1::CONSENT_CHANNEL_REGISTRATION_FORM);

  const v1::Donor fetched = MustGet(created.name());
  EXPECT_EQ(fetched.SerializeAsString(), created.SerializeAsString());
}

TEST_F(DonorsTest, CreatesMigrantWithForeignPhoneAndPassportOnly) {
  v1::Donor input = MigrantDonor("aa 123-4567");
  input.set_patronymic("");
  const v1::Donor created = MustCreate(input);
  EXPECT_EQ(created.given_name(), "Oybek");
  EXPECT_EQ(created.phone(), "+998901234567");
  EXPECT_EQ(created.blood_group(), v1::BLOOD_GROUP_UNKNOWN);
  EXPECT_EQ(created.preferred_language(), v1::LANGUAGE_UZBEK);
  ASSERT_EQ(created.documents_size(), 1);
  EXPECT_EQ(created.documents(0).type(), v1::DOCUMENT_TYPE_PASSPORT);
  EXPECT_EQ(created.documents(0).number(), "AA1234567");
  EXPECT_EQ(created.documents(0).issuing_country(), "UZ");
  EXPECT_EQ(MustGet(created.name()).documents(0).number(), "AA1234567");
}

TEST_F(DonorsTest, DonorWithoutPhoneIsNotOptedInToSms) {
  v1::Donor input = MigrantDonor();
  input.clear_phone();
  const v1::Donor created = MustCreate(input);
  EXPECT_EQ(created.phone(), "");
  EXPECT_FALSE(created.sms_consent().opted_in());
}

TEST_F(DonorsTest, GetUnknownDonorIsNotFound) {
  v1::GetDonorRequest request;
  request.set_name("donors/nosuchdonor");
  v1::Donor donor;
  EXPECT_TRUE(HasCode(Call(stub(), &Stub::GetDonor, request, &donor), grpc::StatusCode::NOT_FOUND));
}

TEST_F(DonorsTest, UpdateChangesOnlyMaskedFieldsAndBumpsEtag) {
  const v1::Donor created = MustCreate(KazakhDonor());
  v1::Donor patch;
  patch.set_name(created.name());
  patch.set_etag(created.etag());
  patch.set_weight_kg(70);
  patch.set_given_name("Ignored");  // not in the mask
  const v1::Donor updated = MustUpdate(patch, {"weight_kg"});
  EXPECT_EQ(updated.weight_kg(), 70);
  EXPECT_EQ(updated.given_name(), "Айгерим");
  EXPECT_NE(updated.etag(), created.etag());
  EXPECT_EQ(updated.create_time().seconds(), created.create_time().seconds());
  const v1::Donor fetched = MustGet(created.name());
  EXPECT_EQ(fetched.etag(), updated.etag());
  EXPECT_EQ(fetched.weight_kg(), 70);
}

TEST_F(DonorsTest, UpdateWithStaleEtagIsAbortedAndChangesNothing) {
  const v1::Donor created = MustCreate(KazakhDonor());
  v1::Donor patch;
  patch.set_name(created.name());
  patch.set_etag(created.etag());
  patch.set_weight_kg(70);
  const v1::Donor first = MustUpdate(patch, {"weight_kg"});

  patch.set_weight_kg(80);  // still the creation etag
  v1::UpdateDonorRequest request;
  request.set_request_id(NewRequestId());
  *request.mutable_donor() = patch;
  request.mutable_update_mask()->add_paths("weight_kg");
  v1::Donor response;
  const grpc::Status status = Call(stub(), &Stub::UpdateDonor, request, &response);
  EXPECT_TRUE(HasCode(status, grpc::StatusCode::ABORTED));
  EXPECT_EQ(MustGet(created.name()).weight_kg(), 70);

  patch.set_etag(first.etag());
  EXPECT_EQ(MustUpdate(patch, {"weight_kg"}).weight_kg(), 80);
}

TEST_F(DonorsTest, UpdateMovesPhoneDocumentGroupAndSiteIndexes) {
  const v1::Donor created = MustCreate(KazakhDonor());
  const v1::Donor other = MustCreate(MigrantDonor());
  const v1::IdentityDocument old_iin = created.documents(0);

  v1::Donor patch;
  patch.set_name(created.name());
  patch.set_phone("+7 (702) 555-12-34");
  patch.set_blood_group(v1::BLOOD_GROUP_O_NEGATIVE);
  patch.set_home_site("sites/karaganda-1");
  v1::IdentityDocument* passport = patch.add_documents();
  passport->set_type(v1::DOCUMENT_TYPE_PASSPORT);
  passport->set_number("N 0123 4567");
  passport->set_issuing_country("KZ");
  const v1::Donor updated = MustUpdate(patch, {"phone", "blood_group", "home_site", "documents"});
  EXPECT_EQ(updated.phone(), "+77025551234");
  ASSERT_EQ(updated.documents_size(), 1);
  EXPECT_EQ(updated.documents(0).number(), "N01234567");

  EXPECT_THAT(FindByPhone("8 701 123 45 67"), IsEmpty());
  EXPECT_THAT(FindByPhone("87025551234"), ElementsAre(created.name()));
  EXPECT_THAT(FindByDocument(old_iin), IsEmpty());
  EXPECT_THAT(FindByDocument(updated.documents(0)), ElementsAre(created.name()));

  EXPECT_THAT(ListAll(v1::BLOOD_GROUP_A_POSITIVE, ""), IsEmpty());
  EXPECT_THAT(ListAll(v1::BLOOD_GROUP_O_NEGATIVE, ""), ElementsAre(created.name()));
  EXPECT_THAT(ListAll(v1::BLOOD_GROUP_UNSPECIFIED, "sites/astana-central"), IsEmpty());
  EXPECT_THAT(ListAll(v1::BLOOD_GROUP_O_NEGATIVE, "sites/karaganda-1"),
              ElementsAre(created.name()));
  EXPECT_THAT(ListAll(v1::BLOOD_GROUP_UNSPECIFIED, ""),
              UnorderedElementsAreArray({created.name(), other.name()}));

  // The released IIN is free again: someone (the same person re-registered by mistake) may use it.
  v1::Donor again = KazakhDonor();
  again.set_phone("");
  EXPECT_EQ(MustCreate(again).documents(0).number(), old_iin.number());
}

TEST_F(DonorsTest, UpdateRenameMovesNameIndex) {
  const v1::Donor created = MustCreate(MigrantDonor());
  v1::Donor patch;
  patch.set_name(created.name());
  patch.set_family_name("Tashkentov");
  MustUpdate(patch, {"family_name"});
  v1::FindDonorsRequest request;
  request.set_name_prefix("karimov");
  EXPECT_THAT(FindNames(request), IsEmpty());
  request.set_name_prefix("tashk");
  EXPECT_THAT(FindNames(request), ElementsAre(created.name()));
}

TEST_F(DonorsTest, FindByPhoneAnyFormatAndSharedPhonesPageWithoutDuplicates) {
  std::set<std::string> expected;
  for (int i = 0; i < 4; ++i) {
    v1::Donor donor = MigrantDonor(absl::StrCat("FAM00", i));
    donor.set_phone("+7 701 999 00 11");  // a family sharing one handset
    expected.insert(MustCreate(donor).name());
  }
  MustCreate(KazakhDonor());  // another phone
  EXPECT_EQ(FindByPhone("8 (701) 999-00-11").size(), 4u);
  EXPECT_EQ(FindByPhone("+77019990011").size(), 4u);
  EXPECT_THAT(FindByPhone("+77010000000"), IsEmpty());

  v1::FindDonorsRequest request;
  request.set_phone("87019990011");
  const std::vector<std::string> walked = WalkPages(&Stub::FindDonors, request, 1);
  EXPECT_EQ(walked.size(), 4u);
  EXPECT_EQ(std::set<std::string>(walked.begin(), walked.end()), expected);
}

TEST_F(DonorsTest, FindByDocumentNormalizesTheNumber) {
  const v1::Donor migrant = MustCreate(MigrantDonor("AB7654321"));
  const v1::Donor kazakh = MustCreate(KazakhDonor());
  v1::IdentityDocument query;
  query.set_type(v1::DOCUMENT_TYPE_PASSPORT);
  query.set_number("ab 765-4321");
  query.set_issuing_country("uz");
  EXPECT_THAT(FindByDocument(query), ElementsAre(migrant.name()));
  EXPECT_THAT(FindByDocument(kazakh.documents(0)), ElementsAre(kazakh.name()));
  query.set_issuing_country("TJ");  // same number, another country: another document
  EXPECT_THAT(FindByDocument(query), IsEmpty());
}

TEST_F(DonorsTest, FindByNamePrefixIsCaseInsensitiveInCyrillicAndLatin) {
  const v1::Donor aigerim = MustCreate(KazakhDonor(1));
  const v1::Donor oybek = MustCreate(MigrantDonor());
  v1::FindDonorsRequest request;
  for (const char* prefix : {"сери", "СЕРИКОВА айг", "Айгерим С", "  айгерим   серикова "}) {
    request.set_name_prefix(prefix);
    EXPECT_THAT(FindNames(request), ElementsAre(aigerim.name())) << prefix;
  }
  for (const char* prefix : {"KARIMOV", "oyb", "Oybek K"}) {
    request.set_name_prefix(prefix);
    EXPECT_THAT(FindNames(request), ElementsAre(oybek.name())) << prefix;
  }
  request.set_name_prefix("Серикова Б");  // the patronymic is not part of the key
  EXPECT_THAT(FindNames(request), IsEmpty());
}

TEST_F(DonorsTest, FindByNamePrefixPagesOneByOneWithoutDuplicates) {
  // Given and family names both start with "сер" for some, so each of those has two index entries
  // matching the prefix; each donor must still come back exactly once.
  const std::vector<std::pair<std::string, std::string>> names = {{"Сергей", "Серов"},
                                                                  {"Серик", "Ахметов"},
                                                                  {"Айгуль", "Сергеева"},
                                                                  {"Серафима", "Серикбаева"},
                                                                  {"Бауыржан", "Сейткали"}};
  std::set<std::string> expected;
  for (size_t i = 0; i < names.size(); ++i) {
    v1::Donor donor = MigrantDonor(absl::StrCat("NAME00", i));
    donor.set_given_name(names[i].first);
    donor.set_family_name(names[i].second);
    const v1::Donor created = MustCreate(donor);
    if (i < 4) expected.insert(created.name());
  }
  v1::FindDonorsRequest request;
  request.set_name_prefix("СЕР");
  const std::vector<std::string> walked = WalkPages(&Stub::FindDonors, request, 1);
  EXPECT_EQ(walked.size(), expected.size()) << ::testing::PrintToString(walked);
  EXPECT_EQ(std::set<std::string>(walked.begin(), walked.end()), expected);
  EXPECT_EQ(WalkPages(&Stub::FindDonors, request, 2).size(), expected.size());
  EXPECT_EQ(WalkPages(&Stub::FindDonors, request, 0).size(), expected.size());
}

TEST_F(DonorsTest, ListFiltersByGroupSiteAndBothAndPages) {
  struct Spec {
    v1::BloodGroup group;
    std::string site;
  };
  const std::vector<Spec> specs = {{v1::BLOOD_GROUP_O_POSITIVE, "sites/astana-1"},
                                   {v1::BLOOD_GROUP_O_POSITIVE, "sites/astana-2"},
                                   {v1::BLOOD_GROUP_A_NEGATIVE, "sites/astana-1"},
                                   {v1::BLOOD_GROUP_O_POSITIVE, ""},
                                   {v1::BLOOD_GROUP_UNKNOWN, "sites/astana-1"}};
  std::vector<std::string> all;
  std::vector<std::string> o_pos, site1, o_pos_site1;
  for (size_t i = 0; i < specs.size(); ++i) {
    v1::Donor donor = MigrantDonor(absl::StrCat("LIST00", i));
    donor.set_blood_group(specs[i].group);
    donor.set_home_site(specs[i].site);
    const std::string name = MustCreate(donor).name();
    all.push_back(name);
    if (specs[i].group == v1::BLOOD_GROUP_O_POSITIVE) o_pos.push_back(name);
    if (specs[i].site == "sites/astana-1") site1.push_back(name);
    if (specs[i].group == v1::BLOOD_GROUP_O_POSITIVE && specs[i].site == "sites/astana-1") {
      o_pos_site1.push_back(name);
    }
  }
  for (auto* list : {&all, &o_pos, &site1, &o_pos_site1}) std::sort(list->begin(), list->end());

  // Ordered by id, so each sorted expectation must come back in exactly that order.
  EXPECT_EQ(ListAll(v1::BLOOD_GROUP_UNSPECIFIED, ""), all);
  EXPECT_EQ(ListAll(v1::BLOOD_GROUP_O_POSITIVE, ""), o_pos);
  EXPECT_EQ(ListAll(v1::BLOOD_GROUP_UNSPECIFIED, "sites/astana-1"), site1);
  EXPECT_EQ(ListAll(v1::BLOOD_GROUP_O_POSITIVE, "sites/astana-1"), o_pos_site1);
  EXPECT_THAT(ListAll(v1::BLOOD_GROUP_AB_NEGATIVE, ""), IsEmpty());
  EXPECT_THAT(ListAll(v1::BLOOD_GROUP_UNSPECIFIED, "sites/nowhere"), IsEmpty());
  for (int page_size : {1, 2, 3}) {
    EXPECT_EQ(ListAll(v1::BLOOD_GROUP_UNSPECIFIED, "", page_size), all) << page_size;
    EXPECT_EQ(ListAll(v1::BLOOD_GROUP_O_POSITIVE, "", page_size), o_pos) << page_size;
  }
}

TEST_F(DonorsTest, SmsConsentOptOutAndBackIn) {
  const v1::Donor created = MustCreate(KazakhDonor());
  v1::UpdateSmsConsentRequest request;
  request.set_request_id(NewRequestId("consent"));
  request.set_donor(created.name());
  request.set_opted_in(false);
  request.set_channel(v1::CONSENT_CHANNEL_SMS_KEYWORD);
  v1::Donor out;
  ASSERT_TRUE(Call(stub(), &Stub::UpdateSmsConsent, request, &out).ok());
  EXPECT_FALSE(out.sms_consent().opted_in());
  EXPECT_EQ(out.sms_consent().channel(), v1::CONSENT_CHANNEL_SMS_KEYWORD);
  EXPECT_GE(out.sms_consent().update_time().seconds(),
            created.sms_consent().update_time().seconds());
  EXPECT_NE(out.etag(), created.etag());
  EXPECT_FALSE(MustGet(created.name()).sms_consent().opted_in());

  // A retry answers the same and changes nothing more.
  v1::Donor replay;
  ASSERT_TRUE(Call(stub(), &Stub::UpdateSmsConsent, request, &replay).ok());
  EXPECT_EQ(replay.SerializeAsString(), out.SerializeAsString());
  EXPECT_EQ(MustGet(created.name()).etag(), out.etag());

  request.set_request_id(NewRequestId("consent"));
  request.set_opted_in(true);
  request.set_channel(v1::CONSENT_CHANNEL_CALL_CENTRE);
  ASSERT_TRUE(Call(stub(), &Stub::UpdateSmsConsent, request, &out).ok());
  EXPECT_TRUE(MustGet(created.name()).sms_consent().opted_in());

  request.set_donor("donors/nosuchdonor");
  request.set_request_id(NewRequestId("consent"));
  EXPECT_TRUE(
      HasCode(Call(stub(), &Stub::UpdateSmsConsent, request, &out), grpc::StatusCode::NOT_FOUND));
}

TEST_F(DonorsTest, HealthAnswersForServerAndService) {
  using grpc::health::v1::HealthCheckResponse;
  EXPECT_OK(WaitForHealth(service().Channel(), "", HealthCheckResponse::SERVING, absl::Seconds(2)));
  EXPECT_OK(WaitForHealth(service().Channel(), "blooddrive.v1.DonorRegistry",
                          HealthCheckResponse::SERVING, absl::Seconds(2)));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("blooddrive.v1.NoSuchService");
  grpc::health::v1::HealthCheckResponse response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  const grpc::Status status =
      grpc::health::v1::Health::NewStub(service().Channel())->Check(&context, request, &response);
  EXPECT_TRUE(HasCode(status, grpc::StatusCode::NOT_FOUND));
}

// No reflection client ships with Debian's gRPC, so the request is hand-encoded:
// ServerReflectionRequest{list_services: ""} is field 7, length 0.
TEST_F(DonorsTest, ReflectionListsTheRegistry) {
  grpc::GenericStub generic(service().Channel());
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  auto call = generic.PrepareCall(
      &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  void* tag = nullptr;
  bool ok = false;
  auto step = [&](intptr_t id) {
    EXPECT_TRUE(cq.Next(&tag, &ok));
    EXPECT_EQ(reinterpret_cast<intptr_t>(tag), id);
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(step(1));
  const std::string request_bytes("\x3a\x00", 2);
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  call->Write(request, reinterpret_cast<void*>(2));
  ASSERT_TRUE(step(2));
  call->WritesDone(reinterpret_cast<void*>(3));
  ASSERT_TRUE(step(3));
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(4));
  ASSERT_TRUE(step(4));
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& s : slices)
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_THAT(bytes, ::testing::HasSubstr("blooddrive.v1.DonorRegistry"));
  EXPECT_THAT(bytes, ::testing::HasSubstr("grpc.health.v1.Health"));
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  step(5);
  EXPECT_TRUE(status.ok()) << status.error_message();
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

}  // namespace
}  // namespace blooddrive::testing
