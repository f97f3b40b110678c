#include "pack_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "pack_validate.h"

namespace blooddrive::eligibility {
namespace {

namespace pb = google::protobuf;

class FirstError : public pb::io::ErrorCollector {
 public:
  void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
    if (!has_error) {
      has_error = true;
      this->line = line + 1;
      this->column = column + 1;
      this->message = message;
    }
  }
  void AddWarning(int, pb::io::ColumnNumber, const std::string&) override {}
  bool has_error = false;
  int line = 0;
  int column = 0;
  std::string message;
};

absl::Status Refuse(absl::string_view file, int line, absl::string_view rule_id,
                    absl::string_view problem) {
  if (rule_id.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(file, ":", line, ": ", problem));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(file, ":", line, ": rule \"", rule_id, "\": ", problem));
}

int LineOf(const pb::TextFormat::ParseInfoTree& tree, const pb::FieldDescriptor* field, int index) {
  const pb::TextFormat::ParseLocation loc = tree.GetLocation(field, index);
  return loc.line >= 0 ? loc.line + 1 : 1;
}

}  // namespace

absl::StatusOr<LoadedPack> ParsePack(absl::string_view file, absl::string_view text) {
  LoadedPack loaded;
  loaded.file = std::string(file);
  loaded.load_time = absl::Now();
  FirstError errors;
  pb::TextFormat::ParseInfoTree tree;
  pb::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(&tree);
  if (!parser.ParseFromString(std::string(text), &loaded.pack)) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ":", errors.line, ":", errors.column, ": ", errors.message));
  }
  const v1::RulePack& pack = loaded.pack;
  const pb::Descriptor* desc = v1::RulePack::descriptor();
  const auto* rules_field = desc->FindFieldByName("rules");
  const auto* sources_field = desc->FindFieldByName("sources");
  for (int i = 0; i < pack.rules_size(); ++i) {
    loaded.rule_lines.push_back(LineOf(tree, rules_field, i));
  }
  loaded.base_pack_line =
      pack.base_pack().empty() ? 1 : LineOf(tree, desc->FindFieldByName("base_pack"), -1);

  if (std::string problem = internal::PackHeaderProblem(pack); !problem.empty()) {
    return Refuse(file, 1, "", problem);
  }
  std::set<std::string> source_ids;
  for (int i = 0; i < pack.sources_size(); ++i) {
    const int line = LineOf(tree, sources_field, i);
    if (std::string problem = internal::SourceProblem(pack.sources(i)); !problem.empty()) {
      return Refuse(file, line, "", problem);
    }
    if (!source_ids.insert(pack.sources(i).id()).second) {
      return Refuse(file, line, "", absl::StrCat("source \"", pack.sources(i).id(), "\" twice"));
    }
  }
  const bool in_layer = !pack.base_pack().empty();
  std::map<std::string, int> rule_ids;
  for (int i = 0; i < pack.rules_size(); ++i) {
    const v1::Rule& rule = pack.rules(i);
    const int line = loaded.rule_lines[i];
    if (std::string problem = internal::RuleProblem(rule, in_layer); !problem.empty()) {
      return Refuse(file, line, rule.id(), problem);
    }
    auto [it, inserted] = rule_ids.emplace(rule.id(), line);
    if (!inserted) {
      return Refuse(file, line, rule.id(),
                    absl::StrCat("duplicate rule id (first at line ", it->second, ")"));
    }
  }
  return loaded;
}

