// blooddrive-eligibility: the Eligibility gRPC service. Stores nothing: rule packs come from files,
// donor facts from the donor registry.
#include "absl/flags/flag.h"
#include "blooddrive/v1/registry.grpc.pb.h"
#include "downstream.h"
#include "eligibility_service.h"
#include "log.h"
#include "process.h"
#include "rule_packs.h"
#include "server.h"

ABSL_FLAG(std::string, rule_packs_dir, BLOODDRIVE_RULE_PACKS_DIR,
          "Directory of rule packs (*.textproto); all are loaded, and re-read on SIGHUP");
ABSL_FLAG(std::string, rule_pack, "kz-astana",
          "Id of the pack that decides when a request names none");
ABSL_FLAG(std::string, registry_target, "127.0.0.1:50051", "DonorRegistry service, HOST:PORT");

int main(int argc, char** argv) {
  using namespace blooddrive;
  platform::InitProcess(argc, argv, "eligibility",
                        "blooddrive-eligibility: donor eligibility under rule packs");
  absl::StatusOr<std::unique_ptr<eligibility::RulePacks>> packs = eligibility::RulePacks::Load(
      absl::GetFlag(FLAGS_rule_packs_dir), absl::GetFlag(FLAGS_rule_pack));
  if (!packs.ok()) {
    platform::LogError("cannot load rule packs",
                       {{"error", std::string(packs.status().message())}});
    return 2;
  }
  absl::StatusOr<platform::Downstream> downstream = platform::Downstream::FromFlags();
  if (!downstream.ok()) {
    platform::LogError("bad flags", {{"error", std::string(downstream.status().message())}});
    return 2;
  }
  eligibility::EligibilityService service(
      **packs,
      v1::DonorRegistry::NewStub(downstream->NewChannel(absl::GetFlag(FLAGS_registry_target))));
  return platform::RunServer({.default_listen = "127.0.0.1:50052",
                              .services = {&service},
                              .service_names = {"blooddrive.v1.Eligibility"},
                              .on_reload =
                                  [&packs] {
                                    if (absl::Status s = (*packs)->Reload(); !s.ok()) {
                                      platform::LogError(
                                          "rule packs not reloaded; the previous ones stay",
                                          {{"error", std::string(s.message())}});
                                    } else {
                                      platform::LogInfo("rule packs reloaded");
                                    }
                                  }},
                             /*redis=*/nullptr);
}
