#include "scheduling_store.h"

#include <openssl/sha.h>

#include <algorithm>

#include "absl/random/random.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "event_stream.h"
#include "scheduling_scripts.h"

namespace blooddrive::scheduling {
namespace {

using platform::RedisReply;

const platform::LuaScript& CommitScript() {
  static const std::string* const source =
      new std::string(platform::WithEventPrelude(kPartitionCommitSource));
  static const platform::LuaScript script{"partition_commit", *source};
  return script;
}

const platform::LuaScript kClaimsScript{"donor_claims", kDonorClaimsSource};

int64_t Millis(absl::Time t) { return absl::ToUnixMillis(t); }

template <typename Message>
absl::StatusOr<Message> Parse(absl::string_view bytes, absl::string_view what) {
  Message message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("stored ", what, " does not parse"));
  }
  return message;
}

// HGET-like reply element as text ("" for nil).
const std::string& Str(const RedisReply& reply) {
  static const std::string* const empty = new std::string;
  return reply.is_nil() ? *empty : reply.str;
}

}  // namespace

std::string SiteKey(absl::string_view site_id) {
  return absl::StrCat("sch:{sites}:site:", site_id);
}
std::string SiteRequestKey(absl::string_view request_id) {
  return absl::StrCat("sch:{sites}:req:", request_id);
}

DriveKeys::DriveKeys(absl::string_view id)
    : drive_id(id),
      drive(absl::StrCat("sch:{d:", id, "}:drive")),
      seats(absl::StrCat("sch:{d:", id, "}:seats")),
      bookings(absl::StrCat("sch:{d:", id, "}:bookings")),
      donors(absl::StrCat("sch:{d:", id, "}:donors")),
      holds(absl::StrCat("sch:{d:", id, "}:holds")),
      events(platform::SchedulingStreamKey(id)) {}

std::string DriveKeys::Booking(absl::string_view booking_id) const {
  return absl::StrCat("sch:{d:", drive_id, "}:b:", booking_id);
}
std::string DriveKeys::Entry(absl::string_view entry_id) const {
  return absl::StrCat("sch:{d:", drive_id, "}:w:", entry_id);
}
std::string DriveKeys::Waitlist(v1::DonationType type) const {
  return absl::StrCat("sch:{d:", drive_id, "}:wl:", static_cast<int>(type));
}
std::string DriveKeys::Request(absl::string_view request_id) const {
  return absl::StrCat("sch:{d:", drive_id, "}:req:", request_id);
}

DonorKeys::DonorKeys(absl::string_view donor_id)
    : claims(absl::StrCat("sch:{p:", donor_id, "}:claims")),
      bookings(absl::StrCat("sch:{p:", donor_id, "}:bookings")) {}

std::string IdFromRequest(absl::string_view kind, absl::string_view request_id) {
  const std::string input = absl::StrCat(kind, "\n", request_id);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return absl::BytesToHexString(
             absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)))
      .substr(0, 20);
}

std::string NewEtag() {
  static absl::Mutex mu(absl::kConstInit);
  static absl::BitGen* gen = new absl::BitGen;
  absl::MutexLock lock(&mu);
  return absl::StrCat(absl::Hex(absl::Uniform<uint64_t>(*gen), absl::kZeroPad16));
}

std::string DriveName(absl::string_view drive_id) { return absl::StrCat("drives/", drive_id); }
std::string BookingName(absl::string_view drive_id, absl::string_view booking_id) {
  return absl::StrCat("drives/", drive_id, "/bookings/", booking_id);
}
std::string EntryName(absl::string_view drive_id, absl::string_view entry_id) {
  return absl::StrCat("drives/", drive_id, "/waitlistEntries/", entry_id);
}
std::string SlotName(absl::string_view drive_id, absl::string_view slot_id) {
  return absl::StrCat("drives/", drive_id, "/slots/", slot_id);
}
std::string SeatField(absl::string_view slot_id, v1::DonationType type, char kind) {
  return absl::StrCat(slot_id, ":", static_cast<int>(type), ":", std::string(1, kind));
}

