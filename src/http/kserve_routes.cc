#include "http/kserve_routes.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <string>

#include "absl/synchronization/notification.h"
#include "common/retry_after.h"
#include "http/http_caller.h"
#include "http/http_status.h"
#include "http/infer_json.h"
#include "http/json_limits.h"

namespace infaas::http {
namespace {

using nlohmann::json;

// The model path prefix: name (may hold '/'), optional version.
constexpr char kModel[] = R"(/v2/models/(.+?)(?:/versions/([^/]+))?)";

void SendJson(httplib::Response& res, const json& body, int status = 200) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), kJsonType);
}

void SendError(httplib::Response& res, const absl::Status& status) {
  res.status = HttpStatusOf(status.code());
  if (std::optional<absl::Duration> after = RetryAfter(status)) {
    // Whole seconds, at least one (RFC 9110).
    res.set_header("Retry-After",
                   std::to_string(std::max<int64_t>(
                       1, absl::ToInt64Seconds(absl::Ceil(*after, absl::Seconds(1))))));
  }
  res.set_content(ErrorBody(status.message()), kJsonType);
}

// Runs an asynchronous frontend call and waits for its answer.
template <typename T, typename Start>
T Await(Start start) {
  absl::Notification done;
  std::optional<T> result;
  start([&](T r) {
    result.emplace(std::move(r));
    done.Notify();
  });
  done.WaitForNotification();
  return *std::move(result);
}

json TensorsToJson(
    const google::protobuf::RepeatedPtrField<inference::ModelMetadataResponse::TensorMetadata>&
        ts) {
  json out = json::array();
  for (const auto& t : ts) {
    out.push_back({{"name", t.name()}, {"datatype", t.datatype()}, {"shape", t.shape()}});
  }
  return out;
}

json DurationToJson(const controller::VariantStatistics::Duration& d) {
  return {{"count", d.count}, {"ns", static_cast<int64_t>(d.seconds * 1e9)}};
}

json StatisticsToJson(const kserve::ModelStatistics& s) {
  const controller::VariantStatistics& f = s.figures;
  json batches = json::array();
  for (const auto& [size, d] : f.batches) {
    batches.push_back({{"batch_size", size}, {"compute_infer", DurationToJson(d)}});
  }
  return {{"name", s.name},
          {"version", kserve::kModelVersion},
          {"last_inference", absl::ToUnixMillis(f.last_inference)},
          {"inference_count", f.inference_count},
          {"execution_count", std::llround(f.execution_count)},
          {"inference_stats",
           {{"success", DurationToJson(f.success)},
            {"fail", DurationToJson(f.fail)},
            {"queue", DurationToJson(f.queue)},
            {"compute_infer", DurationToJson(f.compute_infer)}}},
          {"batch_stats", batches}};
}

void ModelMetadata(kserve::InferenceFrontend* frontend, const auth::Principal& caller,
                   const httplib::Request& req, httplib::Response& res) {
  absl::StatusOr<inference::ModelMetadataResponse> m =
      frontend->ModelMetadata(caller, req.matches[1].str(), req.matches[2].str());
  if (!m.ok()) return SendError(res, m.status());
  SendJson(res, {{"name", m->name()},
                 {"versions", m->versions()},
                 {"platform", m->platform()},
                 {"inputs", TensorsToJson(m->inputs())},
                 {"outputs", TensorsToJson(m->outputs())},
                 {"properties", json(std::map<std::string, std::string>(m->properties().begin(),
                                                                        m->properties().end()))}});
}

void Infer(kserve::InferenceFrontend* frontend, const auth::Principal& caller,
           const httplib::Request& req, httplib::Response& res) {
  std::optional<size_t> header_length;
  if (req.has_header(kInferenceHeaderLength)) {
    absl::StatusOr<size_t> n = ParseHeaderLength(req.get_header_value(kInferenceHeaderLength));
    if (!n.ok()) return SendError(res, n.status());
    header_length = *n;
  }
  absl::StatusOr<HttpInferRequest> parsed =
      ParseInferRequest(req.body, header_length, req.matches[1].str(), req.matches[2].str());
  if (!parsed.ok()) return SendError(res, parsed.status());
  using Result = absl::StatusOr<inference::ModelInferResponse>;
  Result result = Await<Result>([&](auto done) {
    frontend->Infer(caller, parsed->request, absl::InfiniteFuture(), /*raw_output=*/false, done);
  });
  if (!result.ok()) return SendError(res, result.status());
  HttpInferBody body = RenderInferResponse(*result, *parsed);
  if (body.json_length.has_value()) {
    res.set_header(kInferenceHeaderLength, std::to_string(*body.json_length));
    res.set_content(std::move(body.body), "application/octet-stream");
  } else {
    res.set_content(std::move(body.body), kJsonType);
  }
}

