#pragma once

// InferenceFrontend: the Open Inference Protocol (KServe v2) served by the
// master, independent of transport. The gRPC service
// (api::KServeGrpcService) and the HTTP endpoints (http::AddKServeRoutes)
// are thin adapters over it; HTTP turns its JSON into the same protocol
// messages first.
//
//   InferenceFrontend frontend({&catalogue, &cluster, &router, &loads, &metrics, clock});
//   frontend.Infer(request, transport_deadline, /*raw_output=*/false,
//                  [](absl::StatusOr<inference::ModelInferResponse> r) { ... });
//
// Readiness. The server is ready when it has a live worker and a
// registered variant. A model is ready when the selector would place a
// one-input query for it now (a variant: loaded, or loadable on a worker
// with room; an architecture or family: some variant meets the default
// time budget, a cold load included).
//
// Repository extension. Load pins a variant (in the metadata store, through
// the catalogue view, which the autoscaler asks): it is
// loaded on a worker (the one the selector picks) unless already serving,
// and stays listed as
// pinned; Unload releases the pin and unloads the variant from every worker.
//
// Thread-safe. Infer, Load and Unload are asynchronous: `done` runs once,
// on the calling thread or on a gRPC callback thread.

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/principal.h"
#include "common/clock.h"
#include "controller/catalogue_view.h"
#include "controller/cluster_view.h"
#include "controller/load_coordinator.h"
#include "controller/query_router.h"
#include "controller/serving_metrics.h"
#include "inference/grpc_service.pb.h"
#include "kserve/model_resolver.h"

namespace infaas::kserve {

// One row of the repository index.
struct RepositoryEntry {
  std::string name;     // a variant
  std::string state;    // "READY", "LOADING" or "UNAVAILABLE" (not loaded; loads on demand)
  std::string reason;   // for UNAVAILABLE
  bool pinned = false;  // loaded through the repository extension
};

// Statistics of one variant (or of a requested name, for failures found
// before a variant was chosen).
struct ModelStatistics {
  std::string name;
  controller::VariantStatistics figures;
};

class InferenceFrontend {
 public:
  struct Dependencies {
    controller::CatalogueView* catalogue = nullptr;
    controller::ClusterView* cluster = nullptr;
    controller::QueryRouter* router = nullptr;
    controller::LoadCoordinator* loads = nullptr;  // loads and unloads
    controller::ServingMetrics* metrics = nullptr;
    Clock* clock = nullptr;
  };
  using InferDone = std::function<void(absl::StatusOr<inference::ModelInferResponse>)>;
  using Done = std::function<void(absl::Status)>;

  explicit InferenceFrontend(Dependencies deps);

  // OK when ready; UNAVAILABLE saying why not.
  absl::Status ServerReady();
  inference::ServerMetadataResponse ServerMetadata() const;

  // OK when ready; NOT_FOUND for an unknown model or version; UNAVAILABLE
  // with the selector's reason when not ready.
  // `caller` sees only the models it may (CatalogueView::VisibleTo).
  absl::Status ModelReady(const auth::Principal& caller, absl::string_view name,
                          absl::string_view version);
  absl::StatusOr<inference::ModelMetadataResponse> ModelMetadata(const auth::Principal& caller,
                                                                 absl::string_view name,
                                                                 absl::string_view version);

  // Runs `request`. The deadline is the earlier of `transport_deadline` and
  // now + the request's timeout (default 10 s). Outputs in raw_output_contents
  // when `raw_output`. Errors: NOT_FOUND (model, version), INVALID_ARGUMENT
  // (tensors, parameters), and the router's (see controller/selector.h).
  void Infer(const auth::Principal& caller, const inference::ModelInferRequest& request,
             absl::Time transport_deadline, bool raw_output, InferDone done);

  // Every registered variant; only READY ones when `ready_only`.
  std::vector<RepositoryEntry> RepositoryIndex(const auth::Principal& caller, bool ready_only);
  // INVALID_ARGUMENT unless `name` is a variant; the load's error otherwise.
  void Load(const std::string& name, Done done);
  void Unload(const std::string& name, Done done);
  // Whether `variant` was pinned by Load and not released (the autoscaler
  // never unloads a pinned variant), as the catalogue view knows it
  // (CatalogueView::IsPinned).
  bool IsPinned(const std::string& variant);

  // The variants `name` covers (one for a variant), each with its figures,
  // plus `name` itself when it is not a variant and failed queries were
  // recorded under it. NOT_FOUND as ModelMetadata.
  absl::StatusOr<std::vector<ModelStatistics>> Statistics(const auth::Principal& caller,
                                                          absl::string_view name,
                                                          absl::string_view version);

 private:
  absl::StatusOr<ResolvedModel> Resolve(const auth::Principal& caller, absl::string_view name,
                                        absl::string_view version);
  // INVALID_ARGUMENT for an architecture or family, NOT_FOUND for neither.
  static absl::Status CheckIsVariant(const std::string& name,
                                     std::shared_ptr<const controller::Catalogue> catalogue);
  const Dependencies deps_;
};

}  // namespace infaas::kserve
