// Decisions per second and instructions per decision for a donor with 20 past donations.
//
//   cmake --build build --target eligibility_benchmark         # RelWithDebInfo (-O2 -g)
//   build/benchmarks/eligibility_benchmark                      # decisions/s (Google Benchmark)
//
// Instructions per decision, with callgrind (perf counters are not available on every machine):
// the program runs N decisions in a plain loop, without Google Benchmark, when given
// --callgrind_decisions=N; Ir per decision = (Ir(N) - Ir(0)) / N, which removes start-up and pack
// loading. --callgrind_mode=decide|full picks Decide alone or Decide + next dates for all 4 types.
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.0 <binary> --callgrind_decisions=0
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.1 <binary> --callgrind_decisions=100000
//   (read "summary:" in each output file, or the "Collected" line valgrind prints)
//
// Measured 2026-11-28 (g++ 12.2, RelWithDebInfo, 2 shared cores, load ~4; target <= 2,000 Ir):
//   callgrind, Decide alone: eu-uk (112,208,667 - 19,624,120) / 100,000 = 926 Ir per decision;
//     kz-astana (--callgrind_pack=kz-astana) 893 Ir; --callgrind_mode=full (Decide + next dates
//     for all 4 types) eu-uk 4,946 Ir.
//   Google Benchmark: BM_Decide/eu_uk 78 ns CPU, 12.8 M decisions/s; BM_Decide/kz_astana 13.1 M/s;
//     BM_DecideWithNextDates/eu_uk 2.3 M/s; BM_BuildDecisionProto/eu_uk (the whole response
//     proto) 1.03 M/s.
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "absl/time/civil_time.h"
#include "benchmark/benchmark.h"
#include "engine.h"
#include "pack_loader.h"
#include "proto_convert.h"

