#include "idempotency.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

namespace blooddrive::platform {

std::string RequestFingerprint(absl::string_view method, const google::protobuf::Message& request) {
  std::string out(method);
  out.push_back('\0');
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  return out;
}

}  // namespace blooddrive::platform
