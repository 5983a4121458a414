#pragma once

// Inference backends: load one variant's model files, run batches on it.
//
//   ASSIGN_OR_RETURN(v1::ModelConfig config, LoadModelConfig(dir / "config.pbtxt"));
//   ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, BackendFor(config.framework()));
//   ASSIGN_OR_RETURN(std::unique_ptr<Model> model,
//                    backend->Load(config, dir, LoadOptions{.cpu_threads = 2}));
//   ASSIGN_OR_RETURN(Tensor logits, model->Run(batch));   // batch [N, 1, 28, 28]
//   model.reset();                                        // unloads
//
// Implementations: TorchScript through libtorch (FRAMEWORK_TORCHSCRIPT) and
// OpenCV DNN (FRAMEWORK_ONNX, and through the same importer
// FRAMEWORK_TENSORFLOW and FRAMEWORK_CAFFE). See README.md for how each
// honours a per-instance thread count inside one process.

#include <cstdint>
#include <filesystem>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "backend/tensor.h"
#include "infaas/v1/model_config.pb.h"

namespace infaas::backend {

// How to load one instance. A field left at 0 takes the config's value
// (cpu_threads / max_batch_size), where 0 in turn means 1.
struct LoadOptions {
  // Intra-op threads (cores) one Run of this instance may use.
  int cpu_threads = 0;
  // The largest N Run accepts; Load warms up with a batch this large.
  int max_batch_size = 0;
};

// What loading cost. Memory figures are bytes.
struct LoadReport {
  // Wall time of Load: read, compile/optimise, warm up.
  absl::Duration load_time;
  // Bytes of weights the instance holds (TorchScript: parameters and
  // buffers before freezing; OpenCV: the net's weight blobs).
  int64_t weight_bytes = 0;
  // Growth of this process's resident set (/proc/self/statm) across Load,
  // warm-up included. Process-wide: a concurrent load elsewhere in the
  // process inflates it, and a backend's first load in a process includes
  // one-off library set-up.
  int64_t resident_delta_bytes = 0;

  // The figure to budget with: max(weight_bytes, resident_delta_bytes).
  int64_t MemoryBytes() const;
};

// One loaded instance of a variant; destroying it unloads it.
//
// Owned by whoever loaded it (the worker). Thread-safe: Run may be called
// from any thread, and concurrent calls are serialised — an instance runs
// one batch at a time, on at most options().cpu_threads cores; for more
// throughput load more instances. The calling thread's own thread-count
// setting of the library is changed by Run (see README.md).
class Model {
 public:
  virtual ~Model() = default;

  // Runs one batch of shape [N, input dims...] (variable dims may take any
  // size), 1 <= N <= max batch size, and returns [N, output dims...].
  // InvalidArgument for a malformed batch or N above the max (naming the
  // variant, the max and N); Internal when the framework fails at run time.
  virtual absl::StatusOr<Tensor> Run(const Tensor& batch) = 0;

  virtual const v1::ModelConfig& config() const = 0;
  // The resolved options (no zeros).
  virtual const LoadOptions& options() const = 0;
  virtual const LoadReport& load_report() const = 0;
};

// Loads model files of the frameworks it serves. Stateless apart from
// library set-up done by its factory; thread-safe: Load may run
// concurrently with other Loads and with Runs of loaded models.
class Backend {
 public:
  virtual ~Backend() = default;

  // Loads config.model_file (and for Caffe model_description_file) from
  // `model_dir`, prepares it for inference and warms it up with the
  // config's input shape at batch 1 and at the max batch, checking the
  // output shape. Errors name the variant:
  //  - InvalidArgument: a config that fails ValidateModelConfig (checked
  //    here too, against model_dir), unreadable/corrupt model file, an operator the
  //    importer lacks, a config shape the model rejects ("input shape
  //    [1,3,28,28] from config does not match the model: ..."), an output
  //    shape other than the config's, bad options;
  //  - FailedPrecondition: a framework this backend does not serve;
  //  - Unimplemented: hardware other than CPU.
  virtual absl::StatusOr<std::unique_ptr<Model>> Load(const v1::ModelConfig& config,
                                                      const std::filesystem::path& model_dir,
                                                      const LoadOptions& options) = 0;

  // "torchscript" or "opencv-dnn".
  virtual absl::string_view name() const = 0;
};

// The backend that serves `framework`. InvalidArgument for
// FRAMEWORK_UNSPECIFIED or an unknown value.
absl::StatusOr<std::unique_ptr<Backend>> BackendFor(v1::Framework framework);

// Convenience: LoadModelConfig(config_path), BackendFor, Load from the
// config's folder.
absl::StatusOr<std::unique_ptr<Model>> LoadModelFromConfigFile(
    const std::filesystem::path& config_path, const LoadOptions& options = {});

}  // namespace infaas::backend
