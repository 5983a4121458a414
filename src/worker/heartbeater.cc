#include "worker/heartbeater.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/cluster_secret.h"
#include "common/logging.h"

namespace infaas::worker {
namespace {

// gRPC backs off up to two minutes between reconnects by default; a restarted
// master should hear from its workers within about a second.
std::shared_ptr<grpc::Channel> MasterChannel(
    const std::string& address, const std::string& cluster_secret,
    std::shared_ptr<grpc::ChannelCredentials> credentials) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return CreateChannelWithMetadata(address, args, {{kClusterSecretMetadataKey, cluster_secret}},
                                   std::move(credentials));
}

int CoresOffered(int configured) {
  if (configured > 0) return configured;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Heartbeater>> Heartbeater::Create(Options options,
                                                                 const LoadedVariants* variants) {
  if (options.worker_id.empty() || options.worker_address.empty() ||
      options.master_address.empty()) {
    return absl::InvalidArgumentError(
        "Heartbeater needs the worker id, the worker's address and the master's address");
  }
  if (options.interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Heartbeater: the interval must be positive; got ",
                     absl::FormatDuration(options.interval)));
  }
  if (variants == nullptr) return absl::InvalidArgumentError("Heartbeater needs LoadedVariants");
  std::unique_ptr<Heartbeater> heartbeater(new Heartbeater(std::move(options), variants));
  absl::MutexLock lock(&heartbeater->mu_);
  heartbeater->thread_ = std::thread([raw = heartbeater.get()] { raw->Loop(); });
  return heartbeater;
}

Heartbeater::Heartbeater(Options options, const LoadedVariants* variants)
    : options_(std::move(options)),
      variants_(variants),
      stub_(infaas::worker_rpc::Master::NewStub(
          MasterChannel(options_.master_address, options_.cluster_secret, options_.credentials))),
      last_cpu_(internal::ReadProcessCpuTimes(CoresOffered(options_.cores))),
      interval_(options_.interval) {}

Heartbeater::~Heartbeater() { Stop(); }

void Heartbeater::Stop() {
  std::thread thread;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    stop_.Notify();
    // TryCancel only marks the call; it neither blocks nor calls out.
    if (in_flight_ != nullptr) in_flight_->TryCancel();
    thread = std::move(thread_);
  }
  if (thread.joinable()) thread.join();
}

absl::Duration Heartbeater::interval() const {
  absl::MutexLock lock(&mu_);
  return interval_;
}

void Heartbeater::Loop() {
  while (!stop_.HasBeenNotified()) {
    Beat();
    if (stop_.WaitForNotificationWithTimeout(interval())) return;
  }
}

infaas::worker_rpc::HeartbeatRequest Heartbeater::BuildRequest() {
  infaas::worker_rpc::HeartbeatRequest request;
  request.set_worker_id(options_.worker_id);
  request.set_address(options_.worker_address);
  const int cores = CoresOffered(options_.cores);
  request.set_cores(cores);
  const internal::CpuTimes cpu = internal::ReadProcessCpuTimes(cores);
  request.set_cpu_utilization(internal::CpuUtilization(last_cpu_, cpu));
  last_cpu_ = cpu;
  request.set_free_memory_bytes(internal::ReadFreeMemoryBytes().value_or(0));
  request.set_total_memory_bytes(internal::ReadTotalMemoryBytes().value_or(0));
  for (infaas::worker_rpc::VariantLoad& load : variants_->Loads()) {
    *request.add_variants() = std::move(load);
  }
  return request;
}

bool Heartbeater::Beat() {
  const infaas::worker_rpc::HeartbeatRequest request = BuildRequest();
  infaas::worker_rpc::HeartbeatResponse response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.rpc_timeout));
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;
    in_flight_ = &context;
  }
  const grpc::Status status = stub_->Heartbeat(&context, request, &response);
  {
    absl::MutexLock lock(&mu_);
    in_flight_ = nullptr;
    if (stopping_) return false;
    if (status.ok() && response.interval_ms() > 0) {
      interval_ = absl::Milliseconds(response.interval_ms());
    }
  }
  const LogField worker{"worker", options_.worker_id};
  const LogField master{"master", options_.master_address};
  if (!status.ok()) {
    if (reachable_ != 0) {
      LogWarning("master unreachable; heartbeats continue",
                 {worker, master, {"error", status.error_message()}});
    }
    reachable_ = 0;
    return false;
  }
  if (reachable_ != 1) LogInfo("master reachable", {worker, master});
  reachable_ = 1;
  acknowledged_.fetch_add(1);
  return true;
}

}  // namespace infaas::worker
