// The scheduling service's Redis keys and the only code that reads or writes them.
//
// Partitions (hash tags), each changed only through lua/partition_commit.lua or
// lua/donor_claims.lua (docs/redis-keys.md has the full layout):
//   sch:{sites}:...       sites and their request records
//   sch:{index}:...       the drive index (date order), part of the event contract
//   sch:{d:<drive>}:...   one drive: its record, seat counters, bookings, holds, waitlists,
//                         request records and event stream
//   sch:{p:<donor>}:...   one donor's claims (claim-then-book) and bookings index
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "blooddrive/v1/events.pb.h"
#include "blooddrive/v1/scheduling.pb.h"
#include "redis_client.h"
#include "slots.h"

namespace blooddrive::scheduling {

namespace v1 = ::blooddrive::v1;

// How long a request record answers retries.
inline constexpr int kRequestTtlSeconds = 7 * 24 * 3600;

// ---------------------------------------------------------------- keys

std::string SiteKey(absl::string_view site_id);
std::string SiteRequestKey(absl::string_view request_id);
inline constexpr char kSitesIndexKey[] = "sch:{sites}:names";
inline constexpr char kDriveIndexKey[] = "sch:{index}:drives";  // event_stream.h
inline constexpr char kHoldsIndexKey[] = "sch:{index}:holds";   // drive id -> earliest hold expiry

struct DriveKeys {
  explicit DriveKeys(absl::string_view drive_id);
  std::string drive_id;
  std::string drive;     // hash: pb, state, etag, seats:<type>, reserve:<type>, rev, event_seq,
                         //       site_pb, wl_seq
  std::string seats;     // hash: "<slot>:<type>:<h|b|w>" -> seats taken
  std::string bookings;  // set of booking ids
  std::string donors;    // hash: donor id -> "b:<booking id>" | "w:<entry id>" while active
  std::string holds;     // sorted set: booking id -> hold expiry ms
  std::string events;    // stream (event_stream.h)
  std::string Booking(absl::string_view booking_id) const;  // hash: pb, state, etag, donor
  std::string Entry(absl::string_view entry_id) const;      // hash: pb, state, donor
  std::string Waitlist(v1::DonationType type) const;        // sorted set: entry id -> order
  std::string Request(absl::string_view request_id) const;  // hash: fp, resp
};

struct DonorKeys {
  explicit DonorKeys(absl::string_view donor_id);
  std::string claims;
  std::string bookings;
};

// Ids derived from request ids make a retried create land on the same record in the same
// partition (its request record answers the retry).
std::string IdFromRequest(absl::string_view kind, absl::string_view request_id);
std::string NewEtag();

// "drives/<d>/slots/<s>" and friends.
std::string DriveName(absl::string_view drive_id);
std::string BookingName(absl::string_view drive_id, absl::string_view booking_id);
std::string EntryName(absl::string_view drive_id, absl::string_view entry_id);
std::string SlotName(absl::string_view drive_id, absl::string_view slot_id);
std::string SeatField(absl::string_view slot_id, v1::DonationType type, char kind);

// ---------------------------------------------------------------- commits

// One call of partition_commit.lua: keys by index, checks, seat moves and writes (see the
// script's header for each op). Errors given to checks are "<STATUS_CODE> [kind] message".
class PartitionCommit {
 public:
  explicit PartitionCommit(std::string partition) : partition_(std::move(partition)) {}

  void Request(const std::string& key, std::string fingerprint, std::string response);
  void FieldIn(const std::string& key, absl::string_view field, absl::string_view csv,
               absl::string_view error);
  void FieldEq(const std::string& key, absl::string_view field, absl::string_view value,
               absl::string_view error);
  void Absent(const std::string& key);
  void Present(const std::string& key, absl::string_view error);
  void Fits(const std::string& seats_key, absl::string_view caps);
  void Seat(const DriveKeys& keys, absl::string_view slot, v1::DonationType type, char kind);
  void SeatAdd(const DriveKeys& keys, absl::string_view slot, v1::DonationType type, char kind,
               int delta);
  void HSet(const std::string& key, absl::string_view field, absl::string_view value);
  void HDel(const std::string& key, absl::string_view field);
  void HIncr(const std::string& key, absl::string_view field, int delta);
  void SAdd(const std::string& key, absl::string_view member);
  void SRem(const std::string& key, absl::string_view member);
  void ZAdd(const std::string& key, double score, absl::string_view member);
  void ZRem(const std::string& key, absl::string_view member);
  // Adds `member` with the next value of the counter `counter_key`/`field` as its score.
  void ZAddNext(const std::string& key, const std::string& counter_key, absl::string_view field,
                absl::string_view member);
  void Del(const std::string& key);
  void Event(const DriveKeys& keys, const v1::Event& event);

  const std::string& partition() const { return partition_; }
  const std::vector<std::string>& keys() const { return keys_; }
  std::vector<std::string> Args() const;

 private:
  std::string K(const std::string& key);
  void Op(std::initializer_list<absl::string_view> parts);

