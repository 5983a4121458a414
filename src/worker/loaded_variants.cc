#include "worker/loaded_variants.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "backend/model_config.h"
#include "backend/preprocess.h"
#include "common/files.h"
#include "common/logging.h"
#include "common/model_name.h"
#include "common/status_macros.h"
#include "common/thread_priority.h"

namespace infaas::worker {
namespace {

constexpr int kMaxInstances = 64;

// One query's inputs as a batch [n, example dims...].
absl::StatusOr<backend::Tensor> DecodeInputs(
    const v1::ModelConfig& config,
    const google::protobuf::RepeatedPtrField<v1::InputTensor>& inputs) {
  if (inputs.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("variant ", config.name(), ": the query has no inputs; send at least one"));
  }
  const int max_batch = backend::EffectiveMaxBatchSize(config);
  if (inputs.size() > max_batch) {
    return absl::InvalidArgumentError(
        absl::StrCat("variant ", config.name(), ": the query has ", inputs.size(),
                     " inputs, more than its max batch size ", max_batch,
                     "; split the query or use a variant with a larger max batch"));
  }
  std::vector<backend::Tensor> examples;
  examples.reserve(static_cast<size_t>(inputs.size()));
  for (int i = 0; i < inputs.size(); ++i) {
    switch (inputs[i].content_case()) {
      case v1::InputTensor::kEncodedImage: {
        ASSIGN_OR_RETURN(examples.emplace_back(),
                         backend::DecodeImageInput(inputs[i].encoded_image(), config, i));
        break;
      }
      case v1::InputTensor::kRawFp32: {
        ASSIGN_OR_RETURN(examples.emplace_back(),
                         backend::DecodeRawInput(inputs[i].raw_fp32(), config, i));
        break;
      }
      default:
        return absl::InvalidArgumentError(absl::StrCat("variant ", config.name(), ": input ", i,
                                                       " is empty; set encoded_image or raw_fp32"));
    }
  }
  return backend::StackExamples(examples);
}

absl::Status CheckRecord(const v1::VariantRecord& record, int instances) {
  if (absl::Status name = ValidateModelName(record.config().name()); !name.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("LoadVariant: bad variant name (config.name): ", name.message()));
  }
  if (absl::Status model = ValidateModelName(record.repository_model()); !model.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("LoadVariant: variant ", record.config().name(),
                     " has a bad repository_model: ", model.message()));
  }
  if (instances < 0 || instances > kMaxInstances) {
    return absl::InvalidArgumentError(absl::StrCat("LoadVariant: variant ", record.config().name(),
                                                   ": instances must be in [0, ", kMaxInstances,
                                                   "] (0 means 1); got ", instances));
  }
  for (const v1::ModelFile& f : record.files()) {
    if (absl::Status path = ValidateRelativeModelPath(f.path()); !path.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "LoadVariant: variant ", record.config().name(), " has a bad file: ", path.message()));
    }
  }
  return absl::OkStatus();
}

