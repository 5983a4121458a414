#pragma once

// How INFaaS errors look over HTTP: the status code for an absl::Status and
// the protocol's error body {"error": "..."}. Pure functions; thread-safe.

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace infaas::http {

// 400 INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE; 401, 403; 404
// NOT_FOUND; 409 ALREADY_EXISTS, ABORTED; 413 is the transport's (body over
// the limit); 501 UNIMPLEMENTED; 429 RESOURCE_EXHAUSTED (over a
// quota, or refused at once by admission control); 503 UNAVAILABLE; 504
// DEADLINE_EXCEEDED; 500 the rest.
int HttpStatusOf(absl::StatusCode code);

// {"error":"<message>"} with the message JSON-escaped.
std::string ErrorBody(absl::string_view message);

inline constexpr char kJsonType[] = "application/json";

}  // namespace infaas::http