namespace {

// Builds p.effective from its base's effective pack (already built) and checks what only the
// effective pack shows: cited sources exist, overrides keep their kind, one rule per interval
// pair and per deferral code.
absl::Status BuildEffective(LoadedPack& p, const LoadedPack* base) {
  v1::RulePack& eff = p.effective;
  eff = p.pack;
  eff.clear_rules();
  eff.clear_sources();
  if (base != nullptr) {
    for (const v1::Source& s : base->effective.sources()) *eff.add_sources() = s;
    for (const v1::Rule& r : base->effective.rules()) *eff.add_rules() = r;
    p.effective_origins = base->effective_origins;
    p.layers = base->layers;
  }
  p.layers.push_back(p.pack.id());
  std::set<std::string> sources;
  for (const v1::Source& s : eff.sources()) sources.insert(s.id());
  for (const v1::Source& s : p.pack.sources()) {
    if (!sources.insert(s.id()).second) {
      return Refuse(p.file, 1, "",
                    absl::StrCat("source \"", s.id(), "\" is already defined in a base pack"));
    }
    *eff.add_sources() = s;
  }
  for (int i = 0; i < p.pack.rules_size(); ++i) {
    const v1::Rule& rule = p.pack.rules(i);
    const int line = p.rule_lines[i];
    int found = -1;
    for (int j = 0; j < eff.rules_size(); ++j) {
      if (eff.rules(j).id() == rule.id()) found = j;
    }
    if (rule.disabled()) {
      if (found < 0) return Refuse(p.file, line, rule.id(), "disables a rule no base pack has");
      eff.mutable_rules()->DeleteSubrange(found, 1);
      p.effective_origins.erase(p.effective_origins.begin() + found);
      continue;
    }
    if (!rule.citation().source().empty() && !sources.count(rule.citation().source())) {
      return Refuse(p.file, line, rule.id(),
                    absl::StrCat("cites unknown source \"", rule.citation().source(), "\""));
    }
    if (found >= 0) {
      const v1::Rule& old = eff.rules(found);
      if (old.body_case() != v1::Rule::BODY_NOT_SET && rule.body_case() != v1::Rule::BODY_NOT_SET &&
          old.body_case() != rule.body_case()) {
        return Refuse(p.file, line, rule.id(),
                      "overrides a base rule of another kind (e.g. age with weight)");
      }
      *eff.mutable_rules(found) = rule;
      p.effective_origins[found] = {p.file, line};
    } else {
      *eff.add_rules() = rule;
      p.effective_origins.push_back({p.file, line});
    }
  }
  std::map<std::pair<int, int>, int> intervals;
  std::map<int, int> codes;
  for (int j = 0; j < eff.rules_size(); ++j) {
    const v1::Rule& r = eff.rules(j);
    const RuleOrigin& at = p.effective_origins[j];
    if (r.has_interval()) {
      auto [it, fresh] =
          intervals.emplace(std::make_pair(r.interval().from_type(), r.interval().to_type()), j);
      if (!fresh) {
        return Refuse(at.file, at.line, r.id(),
                      absl::StrCat("a second interval rule for the same from/to types (first: \"",
                                   eff.rules(it->second).id(), "\")"));
      }
    }
    if (r.has_deferral_duration()) {
      auto [it, fresh] = codes.emplace(r.deferral_duration().code(), j);
      if (!fresh) {
        return Refuse(at.file, at.line, r.id(),
                      absl::StrCat("a second duration rule for the same code (first: \"",
                                   eff.rules(it->second).id(), "\")"));
      }
    }
  }
  // Decision-ready only when every rule has its value.
  for (int j = 0; j < eff.rules_size(); ++j) {
    if (eff.rules(j).body_case() == v1::Rule::BODY_NOT_SET) {
      const RuleOrigin& at = p.effective_origins[j];
      p.not_ready = absl::FailedPreconditionError(absl::StrCat(
          at.file, ":", at.line, ": rule \"", eff.rules(j).id(),
          "\": source not found and no value; a branch layer must set it before pack \"",
          p.pack.id(), "\" can decide"));
      return absl::OkStatus();
    }
  }
  auto compiled = CompiledPack::Compile(eff, p.layers);
  if (!compiled.ok()) return Refuse(p.file, 1, "", compiled.status().message());
  p.compiled = std::move(*compiled);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<const PackSet>> PackSet::LoadTexts(const std::vector<Text>& texts) {
  std::unique_ptr<PackSet> set(new PackSet());
  std::map<std::string, LoadedPack*> by_id;
  for (const auto& [file, text] : texts) {
    absl::StatusOr<LoadedPack> parsed = ParsePack(file, text);
    if (!parsed.ok()) return parsed.status();
    auto owned = std::make_unique<LoadedPack>(std::move(*parsed));
    auto [it, fresh] = by_id.emplace(owned->pack.id(), owned.get());
    if (!fresh) {
      return Refuse(
          file, 1, "",
          absl::StrCat("pack id \"", owned->pack.id(), "\" is also used by ", it->second->file));
    }
    set->packs_.push_back(std::move(owned));
  }
  // Bases before layers: walk each chain, refusing unknown bases and cycles.
  std::set<std::string> built;
  for (const auto& start : set->packs_) {
    std::vector<LoadedPack*> chain;
    std::set<std::string> on_chain;
    LoadedPack* p = start.get();
    while (p != nullptr && !built.count(p->pack.id())) {
      if (!on_chain.insert(p->pack.id()).second) {
        std::vector<std::string> ids;
        for (const LoadedPack* c : chain) ids.push_back(c->pack.id());
        ids.push_back(p->pack.id());
        return Refuse(p->file, p->base_pack_line, "",
                      absl::StrCat("base_pack cycle: ", absl::StrJoin(ids, " -> ")));
      }
      chain.push_back(p);
      if (p->pack.base_pack().empty()) break;
      auto it = by_id.find(p->pack.base_pack());
      if (it == by_id.end()) {
        return Refuse(p->file, p->base_pack_line, "",
                      absl::StrCat("unknown base_pack \"", p->pack.base_pack(), "\""));
      }
      p = it->second;
    }
    for (auto c = chain.rbegin(); c != chain.rend(); ++c) {
      LoadedPack* layer = *c;
      if (built.count(layer->pack.id())) continue;
      const LoadedPack* base =
          layer->pack.base_pack().empty() ? nullptr : by_id.at(layer->pack.base_pack());
      if (absl::Status s = BuildEffective(*layer, base); !s.ok()) return s;
      built.insert(layer->pack.id());
    }
  }
  std::sort(set->packs_.begin(), set->packs_.end(),
            [](const auto& a, const auto& b) { return a->pack.id() < b->pack.id(); });
  return std::unique_ptr<const PackSet>(std::move(set));
}

absl::StatusOr<std::unique_ptr<const PackSet>> PackSet::LoadFiles(
    const std::vector<std::string>& paths) {
  std::vector<Text> texts;
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read the rule pack"));
    std::stringstream buffer;
    buffer << in.rdbuf();
    texts.emplace_back(path, buffer.str());
  }
  return LoadTexts(texts);
}

absl::StatusOr<std::unique_ptr<const PackSet>> PackSet::LoadDirectory(const std::string& dir) {
  std::error_code ec;
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && absl::EndsWith(entry.path().string(), ".textproto")) {
      paths.push_back(entry.path().string());
    }
  }
  if (ec) return absl::NotFoundError(absl::StrCat(dir, ": ", ec.message()));
  std::sort(paths.begin(), paths.end());
  return LoadFiles(paths);
}

const LoadedPack* PackSet::Find(absl::string_view id) const {
  for (const auto& p : packs_) {
    if (p->pack.id() == id) return p.get();
  }
  return nullptr;
}

std::vector<const LoadedPack*> PackSet::List() const {
  std::vector<const LoadedPack*> all;
  for (const auto& p : packs_) all.push_back(p.get());
  return all;
}

absl::StatusOr<std::shared_ptr<const CompiledPack>> PackSet::Activate(absl::string_view id) const {
  const LoadedPack* p = Find(id);
  if (p == nullptr) return absl::NotFoundError(absl::StrCat("rulePacks/", id, " not found"));
  if (p->compiled == nullptr) return p->not_ready;
  return p->compiled;
}

}  // namespace blooddrive::eligibility