// The files the catalogue recorded at registration, unchanged in the
// repository: a file replaced since (by mistake or not) is never served.
absl::Status VerifyModelFiles(const v1::VariantRecord& record, const std::filesystem::path& dir) {
  for (const v1::ModelFile& f : record.files()) {
    absl::StatusOr<std::string> digest = Sha256OfFile(dir / f.path());
    if (!digest.ok() || *digest != f.sha256()) {
      return absl::DataLossError(absl::StrCat(
          "variant ", record.config().name(), ": model file ", record.repository_model(), "/",
          f.path(),
          digest.ok() ? absl::StrCat(" has changed since registration (sha256 ", *digest,
                                     ", the catalogue says ", f.sha256(), ")")
                      : absl::StrCat(" is unreadable (", digest.status().message(), ")"),
          "; register the model again"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ModelLoader> MakeBackendLoader() {
  ASSIGN_OR_RETURN(std::shared_ptr<backend::Backend> torch,
                   backend::BackendFor(v1::FRAMEWORK_TORCHSCRIPT));
  ASSIGN_OR_RETURN(std::shared_ptr<backend::Backend> opencv,
                   backend::BackendFor(v1::FRAMEWORK_ONNX));
  return ModelLoader(
      [torch, opencv](
          const v1::ModelConfig& config, const std::filesystem::path& model_dir,
          const backend::LoadOptions& options) -> absl::StatusOr<std::unique_ptr<backend::Model>> {
        switch (config.framework()) {
          case v1::FRAMEWORK_TORCHSCRIPT:
            return torch->Load(config, model_dir, options);
          case v1::FRAMEWORK_ONNX:
          case v1::FRAMEWORK_TENSORFLOW:
          case v1::FRAMEWORK_CAFFE:
            return opencv->Load(config, model_dir, options);
          default:
            return backend::BackendFor(config.framework()).status();
        }
      });
}

absl::StatusOr<std::unique_ptr<LoadedVariants>> LoadedVariants::Create(Options options) {
  if (options.worker_id.empty()) {
    return absl::InvalidArgumentError("LoadedVariants needs a worker id");
  }
  if (!options.loader) {
    ASSIGN_OR_RETURN(options.loader, MakeBackendLoader());
  }
  return std::unique_ptr<LoadedVariants>(new LoadedVariants(std::move(options)));
}

LoadedVariants::LoadedVariants(Options options)
    : options_(std::move(options)),
      online_decoder_("decode",
                      options_.decode_threads > 0
                          ? options_.decode_threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency())),
                      options_.decode_queue),
      offline_decoder_("offline-decode", 1, options_.decode_queue) {
  // The pool's one thread runs this first, so all offline decoding is at
  // idle priority.
  offline_decoder_.Schedule([] {
    if (absl::Status s = LowerThisThreadPriority(); !s.ok()) {
      LogWarning("offline decoding keeps normal priority", {{"error", s.ToString()}});
    }
  });
}

LoadedVariants::~LoadedVariants() { UnloadAll(); }

absl::StatusOr<absl::Duration> LoadedVariants::Load(const v1::VariantRecord& record,
                                                    int instances) {
  RETURN_IF_ERROR(CheckRecord(record, instances));
  const std::string& name = record.config().name();
  const int wanted = std::max(1, instances);
  std::shared_ptr<latency::ExecutionTimes> times;
  int have = 0;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(name);
    while (it != entries_.end() && it->second.loading) {
      loaded_cv_.Wait(&mu_);
      it = entries_.find(name);
    }
    if (it == entries_.end()) {
      Entry entry;
      entry.config = std::make_shared<const v1::ModelConfig>(record.config());
      entry.execution_times = std::make_shared<latency::ExecutionTimes>(options_.clock);
      it = entries_.emplace(name, std::move(entry)).first;
    }
    have = static_cast<int>(it->second.instances.size());
    if (have >= wanted) return absl::ZeroDuration();
    it->second.loading = true;
    times = it->second.execution_times;
  }
  const absl::Time start = options_.clock->Now();
  auto loaded = LoadInstances(record, times, wanted - have);
  const absl::Duration took = options_.clock->Now() - start;
  {
    absl::MutexLock lock(&mu_);
    // Nobody else touches an entry while it is loading.
    Entry& entry = entries_.at(name);
    entry.loading = false;
    if (loaded.ok()) {
      for (auto& instance : *loaded) entry.instances.push_back(std::move(instance));
      entry.load_ms_per_instance = absl::ToDoubleMilliseconds(took) / (wanted - have);
    } else if (entry.instances.empty()) {
      entries_.erase(name);
    }
    loaded_cv_.SignalAll();
  }
  if (!loaded.ok()) {
    LogWarning(
        "variant load failed",
        {{"worker", options_.worker_id}, {"variant", name}, {"error", loaded.status().message()}});
    return loaded.status();
  }
  LogInfo("variant loaded", {{"worker", options_.worker_id},
                             {"variant", name},
                             {"instances", absl::StrCat(wanted)},
                             {"load_ms", absl::StrCat(absl::ToDoubleMilliseconds(took))}});
  return took;
}

absl::StatusOr<std::vector<std::shared_ptr<VariantInstance>>> LoadedVariants::LoadInstances(
    const v1::VariantRecord& record, std::shared_ptr<latency::ExecutionTimes> times, int count) {
  const v1::ModelConfig& config = record.config();
  const std::filesystem::path dir = options_.repository_root / record.repository_model();
  RETURN_IF_ERROR(VerifyModelFiles(record, dir));
  const backend::LoadOptions load_options{.cpu_threads = backend::EffectiveCpuThreads(config),
                                          .max_batch_size = backend::EffectiveMaxBatchSize(config)};
  std::vector<std::shared_ptr<VariantInstance>> instances;
  for (int i = 0; i < count; ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<backend::Model> model,
                     options_.loader(config, dir, load_options));
    ASSIGN_OR_RETURN(
        std::unique_ptr<VariantInstance> instance,
        VariantInstance::Create(std::move(model), {.worker_id = options_.worker_id,
                                                   .queue_capacity = options_.queue_capacity,
                                                   .profile = record.profile(),
                                                   .execution_times = times,
                                                   .clock = options_.clock}));
    instances.push_back(std::move(instance));
  }
  return instances;
}

absl::Status LoadedVariants::NotLoadedError(absl::string_view variant) const {
  return absl::NotFoundError(absl::StrCat("variant ", variant, " is not loaded on worker ",
                                          options_.worker_id, "; load it first"));
}

absl::Status LoadedVariants::Unload(absl::string_view variant, int keep_instances) {
  if (keep_instances < 0) {
    return absl::InvalidArgumentError(absl::StrCat("cannot keep ", keep_instances, " instances of ",
                                                   variant, "; give 0 or more"));
  }
  std::vector<std::shared_ptr<VariantInstance>> leaving;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(variant);
    while (it != entries_.end() && it->second.loading) {
      loaded_cv_.Wait(&mu_);
      it = entries_.find(variant);
    }
    if (it == entries_.end()) return NotLoadedError(variant);
    std::vector<std::shared_ptr<VariantInstance>>& instances = it->second.instances;
    const size_t keep = static_cast<size_t>(keep_instances);
    if (keep >= instances.size() && keep > 0) return absl::OkStatus();
    // Infer enqueues under the lock, so once they leave the list no new query
    // reaches them.
    leaving.assign(std::make_move_iterator(instances.begin() + static_cast<std::ptrdiff_t>(keep)),
                   std::make_move_iterator(instances.end()));
    instances.resize(keep);
    if (keep == 0) entries_.erase(it);
  }
  // Draining runs what they hold: never under the lock, all at once.
  std::vector<std::thread> drains;
  for (const auto& instance : leaving) drains.emplace_back([&instance] { instance->Drain(); });
  for (std::thread& drain : drains) drain.join();
  LogInfo(keep_instances == 0 ? "variant unloaded" : "instances unloaded",
          {{"worker", options_.worker_id},
           {"variant", variant},
           {"unloaded", absl::StrCat(leaving.size())},
           {"kept", absl::StrCat(keep_instances)}});
  return absl::OkStatus();
}