// ---------------------------------------------------------------- PartitionCommit

std::string PartitionCommit::K(const std::string& key) {
  auto [it, inserted] = key_index_.try_emplace(key, static_cast<int>(keys_.size()) + 1);
  if (inserted) keys_.push_back(key);
  return absl::StrCat(it->second);
}

void PartitionCommit::Op(std::initializer_list<absl::string_view> parts) {
  for (absl::string_view part : parts) ops_.emplace_back(part);
}

void PartitionCommit::Request(const std::string& key, std::string fingerprint,
                              std::string response) {
  request_index_ = std::stoi(K(key));
  fingerprint_ = std::move(fingerprint);
  response_ = std::move(response);
}
void PartitionCommit::FieldIn(const std::string& key, absl::string_view field,
                              absl::string_view csv, absl::string_view error) {
  Op({"FIELD_IN", K(key), field, csv, error});
}
void PartitionCommit::FieldEq(const std::string& key, absl::string_view field,
                              absl::string_view value, absl::string_view error) {
  Op({"FIELD_EQ", K(key), field, value, error});
}
void PartitionCommit::Absent(const std::string& key) { Op({"ABSENT", K(key)}); }
void PartitionCommit::Present(const std::string& key, absl::string_view error) {
  Op({"PRESENT", K(key), error});
}
void PartitionCommit::Fits(const std::string& seats_key, absl::string_view caps) {
  Op({"FITS", K(seats_key), caps});
}
void PartitionCommit::Seat(const DriveKeys& keys, absl::string_view slot, v1::DonationType type,
                           char kind) {
  const std::string seats = K(keys.seats), drive = K(keys.drive);
  Op({"SEAT", seats, drive, slot, absl::StrCat(static_cast<int>(type)), std::string(1, kind)});
}
void PartitionCommit::SeatAdd(const DriveKeys& keys, absl::string_view slot, v1::DonationType type,
                              char kind, int delta) {
  Op({"SEAT_ADD", K(keys.seats), slot, absl::StrCat(static_cast<int>(type)), std::string(1, kind),
      absl::StrCat(delta)});
}
void PartitionCommit::HSet(const std::string& key, absl::string_view field,
                           absl::string_view value) {
  Op({"HSET", K(key), field, value});
}
void PartitionCommit::HDel(const std::string& key, absl::string_view field) {
  Op({"HDEL", K(key), field});
}
void PartitionCommit::HIncr(const std::string& key, absl::string_view field, int delta) {
  Op({"HINCR", K(key), field, absl::StrCat(delta)});
}
void PartitionCommit::SAdd(const std::string& key, absl::string_view member) {
  Op({"SADD", K(key), member});
}
void PartitionCommit::SRem(const std::string& key, absl::string_view member) {
  Op({"SREM", K(key), member});
}
void PartitionCommit::ZAdd(const std::string& key, double score, absl::string_view member) {
  Op({"ZADD", K(key), absl::StrCat(score), member});
}
void PartitionCommit::ZRem(const std::string& key, absl::string_view member) {
  Op({"ZREM", K(key), member});
}
void PartitionCommit::ZAddNext(const std::string& key, const std::string& counter_key,
                               absl::string_view field, absl::string_view member) {
  const std::string k = K(key), counter = K(counter_key);
  Op({"ZADD_NEXT", k, counter, field, member});
}
void PartitionCommit::Del(const std::string& key) { Op({"DEL", K(key)}); }
void PartitionCommit::Event(const DriveKeys& keys, const v1::Event& event) {
  const std::string stream = K(keys.events), seq = K(keys.drive);
  Op({"EVENT", stream, seq, event.SerializeAsString()});
}

std::vector<std::string> PartitionCommit::Args() const {
  std::vector<std::string> args = {absl::StrCat(request_index_),     fingerprint_, response_,
                                   absl::StrCat(kRequestTtlSeconds), "scheduling", partition_};
  args.insert(args.end(), ops_.begin(), ops_.end());
  return args;
}

// ---------------------------------------------------------------- SchedulingStore

