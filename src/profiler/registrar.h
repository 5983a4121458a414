#pragma once

// Model registration: one uploaded model becomes profiled variants in the
// catalogue.
//
//  1. parse the config, fill in the tensor names and shapes it leaves out
//     (config_inference.h), and check it against the uploaded files;
//  2. copy the files into the model repository (atomically); an ONNX file
//     in a form the ONNX backend cannot load (backend/onnx_compat.h lists
//     the forms) is rewritten beside the original;
//  3. profile one instance per (framework, thread count) — in this process
//     or, with RegistrationOptions::measure, in a child process: every framework
//     whose file is in the upload (the config's model_file, and a file of
//     the same stem with the other framework's extension, e.g. lenet5.onnx
//     beside lenet5.pt) and every thread count up to the machine's cores;
//     checking that the frameworks compute the same function
//     (framework_agreement.h);
//  4. plan the variants worth serving (variant_plan.h) and write them to
//     the metadata store in one transaction.
// A failure at any step after 2 removes the copied files again: nothing is
// half-registered.
//
//   ASSIGN_OR_RETURN(std::vector<v1::VariantRecord> variants,
//                    RegisterModel({.config_path = dir / "config.pbtxt",
//                                   .model_source = dir}, *repo, *store, {}, progress));
//
// Runs on the calling thread; thread-safe (profiles running at once skew
// each other's figures, so callers register one model at a time).

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "infaas/v1/catalogue.pb.h"
#include "profiler/profiler.h"
#include "repository/model_repository.h"
#include "store/metadata_store.h"

namespace infaas::profiler {

struct RegistrationRequest {
  // The config.pbtxt; its model files are looked up in model_source.
  std::filesystem::path config_path;
  // The config's text, when it does not come from a file (an RPC); then
  // config_path only names it in messages.
  std::string config_text;
  // Folder holding the model files (or the single model file).
  std::filesystem::path model_source;
  // Optional labelled validation set (see validation_set.h); empty means
  // the config's declared accuracy is recorded, unmeasured.
  std::string validation_url;
  // Who owns the variants (VariantRecord.owner_tenant, is_public); empty:
  // nobody (public).
  std::string owner_tenant{};
  bool is_public = false;
};

struct RegistrationOptions {
  int cores = 0;  // thread counts to try go up to this; 0 = this machine's
  ProfileOptions profile;
  size_t validation_limit = 0;  // examples used for accuracy; 0 = all
  double min_thread_speedup = 1.15;
  // Measures each instance; null: MeasureInstance in this process. The
  // master measures in a child process (child_profiler.h).
  InstanceMeasurer measure = nullptr;
};

// Called with a short description of the current step and the fraction of
// the whole registration done (0..1).
using ProgressFn = std::function<void(absl::string_view stage, double fraction)>;

// Called with each thing registration inferred, changed or checked, in
// words for the user: "input \"input\" [3,224,224] read from
// mobilenet_tiny.onnx", "mobilenet_tiny.onnx (opset 14) rewritten for the
// ONNX backend as mobilenet_tiny.opencv.onnx: ...", "profiled 4 instances
// in 12.1 s".
using NoteFn = std::function<void(absl::string_view note)>;

// Registers the model and returns the variants added. Errors:
//   AlreadyExists    a model of the config's name is registered;
//   InvalidArgument  a bad config, model file or validation set (message
//                    names the file and field);
//   others           from the repository, the backends or the store.
absl::StatusOr<std::vector<v1::VariantRecord>> RegisterModel(
    const RegistrationRequest& request, repository::ModelRepository& repository,
    store::MetadataStore& store, const RegistrationOptions& options, const ProgressFn& progress,
    const NoteFn& note = nullptr);

// Records registered before VariantRecord.labels existed get their labels
// from <repository_root>/<repository_model>/<label_file> and are written
// back; the master runs this once at start. Returns how many were filled;
// a label file that cannot be read is logged and its records left as they
// are (their answers carry no class names).
absl::StatusOr<int> FillMissingLabels(store::MetadataStore& store,
                                      const std::filesystem::path& repository_root);

}  // namespace infaas::profiler
