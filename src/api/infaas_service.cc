#include "api/infaas_service.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "api/bounded_messages.h"
#include "api/caller.h"
#include "api/registration_sources.h"
#include "auth/access_rules.h"
#include "common/cluster_secret.h"
#include "common/files.h"
#include "common/grpc_status.h"
#include "common/logging.h"
#include "common/retry_after.h"
#include "common/status_macros.h"
#include "latency/latency_model.h"

namespace infaas::api {
namespace {

// The original INFaaS gave every query 10 s; a client may set less.
constexpr absl::Duration kDefaultQueryDeadline = absl::Seconds(10);

absl::Time DeadlineOf(const grpc::ServerContextBase& context, absl::Time now) {
  const absl::Time fallback = now + kDefaultQueryDeadline;
  if (context.deadline() == std::chrono::system_clock::time_point::max()) return fallback;
  return std::min(absl::FromChrono(context.deadline()), fallback);
}

std::string KnownArchitectures(const controller::Catalogue& catalogue) {
  std::set<std::string> names;
  for (const auto& v : catalogue.variants) names.insert(v.config().architecture());
  return names.empty() ? "none is registered (infaas register CONFIG MODEL_DIR)"
                       : absl::StrCat("registered: ", absl::StrJoin(names, ", "));
}

grpc::Status NoOfflineJobs() {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                      "this master runs no offline jobs; use online queries");
}

grpc::Status Answer(absl::StatusOr<v1::OfflineJob> job, v1::OfflineJob* response) {
  if (job.ok()) *response = *std::move(job);
  return ToGrpcStatus(job.status());
}

absl::Status JobNotFound(absl::string_view id) {
  return absl::NotFoundError(absl::StrCat("offline job \"", id, "\" does not exist"));
}

}  // namespace

InfaasService::InfaasService(Dependencies deps) : deps_(std::move(deps)) {}

grpc::ServerUnaryReactor* InfaasService::QueryOnline(grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer* request,
                                                     grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<auth::Principal> caller =
      CallerOf(*context, deps_.authenticator, auth::Action::kQuery);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  v1::QueryOnlineRequest query;
  if (absl::Status parsed = ParseWithinLimits(*request, QueryOnlineLimits(), &query);
      !parsed.ok()) {
    reactor->Finish(ToGrpcStatus(parsed));
    return reactor;
  }
  deps_.router->QueryOnline(
      *caller, std::move(query), DeadlineOf(*context, deps_.clock->Now()),
      [context, reactor, response](absl::StatusOr<v1::QueryOnlineResponse> result) {
        if (result.ok()) *response = ToByteBuffer(*result);
        if (std::optional<absl::Duration> after = RetryAfter(result.status())) {
          context->AddTrailingMetadata(
              std::string(kRetryAfterMetadataKey),
              absl::StrCat(absl::ToInt64Milliseconds(absl::Ceil(*after, absl::Milliseconds(1)))));
        }
        reactor->Finish(ToGrpcStatus(result.status()));
      });
  return reactor;
}

grpc::Status InfaasService::RegisterModel(grpc::ServerContext* context,
                                          const v1::RegisterModelRequest* request,
                                          grpc::ServerWriter<v1::RegisterModelProgress>* writer) {
  absl::StatusOr<auth::Principal> caller =
      CallerOf(*context, deps_.authenticator, auth::Action::kRegisterModel);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  // Opened beneath the roots now and read through the handles: what was
  // checked is what is read.
  absl::StatusOr<RegistrationSources> sources =
      OpenRegistrationSources(deps_.model_sources, request->model_url(), request->validation_url());
  if (!sources.ok()) return ToGrpcStatus(sources.status());
  const std::filesystem::path named = *PathFromFileUrl(request->model_url());
  profiler::RegistrationRequest registration;
  registration.config_text = request->config_pbtxt();
  registration.config_path = named / "config.pbtxt";  // names it in messages
  if (registration.config_text.empty()) {
    // Read through the handle, not by the client's path.
    registration.config_path = sources->model_source / "config.pbtxt";
  }
  registration.model_source = sources->model_source;
  registration.validation_url = sources->validation_url;
  // With authentication on, the model is its registering tenant's.
  if (deps_.authenticator != nullptr) {
    registration.owner_tenant = caller->tenant;
    registration.is_public = request->is_public();
  }
  absl::MutexLock lock(&registration_mu_);
  std::vector<std::string> notes;
  absl::StatusOr<std::vector<v1::VariantRecord>> variants = profiler::RegisterModel(
      registration, *deps_.repository, *deps_.store, deps_.registration,
      [writer](absl::string_view stage, double fraction) {
        v1::RegisterModelProgress progress;
        progress.set_stage(std::string(stage));
        progress.set_fraction(fraction);
        writer->Write(progress);  // a client that left only loses progress
      },
      [writer, &notes](absl::string_view note) {
        v1::RegisterModelProgress progress;
        progress.set_note(std::string(note));
        writer->Write(progress);
        notes.emplace_back(note);
      });
  if (!variants.ok()) {
    // Messages name the client's folder, not the handle's "/proc/self/fd/N".
    return ToGrpcStatus(
        absl::Status(variants.status().code(),
                     absl::StrReplaceAll(variants.status().message(),
                                         {{sources->model_source.string(), named.string()}})));
  }
  if (absl::Status s = deps_.catalogue->Reload(); !s.ok()) return ToGrpcStatus(s);
  v1::RegisterModelProgress last;
  last.set_stage("registered");
  last.set_fraction(1.0);
  for (v1::VariantRecord& v : *variants) *last.add_variants() = std::move(v);
  last.mutable_notes()->Assign(notes.begin(), notes.end());
  writer->Write(last);
  return grpc::Status::OK;
}