void RepositoryIndex(kserve::InferenceFrontend* frontend, const auth::Principal& caller,
                     const httplib::Request& req, httplib::Response& res) {
  bool ready_only = false;
  if (!req.body.empty()) {
    if (absl::Status bounded = CheckJsonContainers(req.body); !bounded.ok()) {
      return SendError(res, bounded);
    }
    json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object() ||
        (body.contains("ready") && !body["ready"].is_boolean())) {
      return SendError(res, absl::InvalidArgumentError(
                                "the index request body is optional; if sent it must be a JSON "
                                "object like {\"ready\": true}"));
    }
    ready_only = body.value("ready", false);
  }
  json out = json::array();
  for (const kserve::RepositoryEntry& e : frontend->RepositoryIndex(caller, ready_only)) {
    json row = {{"name", e.name},
                {"version", kserve::kModelVersion},
                {"state", e.state},
                {"pinned", e.pinned}};
    if (!e.reason.empty()) row["reason"] = e.reason;
    out.push_back(std::move(row));
  }
  SendJson(res, out);
}

}  // namespace

void AddHealthRoutes(httplib::Server* server, kserve::InferenceFrontend* frontend) {
  server->Get("/v2/health/live",
              [](const httplib::Request&, httplib::Response& res) { res.status = 200; });
  server->Get("/v2/health/ready", [frontend](const httplib::Request&, httplib::Response& res) {
    const absl::Status s = frontend->ServerReady();
    if (!s.ok()) return SendError(res, absl::FailedPreconditionError(s.message()));
    res.status = 200;
  });
}

void AddKServeRoutes(httplib::Server* server, kserve::InferenceFrontend* frontend,
                     auth::Authenticator* authenticator) {
  using auth::Action;
  using auth::Principal;
  auth::Authenticator* const keys = authenticator;
  AddHealthRoutes(server, frontend);
  server->Get(
      "/v2",
      WithCaller(keys, Action::kReadCatalogue,
                 [frontend](const Principal&, const httplib::Request&, httplib::Response& res) {
                   const inference::ServerMetadataResponse m = frontend->ServerMetadata();
                   SendJson(res, {{"name", m.name()},
                                  {"version", m.version()},
                                  {"extensions", m.extensions()}});
                 }));
  server->Get(std::string(kModel) + "/ready",
              WithCaller(keys, Action::kReadCatalogue,
                         [frontend](const Principal& caller, const httplib::Request& req,
                                    httplib::Response& res) {
                           absl::Status s = frontend->ModelReady(caller, req.matches[1].str(),
                                                                 req.matches[2].str());
                           if (absl::IsUnavailable(s))
                             s = absl::FailedPreconditionError(s.message());
                           if (!s.ok()) return SendError(res, s);
                           res.status = 200;
                         }));
  server->Get(
      std::string(kModel) + "/stats",
      WithCaller(
          keys, Action::kReadCatalogue,
          [frontend](const Principal& caller, const httplib::Request& req, httplib::Response& res) {
            auto stats = frontend->Statistics(caller, req.matches[1].str(), req.matches[2].str());
            if (!stats.ok()) return SendError(res, stats.status());
            json rows = json::array();
            for (const kserve::ModelStatistics& s : *stats) {
              rows.push_back(StatisticsToJson(s));
            }
            SendJson(res, {{"model_stats", rows}});
          }));
  server->Get(kModel, WithCaller(keys, Action::kReadCatalogue,
                                 [frontend](const Principal& caller, const httplib::Request& req,
                                            httplib::Response& res) {
                                   ModelMetadata(frontend, caller, req, res);
                                 }));
  server->Post(
      std::string(kModel) + "/infer",
      WithCaller(keys, Action::kQuery,
                 [frontend](const Principal& caller, const httplib::Request& req,
                            httplib::Response& res) { Infer(frontend, caller, req, res); }));
  server->Post("/v2/repository/index",
               WithCaller(keys, Action::kReadCatalogue,
                          [frontend](const Principal& caller, const httplib::Request& req,
                                     httplib::Response& res) {
                            RepositoryIndex(frontend, caller, req, res);
                          }));
  server->Post(
      R"(/v2/repository/models/(.+)/(load|unload))",
      WithCaller(keys, Action::kManageRepository,
                 [frontend](const Principal&, const httplib::Request& req, httplib::Response& res) {
                   const std::string name = req.matches[1].str();
                   const bool load = req.matches[2].str() == "load";
                   absl::Status s = Await<absl::Status>([&](auto done) {
                     load ? frontend->Load(name, done) : frontend->Unload(name, done);
                   });
                   if (!s.ok()) return SendError(res, s);
                   SendJson(res, {{"name", name}, {"pinned", load}});
                 }));
}

}  // namespace infaas::http