void LoadedVariants::UnloadAll() {
  for (const std::string& name : Names()) {
    // A concurrent Unload may have won; either way it is gone.
    Unload(name).IgnoreError();
  }
}

void LoadedVariants::Infer(absl::string_view variant,
                           const google::protobuf::RepeatedPtrField<v1::InputTensor>& inputs,
                           absl::Time deadline, InferDone done, Priority priority) {
  std::shared_ptr<const v1::ModelConfig> config;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(variant);
    if (it == entries_.end()) {
      done(NotLoadedError(variant));
      return;
    }
    config = it->second.config;
  }
  if (priority == Priority::kOffline) {
    // Offline inputs are decoded at idle priority, not on the gRPC thread.
    DecodeOn(offline_decoder_, std::string(variant), std::move(config), inputs, deadline,
             std::move(done), priority);
    return;
  }
  const bool has_image =
      std::any_of(inputs.begin(), inputs.end(), [](const v1::InputTensor& input) {
        return input.content_case() == v1::InputTensor::kEncodedImage;
      });
  if (has_image) {
    // Image decoding is the costly part: on the decoders, bounded.
    DecodeOn(online_decoder_, std::string(variant), std::move(config), inputs, deadline,
             std::move(done), priority);
    return;
  }
  DecodeAndEnqueue(std::string(variant), *config, inputs, deadline, std::move(done), priority);
}

void LoadedVariants::DecodeOn(ThreadPool& pool, std::string variant,
                              std::shared_ptr<const v1::ModelConfig> config,
                              const google::protobuf::RepeatedPtrField<v1::InputTensor>& inputs,
                              absl::Time deadline, InferDone done, Priority priority) {
  auto shared_done = std::make_shared<InferDone>(std::move(done));
  const bool scheduled =
      pool.TrySchedule([this, variant, config, &inputs, deadline, shared_done, priority] {
        DecodeAndEnqueue(variant, *config, inputs, deadline, std::move(*shared_done), priority);
      });
  if (scheduled) return;
  (*shared_done)(absl::ResourceExhaustedError(absl::StrCat(
      "worker ", options_.worker_id, ": every input decoder is busy (", options_.decode_queue,
      " queries wait to be decoded); retry shortly or send raw tensors")));
}