absl::StatusOr<CommitResult> SchedulingStore::Commit(const PartitionCommit& commit) {
  absl::StatusOr<RedisReply> reply = redis_.RunScript(CommitScript(), commit.keys(), commit.Args());
  if (!reply.ok()) return reply.status();
  if (reply->elements.empty()) return absl::InternalError("partition_commit: empty reply");
  const std::string& tag = reply->elements[0].str;
  CommitResult result;
  if (tag == "OK") return result;
  if (tag == "REQUEST_REUSED") {
    return absl::InvalidArgumentError(
        "request_id: already used for a different request; use a new request_id");
  }
  if (reply->elements.size() < 2) return absl::InternalError("partition_commit: short reply");
  result.kind = tag == "REPLAY" ? CommitResult::Kind::kReplay : CommitResult::Kind::kExists;
  result.bytes = reply->elements[1].str;
  return result;
}

absl::StatusOr<std::optional<std::string>> SchedulingStore::Replay(const std::string& request_key,
                                                                   absl::string_view fingerprint) {
  absl::StatusOr<RedisReply> seen = redis_.Command({"HMGET", request_key, "fp", "resp"});
  if (!seen.ok()) return seen.status();
  if (seen->elements.size() != 2 || seen->elements[0].is_nil()) return std::nullopt;
  if (seen->elements[0].str != fingerprint) {
    return absl::InvalidArgumentError(
        "request_id: already used for a different request; use a new request_id");
  }
  return Str(seen->elements[1]);
}

absl::StatusOr<int> SchedulingStore::WaitlistLength(const DriveKeys& keys, v1::DonationType type) {
  absl::StatusOr<RedisReply> n = redis_.Command({"ZCARD", keys.Waitlist(type)});
  if (!n.ok()) return n.status();
  return static_cast<int>(n->integer);
}

absl::StatusOr<std::string> SchedulingStore::DonorAtDrive(const DriveKeys& keys,
                                                          absl::string_view donor_id) {
  absl::StatusOr<RedisReply> reply = redis_.Command({"HGET", keys.donors, std::string(donor_id)});
  if (!reply.ok()) return reply.status();
  return reply->is_nil() ? std::string() : reply->str;
}

absl::StatusOr<std::optional<v1::Site>> SchedulingStore::GetSite(absl::string_view site_id) {
  absl::StatusOr<RedisReply> reply = redis_.Command({"HGET", SiteKey(site_id), "pb"});
  if (!reply.ok()) return reply.status();
  if (reply->is_nil()) return std::nullopt;
  absl::StatusOr<v1::Site> site = Parse<v1::Site>(reply->str, "site");
  if (!site.ok()) return site.status();
  return *std::move(site);
}

absl::StatusOr<std::vector<v1::Site>> SchedulingStore::ListSites(absl::string_view after,
                                                                 int limit) {
  const std::string from = after.empty() ? "-" : absl::StrCat("(", after);
  absl::StatusOr<RedisReply> ids =
      redis_.Command({"ZRANGEBYLEX", kSitesIndexKey, from, "+", "LIMIT", "0", absl::StrCat(limit)});
  if (!ids.ok()) return ids.status();
  std::vector<std::vector<std::string>> reads;
  for (const RedisReply& id : ids->elements) reads.push_back({"HGET", SiteKey(id.str), "pb"});
  std::vector<v1::Site> sites;
  if (reads.empty()) return sites;
  absl::StatusOr<std::vector<RedisReply>> replies = redis_.Pipeline(reads);
  if (!replies.ok()) return replies.status();
  for (const RedisReply& r : *replies) {
    if (r.is_nil()) continue;
    absl::StatusOr<v1::Site> site = Parse<v1::Site>(r.str, "site");
    if (!site.ok()) return site.status();
    sites.push_back(*std::move(site));
  }
  return sites;
}

