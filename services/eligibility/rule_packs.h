// The rule packs a running Eligibility service decides with: every pack loaded from a directory
// and the active one, swapped whole on Reload (SIGHUP). A call takes a Snapshot and keeps it to
// the end, so a reload never changes the rules under a call in flight.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "pack_loader.h"

namespace blooddrive::eligibility {

class RulePacks {
 public:
  struct Snapshot {
    std::shared_ptr<const PackSet> packs;
    std::shared_ptr<const CompiledPack> active;
  };

  // Loads every *.textproto in `dir` and activates `active_id`; refuses a broken set.
  static absl::StatusOr<std::unique_ptr<RulePacks>> Load(std::string dir, std::string active_id);

  std::shared_ptr<const Snapshot> Current() const;

  // Loads the directory again. On any error the running set stays as it was.
  absl::Status Reload();

  // `name` is "rulePacks/{id}" or empty (the active pack). NOT_FOUND / FAILED_PRECONDITION as
  // PackSet::Activate, naming `field`.
  static absl::StatusOr<std::shared_ptr<const CompiledPack>> Choose(const Snapshot& snapshot,
                                                                    absl::string_view field,
                                                                    absl::string_view name);

 private:
  RulePacks(std::string dir, std::string active_id)
      : dir_(std::move(dir)), active_id_(std::move(active_id)) {}
  absl::StatusOr<std::shared_ptr<const Snapshot>> LoadSnapshot() const;

  const std::string dir_;
  const std::string active_id_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const Snapshot> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace blooddrive::eligibility