namespace blooddrive::eligibility {
namespace {

const PackSet& Packs() {
  static const PackSet* packs = [] {
    auto loaded = PackSet::LoadDirectory(PACKS_DIR);
    if (!loaded.ok()) {
      std::cerr << loaded.status() << "\n";
      std::exit(1);
    }
    return loaded->release();
  }();
  return *packs;
}

const CompiledPack& PackById(const std::string& id) {
  auto pack = Packs().Activate(id);
  if (!pack.ok()) {
    std::cerr << pack.status() << "\n";
    std::exit(1);
  }
  static std::shared_ptr<const CompiledPack> keep[8];
  static int n = 0;
  keep[n++ % 8] = *pack;
  return **pack;
}

// A regular donor: 20 donations over five years, mostly whole blood with some apheresis, an
// old deferral that has ended, a recent one by code, and an IIN (for the kz packs).
DonorFacts TwentyDonationDonor() {
  DonorFacts f;
  f.set_birth_date(absl::CivilDay(1984, 2, 29));
  f.set_sex(v1::SEX_FEMALE);
  f.set_weight_kg(64.5);
  f.set_latest_hemoglobin_g_per_l(131);
  absl::CivilDay day(2019, 7, 1);
  for (int i = 0; i < 20; ++i) {
    const v1::DonationType type = i % 4 == 3   ? v1::DONATION_TYPE_PLASMA
                                  : i % 7 == 5 ? v1::DONATION_TYPE_PLATELETS
                                               : v1::DONATION_TYPE_WHOLE_BLOOD;
    f.AddDonation(day, type);
    day += 90;
  }
  const absl::CivilDay old_end(2021, 3, 1);
  f.AddDeferral(v1::DEFERRAL_CODE_ACUTE_INFECTION, absl::CivilDay(2021, 2, 1), &old_end, false);
  f.AddDeferral(v1::DEFERRAL_CODE_DENTAL_WORK, absl::CivilDay(2024, 5, 2), nullptr, false);
  f.AddDocument(v1::DOCUMENT_TYPE_IIN, "KZ", nullptr);
  return f;
}

const absl::CivilDay kFirstDay(2024, 6, 3);

// Dates and types vary so the decisions are a mix of eligible and deferred. The dates are made
// once, so the loop measures the engine and not absl's civil-time arithmetic.
const absl::CivilDay* Dates() {
  static const auto* dates = [] {
    auto* d = new absl::CivilDay[64];
    for (int i = 0; i < 64; ++i) d[i] = kFirstDay + i;
    return d;
  }();
  return dates;
}

inline void OneDecision(const CompiledPack& pack, const DonorFacts& facts, int i,
                        Decision* decision) {
  Decide(pack, facts, static_cast<v1::DonationType>(1 + (i & 3)), Dates()[i & 63], kNoSlot,
         decision);
}

void BM_Decide(benchmark::State& state, const std::string& pack_id) {
  const CompiledPack& pack = PackById(pack_id);
  const DonorFacts facts = TwentyDonationDonor();
  Decision decision;
  int i = 0;
  for (auto _ : state) {
    OneDecision(pack, facts, i++, &decision);
    benchmark::DoNotOptimize(decision.eligible);
  }
  state.counters["decisions/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_DecideWithNextDates(benchmark::State& state, const std::string& pack_id) {
  const CompiledPack& pack = PackById(pack_id);
  const DonorFacts facts = TwentyDonationDonor();
  Decision decision;
  int i = 0;
  for (auto _ : state) {
    OneDecision(pack, facts, i, &decision);
    auto next = NextEligibleDates(pack, facts, Dates()[i & 63]);
    ++i;
    benchmark::DoNotOptimize(next);
    benchmark::DoNotOptimize(decision.eligible);
  }
  state.counters["decisions/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// The whole EligibilityDecision proto as the service returns it (strings, allocation).
void BM_BuildDecisionProto(benchmark::State& state, const std::string& pack_id) {
  const CompiledPack& pack = PackById(pack_id);
  const DonorFacts facts = TwentyDonationDonor();
  int i = 0;
  for (auto _ : state) {
    v1::EligibilityDecision d =
        BuildDecision(pack, facts, static_cast<v1::DonationType>(1 + (i & 3)), kFirstDay + (i & 63),
                      kNoSlot, "donors/abc", v1::BLOOD_GROUP_A_POSITIVE);
    ++i;
    benchmark::DoNotOptimize(d);
  }
  state.counters["decisions/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

BENCHMARK_CAPTURE(BM_Decide, eu_uk, std::string("eu-uk"));
BENCHMARK_CAPTURE(BM_Decide, us, std::string("us"));
BENCHMARK_CAPTURE(BM_Decide, kz_astana, std::string("kz-astana"));
BENCHMARK_CAPTURE(BM_DecideWithNextDates, eu_uk, std::string("eu-uk"));
BENCHMARK_CAPTURE(BM_DecideWithNextDates, kz_astana, std::string("kz-astana"));
BENCHMARK_CAPTURE(BM_BuildDecisionProto, eu_uk, std::string("eu-uk"));

// Plain loop for callgrind: no benchmark framework, so Ir(N) - Ir(0) is the decisions only.
int CallgrindRun(long n, const std::string& mode, const std::string& pack_id) {
  const CompiledPack& pack = PackById(pack_id);
  const DonorFacts facts = TwentyDonationDonor();
  Decision decision;
  int eligible = 0;
  for (long i = 0; i < n; ++i) {
    OneDecision(pack, facts, static_cast<int>(i), &decision);
    eligible += decision.eligible ? 1 : 0;
    if (mode == "full") {
      auto next = NextEligibleDates(pack, facts, Dates()[i & 63]);
      eligible += next[0].outlook;
    }
  }
  std::cout << "decisions=" << n << " mode=" << mode << " pack=" << pack_id
            << " checksum=" << eligible << "\n";
  return 0;
}

}  // namespace
}  // namespace blooddrive::eligibility

int main(int argc, char** argv) {
  long decisions = -1;
  std::string mode = "decide";
  std::string pack = "eu-uk";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--callgrind_decisions=", 0) == 0) decisions = std::atol(arg.c_str() + 22);
    if (arg.rfind("--callgrind_mode=", 0) == 0) mode = arg.substr(17);
    if (arg.rfind("--callgrind_pack=", 0) == 0) pack = arg.substr(17);
  }
  if (decisions >= 0) return blooddrive::eligibility::CallgrindRun(decisions, mode, pack);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