namespace {
absl::StatusOr<std::optional<StoredDrive>> ParseDrive(const RedisReply& reply) {
  // HMGET pb site_pb rev
  if (reply.elements.size() != 3 || reply.elements[0].is_nil()) return std::nullopt;
  StoredDrive stored;
  absl::StatusOr<v1::Drive> drive = Parse<v1::Drive>(reply.elements[0].str, "drive");
  if (!drive.ok()) return drive.status();
  stored.drive = *std::move(drive);
  absl::StatusOr<v1::Site> site = Parse<v1::Site>(Str(reply.elements[1]), "drive site");
  if (!site.ok()) return site.status();
  stored.site = *std::move(site);
  if (!absl::SimpleAtoi(Str(reply.elements[2]), &stored.revision)) stored.revision = 0;
  return stored;
}
}  // namespace

absl::StatusOr<std::optional<StoredDrive>> SchedulingStore::GetDrive(absl::string_view drive_id) {
  absl::StatusOr<RedisReply> reply =
      redis_.Command({"HMGET", DriveKeys(drive_id).drive, "pb", "site_pb", "rev"});
  if (!reply.ok()) return reply.status();
  return ParseDrive(*reply);
}

absl::StatusOr<std::vector<StoredDrive>> SchedulingStore::ListDrives(int64_t first_day,
                                                                     int64_t last_day) {
  absl::StatusOr<RedisReply> ids = redis_.Command(
      {"ZRANGEBYSCORE", kDriveIndexKey, absl::StrCat(first_day), absl::StrCat(last_day)});
  if (!ids.ok()) return ids.status();
  std::vector<std::vector<std::string>> reads;
  for (const RedisReply& id : ids->elements) {
    reads.push_back({"HMGET", DriveKeys(id.str).drive, "pb", "site_pb", "rev"});
  }
  std::vector<StoredDrive> drives;
  if (reads.empty()) return drives;
  absl::StatusOr<std::vector<RedisReply>> replies = redis_.Pipeline(reads);
  if (!replies.ok()) return replies.status();
  for (const RedisReply& r : *replies) {
    absl::StatusOr<std::optional<StoredDrive>> drive = ParseDrive(r);
    if (!drive.ok()) return drive.status();
    if (drive->has_value()) drives.push_back(**std::move(drive));
  }
  return drives;
}

absl::Status SchedulingStore::IndexDrive(absl::string_view drive_id, int64_t day) {
  return redis_.Command({"ZADD", kDriveIndexKey, absl::StrCat(day), std::string(drive_id)})
      .status();
}

absl::StatusOr<SchedulingStore::SeatTable> SchedulingStore::GetSeats(const DriveKeys& keys) {
  absl::StatusOr<RedisReply> reply = redis_.Command({"HGETALL", keys.seats});
  if (!reply.ok()) return reply.status();
  SeatTable table;
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    const std::string& field = reply->elements[i].str;
    const size_t last = field.rfind(':');
    if (last == std::string::npos || last + 2 != field.size()) continue;
    int count = 0;
    if (!absl::SimpleAtoi(reply->elements[i + 1].str, &count)) continue;
    SeatUse& use = table[field.substr(0, last)];
    switch (field[last + 1]) {
      case 'h':
        use.held = count;
        break;
      case 'b':
        use.booked = count;
        break;
      case 'w':
        use.walk_in = count;
        break;
      default:
        break;
    }
  }
  return table;
}

absl::StatusOr<std::optional<v1::Booking>> SchedulingStore::GetBooking(
    const DriveKeys& keys, absl::string_view booking_id) {
  absl::StatusOr<RedisReply> reply = redis_.Command({"HGET", keys.Booking(booking_id), "pb"});
  if (!reply.ok()) return reply.status();
  if (reply->is_nil()) return std::nullopt;
  absl::StatusOr<v1::Booking> booking = Parse<v1::Booking>(reply->str, "booking");
  if (!booking.ok()) return booking.status();
  return *std::move(booking);
}

