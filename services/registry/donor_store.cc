#include "donor_store.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "blooddrive/v1/events.pb.h"
#include "dates.h"
#include "event_stream.h"
#include "name_key.h"
#include "registry_scripts.h"

namespace blooddrive::registry {
namespace {

using platform::RedisReply;

constexpr absl::string_view kPrefix = "reg:{donors}:";
constexpr int kRequestTtlSeconds = 24 * 60 * 60;
constexpr int kMaxAttempts = 8;
// Writers without an etag that keep losing the compare-and-set to each other retry this long.
constexpr absl::Duration kContentionBudget = absl::Seconds(3);

// write_donor emits the consent events, so it runs behind the event prelude.
const platform::LuaScript& WriteDonorScript() {
  static const std::string* const source =
      new std::string(platform::WithEventPrelude(kWriteDonorSource));
  static const platform::LuaScript script{"write_donor", *source};
  return script;
}
const platform::LuaScript kAddRecord{"add_record", kAddRecordSource};
const platform::LuaScript kReplaceRecord{"replace_record", kReplaceRecordSource};

std::string DonorKey(absl::string_view id) { return absl::StrCat(kPrefix, "donor:", id); }
std::string RequestKey(absl::string_view request_id) {
  return absl::StrCat(kPrefix, "req:", request_id);
}
std::string DocumentKey(const v1::IdentityDocument& d) {
  return absl::StrCat(kPrefix, "doc:", v1::DocumentType_Name(d.type()), ":", d.issuing_country(),
                      ":", d.number());
}
std::string PhoneKey(absl::string_view e164) { return absl::StrCat(kPrefix, "phone:", e164); }
std::string NamesKey() { return absl::StrCat(kPrefix, "names"); }
std::string ListKey(v1::BloodGroup group, absl::string_view site) {
  std::string key = absl::StrCat(kPrefix, "list");
  if (!site.empty()) absl::StrAppend(&key, ":site:", site);
  if (group != v1::BLOOD_GROUP_UNSPECIFIED)
    absl::StrAppend(&key, ":group:", v1::BloodGroup_Name(group));
  if (site.empty() && group == v1::BLOOD_GROUP_UNSPECIFIED) absl::StrAppend(&key, ":all");
  return key;
}
std::string MetaKey() { return absl::StrCat(kPrefix, "meta"); }
std::string DonationsKey(absl::string_view id) { return absl::StrCat(kPrefix, "donations:", id); }
std::string DeferralsKey(absl::string_view id) { return absl::StrCat(kPrefix, "deferrals:", id); }

std::string NewId() {
  static constexpr absl::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local absl::BitGen gen;
  std::string id(12, ' ');
  for (char& c : id) c = kAlphabet[absl::Uniform<size_t>(gen, 0, kAlphabet.size())];
  return id;
}

// After losing a compare-and-set: a random pause that grows with the attempt (up to ~32 ms), so
// racing writers spread out and finish in about one round each instead of colliding again.
void BackOff(int attempt) {
  thread_local absl::BitGen gen;
  const int64_t cap_us = int64_t{250} << std::min(attempt, 7);
  absl::SleepFor(absl::Microseconds(absl::Uniform<int64_t>(gen, 0, cap_us)));
}

std::string IdOf(absl::string_view name) { return std::string(name.substr(name.rfind('/') + 1)); }

std::pair<std::string, std::string> NameKeysOf(const v1::Donor& d) {
  return {NameSearchKey(absl::StrCat(d.family_name(), " ", d.given_name())),
          NameSearchKey(absl::StrCat(d.given_name(), " ", d.family_name()))};
}

// Every index entry that points at a donor: document keys, and (sorted-set key, member) pairs.
struct IndexEntries {
  std::vector<std::string> documents;
  std::vector<std::pair<std::string, std::string>> members;
};

IndexEntries IndexesOf(const v1::Donor& d) {
  const std::string id = IdOf(d.name());
  IndexEntries out;
  for (const auto& document : d.documents()) out.documents.push_back(DocumentKey(document));
  if (!d.phone().empty()) out.members.emplace_back(PhoneKey(d.phone()), id);
  const auto [family_first, given_first] = NameKeysOf(d);
  out.members.emplace_back(NamesKey(), absl::StrCat(family_first, std::string(1, '\0'), id));
  if (given_first != family_first) {
    out.members.emplace_back(NamesKey(), absl::StrCat(given_first, std::string(1, '\0'), id));
  }
  const v1::BloodGroup group = d.blood_group();
  out.members.emplace_back(ListKey(v1::BLOOD_GROUP_UNSPECIFIED, ""), id);
  out.members.emplace_back(ListKey(group, ""), id);
  if (!d.home_site().empty()) {
    out.members.emplace_back(ListKey(v1::BLOOD_GROUP_UNSPECIFIED, d.home_site()), id);
    out.members.emplace_back(ListKey(group, d.home_site()), id);
  }
  return out;
}

// The DonorSmsConsentChanged event announcing `donor`'s consent, without event_id and sequence
// (write_donor.lua's prelude appends them in commit order).
std::string ConsentEvent(const Mutation& mutation, const v1::Donor& donor, absl::Time now) {
  v1::Event event;
  *event.mutable_occur_time() = platform::ToTimestamp(now);
  event.set_producer(platform::kRegistryPartition);
  event.set_partition(platform::kRegistryPartition);
  event.set_request_id(mutation.request_id);
  v1::DonorSmsConsentChanged* changed = event.mutable_donor_sms_consent_changed();
  changed->set_donor(donor.name());
  changed->set_opted_in(donor.sms_consent().opted_in());
  changed->set_channel(donor.sms_consent().channel());
  *changed->mutable_update_time() = donor.sms_consent().update_time();
  return event.SerializeAsString();
}

// Reminders acts on opt-outs; a rewrite that keeps the donor's choice announces nothing.
bool ConsentChanged(const v1::Donor& before, const v1::Donor& after) {
  return before.sms_consent().opted_in() != after.sms_consent().opted_in() ||
         before.sms_consent().channel() != after.sms_consent().channel();
}

template <typename T>
std::vector<T> Minus(const std::vector<T>& a, const std::vector<T>& b) {
  std::vector<T> out;
  for (const T& x : a) {
    if (std::find(b.begin(), b.end(), x) == b.end()) out.push_back(x);
  }
  return out;
}

template <typename Message>
absl::StatusOr<Message> Parse(absl::string_view bytes, absl::string_view what) {
  Message message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("stored ", what, " does not parse"));
  }
  return message;
}

