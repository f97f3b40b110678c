// A stand-in service for the harness self-test: serves grpc.health.v1.Health and a DonorRegistry
// whose every method is UNIMPLEMENTED on --listen, logs to stderr, and exits 0 on SIGTERM like the
// real services.
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <csignal>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "blooddrive/v1/registry.grpc.pb.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "Address to serve on.");
ABSL_FLAG(std::string, redis, "", "Ignored; accepted like the real services do.");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // Blocked before gRPC starts its threads, so only sigwait below receives it.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  // gRPC refuses to start a server without at least one synchronous service.
  blooddrive::v1::DonorRegistry::Service unimplemented_registry;
  builder.RegisterService(&unimplemented_registry);
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), grpc::InsecureServerCredentials());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    std::cerr << "fake_service: cannot listen on " << absl::GetFlag(FLAGS_listen) << std::endl;
    return 1;
  }
  std::cerr << "fake_service: serving on " << absl::GetFlag(FLAGS_listen) << std::endl;
  int signal = 0;
  sigwait(&signals, &signal);
  std::cerr << "fake_service: signal " << signal << ", shutting down" << std::endl;
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  return 0;
}
