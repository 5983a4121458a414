#pragma once

// How a client dials "the master" when there are several: one gRPC channel
// over all their addresses that keeps to the first one answering and moves
// on when it stops.
//
//   grpc::ChannelArguments args;
//   ASSIGN_OR_RETURN(std::string target, MasterTarget("10.0.0.1:50052,10.0.0.2:50052", args));
//   auto channel = grpc::CreateCustomChannel(target, credentials, args);
//
// One address is dialled as given. Several are resolved once (numeric or
// by name) into one "ipv4:" (or "ipv6:") target with the pick_first
// policy: the channel connects to the first master that accepts, and when
// that connection breaks it tries them again in order, giving each at most
// a second to connect (a master cut off does not hold the client up for
// gRPC's default 20 s). Calls that failed with UNAVAILABLE before any
// master saw them are retried once by gRPC (the service config's retry
// policy): a query in flight when its master died fails (the client sees
// UNAVAILABLE), the next ones go to the next master.

#include <string>
#include <vector>

#include <grpcpp/support/channel_arguments.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace infaas {

// "a:1, b:2" -> {"a:1", "b:2"}: split on commas, white space dropped.
std::vector<std::string> SplitMasterAddresses(absl::string_view addresses);

// The target to dial `addresses` (one or several, comma-separated); adds
// to `args` what failing over needs when there are several.
// InvalidArgument for an address without a port, or none at all;
// NotFound when no host name resolves.
absl::StatusOr<std::string> MasterTarget(absl::string_view addresses, grpc::ChannelArguments& args);

}  // namespace infaas
