#pragma once

// The web dashboard on the master's HTTP port: GET /ui (and /ui/) is the
// page, /ui/<file> its scripts and styles, all compiled into the master
// (assets.h). The page itself holds no data: it reads the /v1 REST API with
// the key the operator enters, so the routes need no key and every figure it
// shows is subject to the same access rules as the CLI's.
//
//   AddDashboardRoutes(http_server.routes());
//
// Responses carry a Content-Security-Policy that allows only the master's
// own scripts, styles and connections (no inline script, no other origin),
// X-Content-Type-Options: nosniff and no framing. Thread-safe: the assets
// are immutable.

#include <httplib.h>

#include <optional>
#include <string_view>

namespace infaas::dashboard {

// The path the dashboard is served under, for messages ("http://HOST:PORT/ui/").
inline constexpr std::string_view kDashboardPath = "/ui/";

void AddDashboardRoutes(httplib::Server* server);

// "text/html; charset=utf-8", "text/javascript; charset=utf-8" or "text/css;
// charset=utf-8" by the name's extension (the kinds assets/ holds); nullopt
// for others.
std::optional<std::string_view> ContentTypeOf(std::string_view name);

}  // namespace infaas::dashboard
