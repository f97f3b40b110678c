#include "registry_service.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "auth/auth.h"
#include "dates.h"
#include "donor_validation.h"
#include "grpc_status.h"
#include "idempotency.h"
#include "name_key.h"
#include "phone.h"
#include "validation.h"

namespace blooddrive::registry {
namespace {

using platform::CheckPageSize;
using platform::CheckRequestId;
using platform::CheckResourceName;
using platform::InvalidField;
using platform::Respond;

constexpr int kDefaultPageSize = 50;

// Site-scoped RPCs (auth/policy.cc) check the site they name once it is known to be well formed.
absl::Status AuthorizeSite(const grpc::ServerContextBase* context, absl::string_view site) {
  return platform::FromGrpcStatus(auth::AuthorizeSite(context, site));
}

absl::StatusOr<Mutation> MutationOf(absl::string_view method, absl::string_view request_id,
                                    const google::protobuf::Message& request) {
  if (absl::Status s = CheckRequestId("request_id", request_id); !s.ok()) return s;
  return Mutation{std::string(request_id), platform::RequestFingerprint(method, request)};
}

absl::StatusOr<std::string> DonorId(absl::string_view field, absl::string_view name) {
  std::string id;
  if (absl::Status s = CheckResourceName(field, name, "donors", &id); !s.ok()) return s;
  return id;
}

absl::StatusOr<PageRequest> PageOf(int page_size, std::string token) {
  PageRequest page;
  if (absl::Status s = CheckPageSize("page_size", page_size, kDefaultPageSize, &page.size);
      !s.ok()) {
    return s;
  }
  page.token = std::move(token);
  return page;
}

// Histories are short (a donor gives a few times a year), so their pages are offsets into the
// sorted list.
template <typename Record>
absl::StatusOr<std::pair<std::vector<Record>, std::string>> OffsetPage(
    const std::vector<Record>& all, int page_size, const std::string& token) {
  int size = 0;
  if (absl::Status s = CheckPageSize("page_size", page_size, kDefaultPageSize, &size); !s.ok()) {
    return s;
  }
  size_t offset = 0;
  if (!token.empty() && !absl::SimpleAtoi(token, &offset)) {
    return InvalidField("page_token", "not a token this service issued");
  }
  std::pair<std::vector<Record>, std::string> page;
  for (size_t i = offset; i < all.size() && page.first.size() < static_cast<size_t>(size); ++i) {
    page.first.push_back(all[i]);
  }
  if (offset + page.first.size() < all.size()) page.second = absl::StrCat(offset + size);
  return page;
}

absl::StatusOr<v1::Donor> CreateDonor(DonorStore& store, const v1::CreateDonorRequest& request,
                                      absl::CivilDay today) {
  absl::StatusOr<Mutation> mutation = MutationOf("CreateDonor", request.request_id(), request);
  if (!mutation.ok()) return mutation.status();
  absl::StatusOr<v1::Donor> donor = ValidateNewDonor(request.donor(), today);
  if (!donor.ok()) return donor.status();
  const absl::Time now = absl::Now();
  // Consent given on the registration form; without a phone there is nothing to consent to.
  v1::SmsConsent* consent = donor->mutable_sms_consent();
  if (!request.donor().has_sms_consent()) consent->set_opted_in(!donor->phone().empty());
  if (consent->channel() == v1::CONSENT_CHANNEL_UNSPECIFIED) {
    consent->set_channel(v1::CONSENT_CHANNEL_REGISTRATION_FORM);
  } else if (!v1::ConsentChannel_IsValid(consent->channel())) {
    return InvalidField("donor.sms_consent.channel", "is not a known value");
  }
  *consent->mutable_update_time() = platform::ToTimestamp(now);
  return store.Create(*mutation, *std::move(donor), now);
}

absl::StatusOr<v1::FindDonorsResponse> FindDonors(const grpc::ServerContextBase* context,
                                                  DonorStore& store,
                                                  const v1::FindDonorsRequest& request) {
  absl::StatusOr<PageRequest> page = PageOf(request.page_size(), request.page_token());
  if (!page.ok()) return page.status();
  absl::StatusOr<Page<v1::Donor>> found;
  switch (request.key_case()) {
    case v1::FindDonorsRequest::kPhone: {
      absl::StatusOr<std::string> e164 = NormalizePhone(request.phone());
      if (!e164.ok()) return InvalidField("phone", e164.status().message());
      found = store.FindByPhone(*e164, *page);
      break;
    }
    case v1::FindDonorsRequest::kDocument: {
      absl::StatusOr<v1::IdentityDocument> document =
          NormalizeDocument("document", request.document());
      if (!document.ok()) return document.status();
      found = store.FindByDocument(*document);
      break;
    }
    case v1::FindDonorsRequest::kNamePrefix: {
      // Any two letters match many donors: a bulk read, which the portal may not do.
      if (grpc::Status s = auth::AuthorizeVariant(context, "name_prefix"); !s.ok()) {
        return platform::FromGrpcStatus(s);
      }
      if (absl::Status s = platform::CheckText("name_prefix", request.name_prefix(), 100, true);
          !s.ok()) {
        return s;
      }
      const std::string key = NameSearchKey(request.name_prefix());
      // Characters, not bytes: one Cyrillic or Kazakh letter is two bytes of UTF-8.
      const auto chars = std::count_if(key.begin(), key.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      });
      if (chars < 2) return InvalidField("name_prefix", "must have at least 2 characters");
      found = store.FindByNamePrefix(key, *page);
      break;
    }
    case v1::FindDonorsRequest::KEY_NOT_SET:
      return InvalidField("key", "one of phone, document or name_prefix is required");
  }
  if (!found.ok()) return found.status();
  v1::FindDonorsResponse response;
  for (v1::Donor& donor : found->items) *response.add_donors() = std::move(donor);
  response.set_next_page_token(found->next_token);
  return response;
}

absl::StatusOr<v1::ListDonorsResponse> ListDonors(const grpc::ServerContextBase* context,
                                                  DonorStore& store,
                                                  const v1::ListDonorsRequest& request) {
  absl::StatusOr<PageRequest> page = PageOf(request.page_size(), request.page_token());
  if (!page.ok()) return page.status();
  if (!v1::BloodGroup_IsValid(request.blood_group())) {
    return InvalidField("blood_group", "is not a known value");
  }
  if (!request.home_site().empty()) {
    if (absl::Status s = CheckResourceName("home_site", request.home_site(), "sites", nullptr);
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = AuthorizeSite(context, request.home_site()); !s.ok()) return s;
  absl::StatusOr<Page<v1::Donor>> listed =
      store.List(request.blood_group(), request.home_site(), *page);
  if (!listed.ok()) return listed.status();
  v1::ListDonorsResponse response;
  for (v1::Donor& donor : listed->items) *response.add_donors() = std::move(donor);
  response.set_next_page_token(listed->next_token);
  return response;
}

absl::StatusOr<v1::Deferral> LiftDeferral(DonorStore& store,
                                          const v1::LiftDeferralRequest& request) {
  absl::StatusOr<Mutation> mutation = MutationOf("LiftDeferral", request.request_id(), request);
  if (!mutation.ok()) return mutation.status();
  const std::string& name = request.name();
  const size_t split = name.find("/deferrals/");
  if (split == std::string::npos) {
    return InvalidField("name", "must look like donors/{donor}/deferrals/{deferral}");
  }
  absl::StatusOr<std::string> donor_id = DonorId("name", name.substr(0, split));
  if (!donor_id.ok()) return donor_id.status();
  std::string deferral_id;
  if (absl::Status s = CheckResourceName("name", name.substr(split + 1), "deferrals", &deferral_id);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = platform::CheckText("reason", request.reason(), 500, true); !s.ok())
    return s;
  return store.LiftDeferral(*mutation, *donor_id, deferral_id, request.reason(), absl::Now());
}

}  // namespace

absl::CivilDay RegistryService::Today() const { return absl::ToCivilDay(absl::Now(), zone_); }

grpc::Status RegistryService::CreateDonor(grpc::ServerContext* context,
                                          const v1::CreateDonorRequest* request,
                                          v1::Donor* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  return Respond(registry::CreateDonor(store_, *request, Today()), response);
}

grpc::Status RegistryService::GetDonor(grpc::ServerContext* context,
                                       const v1::GetDonorRequest* request, v1::Donor* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::StatusOr<std::string> id = DonorId("name", request->name());
  if (!id.ok()) return platform::ToGrpcStatus(id.status());
  return Respond(store_.Get(*id), response);
}

grpc::Status RegistryService::UpdateDonor(grpc::ServerContext* context,
                                          const v1::UpdateDonorRequest* request,
                                          v1::Donor* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  auto update = [&]() -> absl::StatusOr<v1::Donor> {
    absl::StatusOr<Mutation> mutation = MutationOf("UpdateDonor", request->request_id(), *request);
    if (!mutation.ok()) return mutation.status();
    absl::StatusOr<std::string> id = DonorId("donor.name", request->donor().name());
    if (!id.ok()) return id.status();
    if (request->update_mask().paths().empty()) {
      return InvalidField("update_mask", "is required: name the fields to change");
    }
    const absl::CivilDay today = Today();
    return store_.Update(
        *mutation, *id, request->donor().etag(),
        [&](const v1::Donor& current) {
          return ApplyDonorUpdate(current, request->donor(), request->update_mask(), today);
        },
        absl::Now());
  };
  return Respond(update(), response);
}

grpc::Status RegistryService::FindDonors(grpc::ServerContext* context,
                                         const v1::FindDonorsRequest* request,
                                         v1::FindDonorsResponse* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  return Respond(registry::FindDonors(context, store_, *request), response);
}

grpc::Status RegistryService::ListDonors(grpc::ServerContext* context,
                                         const v1::ListDonorsRequest* request,
                                         v1::ListDonorsResponse* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  return Respond(registry::ListDonors(context, store_, *request), response);
}

grpc::Status RegistryService::UpdateSmsConsent(grpc::ServerContext* context,
                                               const v1::UpdateSmsConsentRequest* request,
                                               v1::Donor* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  auto update = [&]() -> absl::StatusOr<v1::Donor> {
    absl::StatusOr<Mutation> mutation =
        MutationOf("UpdateSmsConsent", request->request_id(), *request);
    if (!mutation.ok()) return mutation.status();
    absl::StatusOr<std::string> id = DonorId("donor", request->donor());
    if (!id.ok()) return id.status();
    if (absl::Status s =
            platform::CheckEnum("channel", request->channel(), v1::ConsentChannel_IsValid);
        !s.ok()) {
      return s;
    }
    const absl::Time now = absl::Now();
    return store_.Update(
        *mutation, *id, /*etag=*/"",
        [&](const v1::Donor& current) -> absl::StatusOr<v1::Donor> {
          v1::Donor next = current;
          v1::SmsConsent* consent = next.mutable_sms_consent();
          consent->set_opted_in(request->opted_in());
          consent->set_channel(request->channel());
          *consent->mutable_update_time() = platform::ToTimestamp(now);
          return next;
        },
        now);
  };
  return Respond(update(), response);
}

grpc::Status RegistryService::RecordDonation(grpc::ServerContext* context,
                                             const v1::RecordDonationRequest* request,
                                             v1::Donation* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  auto record = [&]() -> absl::StatusOr<v1::Donation> {
    absl::StatusOr<Mutation> mutation =
        MutationOf("RecordDonation", request->request_id(), *request);
    if (!mutation.ok()) return mutation.status();
    absl::StatusOr<std::string> id = DonorId("parent", request->parent());
    if (!id.ok()) return id.status();
    if (absl::Status s = ValidateDonation("donation", request->donation(), Today()); !s.ok()) {
      return s;
    }
    if (absl::Status s = AuthorizeSite(context, request->donation().site()); !s.ok()) return s;
    return store_.AddDonation(*mutation, *id, request->donation(), absl::Now());
  };
  return Respond(record(), response);
}

grpc::Status RegistryService::ListDonations(grpc::ServerContext* context,
                                            const v1::ListDonationsRequest* request,
                                            v1::ListDonationsResponse* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  auto list = [&]() -> absl::StatusOr<v1::ListDonationsResponse> {
    absl::StatusOr<std::string> id = DonorId("parent", request->parent());
    if (!id.ok()) return id.status();
    absl::StatusOr<std::vector<v1::Donation>> all = store_.Donations(*id);
    if (!all.ok()) return all.status();
    auto page = OffsetPage(*all, request->page_size(), request->page_token());
    if (!page.ok()) return page.status();
    v1::ListDonationsResponse out;
    for (v1::Donation& d : page->first) *out.add_donations() = std::move(d);
    out.set_next_page_token(page->second);
    return out;
  };
  return Respond(list(), response);
}

grpc::Status RegistryService::CreateDeferral(grpc::ServerContext* context,
                                             const v1::CreateDeferralRequest* request,
                                             v1::Deferral* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  auto create = [&]() -> absl::StatusOr<v1::Deferral> {
    absl::StatusOr<Mutation> mutation =
        MutationOf("CreateDeferral", request->request_id(), *request);
    if (!mutation.ok()) return mutation.status();
    absl::StatusOr<std::string> id = DonorId("parent", request->parent());
    if (!id.ok()) return id.status();
    if (absl::Status s = ValidateDeferral("deferral", request->deferral()); !s.ok()) return s;
    if (absl::Status s = AuthorizeSite(context, request->deferral().site()); !s.ok()) return s;
    return store_.AddDeferral(*mutation, *id, request->deferral(), absl::Now());
  };
  return Respond(create(), response);
}

grpc::Status RegistryService::LiftDeferral(grpc::ServerContext* context,
                                           const v1::LiftDeferralRequest* request,
                                           v1::Deferral* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  return Respond(registry::LiftDeferral(store_, *request), response);
}

grpc::Status RegistryService::ListDeferrals(grpc::ServerContext* context,
                                            const v1::ListDeferralsRequest* request,
                                            v1::ListDeferralsResponse* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  auto list = [&]() -> absl::StatusOr<v1::ListDeferralsResponse> {
    absl::StatusOr<std::string> id = DonorId("parent", request->parent());
    if (!id.ok()) return id.status();
    absl::StatusOr<std::vector<v1::Deferral>> all = store_.Deferrals(*id);
    if (!all.ok()) return all.status();
    if (!request->include_lifted()) {
      std::erase_if(*all, [](const v1::Deferral& d) { return d.has_lift_time(); });
    }
    auto page = OffsetPage(*all, request->page_size(), request->page_token());
    if (!page.ok()) return page.status();
    v1::ListDeferralsResponse out;
    for (v1::Deferral& d : page->first) *out.add_deferrals() = std::move(d);
    out.set_next_page_token(page->second);
    return out;
  };
  return Respond(list(), response);
}

grpc::Status RegistryService::GetDonorFacts(grpc::ServerContext* context,
                                            const v1::GetDonorFactsRequest* request,
                                            v1::DonorFacts* response) {
  if (grpc::Status s = auth::Authorize(context); !s.ok()) return s;
  absl::StatusOr<std::string> id = DonorId("name", request->name());
  if (!id.ok()) return platform::ToGrpcStatus(id.status());
  return Respond(store_.Facts(*id), response);
}

}  // namespace blooddrive::registry
