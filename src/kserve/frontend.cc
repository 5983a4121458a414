#include "kserve/frontend.h"

#include <atomic>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "kserve/infer_translation.h"

namespace infaas::kserve {

InferenceFrontend::InferenceFrontend(Dependencies deps) : deps_(std::move(deps)) {}

absl::Status InferenceFrontend::ServerReady() {
  if (deps_.cluster->LiveWorkers(deps_.clock->Now()) == 0) {
    return absl::UnavailableError(
        "no live worker: start one (infaas-worker --master HOST:PORT, or infaas up)");
  }
  if (deps_.catalogue->Get()->variants.empty()) {
    return absl::UnavailableError("no model is registered yet (POST /v1/models, infaas register)");
  }
  return absl::OkStatus();
}

inference::ServerMetadataResponse InferenceFrontend::ServerMetadata() const {
  inference::ServerMetadataResponse m;
  m.set_name("infaas");
  m.set_version(INFAAS_VERSION);
  for (const char* e : {"binary_tensor_data", "model_repository", "statistics", "infaas_modelless"})
    m.add_extensions(e);
  return m;
}

absl::StatusOr<ResolvedModel> InferenceFrontend::Resolve(const auth::Principal& caller,
                                                         absl::string_view name,
                                                         absl::string_view version) {
  ASSIGN_OR_RETURN(ResolvedModel model, ResolveModel(name, deps_.catalogue->VisibleTo(caller)));
  RETURN_IF_ERROR(CheckModelVersion(model, version));
  return model;
}

absl::Status InferenceFrontend::ModelReady(const auth::Principal& caller, absl::string_view name,
                                           absl::string_view version) {
  ASSIGN_OR_RETURN(ResolvedModel model, Resolve(caller, name, version));
  const controller::SelectorDecision decision = controller::SelectVariant(
      RequirementsFor(model, absl::ToDoubleMilliseconds(kDefaultQueryBudget)), *model.catalogue,
      *deps_.cluster->Snapshot(deps_.clock->Now()));
  if (decision.selection.ok()) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(
      "model \"", model.name, "\" cannot serve now: ", decision.selection.status().message()));
}

absl::StatusOr<inference::ModelMetadataResponse> InferenceFrontend::ModelMetadata(
    const auth::Principal& caller, absl::string_view name, absl::string_view version) {
  ASSIGN_OR_RETURN(ResolvedModel model, Resolve(caller, name, version));
  return MetadataOf(model);
}

void InferenceFrontend::Infer(const auth::Principal& caller,
                              const inference::ModelInferRequest& request,
                              absl::Time transport_deadline, bool raw_output, InferDone done) {
  absl::StatusOr<ResolvedModel> model =
      Resolve(caller, request.model_name(), request.model_version());
  if (!model.ok()) return done(model.status());
  absl::StatusOr<InferOptions> options = ParseInferOptions(request.parameters());
  absl::StatusOr<v1::QueryOnlineRequest> query =
      options.ok() ? ToQuery(request, *model, *options) : options.status();
  if (!query.ok()) {
    if (deps_.metrics != nullptr) {
      deps_.metrics->RecordFailure(request.model_name(), query.status(), absl::ZeroDuration());
    }
    return done(query.status());
  }
  const absl::Time deadline = std::min(transport_deadline, deps_.clock->Now() + options->budget);
  // The answer needs the request's id, name and requested outputs, not its tensors.
  inference::ModelInferRequest header;
  header.set_model_name(request.model_name());
  header.set_id(request.id());
  deps_.router->QueryOnline(
      caller, *std::move(query), deadline,
      [header = std::move(header), catalogue = model->catalogue, raw_output,
       done = std::move(done)](absl::StatusOr<v1::QueryOnlineResponse> answer) {
        if (!answer.ok()) return done(answer.status());
        const v1::VariantRecord* served = catalogue->Find(answer->variant());
        if (served == nullptr) {
          return done(absl::InternalError(absl::StrCat("variant ", answer->variant(),
                                                       " answered but is not in the catalogue")));
        }
        done(ToInferResponse(header, *answer, *served, raw_output));
      });
}

std::vector<RepositoryEntry> InferenceFrontend::RepositoryIndex(const auth::Principal& caller,
                                                                bool ready_only) {
  std::shared_ptr<const controller::Catalogue> catalogue = deps_.catalogue->VisibleTo(caller);
  std::shared_ptr<const controller::ClusterSnapshot> cluster =
      deps_.cluster->Snapshot(deps_.clock->Now());
  const std::shared_ptr<const controller::CatalogueView::PinnedVariants> pins =
      deps_.catalogue->Pinned();
  std::vector<RepositoryEntry> entries;
  for (const v1::VariantRecord& v : catalogue->variants) {
    RepositoryEntry e;
    e.name = v.config().name();
    e.state = "UNAVAILABLE";
    e.reason = "not loaded; a query or a load request loads it";
    for (const controller::WorkerSnapshot& w : cluster->workers) {
      const controller::LoadedVariant* loaded = w.Find(e.name);
      if (loaded == nullptr) continue;
      e.state = loaded->loading ? (e.state == "READY" ? "READY" : "LOADING") : "READY";
      e.reason.clear();
    }
    e.pinned = pins->contains(e.name);
    if (!ready_only || e.state == "READY") entries.push_back(std::move(e));
  }
  return entries;
}

