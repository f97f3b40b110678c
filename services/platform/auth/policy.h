// Which role may call which RPC: the one policy table of blooddrive (policy.cc).
//
// Every method of every blooddrive.v1 service has an entry (a test walks the descriptor pool, so a
// new RPC without one fails the tests); a method without an entry is refused. Admin may call
// everything listed. A few RPCs also have narrower "variants" ("<method>#<variant>") that the
// handler checks when a request takes that shape, e.g. FindDonors by name prefix is a bulk read.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "auth/credentials.pb.h"

namespace blooddrive::auth {

using RoleSet = uint32_t;

constexpr RoleSet RoleBit(Role role) { return RoleSet{1} << static_cast<int>(role); }

struct MethodPolicy {
  // gRPC path, "/blooddrive.v1.DonorRegistry/CreateDonor", or "<path>#<variant>".
  absl::string_view method;
  RoleSet roles;
  // Changes state (takes a request_id): written to the service's audit stream.
  bool mutating;
  // Coordinator and clinic callers act only on their sites: the handler checks the site of the
  // resource with AuthorizeSite (auth.h) once it knows it.
  bool site_scoped;

  bool Allows(Role role) const { return (roles & RoleBit(role)) != 0; }
};

// nullptr when the table has no entry for `method`.
const MethodPolicy* FindPolicy(absl::string_view method);
const std::vector<MethodPolicy>& AllPolicies();

}  // namespace blooddrive::auth