// Donor bytes and rev as stored -> the API's Donor, with the rev as its etag.
absl::StatusOr<std::optional<v1::Donor>> DonorFromReply(const RedisReply& pb,
                                                        const RedisReply& rev) {
  if (pb.is_nil()) return std::nullopt;
  absl::StatusOr<v1::Donor> donor = Parse<v1::Donor>(pb.str, "donor");
  if (!donor.ok()) return donor.status();
  donor->set_etag(rev.str);
  return *std::move(donor);
}

absl::Status RequestReused() {
  return absl::InvalidArgumentError("request_id: already used for a different request");
}

// The first outcome of a request carried out before: nullopt when the id is new, INVALID_ARGUMENT
// when it was used for a different request.
template <typename Message>
absl::StatusOr<std::optional<Message>> Replayed(platform::RedisClient& redis,
                                                const Mutation& mutation) {
  absl::StatusOr<RedisReply> seen =
      redis.Command({"HMGET", RequestKey(mutation.request_id), "fp", "resp"});
  if (!seen.ok()) return seen.status();
  if (seen->elements.at(0).is_nil()) return std::nullopt;
  if (seen->elements.at(0).str != mutation.fingerprint) return RequestReused();
  absl::StatusOr<Message> first = Parse<Message>(seen->elements.at(1).str, "reply");
  if (!first.ok()) return first.status();
  return std::optional<Message>(*std::move(first));
}

const std::string& Tag(const RedisReply& reply) { return reply.elements.at(0).str; }

absl::Status UnexpectedReply(absl::string_view script, const RedisReply& reply) {
  return absl::InternalError(
      absl::StrCat(script, ": unexpected reply ", reply.elements.empty() ? "" : Tag(reply)));
}

