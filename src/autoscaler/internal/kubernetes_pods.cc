#include "autoscaler/internal/kubernetes_pods.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace infaas::autoscaler::internal {
namespace {

using nlohmann::json;

// j[key] when it is an object, else an empty object.
json ObjectAt(const json& j, const char* key) {
  if (!j.is_object()) return json::object();
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : json::object();
}

std::string StringAt(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// Whether container[key] (command or args) holds $(INFAAS_WORKER_ID).
bool MentionsWorkerId(const json& container, const char* key) {
  auto strings = container.find(key);
  if (strings == container.end() || !strings->is_array()) return false;
  const std::string reference = absl::StrCat("$(", kWorkerIdEnv, ")");
  for (const json& s : *strings) {
    if (s.is_string() && absl::StrContains(s.get<std::string>(), reference)) return true;
  }
  return false;
}

// The env list of `container` without any INFAAS_WORKER_ID, then ours: a
// plain value, so the id does not depend on the template's downward API.
json EnvWithWorkerId(const json& container, const std::string& id) {
  json env = json::array();
  auto it = container.find("env");
  if (it != container.end() && it->is_array()) {
    for (const json& var : *it) {
      if (StringAt(var, "name") != kWorkerIdEnv) env.push_back(var);
    }
  }
  env.push_back({{"name", kWorkerIdEnv}, {"value", id}});
  return env;
}

}  // namespace

absl::StatusOr<json> WorkerPodFromDeployment(const json& deployment, const WorkerPodIdentity& who) {
  const std::string deployment_name = NameOf(deployment);
  const json spec = ObjectAt(deployment, "spec");
  const json pod_template = ObjectAt(spec, "template");
  json pod_spec = ObjectAt(pod_template, "spec");
  auto refuse = [&](absl::string_view why) {
    return absl::FailedPreconditionError(absl::StrCat(
        "Deployment \"", deployment_name, "\" cannot be a template for worker pods: ", why));
  };
  const json selector = ObjectAt(spec, "selector");
  if (auto e = selector.find("matchExpressions");
      e != selector.end() && e->is_array() && !e->empty()) {
    return refuse(
        "its selector uses matchExpressions; give it matchLabels only (e.g. infaas.io/pool: "
        "static), which the provisioner leaves out of its pods");
  }
  const json match_labels = ObjectAt(selector, "matchLabels");
  if (match_labels.empty()) return refuse("its selector has no matchLabels");

  auto containers = pod_spec.find("containers");
  if (containers == pod_spec.end() || !containers->is_array() || containers->empty()) {
    return refuse("its pod template has no containers");
  }
  json* worker = nullptr;
  for (json& c : *containers) {
    if (who.container.empty() || StringAt(c, "name") == who.container) {
      worker = &c;
      break;
    }
  }
  if (worker == nullptr || !worker->is_object()) {
    return refuse(absl::StrCat("its pod template has no container named \"", who.container, "\""));
  }
  if (!MentionsWorkerId(*worker, "command") && !MentionsWorkerId(*worker, "args")) {
    return refuse(absl::StrCat("container \"", StringAt(*worker, "name"),
                               "\" does not pass --id=$(", kWorkerIdEnv,
                               ") to infaas-worker, so a pod's worker would heartbeat under "
                               "another id than the pod's name"));
  }
  (*worker)["env"] = EnvWithWorkerId(*worker, who.name);

  const json template_metadata = ObjectAt(pod_template, "metadata");
  json labels = ObjectAt(template_metadata, "labels");
  for (const auto& [key, value] : match_labels.items()) labels.erase(key);
  labels[kPoolLabel] = kAutoscaledPool;
  labels[kManagedByLabel] = who.managed_by;
  json annotations = ObjectAt(template_metadata, "annotations");
  annotations["infaas.io/template"] = absl::StrCat("deployment/", deployment_name);

  return json{{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata",
               {{"name", who.name},
                {"namespace", who.kubernetes_namespace},
                {"labels", std::move(labels)},
                {"annotations", std::move(annotations)}}},
              {"spec", std::move(pod_spec)}};
}

std::string WorkerPodSelector(absl::string_view managed_by) {
  return absl::StrCat(kPoolLabel, "=", kAutoscaledPool, ",", kManagedByLabel, "=", managed_by);
}

bool IsManagedWorkerPod(const json& pod, absl::string_view managed_by) {
  const json labels = ObjectAt(ObjectAt(pod, "metadata"), "labels");
  return StringAt(labels, kPoolLabel) == kAutoscaledPool &&
         StringAt(labels, kManagedByLabel) == managed_by;
}

bool IsLivePod(const json& pod) {
  const json metadata = ObjectAt(pod, "metadata");
  if (auto d = metadata.find("deletionTimestamp"); d != metadata.end() && !d->is_null()) {
    return false;
  }
  const std::string phase = StringAt(ObjectAt(pod, "status"), "phase");
  return phase != "Failed" && phase != "Succeeded";
}

std::string NameOf(const json& object) { return StringAt(ObjectAt(object, "metadata"), "name"); }

std::string UidOf(const json& object) { return StringAt(ObjectAt(object, "metadata"), "uid"); }

std::string FenceHolderOf(const json& config_map) {
  const std::string holder = StringAt(ObjectAt(config_map, "data"), kFenceHolderKey);
  return holder.empty() ? "?" : holder;
}

std::optional<int64_t> FencingTokenOf(const json& config_map) {
  int64_t token = 0;
  const std::string text = StringAt(ObjectAt(config_map, "data"), kFencingTokenKey);
  if (!absl::SimpleAtoi(text, &token)) return std::nullopt;
  return token;
}

bool IsDnsLabel(absl::string_view name, size_t max_length) {
  if (name.empty() || name.size() > max_length) return false;
  for (const char c : name) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '-') {
      return false;
    }
  }
  return name.front() != '-' && name.back() != '-';
}

}  // namespace infaas::autoscaler::internal
