#pragma once

// HttpServer: one cpp-httplib server on its own port and thread, set up the
// way INFaaS needs: a port already taken fails to bind (no SO_REUSEPORT
// sharing), bodies over the size limit are refused with 413, every error
// carries {"error": "..."}, connections are kept alive (up to 100 requests
// each), a fixed pool of threads handles requests (each waits for its own
// answer), and connections past the threads and a bounded wait are
// answered 503 with Retry-After at once (connection_pool.h).
//
//   HttpServer http({.max_body_bytes = 64 << 20, .threads = 16});
//   AddKServeRoutes(http.routes(), &frontend);
//   ASSIGN_OR_RETURN(int port, http.Start("127.0.0.1", 8000));   // 0: any free port
//   ...
//   http.Stop();   // also on destruction
//
// Add routes before Start(). Start/Stop from one thread; handlers run on
// the pool.

#include <httplib.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/authenticator.h"
#include "common/tls.h"
#include "metrics/registry.h"

namespace infaas::http {

struct HttpServerOptions {
  size_t max_body_bytes = 64 << 20;  // larger bodies get 413
  int threads = 16;                  // requests handled at once
  // Connections that may wait for a handler thread; more get 503 at once
  // (connection_pool.h).
  size_t max_waiting_connections = 64;
  TlsFiles tls{};  // HTTPS when set (common/tls.h)
  // Who may call. Checked first, before anything else of the request is
  // looked at: a request to any path but `public_paths` without a valid key
  // is answered 401 (routes then check the key's role). Null:
  // authentication is off.
  auth::Authenticator* authenticator = nullptr;
  // Paths served without a key: exact, or every path under one that ends
  // in '/' (e.g. {"/v2/health/live", "/ui", "/ui/"}).
  std::vector<std::string> public_paths{};
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options = {});
  ~HttpServer();

  httplib::Server* routes() { return server_.get(); }

  // Binds host:port (port 0: any free one) and starts serving; returns the
  // port. UNAVAILABLE when the port cannot be bound; INVALID_ARGUMENT when
  // the TLS certificate or key cannot be used.
  absl::StatusOr<int> Start(const std::string& host, int port);
  void Stop();

 private:
  // OK for a public path or a valid key; UNAUTHENTICATED otherwise.
  absl::Status Authenticate(const httplib::Request& req) const;

  const HttpServerOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

// GET /metrics: `registry` in the Prometheus text format, for a metrics or
// admin key (none when `authenticator` is null: authentication is off).
void AddMetricsRoute(httplib::Server* server, metrics::MetricsRegistry* registry,
                     auth::Authenticator* authenticator);

}  // namespace infaas::http
