// blooddrive-call: calls any compiled-in gRPC method with a JSON request, like a small grpcurl.
//
//   blooddrive-call [--addr=127.0.0.1:50051] [--token_file=F | --token=T] [--timeout=10s]
//   [--pretty]
//                   [--tls_ca=ca.pem [--tls_cert=client.pem --tls_key=client.key]]
//                   blooddrive.v1.DonorRegistry/CreateDonor '{"donor": {...}}'
//   blooddrive-call blooddrive.v1.DonorRegistry/CreateDonor < seed.jsonl   # one call per line
//   blooddrive-call --list
//
// Reading stdin (no JSON argument, or "-"): one JSON object per line, blank lines and lines
// starting with '#' skipped; stops at the first failing call.
// Prints each response message as one JSON line (server-streaming methods: one line per message).
// Errors go to stderr as "ERROR <CODE_NAME>: <message>".
// Exit codes: 0 OK; 2 usage (bad arguments, unknown method, malformed JSON);
//             10 + the gRPC status code otherwise (e.g. 13 INVALID_ARGUMENT, 24 UNAVAILABLE).
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "auth/client_credentials.h"
#include "auth/credentials.h"

ABSL_FLAG(std::string, addr, "127.0.0.1:50051", "Server address HOST:PORT.");
ABSL_FLAG(std::string, token, "",
          "Bearer token, sent as 'authorization: Bearer <token>' (default: $BLOODDRIVE_TOKEN). "
          "Prefer --token_file: a flag shows in the process list.");
ABSL_FLAG(std::string, token_file, "", "File (mode 0600) holding the bearer token.");
ABSL_FLAG(std::string, tls_ca, "", "PEM CA file: call over TLS, verifying the server with it.");
ABSL_FLAG(std::string, tls_cert, "", "PEM client certificate for mTLS (with --tls_key).");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(std::string, tls_server_name, "",
          "Name expected in the server certificate when it is not the --addr host.");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "Deadline of each call.");
ABSL_FLAG(bool, pretty, false, "Print responses as indented JSON.");
ABSL_FLAG(bool, emit_defaults, false, "Also print fields that hold their default value.");
ABSL_FLAG(bool, list, false, "List every service/method compiled in, then exit.");

namespace {

namespace pb = google::protobuf;

constexpr int kExitUsage = 2;
constexpr int kExitGrpcBase = 10;

// The .proto files of blooddrive_proto; the build links all of them in (whole archive), so each
// one's descriptor is in the generated pool.
std::vector<std::string> ProtoFiles() {
  return absl::StrSplit(BLOODDRIVE_PROTO_FILES, ',', absl::SkipEmpty());
}

const char* CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < static_cast<int>(std::size(kNames)) ? kNames[i] : "UNKNOWN_CODE";
}

int Usage(const std::string& message) {
  std::cerr << "ERROR USAGE: " << message << "\n";
  return kExitUsage;
}

int ListMethods() {
  const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
  for (const std::string& name : ProtoFiles()) {
    const pb::FileDescriptor* file = pool->FindFileByName(name);
    if (file == nullptr) continue;  // a .proto in the tree that is not (yet) compiled in
    for (int s = 0; s < file->service_count(); ++s) {
      const pb::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const pb::MethodDescriptor* method = service->method(m);
        std::cout << service->full_name() << "/" << method->name()
                  << (method->server_streaming() ? " (server streaming)" : "") << "\n";
      }
    }
  }
  return 0;
}

// "pkg.Service/Method" or "pkg.Service.Method".
const pb::MethodDescriptor* FindMethod(const std::string& name) {
  const size_t cut = name.find('/') != std::string::npos ? name.find('/') : name.rfind('.');
  if (cut == std::string::npos) return nullptr;
  const pb::ServiceDescriptor* service =
      pb::DescriptorPool::generated_pool()->FindServiceByName(name.substr(0, cut));
  return service ? service->FindMethodByName(name.substr(cut + 1)) : nullptr;
}

class Caller {
 public:
  Caller(const pb::MethodDescriptor* method, std::shared_ptr<grpc::Channel> channel,
         std::string token)
      : method_(method),
        token_(std::move(token)),
        path_(absl::StrCat("/", method->service()->full_name(), "/", method->name())),
        stub_(std::move(channel)) {}

