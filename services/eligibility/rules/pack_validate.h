// Checks of one rule or one pack header on their own; each returns the problem as text ("" when
// fine) for the loader to prefix with file, line and rule id. Internal to the loader.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "blooddrive/v1/rules.pb.h"

namespace blooddrive::eligibility::internal {

bool IsPackId(absl::string_view id);  // [a-z0-9-], 1..32
bool IsRuleId(absl::string_view id);  // [a-z0-9._-], 1..64
std::string PackHeaderProblem(const v1::RulePack& pack);
std::string SourceProblem(const v1::Source& source);
// `in_layer`: the pack has a base_pack (only layers may disable rules).
std::string RuleProblem(const v1::Rule& rule, bool in_layer);

}  // namespace blooddrive::eligibility::internal