absl::StatusOr<std::vector<v1::Booking>> SchedulingStore::ListDriveBookings(const DriveKeys& keys) {
  absl::StatusOr<RedisReply> ids = redis_.Command({"SMEMBERS", keys.bookings});
  if (!ids.ok()) return ids.status();
  std::vector<std::vector<std::string>> reads;
  for (const RedisReply& id : ids->elements) reads.push_back({"HGET", keys.Booking(id.str), "pb"});
  std::vector<v1::Booking> bookings;
  if (reads.empty()) return bookings;
  absl::StatusOr<std::vector<RedisReply>> replies = redis_.Pipeline(reads);
  if (!replies.ok()) return replies.status();
  for (const RedisReply& r : *replies) {
    if (r.is_nil()) continue;
    absl::StatusOr<v1::Booking> booking = Parse<v1::Booking>(r.str, "booking");
    if (!booking.ok()) return booking.status();
    bookings.push_back(*std::move(booking));
  }
  return bookings;
}

absl::StatusOr<std::optional<v1::WaitlistEntry>> SchedulingStore::GetEntry(
    const DriveKeys& keys, absl::string_view entry_id) {
  absl::StatusOr<RedisReply> reply = redis_.Command({"HGET", keys.Entry(entry_id), "pb"});
  if (!reply.ok()) return reply.status();
  if (reply->is_nil()) return std::nullopt;
  absl::StatusOr<v1::WaitlistEntry> entry = Parse<v1::WaitlistEntry>(reply->str, "entry");
  if (!entry.ok()) return entry.status();
  return *std::move(entry);
}

absl::StatusOr<std::vector<v1::WaitlistEntry>> SchedulingStore::Waiting(const DriveKeys& keys,
                                                                        v1::DonationType type) {
  absl::StatusOr<RedisReply> ids = redis_.Command({"ZRANGE", keys.Waitlist(type), "0", "-1"});
  if (!ids.ok()) return ids.status();
  std::vector<v1::WaitlistEntry> entries;
  for (const RedisReply& id : ids->elements) {
    absl::StatusOr<std::optional<v1::WaitlistEntry>> entry = GetEntry(keys, id.str);
    if (!entry.ok()) return entry.status();
    if (!entry->has_value() || (*entry)->state() != v1::WAITLIST_STATE_WAITING) continue;
    (*entry)->set_position(static_cast<int>(entries.size()) + 1);
    entries.push_back(**std::move(entry));
  }
  return entries;
}

absl::StatusOr<std::vector<v1::WaitlistEntry>> SchedulingStore::ListEntries(const DriveKeys& keys) {
  std::vector<v1::WaitlistEntry> entries;
  std::string cursor = "0";
  const std::string pattern = keys.Entry("*");
  do {
    absl::StatusOr<RedisReply> page =
        redis_.Command({"SCAN", cursor, "MATCH", pattern, "COUNT", "500"});
    if (!page.ok()) return page.status();
    if (page->elements.size() != 2) return absl::InternalError("SCAN: unexpected reply");
    cursor = page->elements[0].str;
    for (const RedisReply& key : page->elements[1].elements) {
      absl::StatusOr<RedisReply> pb = redis_.Command({"HGET", key.str, "pb"});
      if (!pb.ok()) return pb.status();
      if (pb->is_nil()) continue;
      absl::StatusOr<v1::WaitlistEntry> entry = Parse<v1::WaitlistEntry>(pb->str, "entry");
      if (!entry.ok()) return entry.status();
      entries.push_back(*std::move(entry));
    }
  } while (cursor != "0");
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    if (a.create_time().seconds() != b.create_time().seconds())
      return a.create_time().seconds() < b.create_time().seconds();
    if (a.create_time().nanos() != b.create_time().nanos())
      return a.create_time().nanos() < b.create_time().nanos();
    return a.name() < b.name();
  });
  return entries;
}

absl::StatusOr<std::vector<std::string>> SchedulingStore::ExpiredHolds(const DriveKeys& keys,
                                                                       absl::Time now) {
  absl::StatusOr<RedisReply> reply =
      redis_.Command({"ZRANGEBYSCORE", keys.holds, "-inf", absl::StrCat(Millis(now))});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> ids;
  for (const RedisReply& id : reply->elements) ids.push_back(id.str);
  return ids;
}

absl::StatusOr<std::vector<std::string>> SchedulingStore::DrivesWithHoldsDue(absl::Time now) {
  absl::StatusOr<RedisReply> reply =
      redis_.Command({"ZRANGEBYSCORE", kHoldsIndexKey, "-inf", absl::StrCat(Millis(now))});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> ids;
  for (const RedisReply& id : reply->elements) ids.push_back(id.str);
  return ids;
}