grpc::Status InfaasService::ListArchitectures(grpc::ServerContext* context,
                                              const v1::ListArchitecturesRequest* request,
                                              v1::ListArchitecturesResponse* response) {
  absl::StatusOr<auth::Principal> caller =
      CallerOf(*context, deps_.authenticator, auth::Action::kReadCatalogue);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  std::set<std::string> names;
  // Held for the loop: the view may replace (and free) its catalogue meanwhile.
  const std::shared_ptr<const controller::Catalogue> catalogue =
      deps_.catalogue->VisibleTo(*caller);
  for (const auto& v : catalogue->variants) {
    if ((request->task().empty() || v.config().task() == request->task()) &&
        (request->dataset().empty() || v.config().dataset() == request->dataset())) {
      names.insert(v.config().architecture());
    }
  }
  for (const std::string& n : names) response->add_architectures(n);
  return grpc::Status::OK;
}

grpc::Status InfaasService::GetModelInfo(grpc::ServerContext* context,
                                         const v1::GetModelInfoRequest* request,
                                         v1::GetModelInfoResponse* response) {
  absl::StatusOr<auth::Principal> caller =
      CallerOf(*context, deps_.authenticator, auth::Action::kReadCatalogue);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  std::shared_ptr<const controller::Catalogue> catalogue = deps_.catalogue->VisibleTo(*caller);
  std::shared_ptr<const controller::ClusterSnapshot> cluster =
      deps_.cluster->Snapshot(deps_.clock->Now());
  for (const auto& v : catalogue->variants) {
    if (v.config().architecture() != request->architecture()) continue;
    v1::VariantInfo* info = response->add_variants();
    *info->mutable_record() = v;
    for (const auto& w : cluster->workers) {
      const controller::LoadedVariant* loaded = w.Find(v.config().name());
      if (loaded != nullptr && loaded->serving()) info->add_loaded_on_workers(w.id);
    }
  }
  if (response->variants_size() == 0) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("architecture \"", request->architecture(),
                                     "\" is not registered; ", KnownArchitectures(*catalogue)));
  }
  return grpc::Status::OK;
}

grpc::Status InfaasService::GetClusterStatus(grpc::ServerContext* context,
                                             const v1::GetClusterStatusRequest* request,
                                             v1::ClusterStatus* response) {
  absl::StatusOr<auth::Principal> caller =
      CallerOf(*context, deps_.authenticator, auth::Action::kReadClusterStatus);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  std::shared_ptr<const controller::Catalogue> catalogue = deps_.catalogue->Get();
  // Held for the loop: the view replaces its snapshot as queries come and go.
  const std::shared_ptr<const controller::ClusterSnapshot> cluster =
      deps_.cluster->Snapshot(deps_.clock->Now());
  for (const auto& w : cluster->workers) {
    v1::WorkerStatus* status = response->add_workers();
    status->set_id(w.id);
    status->set_address(w.address);
    status->set_alive(true);
    status->set_cpu_utilization(w.cpu_utilization);
    status->set_free_memory_bytes(w.free_memory_bytes);
    status->set_cores(w.cores);
    status->set_draining(w.draining);
    for (const auto& v : w.variants) {
      if (!v.serving()) continue;
      v1::LoadedVariantStatus* lv = status->add_variants();
      lv->set_variant(v.variant);
      lv->set_instances(v.instances);
      lv->set_queue_length(v.queue_length);
      lv->set_qps(v.served_qps);
      lv->set_p50_latency_ms(v.p50_latency_ms);
      lv->set_p99_latency_ms(v.p99_latency_ms);
      if (const v1::VariantRecord* record = catalogue->Find(v.variant); record != nullptr) {
        lv->set_execution_ms(
            latency::EstimateExecution(record->profile(), v.execution, 1).median_ms);
      }
      if (deps_.metrics != nullptr) {
        const controller::VariantStatistics stats = deps_.metrics->StatisticsOf(v.variant);
        lv->set_prediction_error_p50(stats.PredictionErrorPercentile(50) / 100);
        lv->set_prediction_error_p90(stats.PredictionErrorPercentile(90) / 100);
      }
    }
  }
  if (deps_.lease != nullptr) {
    response->set_master(deps_.lease->holder());
    response->set_leader(deps_.lease->Token().has_value() ? deps_.lease->holder()
                                                          : deps_.lease->LastHolder());
  }
  if (deps_.autoscaler != nullptr) {
    response->set_autoscaler(deps_.autoscaler->policy_name());
    for (const autoscaler::Autoscaler::Event& e : deps_.autoscaler->RecentEvents()) {
      v1::ScalingEvent* event = response->add_recent_scaling();
      event->set_at_unix_ms(absl::ToUnixMillis(e.at));
      event->set_action(autoscaler::Describe(e.action));
      event->set_kind(autoscaler::KindName(e.action.kind));
      event->set_variant(e.action.variant);
      event->set_worker(e.action.worker_id);
      event->set_instances(e.action.instances);
      event->set_reason(e.action.reason);
    }
  }
  if (deps_.service_levels != nullptr && request->history_seconds() > 0) {
    for (v1::ServiceLevelSeries& s :
         deps_.service_levels->Recent(absl::Seconds(request->history_seconds()))) {
      *response->add_service_levels() = std::move(s);
    }
  }
  response->set_now_unix_ms(absl::ToUnixMillis(deps_.clock->Now()));
  return grpc::Status::OK;
}