absl::Status InferenceFrontend::CheckIsVariant(
    const std::string& name, std::shared_ptr<const controller::Catalogue> catalogue) {
  ASSIGN_OR_RETURN(ResolvedModel model, ResolveModel(name, std::move(catalogue)));
  if (model.kind == ModelKind::kVariant) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "load and unload take a variant; \"", name, "\" is an ", ModelKindName(model.kind),
      " (its variants: ", MetadataOf(model).properties().at("variants"), ")"));
}

void InferenceFrontend::Load(const std::string& name, Done done) {
  std::shared_ptr<const controller::Catalogue> catalogue = deps_.catalogue->Get();
  if (absl::Status s = CheckIsVariant(name, catalogue); !s.ok()) return done(s);
  controller::QueryRequirements form1;
  form1.variant = name;
  const controller::SelectorDecision decision =
      controller::SelectVariant(form1, *catalogue, *deps_.cluster->Snapshot(deps_.clock->Now()));
  if (!decision.selection.ok()) return done(decision.selection.status());
  if (absl::Status pinned = deps_.catalogue->SetPinned(name, true); !pinned.ok()) {
    return done(pinned);
  }
  LogInfo("pin variant", {{"variant", name}, {"worker", decision.selection->worker_id}});
  if (!decision.selection->needs_load) return done(absl::OkStatus());
  deps_.loads->EnsureLoaded(*catalogue->Find(name), decision.selection->worker_id,
                            decision.selection->worker_address, std::move(done));
}

bool InferenceFrontend::IsPinned(const std::string& variant) {
  return deps_.catalogue->IsPinned(variant);
}

void InferenceFrontend::Unload(const std::string& name, Done done) {
  if (absl::Status s = CheckIsVariant(name, deps_.catalogue->Get()); !s.ok()) return done(s);
  if (absl::Status released = deps_.catalogue->SetPinned(name, false); !released.ok()) {
    return done(released);
  }
  std::vector<controller::WorkerSnapshot> holders;
  // Held for the loop: the view replaces its snapshot as queries come and go.
  const std::shared_ptr<const controller::ClusterSnapshot> cluster =
      deps_.cluster->Snapshot(deps_.clock->Now());
  for (const auto& w : cluster->workers) {
    if (w.Find(name) != nullptr) holders.push_back(w);
  }
  LogInfo("unload variant", {{"variant", name}, {"workers", absl::StrCat(holders.size())}});
  if (holders.empty()) return done(absl::OkStatus());
  // One unload per holder through the executor; the last to finish reports
  // the first error.
  struct Fanout {
    std::atomic<int> left;
    absl::Mutex mu;
    absl::Status first_error ABSL_GUARDED_BY(mu);
    Done done;
  };
  auto fanout = std::make_shared<Fanout>();
  fanout->left = static_cast<int>(holders.size());
  fanout->done = std::move(done);
  for (const controller::WorkerSnapshot& w : holders) {
    deps_.loads->Unload(w.id, w.address, name, /*keep=*/0, [fanout, worker = w.id](absl::Status s) {
      if (!s.ok()) {
        absl::MutexLock lock(&fanout->mu);
        if (fanout->first_error.ok()) {
          fanout->first_error =
              absl::Status(s.code(), absl::StrCat("worker ", worker, ": ", s.message()));
        }
      }
      if (--fanout->left > 0) return;
      absl::Status result;
      {
        absl::MutexLock lock(&fanout->mu);
        result = fanout->first_error;
      }
      fanout->done(result);
    });
  }
}

absl::StatusOr<std::vector<ModelStatistics>> InferenceFrontend::Statistics(
    const auth::Principal& caller, absl::string_view name, absl::string_view version) {
  ASSIGN_OR_RETURN(ResolvedModel model, Resolve(caller, name, version));
  std::vector<ModelStatistics> out;
  for (const v1::VariantRecord* v : model.variants) {
    out.push_back({v->config().name(), deps_.metrics->StatisticsOf(v->config().name())});
  }
  if (model.kind != ModelKind::kVariant) {
    controller::VariantStatistics own = deps_.metrics->StatisticsOf(model.name);
    if (own.fail.count > 0) out.push_back({model.name, std::move(own)});
  }
  return out;
}

}  // namespace infaas::kserve