absl::Status SchedulingStore::NoteHold(absl::string_view drive_id, absl::Time expire) {
  // LT: the index keeps each drive's earliest expiry.
  return redis_
      .Command({"ZADD", kHoldsIndexKey, "LT", absl::StrCat(Millis(expire)), std::string(drive_id)})
      .status();
}

absl::Status SchedulingStore::ForgetHoldsIndex(absl::string_view drive_id) {
  // The drive's next expiry, if any hold is left; else out of the index.
  DriveKeys keys(drive_id);
  absl::StatusOr<RedisReply> next = redis_.Command({"ZRANGE", keys.holds, "0", "0", "WITHSCORES"});
  if (!next.ok()) return next.status();
  if (next->elements.size() == 2) {
    return redis_.Command({"ZADD", kHoldsIndexKey, next->elements[1].str, std::string(drive_id)})
        .status();
  }
  return redis_.Command({"ZREM", kHoldsIndexKey, std::string(drive_id)}).status();
}

absl::StatusOr<std::optional<SchedulingStore::ClaimConflict>> SchedulingStore::Claim(
    absl::string_view donor_id, absl::string_view booking, absl::CivilDay day, absl::Time start,
    absl::Time end, absl::Time now, absl::Time pending_until, absl::string_view ignore) {
  const DonorKeys keys(donor_id);
  absl::StatusOr<RedisReply> reply = redis_.RunScript(
      kClaimsScript, {keys.claims, keys.bookings},
      {"CLAIM", std::string(booking), absl::StrCat(day - absl::CivilDay(1970, 1, 1)),
       absl::StrCat(Millis(start)), absl::StrCat(Millis(end)), absl::StrCat(Millis(now)),
       absl::StrCat(Millis(pending_until)), std::string(ignore)});
  if (!reply.ok()) return reply.status();
  if (reply->elements.empty()) return absl::InternalError("donor_claims: empty reply");
  if (reply->elements[0].str == "OK") return std::nullopt;
  if (reply->elements.size() != 5) return absl::InternalError("donor_claims: short reply");
  return ClaimConflict{reply->elements[1].str, reply->elements[2].str == "1",
                       reply->elements[3].str == "1", reply->elements[4].str};
}

absl::Status SchedulingStore::ConfirmClaim(absl::string_view donor_id, absl::string_view booking) {
  const DonorKeys keys(donor_id);
  return redis_
      .RunScript(kClaimsScript, {keys.claims, keys.bookings}, {"CONFIRM", std::string(booking)})
      .status();
}

absl::Status SchedulingStore::ConfirmClaim(absl::string_view donor_id, absl::string_view booking,
                                           absl::CivilDay day, absl::Time start, absl::Time end) {
  const DonorKeys keys(donor_id);
  return redis_
      .RunScript(kClaimsScript, {keys.claims, keys.bookings},
                 {"CONFIRM", std::string(booking), absl::StrCat(day - absl::CivilDay(1970, 1, 1)),
                  absl::StrCat(Millis(start)), absl::StrCat(Millis(end))})
      .status();
}

absl::Status SchedulingStore::ReleaseClaim(absl::string_view donor_id, absl::string_view booking,
                                           absl::string_view expected_value, bool forget) {
  const DonorKeys keys(donor_id);
  return redis_
      .RunScript(kClaimsScript, {keys.claims, keys.bookings},
                 {"RELEASE", std::string(booking), std::string(expected_value), forget ? "1" : "0"})
      .status();
}

absl::StatusOr<std::vector<std::string>> SchedulingStore::DonorBookingNames(
    absl::string_view donor_id) {
  absl::StatusOr<RedisReply> reply =
      redis_.Command({"ZREVRANGE", DonorKeys(donor_id).bookings, "0", "-1"});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> names;
  for (const RedisReply& name : reply->elements) names.push_back(name.str);
  return names;
}

}  // namespace blooddrive::scheduling