  std::string partition_;
  std::vector<std::string> keys_;
  absl::flat_hash_map<std::string, int> key_index_;
  int request_index_ = 0;
  std::string fingerprint_, response_;
  std::vector<std::string> ops_;
};

struct CommitResult {
  enum class Kind { kOk, kReplay, kExists };
  Kind kind = Kind::kOk;
  std::string bytes;  // kReplay: the first response; kExists: the existing record's pb
};

// ---------------------------------------------------------------- reads

struct StoredDrive {
  v1::Drive drive;
  v1::Site site;  // the site as of the drive's last write
  int64_t revision = 0;
};

struct StoredBooking {
  v1::Booking booking;
  std::string etag;
};

class SchedulingStore {
 public:
  explicit SchedulingStore(platform::RedisClient& redis) : redis_(redis) {}

  absl::StatusOr<CommitResult> Commit(const PartitionCommit& commit);
  // The first response of a request, when its record exists and `fingerprint` matches;
  // INVALID_ARGUMENT (request_id) when it was made by another request.
  absl::StatusOr<std::optional<std::string>> Replay(const std::string& request_key,
                                                    absl::string_view fingerprint);
  // WAITING entries' count for a type (their sorted set's size).
  absl::StatusOr<int> WaitlistLength(const DriveKeys& keys, v1::DonationType type);
  // What the donor has at the drive: "b:<booking>" (active booking), "w:<entry>" (waiting) or "".
  absl::StatusOr<std::string> DonorAtDrive(const DriveKeys& keys, absl::string_view donor_id);

  absl::StatusOr<std::optional<v1::Site>> GetSite(absl::string_view site_id);
  // Ordered by id, from `after` (exclusive), at most `limit`.
  absl::StatusOr<std::vector<v1::Site>> ListSites(absl::string_view after, int limit);

  absl::StatusOr<std::optional<StoredDrive>> GetDrive(absl::string_view drive_id);
  // Drives whose date day number is in [first_day, last_day].
  absl::StatusOr<std::vector<StoredDrive>> ListDrives(int64_t first_day, int64_t last_day);
  absl::Status IndexDrive(absl::string_view drive_id, int64_t day);

  // Seat counters of a drive by slot id and type.
  using SeatTable = absl::flat_hash_map<std::string, SeatUse>;  // key "<slot>:<type>"
  absl::StatusOr<SeatTable> GetSeats(const DriveKeys& keys);

  absl::StatusOr<std::optional<v1::Booking>> GetBooking(const DriveKeys& keys,
                                                        absl::string_view booking_id);
  absl::StatusOr<std::vector<v1::Booking>> ListDriveBookings(const DriveKeys& keys);
  absl::StatusOr<std::optional<v1::WaitlistEntry>> GetEntry(const DriveKeys& keys,
                                                            absl::string_view entry_id);
  // WAITING entries of one type in waiting order (position set).
  absl::StatusOr<std::vector<v1::WaitlistEntry>> Waiting(const DriveKeys& keys,
                                                         v1::DonationType type);
  // Every entry of the drive, any state, in creation order.
  absl::StatusOr<std::vector<v1::WaitlistEntry>> ListEntries(const DriveKeys& keys);
  // Booking ids whose hold expired at `now`.
  absl::StatusOr<std::vector<std::string>> ExpiredHolds(const DriveKeys& keys, absl::Time now);
  absl::StatusOr<std::vector<std::string>> DrivesWithHoldsDue(absl::Time now);
  absl::Status NoteHold(absl::string_view drive_id, absl::Time expire);
  absl::Status ForgetHoldsIndex(absl::string_view drive_id);

  // Donor side of claim-then-book.
  struct ClaimConflict {
    std::string booking;  // the other booking's name
    bool pending = false;
    bool stale = false;
    std::string value;
  };
  absl::StatusOr<std::optional<ClaimConflict>> Claim(absl::string_view donor_id,
                                                     absl::string_view booking, absl::CivilDay day,
                                                     absl::Time start, absl::Time end,
                                                     absl::Time now, absl::Time pending_until,
                                                     absl::string_view ignore);
  // Marks a claim as made. With the period, writes it even if a racing release removed it.
  absl::Status ConfirmClaim(absl::string_view donor_id, absl::string_view booking);
  absl::Status ConfirmClaim(absl::string_view donor_id, absl::string_view booking,
                            absl::CivilDay day, absl::Time start, absl::Time end);
  // `expected_value`: "" unconditionally, "pending" only while still pending, else that exact
  // value. `forget`: drop from the donor's bookings index too.
  absl::Status ReleaseClaim(absl::string_view donor_id, absl::string_view booking,
                            absl::string_view expected_value, bool forget);
  // Names from the donor's bookings index, newest slot first.
  absl::StatusOr<std::vector<std::string>> DonorBookingNames(absl::string_view donor_id);

 private:
  platform::RedisClient& redis_;
};

}  // namespace blooddrive::scheduling
