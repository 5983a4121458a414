#pragma once

// Who calls an HTTP route: the API key in its Authorization header, checked
// against what the route does (auth/access_rules.h).
//
//   server->Get("/v2/models/x", WithCaller(authenticator, auth::Action::kReadCatalogue,
//       [](const auth::Principal& caller, const httplib::Request& req,
//          httplib::Response& res) { ... }));
//
// Refusals are 401 (no or a bad key; with WWW-Authenticate: Bearer) or 403
// (a key whose role may not), with {"error": "..."}. A null authenticator
// means authentication is off: the operator calls. Thread-safe.

#include <httplib.h>

#include <functional>

#include "absl/status/statusor.h"
#include "auth/access_rules.h"
#include "auth/authenticator.h"

namespace infaas::http {

absl::StatusOr<auth::Principal> CallerOf(const httplib::Request& req,
                                         auth::Authenticator* authenticator, auth::Action action);

using CallerHandler =
    std::function<void(const auth::Principal&, const httplib::Request&, httplib::Response&)>;

// `handler` behind the check.
httplib::Server::Handler WithCaller(auth::Authenticator* authenticator, auth::Action action,
                                    CallerHandler handler);

// Writes a refusal from CallerOf.
void SendAuthError(httplib::Response& res, const absl::Status& status);

}  // namespace infaas::http