std::string EncodeToken(absl::string_view last) { return absl::WebSafeBase64Escape(last); }

absl::StatusOr<std::string> DecodeToken(absl::string_view token) {
  std::string out;
  if (!absl::WebSafeBase64Unescape(token, &out)) {
    return absl::InvalidArgumentError("page_token: not a token this service issued");
  }
  return out;
}

}  // namespace

absl::StatusOr<v1::Donor> DonorStore::Create(const Mutation& mutation, v1::Donor donor,
                                             absl::Time now) {
  donor.clear_etag();
  *donor.mutable_create_time() = platform::ToTimestamp(now);
  *donor.mutable_update_time() = platform::ToTimestamp(now);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    const std::string id = NewId();
    donor.set_name(absl::StrCat("donors/", id));
    v1::Donor response = donor;
    response.set_etag("1");
    const IndexEntries index = IndexesOf(donor);

    std::vector<std::string> keys = {DonorKey(id), RequestKey(mutation.request_id),
                                     platform::kRegistryStreamKey, MetaKey()};
    keys.insert(keys.end(), index.documents.begin(), index.documents.end());
    std::vector<std::string> args = {mutation.fingerprint,
                                     response.SerializeAsString(),
                                     absl::StrCat(kRequestTtlSeconds),
                                     "0",
                                     "",
                                     donor.SerializeAsString(),
                                     id,
                                     absl::StrCat(index.documents.size()),
                                     "0",
                                     absl::StrCat(index.members.size()),
                                     "0"};
    args.push_back(ConsentEvent(mutation, donor, now));  // creation sets the consent
    for (const auto& [key, member] : index.members) {
      keys.push_back(key);
      args.push_back(member);
    }
    absl::StatusOr<RedisReply> reply = redis_.RunScript(WriteDonorScript(), keys, args);
    if (!reply.ok()) return reply.status();
    const std::string& tag = Tag(*reply);
    if (tag == "OK") return response;
    if (tag == "REPLAY") return Parse<v1::Donor>(reply->elements.at(1).str, "reply");
    if (tag == "REQUEST_REUSED") return RequestReused();
    if (tag == "ID_TAKEN") continue;
    if (tag == "DOC_TAKEN") {
      return absl::AlreadyExistsError(
          absl::StrCat("donor.documents[", reply->elements.at(1).integer,
                       "]: already registered to donors/", reply->elements.at(2).str));
    }
    return UnexpectedReply(WriteDonorScript().name, *reply);
  }
  return absl::InternalError("could not find a free donor id");
}

absl::StatusOr<v1::Donor> DonorStore::Get(absl::string_view donor_id) {
  absl::StatusOr<RedisReply> reply = redis_.Command({"HMGET", DonorKey(donor_id), "pb", "rev"});
  if (!reply.ok()) return reply.status();
  absl::StatusOr<std::optional<v1::Donor>> donor =
      DonorFromReply(reply->elements.at(0), reply->elements.at(1));
  if (!donor.ok()) return donor.status();
  if (!donor->has_value()) {
    return absl::NotFoundError(absl::StrCat("donors/", donor_id, " does not exist"));
  }
  return **std::move(donor);
}