  // Returns the process exit code for this one call.
  int Call(const std::string& json) {
    std::unique_ptr<pb::Message> request(factory_.GetPrototype(method_->input_type())->New());
    const auto parsed = pb::util::JsonStringToMessage(json, request.get());
    if (!parsed.ok()) {
      return Usage(absl::StrCat("request is not a valid ", method_->input_type()->full_name(),
                                " JSON: ", std::string(parsed.message())));
    }
    std::string bytes;
    request->SerializeToString(&bytes);
    grpc::Slice slice(bytes);
    const grpc::ByteBuffer request_buffer(&slice, 1);

    // A generic streaming call serves unary and server-streaming methods alike: the wire format
    // is the same, one request message and then zero or more responses.
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_timeout)));
    if (!token_.empty()) context.AddMetadata("authorization", "Bearer " + token_);
    grpc::CompletionQueue cq;
    std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
        stub_.PrepareCall(&context, path_, &cq);
    call->StartCall(Tag());
    if (Await(cq)) {
      call->Write(request_buffer, Tag());
      if (Await(cq)) {
        call->WritesDone(Tag());
        Await(cq);
      }
      grpc::ByteBuffer response;
      while (true) {
        call->Read(&response, Tag());
        if (!Await(cq)) break;
        if (!PrintResponse(response)) {
          context.TryCancel();
          break;
        }
      }
    }
    grpc::Status status;
    call->Finish(&status, Tag());
    Await(cq);
    cq.Shutdown();
    void* ignored_tag;
    bool ignored_ok;
    while (cq.Next(&ignored_tag, &ignored_ok)) {
    }
    if (status.ok()) return 0;
    std::cerr << "ERROR " << CodeName(status.error_code()) << ": " << status.error_message()
              << "\n";
    return kExitGrpcBase + static_cast<int>(status.error_code());
  }

 private:
  // Operations run one at a time, so one tag is enough; only `ok` matters.
  void* Tag() { return this; }
  static bool Await(grpc::CompletionQueue& cq) {
    void* tag;
    bool ok = false;
    return cq.Next(&tag, &ok) && ok;
  }

  bool PrintResponse(const grpc::ByteBuffer& buffer) {
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (buffer.Dump(&slices).ok()) {
      for (const grpc::Slice& s : slices)
        bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    std::unique_ptr<pb::Message> response(factory_.GetPrototype(method_->output_type())->New());
    if (!response->ParseFromString(bytes)) {
      std::cerr << "ERROR DATA_LOSS: response is not a valid "
                << method_->output_type()->full_name() << "\n";
      return false;
    }
    pb::util::JsonPrintOptions options;
    options.add_whitespace = absl::GetFlag(FLAGS_pretty);
    options.always_print_primitive_fields = absl::GetFlag(FLAGS_emit_defaults);
    std::string json;
    pb::util::MessageToJsonString(*response, &json, options);
    std::cout << absl::StripTrailingAsciiWhitespace(json) << "\n" << std::flush;
    return true;
  }

  const pb::MethodDescriptor* method_;
  const std::string token_;
  const std::string path_;
  grpc::GenericStub stub_;
  pb::DynamicMessageFactory factory_;
};

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "blooddrive-call [flags] <package.Service/Method> ['<request JSON>' | -]\n"
      "Calls a blooddrive gRPC method; without a JSON argument (or with -) reads one JSON\n"
      "request per line from stdin. Exit: 0 OK, 2 usage, 10+gRPC code on a failed call.");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_list)) return ListMethods();
  if (args.size() < 2 || args.size() > 3) {
    return Usage("expected <package.Service/Method> ['<request JSON>' | -]; see --help");
  }
  const pb::MethodDescriptor* method = FindMethod(args[1]);
  if (method == nullptr) {
    return Usage(absl::StrCat("unknown method \"", args[1], "\"; see --list"));
  }
  std::string token = absl::GetFlag(FLAGS_token);
  if (token.empty() && std::getenv("BLOODDRIVE_TOKEN") != nullptr)
    token = std::getenv("BLOODDRIVE_TOKEN");
  if (const std::string file = absl::GetFlag(FLAGS_token_file); !file.empty()) {
    absl::StatusOr<std::string> read = blooddrive::auth::ReadSecretFile(file);
    if (!read.ok()) return Usage(absl::StrCat("--token_file: ", read.status().message()));
    token = *std::move(read);
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      blooddrive::auth::ClientCredentials({.ca = absl::GetFlag(FLAGS_tls_ca),
                                           .cert = absl::GetFlag(FLAGS_tls_cert),
                                           .key = absl::GetFlag(FLAGS_tls_key)});
  if (!credentials.ok()) return Usage(std::string(credentials.status().message()));
  grpc::ChannelArguments channel_args;
  if (const std::string name = absl::GetFlag(FLAGS_tls_server_name); !name.empty()) {
    channel_args.SetSslTargetNameOverride(name);
  }
  Caller caller(method,
                grpc::CreateCustomChannel(absl::GetFlag(FLAGS_addr), *credentials, channel_args),
                std::move(token));
  if (args.size() == 3 && std::string(args[2]) != "-") return caller.Call(args[2]);

  std::string line;
  for (int line_number = 1; std::getline(std::cin, line); ++line_number) {
    const absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty() || trimmed[0] == '#') continue;
    if (const int code = caller.Call(std::string(trimmed)); code != 0) {
      std::cerr << "(stdin line " << line_number << ")\n";
      return code;
    }
  }
  return 0;
}
