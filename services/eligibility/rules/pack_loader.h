// Loads rule packs (text-format RulePack files), validates them, applies layers and compiles the
// decision-ready ones. Every refusal names the file, the line and, where there is one, the rule:
//   "packs/kz-astana.textproto:12: rule \"age\": age.min_age_years 12 is outside 16..30"
//
// Loading is all-or-nothing: one broken file refuses the whole set, so a reload (SIGHUP) either
// swaps in a complete new PackSet or keeps the old one.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "blooddrive/v1/rules.pb.h"
#include "compiled_pack.h"

namespace blooddrive::eligibility {

// Where a rule of an effective pack was written.
struct RuleOrigin {
  std::string file;
  int line = 0;  // 1-based
};

struct LoadedPack {
  std::string file;             // as given to the loader
  v1::RulePack pack;            // as written
  std::vector<int> rule_lines;  // 1-based line of each pack.rules(i)
  int base_pack_line = 0;
  absl::Time load_time;
  std::vector<std::string> layers;            // pack ids, base first, this pack last
  v1::RulePack effective;                     // base layers applied (disabled rules dropped)
  std::vector<RuleOrigin> effective_origins;  // parallel to effective.rules()
  // Null when the pack is not decision-ready (a source_not_found rule without a value);
  // `not_ready` then says which rule, where.
  std::shared_ptr<const CompiledPack> compiled;
  absl::Status not_ready;
};

class PackSet {
 public:
  // (file name for messages, file contents) pairs.
  using Text = std::pair<std::string, std::string>;

  static absl::StatusOr<std::unique_ptr<const PackSet>> LoadTexts(const std::vector<Text>& texts);
  static absl::StatusOr<std::unique_ptr<const PackSet>> LoadFiles(
      const std::vector<std::string>& paths);
  // Every *.textproto in the directory (not recursive).
  static absl::StatusOr<std::unique_ptr<const PackSet>> LoadDirectory(const std::string& dir);

  // Null when no pack has this id.
  const LoadedPack* Find(absl::string_view id) const;
  // All packs ordered by id.
  std::vector<const LoadedPack*> List() const;
  // The compiled pack to decide with: NOT_FOUND for an unknown id, FAILED_PRECONDITION (naming
  // file, line and rule) when the pack still has a rule whose value the branch must set.
  absl::StatusOr<std::shared_ptr<const CompiledPack>> Activate(absl::string_view id) const;

 private:
  PackSet() = default;
  std::vector<std::unique_ptr<LoadedPack>> packs_;  // ordered by id
};

// Parses one pack and checks it on its own (syntax, unknown fields, ids, citations, value
// ranges). Exposed for tests and tools; PackSet::LoadTexts runs it on every file.
absl::StatusOr<LoadedPack> ParsePack(absl::string_view file, absl::string_view text);

}  // namespace blooddrive::eligibility