absl::StatusOr<v1::Donor> DonorStore::Update(const Mutation& mutation, absl::string_view donor_id,
                                             absl::string_view etag, const DonorChange& change,
                                             absl::Time now) {
  // A retry of a request that already succeeded must get its first answer, even though the etag it
  // carries is stale by now; so the request record is looked at before anything else.
  absl::StatusOr<std::optional<v1::Donor>> seen = Replayed<v1::Donor>(redis_, mutation);
  if (!seen.ok()) return seen.status();
  if (seen->has_value()) return **std::move(seen);

  const absl::Time give_up = absl::Now() + kContentionBudget;
  for (int attempt = 0; attempt == 0 || absl::Now() < give_up; ++attempt) {
    if (attempt > 0) BackOff(attempt);
    absl::StatusOr<v1::Donor> current = Get(donor_id);
    if (!current.ok()) return current.status();
    if (!etag.empty() && etag != current->etag()) {
      return absl::AbortedError(
          absl::StrCat("donor.etag: the donor changed since it was read (now ", current->etag(),
                       "); read it again"));
    }
    absl::StatusOr<v1::Donor> next = change(*current);
    if (!next.ok()) return next.status();
    next->set_name(current->name());
    *next->mutable_create_time() = current->create_time();
    *next->mutable_update_time() = platform::ToTimestamp(now);
    next->clear_etag();

    const IndexEntries before = IndexesOf(*current);
    const IndexEntries after = IndexesOf(*next);
    const std::vector<std::string> releases = Minus(before.documents, after.documents);
    const auto adds = Minus(after.members, before.members);
    const auto removes = Minus(before.members, after.members);
    const int64_t read_rev = std::stoll(current->etag());
    v1::Donor response = *next;
    response.set_etag(absl::StrCat(read_rev + 1));

    std::vector<std::string> keys = {DonorKey(donor_id), RequestKey(mutation.request_id),
                                     platform::kRegistryStreamKey, MetaKey()};
    keys.insert(keys.end(), after.documents.begin(), after.documents.end());
    keys.insert(keys.end(), releases.begin(), releases.end());
    std::vector<std::string> args = {mutation.fingerprint,
                                     response.SerializeAsString(),
                                     absl::StrCat(kRequestTtlSeconds),
                                     current->etag(),
                                     std::string(etag),
                                     next->SerializeAsString(),
                                     std::string(donor_id),
                                     absl::StrCat(after.documents.size()),
                                     absl::StrCat(releases.size()),
                                     absl::StrCat(adds.size()),
                                     absl::StrCat(removes.size())};
    args.push_back(ConsentChanged(*current, *next) ? ConsentEvent(mutation, *next, now) : "");
    for (const auto& [key, member] : adds) {
      keys.push_back(key);
      args.push_back(member);
    }
    for (const auto& [key, member] : removes) {
      keys.push_back(key);
      args.push_back(member);
    }
    absl::StatusOr<RedisReply> reply = redis_.RunScript(WriteDonorScript(), keys, args);
    if (!reply.ok()) return reply.status();
    const std::string& tag = Tag(*reply);
    if (tag == "OK") return response;
    if (tag == "REPLAY") return Parse<v1::Donor>(reply->elements.at(1).str, "reply");
    if (tag == "REQUEST_REUSED") return RequestReused();
    if (tag == "CHANGED") continue;
    if (tag == "STALE_ETAG") {
      return absl::AbortedError("donor.etag: the donor changed since it was read; read it again");
    }
    if (tag == "NOT_FOUND") {
      return absl::NotFoundError(absl::StrCat("donors/", donor_id, " does not exist"));
    }
    if (tag == "DOC_TAKEN") {
      return absl::AlreadyExistsError(
          absl::StrCat("donor.documents[", reply->elements.at(1).integer,
                       "]: already registered to donors/", reply->elements.at(2).str));
    }
    return UnexpectedReply(WriteDonorScript().name, *reply);
  }
  return absl::AbortedError("donor: changed by others too often; try again");
}

absl::StatusOr<Page<v1::Donor>> DonorStore::FindByPhone(absl::string_view e164,
                                                        const PageRequest& page) {
  return PageOfIndex(PhoneKey(e164), page);
}

absl::StatusOr<Page<v1::Donor>> DonorStore::FindByDocument(const v1::IdentityDocument& document) {
  absl::StatusOr<RedisReply> id = redis_.Command({"GET", DocumentKey(document)});
  if (!id.ok()) return id.status();
  Page<v1::Donor> out;
  if (id->is_nil()) return out;
  absl::StatusOr<std::vector<v1::Donor>> donors = LoadDonors({id->str});
  if (!donors.ok()) return donors.status();
  out.items = *std::move(donors);
  return out;
}

