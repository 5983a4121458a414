#pragma once

// InfaasService: the master's public gRPC API, infaas.v1.Infaas, as a thin
// adapter over the controller. Every method first checks its caller's key
// and role (api/caller.h); what a caller sees and may name is what its
// tenant may see (controller::CatalogueView::VisibleTo), and a user's jobs
// are its tenant's. QueryOnline uses the callback API and never
// blocks a gRPC thread (the router is asynchronous); it is a raw method, so
// its request's repeated fields are counted before it is parsed
// (bounded_messages.h); the other methods are
// rare and short and use the synchronous API. RegisterModel runs the
// profiler in this process, one registration at a time, and streams its
// progress.
//
// Thread-safe. Owned by the master's main; outlives the grpc::Server.

#include <filesystem>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "auth/authenticator.h"
#include "autoscaler/autoscaler.h"
#include "common/clock.h"
#include "common/log_throttle.h"
#include "common/path_roots.h"
#include "controller/catalogue_view.h"
#include "controller/cluster_view.h"
#include "controller/query_router.h"
#include "controller/service_level_history.h"
#include "controller/serving_metrics.h"
#include "infaas/v1/api.grpc.pb.h"
#include "infaas/worker_rpc/worker.grpc.pb.h"
#include "offline/job_runner.h"
#include "profiler/registrar.h"
#include "repository/model_repository.h"
#include "store/leader_lease.h"
#include "store/metadata_store.h"

namespace infaas::api {

class InfaasService final
    : public v1::Infaas::WithRawCallbackMethod_QueryOnline<v1::Infaas::Service> {
 public:
  struct Dependencies {
    store::MetadataStore* store;
    repository::ModelRepository* repository;
    controller::CatalogueView* catalogue;
    controller::ClusterView* cluster;
    controller::QueryRouter* router;
    Clock* clock;
    profiler::RegistrationOptions registration;
    // Reported by GetClusterStatus; may be null (no autoscaling).
    const autoscaler::Autoscaler* autoscaler = nullptr;
    // Offline jobs; null answers their RPCs with UNIMPLEMENTED.
    offline::JobRunner* jobs = nullptr;
    // The latency model's error per variant in GetClusterStatus; may be null.
    const controller::ServingMetrics* metrics = nullptr;
    // The service levels GetClusterStatus returns with history_seconds; may
    // be null (none returned).
    const controller::ServiceLevelHistory* service_levels = nullptr;
    // Who may call (api/caller.h); null: authentication is off.
    auth::Authenticator* authenticator = nullptr;
    // Where registration may read model files and validation sets
    // (--model-source-root); read beneath them (api/registration_sources.h).
    PathRoots model_sources{};
    // Who leads among the masters sharing the store; null: not told.
    const store::LeaderLease* lease = nullptr;
  };

  explicit InfaasService(Dependencies deps);

  grpc::ServerUnaryReactor* QueryOnline(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::Status RegisterModel(grpc::ServerContext* context, const v1::RegisterModelRequest* request,
                             grpc::ServerWriter<v1::RegisterModelProgress>* writer) override;
  grpc::Status ListArchitectures(grpc::ServerContext* context,
                                 const v1::ListArchitecturesRequest* request,
                                 v1::ListArchitecturesResponse* response) override;
  grpc::Status GetModelInfo(grpc::ServerContext* context, const v1::GetModelInfoRequest* request,
                            v1::GetModelInfoResponse* response) override;
  grpc::Status GetClusterStatus(grpc::ServerContext* context,
                                const v1::GetClusterStatusRequest* request,
                                v1::ClusterStatus* response) override;
  grpc::Status SubmitOfflineJob(grpc::ServerContext* context,
                                const v1::SubmitOfflineJobRequest* request,
                                v1::SubmitOfflineJobResponse* response) override;
  grpc::Status GetOfflineJob(grpc::ServerContext* context, const v1::GetOfflineJobRequest* request,
                             v1::OfflineJob* response) override;
  grpc::Status ListOfflineJobs(grpc::ServerContext* context,
                               const v1::ListOfflineJobsRequest* request,
                               v1::ListOfflineJobsResponse* response) override;
  grpc::Status CancelOfflineJob(grpc::ServerContext* context,
                                const v1::GetOfflineJobRequest* request,
                                v1::OfflineJob* response) override;

 private:
  // The job, if the caller may use jobs and see this one; NOT_FOUND for
  // another tenant's.
  absl::StatusOr<v1::OfflineJob> VisibleJob(const grpc::ServerContext& context,
                                            const std::string& id);

  const Dependencies deps_;
  absl::Mutex registration_mu_;  // one registration at a time
};

// The internal Master service the workers heartbeat to.
// A heartbeat must carry the cluster secret when one is set (api/caller.h):
// without it anyone could add a worker, or take over a real worker's id.
class MasterControlService final : public worker_rpc::Master::CallbackService {
 public:
  // `metrics` (may be null) is told of every heartbeat; an empty
  // `cluster_secret` accepts every heartbeat.
  MasterControlService(controller::ClusterView* cluster, Clock* clock, absl::Duration interval,
                       controller::ServingMetrics* metrics = nullptr,
                       std::string cluster_secret = "");

  grpc::ServerUnaryReactor* Heartbeat(grpc::CallbackServerContext* context,
                                      const worker_rpc::HeartbeatRequest* request,
                                      worker_rpc::HeartbeatResponse* response) override;

 private:
  controller::ClusterView* const cluster_;
  Clock* const clock_;
  const absl::Duration interval_;
  controller::ServingMetrics* const metrics_;
  const std::string cluster_secret_;
  // Refusals are logged at most once per 10 s, with the count held back.
  LogThrottle refusal_log_{absl::Seconds(10)};
};

}  // namespace infaas::api
