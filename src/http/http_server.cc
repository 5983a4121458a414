#include "http/http_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "http/connection_pool.h"
#include "http/http_caller.h"
#include "http/http_status.h"

namespace infaas::http {
namespace {

// The media type of a Content-Type header, without its parameters.
absl::string_view MediaType(absl::string_view content_type) {
  return absl::StripAsciiWhitespace(content_type.substr(0, content_type.find(';')));
}

// The content types an HTML form posts.
bool IsFormType(absl::string_view content_type) {
  const absl::string_view type = MediaType(content_type);
  return absl::EqualsIgnoreCase(type, "application/x-www-form-urlencoded") ||
         absl::EqualsIgnoreCase(type, "multipart/form-data") ||
         absl::EqualsIgnoreCase(type, "text/plain");
}

// The query endpoints (KServe's infer, /v1/query) read a body that a form's
// content type labels as JSON, as the KServe reference server does: that is
// what `curl -d` sends. A query changes no state a cross-site form could
// abuse (the page cannot read the answer), and where keys are on a form
// cannot send one. Multipart bodies are not JSON at all: still refused.
bool ReadsFormTypedBodyAsJson(absl::string_view path, absl::string_view content_type) {
  if (absl::EqualsIgnoreCase(MediaType(content_type), "multipart/form-data")) return false;
  return path == "/v1/query" ||
         (absl::StartsWith(path, "/v2/models/") && absl::EndsWith(path, "/infer"));
}

bool IsPublic(const std::vector<std::string>& public_paths, absl::string_view path) {
  for (const std::string& p : public_paths) {
    if (path == p || (absl::EndsWith(p, "/") && absl::StartsWith(path, p))) return true;
  }
  return false;
}

// What went wrong when a request reached no handler or the transport
// refused it; handlers set their own bodies.
std::string DescribeStatus(const httplib::Request& req, int status, size_t max_body_bytes) {
  switch (status) {
    case 404:
      return absl::StrCat("no endpoint ", req.method, " ", req.path,
                          "; see docs/http-api.md for the endpoints");
    case 413:
      return absl::StrCat("the request body exceeds the limit of ", max_body_bytes,
                          " bytes (infaas-master --http-max-body-bytes); send fewer inputs per "
                          "request");
    case 400:
      return absl::StrCat("the request to ", req.method, " ", req.path,
                          " could not be read; a POST needs a body with a Content-Length header "
                          "(an empty one is fine: curl -d '')");
    default:
      return absl::StrCat("HTTP ", status, " for ", req.method, " ", req.path);
  }
}

}  // namespace

HttpServer::HttpServer(HttpServerOptions options)
    : options_(options),
      server_(options_.tls.cert.empty()
                  ? std::make_unique<httplib::Server>()
                  : std::make_unique<httplib::SSLServer>(options_.tls.cert.c_str(),
                                                         options_.tls.key.c_str())) {
  const size_t max_body = options_.max_body_bytes;
  const int threads = options_.threads;
  const size_t max_waiting = options_.max_waiting_connections;
  server_->new_task_queue = [threads, max_waiting] {
    return new ConnectionPool(threads, max_waiting);
  };
  server_->set_payload_max_length(max_body);
  // A client's connection serves this many requests, then it reconnects
  // (and waits its turn like everyone else).
  server_->set_keep_alive_max_count(100);
  // A client that sends nothing for this long loses its connection (and
  // the handler thread it held).
  server_->set_read_timeout(5, 0);
  server_->set_write_timeout(5, 0);
  server_->set_keep_alive_timeout(2);
  // Before any body is read: cpp-httplib bounds only bodies that declare a
  // Content-Length, and inflates compressed ones. A chunked or compressed
  // body could grow without limit, so neither is accepted.
  server_->set_pre_routing_handler([this, threads, max_waiting](const httplib::Request& req,
                                                                httplib::Response& res) {
    std::string refusal;
    if (ConnectionPool::Overflowing()) {
      res.status = 503;
      res.set_header("Retry-After", "1");
      refusal = absl::StrCat("the server is busy: its ", threads, " handler threads are taken and ",
                             max_waiting, " connections wait; retry in a second");
    } else if (absl::Status who = Authenticate(req); !who.ok()) {
      // Before the request's type, encoding or route is looked at: an
      // unknown caller learns nothing but that a key is needed.
      res.set_header("Connection", "close");
      SendAuthError(res, who);
      return httplib::Server::HandlerResponse::Handled;
    } else if (req.has_header("Transfer-Encoding")) {
      res.status = 411;
      refusal = absl::StrCat("the request to ", req.method, " ", req.path, " has a ",
                             req.get_header_value("Transfer-Encoding").substr(0, 32),
                             " Transfer-Encoding; send the body with a Content-Length instead");
    } else if (req.method == "POST" && IsFormType(req.get_header_value("Content-Type")) &&
               !ReadsFormTypedBodyAsJson(req.path, req.get_header_value("Content-Type"))) {
      // What a cross-site HTML form can send without the browser asking
      // first (CORS preflight): never a state change here.
      res.status = 415;
      refusal = absl::StrCat("the request to ", req.method, " ", req.path, " has Content-Type ",
                             req.get_header_value("Content-Type").substr(0, 48),
                             "; send JSON (application/json) or octet-stream tensors");
    } else if (req.has_header("Content-Encoding") &&
               req.get_header_value("Content-Encoding") != "identity") {
      res.status = 415;
      refusal = absl::StrCat(
          "the request to ", req.method, " ", req.path, " has a compressed body (Content-Encoding ",
          req.get_header_value("Content-Encoding").substr(0, 32), "); send it uncompressed");
    } else {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    res.set_header("Connection", "close");  // the unread body must not be taken for a request
    res.set_content(ErrorBody(refusal), kJsonType);
    return httplib::Server::HandlerResponse::Handled;
  });
  // httplib's default also sets SO_REUSEPORT, which would let a second
  // master share this port silently. TCP_NODELAY (inherited by accepted
  // connections): httplib writes headers and body separately, and Nagle's
  // algorithm against the client's delayed ACK would add ~40 ms per answer.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  });
  server_->set_error_handler(httplib::Server::HandlerWithResponse(
      [max_body](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        res.set_content(ErrorBody(DescribeStatus(req, res.status, max_body)), kJsonType);
        return httplib::Server::HandlerResponse::Handled;
      }));
}

HttpServer::~HttpServer() { Stop(); }

absl::Status HttpServer::Authenticate(const httplib::Request& req) const {
  if (options_.authenticator == nullptr || IsPublic(options_.public_paths, req.path)) {
    return absl::OkStatus();
  }
  return options_.authenticator->Authenticate(req.get_header_value("Authorization")).status();
}

absl::StatusOr<int> HttpServer::Start(const std::string& host, int port) {
  if (!server_->is_valid()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot serve HTTPS with the certificate ", options_.tls.cert.string(), " and the key ",
        options_.tls.key.string(), "; check that both are readable PEM files and match"));
  }
  int bound = port;
  if (port == 0) {
    bound = server_->bind_to_any_port(host);
  } else if (!server_->bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for HTTP on ", host, ":", port, "; is the port taken?"));
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return bound;
}

void HttpServer::Stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

void AddMetricsRoute(httplib::Server* server, metrics::MetricsRegistry* registry,
                     auth::Authenticator* authenticator) {
  server->Get("/metrics", WithCaller(authenticator, auth::Action::kReadMetrics,
                                     [registry](const auth::Principal&, const httplib::Request&,
                                                httplib::Response& res) {
                                       res.set_content(registry->TextExposition(),
                                                       "text/plain; version=0.0.4; charset=utf-8");
                                     }));
}

}  // namespace infaas::http