absl::StatusOr<Page<v1::Donor>> DonorStore::FindByNamePrefix(absl::string_view prefix,
                                                             const PageRequest& page) {
  absl::StatusOr<std::string> after = DecodeToken(page.token);
  if (!after.ok()) return after.status();
  const std::string min = after->empty() ? absl::StrCat("[", prefix) : "(" + *after;
  absl::StatusOr<RedisReply> members =
      redis_.Command({"ZRANGEBYLEX", NamesKey(), min, absl::StrCat("[", prefix, "\xff"), "LIMIT",
                      "0", absl::StrCat(page.size)});
  if (!members.ok()) return members.status();
  std::vector<std::string> keys, ids;
  for (const RedisReply& member : members->elements) {
    const size_t separator = member.str.find('\0');
    keys.push_back(member.str.substr(0, separator));
    ids.push_back(member.str.substr(separator + 1));
  }
  absl::StatusOr<std::vector<v1::Donor>> donors = LoadDonors(ids);
  if (!donors.ok()) return donors.status();
  Page<v1::Donor> out;
  // A donor has two entries ("family given", "given family"); when both match the prefix, only the
  // smaller one yields the donor, so it appears once across all pages.
  for (size_t i = 0, d = 0; i < ids.size() && d < donors->size(); ++i) {
    if (IdOf((*donors)[d].name()) != ids[i]) continue;  // deleted between the two reads
    const auto [family_first, given_first] = NameKeysOf((*donors)[d]);
    const std::string& other = keys[i] == family_first ? given_first : family_first;
    const bool other_first = other != keys[i] && absl::StartsWith(other, prefix) && other < keys[i];
    if (!other_first) out.items.push_back((*donors)[d]);
    ++d;
  }
  if (static_cast<int>(ids.size()) == page.size) {
    out.next_token = EncodeToken(members->elements.back().str);
  }
  return out;
}

absl::StatusOr<Page<v1::Donor>> DonorStore::List(v1::BloodGroup group, absl::string_view home_site,
                                                 const PageRequest& page) {
  return PageOfIndex(ListKey(group, home_site), page);
}

absl::StatusOr<Page<v1::Donor>> DonorStore::PageOfIndex(const std::string& key,
                                                        const PageRequest& page) {
  absl::StatusOr<std::string> after = DecodeToken(page.token);
  if (!after.ok()) return after.status();
  absl::StatusOr<RedisReply> ids =
      redis_.Command({"ZRANGEBYLEX", key, after->empty() ? "-" : "(" + *after, "+", "LIMIT", "0",
                      absl::StrCat(page.size)});
  if (!ids.ok()) return ids.status();
  std::vector<std::string> id_list;
  for (const RedisReply& id : ids->elements) id_list.push_back(id.str);
  absl::StatusOr<std::vector<v1::Donor>> donors = LoadDonors(id_list);
  if (!donors.ok()) return donors.status();
  Page<v1::Donor> out{*std::move(donors), ""};
  if (static_cast<int>(id_list.size()) == page.size) out.next_token = EncodeToken(id_list.back());
  return out;
}

absl::StatusOr<std::vector<v1::Donor>> DonorStore::LoadDonors(const std::vector<std::string>& ids) {
  std::vector<std::vector<std::string>> commands;
  for (const std::string& id : ids) commands.push_back({"HMGET", DonorKey(id), "pb", "rev"});
  std::vector<v1::Donor> donors;
  if (commands.empty()) return donors;
  absl::StatusOr<std::vector<RedisReply>> replies = redis_.Pipeline(commands);
  if (!replies.ok()) return replies.status();
  for (const RedisReply& reply : *replies) {
    absl::StatusOr<std::optional<v1::Donor>> donor =
        DonorFromReply(reply.elements.at(0), reply.elements.at(1));
    if (!donor.ok()) return donor.status();
    if (donor->has_value()) donors.push_back(**std::move(donor));
  }
  return donors;
}