grpc::Status InfaasService::SubmitOfflineJob(grpc::ServerContext* context,
                                             const v1::SubmitOfflineJobRequest* request,
                                             v1::SubmitOfflineJobResponse* response) {
  absl::StatusOr<auth::Principal> caller =
      CallerOf(*context, deps_.authenticator, auth::Action::kSubmitJob);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (deps_.jobs == nullptr) return NoOfflineJobs();
  absl::StatusOr<std::string> id = deps_.jobs->Submit(*request, *caller);
  if (id.ok()) response->set_job_id(*id);
  return ToGrpcStatus(id.status());
}

grpc::Status InfaasService::GetOfflineJob(grpc::ServerContext* context,
                                          const v1::GetOfflineJobRequest* request,
                                          v1::OfflineJob* response) {
  absl::StatusOr<v1::OfflineJob> job = VisibleJob(*context, request->job_id());
  if (!job.ok()) return ToGrpcStatus(job.status());
  return Answer(std::move(job), response);
}

absl::StatusOr<v1::OfflineJob> InfaasService::VisibleJob(const grpc::ServerContext& context,
                                                         const std::string& id) {
  ASSIGN_OR_RETURN(auth::Principal caller,
                   CallerOf(context, deps_.authenticator, auth::Action::kSubmitJob));
  if (deps_.jobs == nullptr) return FromGrpcStatus(NoOfflineJobs());
  ASSIGN_OR_RETURN(v1::OfflineJob job, deps_.jobs->Get(id));
  // Another tenant's job does not exist for this caller.
  if (!auth::CanSeeJob(caller, job)) return JobNotFound(id);
  return job;
}

grpc::Status InfaasService::ListOfflineJobs(grpc::ServerContext* context,
                                            const v1::ListOfflineJobsRequest* /*request*/,
                                            v1::ListOfflineJobsResponse* response) {
  absl::StatusOr<auth::Principal> caller =
      CallerOf(*context, deps_.authenticator, auth::Action::kSubmitJob);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (deps_.jobs == nullptr) return NoOfflineJobs();
  absl::StatusOr<std::vector<v1::OfflineJob>> jobs = deps_.jobs->List();
  if (!jobs.ok()) return ToGrpcStatus(jobs.status());
  for (v1::OfflineJob& job : *jobs) {
    if (auth::CanSeeJob(*caller, job)) *response->add_jobs() = std::move(job);
  }
  return grpc::Status::OK;
}

grpc::Status InfaasService::CancelOfflineJob(grpc::ServerContext* context,
                                             const v1::GetOfflineJobRequest* request,
                                             v1::OfflineJob* response) {
  if (absl::StatusOr<v1::OfflineJob> job = VisibleJob(*context, request->job_id()); !job.ok()) {
    return ToGrpcStatus(job.status());
  }
  return Answer(deps_.jobs->Cancel(request->job_id()), response);
}

MasterControlService::MasterControlService(controller::ClusterView* cluster, Clock* clock,
                                           absl::Duration interval,
                                           controller::ServingMetrics* metrics,
                                           std::string cluster_secret)
    : cluster_(cluster),
      clock_(clock),
      interval_(interval),
      metrics_(metrics),
      cluster_secret_(std::move(cluster_secret)) {}

grpc::ServerUnaryReactor* MasterControlService::Heartbeat(
    grpc::CallbackServerContext* context, const worker_rpc::HeartbeatRequest* request,
    worker_rpc::HeartbeatResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status member = CheckClusterSecret(*context, cluster_secret_); !member.ok()) {
    if (std::optional<int64_t> held = refusal_log_.Admit(absl::Now())) {
      LogWarning("heartbeat refused: no cluster secret",
                 {{"worker", request->worker_id()},
                  {"peer", context->peer()},
                  {"refusals_not_logged", absl::StrCat(*held)}});
    }
    reactor->Finish(ToGrpcStatus(member));
    return reactor;
  }
  cluster_->OnHeartbeat(*request, clock_->Now());
  if (metrics_ != nullptr) metrics_->OnHeartbeat(*request);
  response->set_interval_ms(static_cast<int>(absl::ToInt64Milliseconds(interval_)));
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace infaas::api
