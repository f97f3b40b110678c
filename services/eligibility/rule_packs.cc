#include "rule_packs.h"

#include "absl/strings/str_cat.h"
#include "validation.h"

namespace blooddrive::eligibility {

absl::StatusOr<std::unique_ptr<RulePacks>> RulePacks::Load(std::string dir, std::string active_id) {
  std::unique_ptr<RulePacks> packs(new RulePacks(std::move(dir), std::move(active_id)));
  absl::StatusOr<std::shared_ptr<const Snapshot>> snapshot = packs->LoadSnapshot();
  if (!snapshot.ok()) return snapshot.status();
  packs->current_ = *std::move(snapshot);
  return packs;
}

absl::StatusOr<std::shared_ptr<const RulePacks::Snapshot>> RulePacks::LoadSnapshot() const {
  absl::StatusOr<std::unique_ptr<const PackSet>> set = PackSet::LoadDirectory(dir_);
  if (!set.ok()) return set.status();
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->packs = *std::move(set);
  absl::StatusOr<std::shared_ptr<const CompiledPack>> active =
      snapshot->packs->Activate(active_id_);
  if (!active.ok()) {
    return absl::Status(active.status().code(),
                        absl::StrCat("--rule_pack=", active_id_, ": ", active.status().message()));
  }
  snapshot->active = *std::move(active);
  return snapshot;
}

std::shared_ptr<const RulePacks::Snapshot> RulePacks::Current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

absl::Status RulePacks::Reload() {
  absl::StatusOr<std::shared_ptr<const Snapshot>> snapshot = LoadSnapshot();
  if (!snapshot.ok()) return snapshot.status();
  absl::MutexLock lock(&mu_);
  current_ = *std::move(snapshot);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const CompiledPack>> RulePacks::Choose(const Snapshot& snapshot,
                                                                      absl::string_view field,
                                                                      absl::string_view name) {
  if (name.empty()) return snapshot.active;
  std::string id;
  if (absl::Status s = platform::CheckResourceName(field, name, "rulePacks", &id); !s.ok())
    return s;
  absl::StatusOr<std::shared_ptr<const CompiledPack>> pack = snapshot.packs->Activate(id);
  if (!pack.ok()) {
    return absl::Status(pack.status().code(), absl::StrCat(field, ": ", pack.status().message()));
  }
  return pack;
}

}  // namespace blooddrive::eligibility