template <typename Record>
absl::StatusOr<Record> DonorStore::AddRecord(const Mutation& mutation, absl::string_view donor_id,
                                             const std::string& records_key, Record record) {
  absl::StatusOr<RedisReply> reply = redis_.RunScript(
      kAddRecord,
      {DonorKey(donor_id), records_key, records_key + ":refs", RequestKey(mutation.request_id)},
      {mutation.fingerprint, absl::StrCat(kRequestTtlSeconds), IdOf(record.name()),
       record.SerializeAsString(), record.external_ref()});
  if (!reply.ok()) return reply.status();
  const std::string& tag = Tag(*reply);
  if (tag == "OK" || tag == "REPLAY" || tag == "EXISTING") {
    return Parse<Record>(reply->elements.at(1).str, "record");
  }
  if (tag == "REQUEST_REUSED") return RequestReused();
  if (tag == "NOT_FOUND") {
    return absl::NotFoundError(absl::StrCat("parent: donors/", donor_id, " does not exist"));
  }
  return UnexpectedReply(kAddRecord.name, *reply);
}

absl::StatusOr<v1::Donation> DonorStore::AddDonation(const Mutation& mutation,
                                                     absl::string_view donor_id,
                                                     v1::Donation donation, absl::Time now) {
  donation.set_name(absl::StrCat("donors/", donor_id, "/donations/", NewId()));
  *donation.mutable_create_time() = platform::ToTimestamp(now);
  return AddRecord(mutation, donor_id, DonationsKey(donor_id), std::move(donation));
}

absl::StatusOr<v1::Deferral> DonorStore::AddDeferral(const Mutation& mutation,
                                                     absl::string_view donor_id,
                                                     v1::Deferral deferral, absl::Time now) {
  deferral.set_name(absl::StrCat("donors/", donor_id, "/deferrals/", NewId()));
  *deferral.mutable_create_time() = platform::ToTimestamp(now);
  deferral.clear_lift_time();
  deferral.clear_lift_reason();
  return AddRecord(mutation, donor_id, DeferralsKey(donor_id), std::move(deferral));
}

absl::StatusOr<v1::Deferral> DonorStore::LiftDeferral(const Mutation& mutation,
                                                      absl::string_view donor_id,
                                                      absl::string_view deferral_id,
                                                      absl::string_view reason, absl::Time now) {
  // Checked first because an already lifted deferral is answered without running the script, and
  // a reused request id must be refused even then.
  absl::StatusOr<std::optional<v1::Deferral>> seen = Replayed<v1::Deferral>(redis_, mutation);
  if (!seen.ok()) return seen.status();
  if (seen->has_value()) return **std::move(seen);

  const std::string records_key = DeferralsKey(donor_id);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    if (attempt > 0) BackOff(attempt);
    absl::StatusOr<RedisReply> stored =
        redis_.Command({"HGET", records_key, std::string(deferral_id)});
    if (!stored.ok()) return stored.status();
    if (stored->is_nil()) {
      return absl::NotFoundError(
          absl::StrCat("donors/", donor_id, "/deferrals/", deferral_id, " does not exist"));
    }
    absl::StatusOr<v1::Deferral> deferral = Parse<v1::Deferral>(stored->str, "deferral");
    if (!deferral.ok()) return deferral.status();
    if (deferral->has_lift_time()) return deferral;  // lifting twice changes nothing
    deferral->set_lift_reason(std::string(reason));
    *deferral->mutable_lift_time() = platform::ToTimestamp(now);
    const std::string lifted = deferral->SerializeAsString();
    absl::StatusOr<RedisReply> reply =
        redis_.RunScript(kReplaceRecord, {records_key, RequestKey(mutation.request_id)},
                         {mutation.fingerprint, absl::StrCat(kRequestTtlSeconds),
                          std::string(deferral_id), stored->str, lifted});
    if (!reply.ok()) return reply.status();
    const std::string& tag = Tag(*reply);
    if (tag == "OK") return deferral;
    if (tag == "REPLAY") return Parse<v1::Deferral>(reply->elements.at(1).str, "reply");
    if (tag == "REQUEST_REUSED") return RequestReused();
    if (tag == "CHANGED") continue;
    return UnexpectedReply(kReplaceRecord.name, *reply);
  }
  return absl::AbortedError("deferral: changed by others too often; try again");
}

