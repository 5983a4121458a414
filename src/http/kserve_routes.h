#pragma once

// The Open Inference Protocol's HTTP/REST endpoints (KServe v2), with the
// binary tensor data, model repository and statistics extensions, as routes
// on an httplib::Server, over kserve::InferenceFrontend:
//
//   GET  /v2/health/live                    200
//   GET  /v2/health/ready                   200, or 400 {"error": why not}
//   GET  /v2                                server metadata
//   GET  /v2/models/{name}[/versions/{v}]   model metadata
//   GET  /v2/models/{name}[/versions/{v}]/ready
//   POST /v2/models/{name}[/versions/{v}]/infer
//   GET  /v2/models/{name}[/versions/{v}]/stats
//   POST /v2/repository/index               body {"ready": bool} optional
//   POST /v2/repository/models/{name}/load  pins a variant (loads it)
//   POST /v2/repository/models/{name}/unload
//
// {name} is a variant, an architecture or a family "task/dataset" (the
// slash may be sent as is or as %2F). Errors: the status from
// http_status.h and {"error": "..."}. docs/http-api.md has the bodies.
//
//   httplib::Server server;
//   AddKServeRoutes(&server, &frontend, &authenticator);
//
// Handlers run on the server's threads and wait for their answer there.

#include <httplib.h>

#include "auth/authenticator.h"
#include "kserve/frontend.h"

namespace infaas::http {

// `authenticator` null: authentication is off. The health routes are open
// to all; the rest need a key whose role allows them (http_caller.h).
void AddKServeRoutes(httplib::Server* server, kserve::InferenceFrontend* frontend,
                     auth::Authenticator* authenticator);

// Only GET /v2/health/live and /v2/health/ready (open to all); AddKServeRoutes
// adds them too. The master serves them on its metrics port as well, so
// that probes are answered while the API port is busy.
void AddHealthRoutes(httplib::Server* server, kserve::InferenceFrontend* frontend);

}  // namespace infaas::http