void LoadedVariants::DecodeAndEnqueue(
    const std::string& variant, const v1::ModelConfig& config,
    const google::protobuf::RepeatedPtrField<v1::InputTensor>& inputs, absl::Time deadline,
    InferDone done, Priority priority) {
  if (priority == Priority::kOnline) {
    // A query that would be refused for time is refused before its inputs
    // are decoded: a refusal costs next to nothing.
    std::shared_ptr<VariantInstance> target;
    {
      absl::MutexLock lock(&mu_);
      auto it = entries_.find(variant);
      if (it != entries_.end() && !it->second.instances.empty()) {
        target = *std::min_element(
            it->second.instances.begin(), it->second.instances.end(),
            [](const auto& a, const auto& b) { return a->pending() < b->pending(); });
      }
    }
    if (target != nullptr) {
      if (absl::Status in_time = target->CheckFinishInTime(inputs.size(), deadline);
          !in_time.ok()) {
        done(std::move(in_time));
        return;
      }
    }
  }
  absl::StatusOr<backend::Tensor> examples = DecodeInputs(config, inputs);
  if (!examples.ok()) {
    done(examples.status());
    return;
  }
  // Enqueue under the lock (it never blocks), so that an instance being
  // unloaded cannot receive the query after it left the list.
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(variant);
  if (it == entries_.end()) {
    done(NotLoadedError(variant));
    return;
  }
  if (it->second.instances.empty()) {
    done(absl::UnavailableError(absl::StrCat("variant ", variant, " is still loading on worker ",
                                             options_.worker_id, "; retry shortly")));
    return;
  }
  // Online queries balance online queues; offline ones offline queues,
  // then prefer the instance with less online work.
  auto shorter = [priority](const auto& a, const auto& b) {
    if (priority == Priority::kOnline) return a->pending() < b->pending();
    return std::pair(a->offline_pending(), a->pending()) <
           std::pair(b->offline_pending(), b->pending());
  };
  const std::shared_ptr<VariantInstance>& target =
      *std::min_element(it->second.instances.begin(), it->second.instances.end(), shorter);
  target->Enqueue({.examples = *std::move(examples),
                   .deadline = deadline,
                   .done = std::move(done),
                   .priority = priority});
}

absl::StatusOr<InferResult> LoadedVariants::InferAndWait(
    absl::string_view variant, const google::protobuf::RepeatedPtrField<v1::InputTensor>& inputs,
    absl::Time deadline) {
  absl::Notification answered;
  absl::StatusOr<InferResult> answer;
  Infer(variant, inputs, deadline, [&](absl::StatusOr<InferResult> result) {
    answer = std::move(result);
    answered.Notify();
  });
  answered.WaitForNotification();
  return answer;
}

std::vector<std::string> LoadedVariants::Names() const {
  std::vector<std::string> names;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [name, entry] : entries_) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<infaas::worker_rpc::VariantLoad> LoadedVariants::Loads() const {
  struct Copy {
    std::string name;
    bool loading = false;
    std::vector<std::shared_ptr<VariantInstance>> instances;
    std::shared_ptr<latency::ExecutionTimes> execution_times;
    double load_ms = 0;
  };
  std::vector<Copy> copies;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [name, entry] : entries_) {
      copies.push_back({name, entry.loading, entry.instances, entry.execution_times,
                        entry.load_ms_per_instance});
    }
  }
  std::sort(copies.begin(), copies.end(),
            [](const Copy& a, const Copy& b) { return a.name < b.name; });
  std::vector<infaas::worker_rpc::VariantLoad> loads;
  for (const Copy& copy : copies) {
    internal::RecentStats::Snapshot recent;
    int pending = 0;
    int offline_pending = 0;
    for (const auto& instance : copy.instances) {
      recent.Merge(instance->RecentLoad());
      pending += instance->pending();
      offline_pending += instance->offline_pending();
    }
    infaas::worker_rpc::VariantLoad& load = loads.emplace_back();
    load.set_variant(copy.name);
    load.set_instances(static_cast<int32_t>(copy.instances.size()));
    load.set_loading(copy.loading);
    load.set_queue_length(pending);
    load.set_offline_queue_length(offline_pending);
    load.set_arrival_qps(recent.arrival_qps);
    load.set_served_qps(recent.served_qps);
    load.set_average_batch(recent.AverageBatch());
    load.set_p50_latency_ms(recent.latency.Percentile(50));
    load.set_p99_latency_ms(recent.latency.Percentile(99));
    load.set_load_latency_ms(copy.load_ms);
    if (copy.execution_times == nullptr) continue;
    for (const latency::BatchTiming& t : copy.execution_times->Take()) {
      infaas::worker_rpc::BatchTiming* timing = load.add_execution();
      timing->set_batch_size(t.batch_size);
      timing->set_median_ms(t.median_ms);
      timing->set_p99_ms(t.p99_ms);
      timing->set_samples(t.samples);
    }
  }
  return loads;
}

}  // namespace infaas::worker
