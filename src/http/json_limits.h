#pragma once

// A bound on a JSON body's objects and arrays, checked on its text before
// it is parsed. Parsed, "{}" (2 bytes) takes dozens of bytes in nlohmann's
// tree or a protobuf message; a body at the size limit made of nothing else
// would take gigabytes. Scalars are bounded by the body size alone (a number
// of 2 bytes takes 16 once parsed).
//
//   RETURN_IF_ERROR(CheckJsonContainers(req.body));
//   json j = json::parse(req.body);
//
// Pure; thread-safe.

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace infaas::http {

// Objects and arrays one body may hold: enough for nested "data" of a full
// query (1,024 inputs of [3, 224] rows each), a few dozen bytes apiece.
inline constexpr int64_t kMaxJsonContainers = int64_t{1} << 20;

// InvalidArgument when `text` opens more than `max_containers` objects and
// arrays (brackets inside strings do not count). Says nothing else about
// whether `text` is valid JSON: the parser does.
absl::Status CheckJsonContainers(absl::string_view text,
                                 int64_t max_containers = kMaxJsonContainers);

}  // namespace infaas::http