namespace {

template <typename Record>
absl::StatusOr<std::vector<Record>> ParseAll(const RedisReply& values, absl::string_view what) {
  std::vector<Record> records;
  for (const RedisReply& value : values.elements) {
    absl::StatusOr<Record> record = Parse<Record>(value.str, what);
    if (!record.ok()) return record.status();
    records.push_back(*std::move(record));
  }
  return records;
}

// Newest first: by civil date, then by when it was recorded.
void SortDonations(std::vector<v1::Donation>& donations) {
  std::sort(donations.begin(), donations.end(), [](const v1::Donation& a, const v1::Donation& b) {
    const auto key = [](const v1::Donation& d) {
      return std::make_tuple(platform::ToCivilDay(d.donation_date()), d.create_time().seconds(),
                             d.create_time().nanos(), d.name());
    };
    return key(a) > key(b);
  });
}

void SortDeferrals(std::vector<v1::Deferral>& deferrals) {
  std::sort(deferrals.begin(), deferrals.end(), [](const v1::Deferral& a, const v1::Deferral& b) {
    const auto key = [](const v1::Deferral& d) {
      return std::make_tuple(platform::ToCivilDay(d.start_date()), d.create_time().seconds(),
                             d.create_time().nanos(), d.name());
    };
    return key(a) > key(b);
  });
}

}  // namespace

absl::StatusOr<v1::DonorFacts> DonorStore::Facts(absl::string_view donor_id) {
  absl::StatusOr<std::vector<RedisReply>> replies =
      redis_.Pipeline({{"MULTI"},
                       {"HMGET", DonorKey(donor_id), "pb", "rev"},
                       {"HVALS", DonationsKey(donor_id)},
                       {"HVALS", DeferralsKey(donor_id)},
                       {"EXEC"}});
  if (!replies.ok()) return replies.status();
  const RedisReply& exec = replies->back();
  absl::StatusOr<std::optional<v1::Donor>> donor =
      DonorFromReply(exec.elements.at(0).elements.at(0), exec.elements.at(0).elements.at(1));
  if (!donor.ok()) return donor.status();
  if (!donor->has_value()) {
    return absl::NotFoundError(absl::StrCat("donors/", donor_id, " does not exist"));
  }
  absl::StatusOr<std::vector<v1::Donation>> donations =
      ParseAll<v1::Donation>(exec.elements.at(1), "donation");
  if (!donations.ok()) return donations.status();
  absl::StatusOr<std::vector<v1::Deferral>> deferrals =
      ParseAll<v1::Deferral>(exec.elements.at(2), "deferral");
  if (!deferrals.ok()) return deferrals.status();
  SortDonations(*donations);
  SortDeferrals(*deferrals);
  v1::DonorFacts facts;
  *facts.mutable_donor() = **std::move(donor);
  for (v1::Donation& d : *donations) *facts.add_donations() = std::move(d);
  for (v1::Deferral& d : *deferrals) {
    if (!d.has_lift_time()) *facts.add_deferrals() = std::move(d);
  }
  return facts;
}

template <typename Record>
absl::StatusOr<std::vector<Record>> DonorStore::History(absl::string_view donor_id,
                                                        const std::string& records_key) {
  absl::StatusOr<std::vector<RedisReply>> replies =
      redis_.Pipeline({{"EXISTS", DonorKey(donor_id)}, {"HVALS", records_key}});
  if (!replies.ok()) return replies.status();
  if ((*replies)[0].integer == 0) {
    return absl::NotFoundError(absl::StrCat("donors/", donor_id, " does not exist"));
  }
  return ParseAll<Record>((*replies)[1], "record");
}

absl::StatusOr<std::vector<v1::Donation>> DonorStore::Donations(absl::string_view donor_id) {
  absl::StatusOr<std::vector<v1::Donation>> donations =
      History<v1::Donation>(donor_id, DonationsKey(donor_id));
  if (donations.ok()) SortDonations(*donations);
  return donations;
}

absl::StatusOr<std::vector<v1::Deferral>> DonorStore::Deferrals(absl::string_view donor_id) {
  absl::StatusOr<std::vector<v1::Deferral>> deferrals =
      History<v1::Deferral>(donor_id, DeferralsKey(donor_id));
  if (deferrals.ok()) SortDeferrals(*deferrals);
  return deferrals;
}

}  // namespace blooddrive::registry
