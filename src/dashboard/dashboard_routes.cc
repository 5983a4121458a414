#include "dashboard/dashboard_routes.h"

#include <string>

#include "dashboard/assets.h"

namespace infaas::dashboard {
namespace {

constexpr char kSecurityPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void SetSecurityHeaders(httplib::Response& res) {
  res.set_header("Content-Security-Policy", kSecurityPolicy);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  // A page served by this master's build: revalidate rather than keep a
  // stale script after an upgrade.
  res.set_header("Cache-Control", "no-cache");
}

const Asset* FindAsset(std::string_view name) {
  for (const Asset& a : Assets()) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

void Serve(std::string_view name, httplib::Response& res) {
  const Asset* asset = FindAsset(name);
  const std::optional<std::string_view> type = ContentTypeOf(name);
  SetSecurityHeaders(res);
  if (asset == nullptr || !type.has_value()) {
    res.status = 404;
    res.set_content(R"({"error": "no such dashboard file; the dashboard is at /ui/"})",
                    "application/json");
    return;
  }
  res.set_content(std::string(asset->bytes), std::string(*type));
}

}  // namespace

std::optional<std::string_view> ContentTypeOf(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  return std::nullopt;
}

void AddDashboardRoutes(httplib::Server* server) {
  server->Get("/ui", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect(std::string(kDashboardPath));
  });
  server->Get("/ui/",
              [](const httplib::Request&, httplib::Response& res) { Serve("index.html", res); });
  // Names are looked up in the compiled table, never on disk: "..", "%2e"
  // and the like simply name nothing.
  server->Get(R"(/ui/([a-z0-9_/\-]+\.[a-z]+))",
              [](const httplib::Request& req, httplib::Response& res) {
                Serve(req.matches[1].str(), res);
              });
}

}  // namespace infaas::dashboard
