#pragma once

// LoadedVariants: the variants this worker serves, each with one or more
// instances (replicas), and the entry point for queries.
//
//   ASSIGN_OR_RETURN(auto variants, LoadedVariants::Create({.worker_id = "w1",
//                                                          .repository_root = root}));
//   ASSIGN_OR_RETURN(absl::Duration took, variants->Load(record, /*instances=*/2));
//   variants->Infer("lenet5_torchscript_cpu1_b8", request.inputs(), deadline,
//                   [](absl::StatusOr<InferResult> r) { ... });
//   variants->Unload("lenet5_torchscript_cpu1_b8");
//
// Model files are read from <repository_root>/<record.repository_model()>/.
// Loading runs outside the lock, so queries to other variants keep flowing
// while a variant loads; a second Load of a variant that is loading waits for
// the first instead of loading it twice.
//
// Owned by the worker process (WorkerServer). Thread-safe.

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "backend/backend.h"
#include "common/clock.h"
#include "common/thread_pool.h"
#include "infaas/v1/api.pb.h"
#include "infaas/v1/catalogue.pb.h"
#include "infaas/worker_rpc/worker.pb.h"
#include "latency/execution_times.h"
#include "worker/variant_instance.h"

namespace infaas::worker {

// Loads one instance of a variant from its model folder.
using ModelLoader = std::function<absl::StatusOr<std::unique_ptr<backend::Model>>(
    const v1::ModelConfig& config, const std::filesystem::path& model_dir,
    const backend::LoadOptions& options)>;

// A loader backed by the real backends (TorchScript, OpenCV DNN), created
// once here — before serving, as backend/README.md asks. The backend's
// error if one cannot be set up.
absl::StatusOr<ModelLoader> MakeBackendLoader();

class LoadedVariants {
 public:
  struct Options {
    // Named in errors, logs and heartbeats.
    std::string worker_id{};
    // The model repository's root folder.
    std::filesystem::path repository_root{};
    // Empty: MakeBackendLoader(). Tests pass fakes.
    ModelLoader loader{};
    // Per instance; see VariantInstance::Options.
    size_t queue_capacity = 1024;
    // Online queries with encoded images are decoded on this many threads
    // (0: one per core), never on the caller's; past `decode_queue` queries
    // waiting for a decoder, more are refused with RESOURCE_EXHAUSTED.
    int decode_threads = 0;
    size_t decode_queue = 256;
    // Must outlive this object.
    Clock* clock = Clock::Real();
  };

  // InvalidArgument without a worker id; MakeBackendLoader's error.
  static absl::StatusOr<std::unique_ptr<LoadedVariants>> Create(Options options);

  // UnloadAll()s.
  ~LoadedVariants();
  LoadedVariants(const LoadedVariants&) = delete;
  LoadedVariants& operator=(const LoadedVariants&) = delete;

  // Makes `record`'s variant serve with at least `instances` instances
  // (0 means 1), loading the missing ones; returns the time the loads took
  // (zero when enough were loaded already). InvalidArgument for a record
  // without a valid variant name or repository model, or instances outside
  // [0, 64]; the loader's error (naming the variant) when a load fails, in
  // which case nothing of this call stays loaded.
  absl::StatusOr<absl::Duration> Load(const v1::VariantRecord& record, int instances);

  // Keeps `keep_instances` instances of `variant` (0 unloads it) and unloads
  // the others. Those stop taking queries at once, then run every query they
  // hold before they unload (VariantInstance::Drain): nothing accepted is
  // lost. Returns once they have unloaded. NotFound "variant X is not loaded
  // on worker W"; InvalidArgument for a negative count. Keeping as many as
  // are loaded, or more, changes nothing.
  absl::Status Unload(absl::string_view variant, int keep_instances = 0);

  // Unloads everything, draining queued queries; for shutdown.
  void UnloadAll();

  // Decodes `inputs` (an encoded image or raw float32 each) and queues them
  // as one query of `priority` on the instance with the fewest pending
  // queries of that priority. `done` runs exactly once: at once for NotFound
  // (variant not loaded), Unavailable (still loading) or InvalidArgument (an
  // input that does not decode, naming its index and the variant),
  // ResourceExhausted (every decoder busy and their queue full), else as
  // VariantInstance::Enqueue describes. Raw inputs of online queries are
  // decoded on the calling thread; images on this object's decode threads,
  // offline queries' on one idle-priority thread: so `inputs` must stay
  // valid until `done` runs (a gRPC request does).
  void Infer(absl::string_view variant,
             const google::protobuf::RepeatedPtrField<v1::InputTensor>& inputs, absl::Time deadline,
             InferDone done, Priority priority = Priority::kOnline);

  // Infer, waiting for the answer. For tests and tools, not for gRPC threads.
  absl::StatusOr<InferResult> InferAndWait(
      absl::string_view variant, const google::protobuf::RepeatedPtrField<v1::InputTensor>& inputs,
      absl::Time deadline = absl::InfiniteFuture());

  // Per variant loaded or loading (sorted by name): instances, whether a
  // load is running, pending online and offline queries, the recent
  // window's online rates, average batch and latency percentiles, the
  // execution times per batch size and the last load's time.
  std::vector<infaas::worker_rpc::VariantLoad> Loads() const;

  // Names of the variants loaded or loading, sorted.
  std::vector<std::string> Names() const;

  const std::string& worker_id() const { return options_.worker_id; }

 private:
  struct Entry {
    // Shared so that Infer can decode without the lock.
    std::shared_ptr<const v1::ModelConfig> config;
    std::vector<std::shared_ptr<VariantInstance>> instances;
    // A Load of this variant is running; others wait on loaded_cv_.
    bool loading = true;
    // Every instance's batch times, for the heartbeat and the instances'
    // own predictions.
    std::shared_ptr<latency::ExecutionTimes> execution_times;
    // The last load's time per instance, measured; 0 before the first.
    double load_ms_per_instance = 0;
  };

  explicit LoadedVariants(Options options);

  // Loads `count` instances of `record`'s variant without the lock.
  absl::StatusOr<std::vector<std::shared_ptr<VariantInstance>>> LoadInstances(
      const v1::VariantRecord& record, std::shared_ptr<latency::ExecutionTimes> times, int count);
  absl::Status NotLoadedError(absl::string_view variant) const;
  // Runs DecodeAndEnqueue on `pool`, or refuses (`done` with
  // ResourceExhausted) when the pool's queue is full.
  void DecodeOn(ThreadPool& pool, std::string variant,
                std::shared_ptr<const v1::ModelConfig> config,
                const google::protobuf::RepeatedPtrField<v1::InputTensor>& inputs,
                absl::Time deadline, InferDone done, Priority priority);
  // Decodes `inputs` on the calling thread, then queues them on the
  // instance of `variant` with the shortest queue of `priority`, under the
  // lock.
  void DecodeAndEnqueue(const std::string& variant, const v1::ModelConfig& config,
                        const google::protobuf::RepeatedPtrField<v1::InputTensor>& inputs,
                        absl::Time deadline, InferDone done, Priority priority);

  const Options options_;
  mutable absl::Mutex mu_;
  absl::CondVar loaded_cv_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  // Decode threads for online queries' images.
  ThreadPool online_decoder_;
  // One idle-priority thread that decodes offline queries' inputs.
  ThreadPool offline_decoder_;
};

}  // namespace infaas::worker
