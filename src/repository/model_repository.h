#pragma once

// ModelRepository: where model files live, by model name.
//
// A model is a folder of files (a TorchScript archive, an ONNX graph, its
// config.pbtxt, a label file ...). Adding one copies the files in
// atomically — a reader sees the whole model or none of it — and records
// the SHA-256 of every file, so a later Verify() detects damage.
//
//   ASSIGN_OR_RETURN(auto repo, LocalModelRepository::Open("file:///var/lib/infaas/models"));
//   ASSIGN_OR_RETURN(StoredModel m, repo->AddModel("lenet5", "/tmp/upload/lenet5"));
//   // m.folder == /var/lib/infaas/models/lenet5, m.files[i].sha256 ...
//
// Implementations are thread-safe. Errors name the model and path:
//   InvalidArgument   an illegal model name or file path;
//   AlreadyExists     a model of that name is stored (remove it first);
//   NotFound          no such model, or the source does not exist;
//   DataLoss          Verify() found a file whose hash changed.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "infaas/v1/catalogue.pb.h"

namespace infaas::repository {

// A model as stored: its name, the local folder that holds it (readable by
// backends), and each file with its hash.
struct StoredModel {
  std::string name;
  std::filesystem::path folder;
  std::vector<v1::ModelFile> files;  // sorted by path
};

class ModelRepository {
 public:
  virtual ~ModelRepository() = default;

  // Copies `source` (a folder, copied recursively, or a single file) in as
  // model `name`. Hidden files (names starting with '.') are skipped.
  virtual absl::StatusOr<StoredModel> AddModel(absl::string_view name,
                                               const std::filesystem::path& source) = 0;

  virtual absl::StatusOr<StoredModel> GetModel(absl::string_view name) const = 0;

  // Names of stored models, sorted.
  virtual absl::StatusOr<std::vector<std::string>> ListModels() const = 0;

  // Adds one file, made from the model's files (the registrar's rewritten
  // ONNX file), to stored model `name` at `relative_path`, and records its
  // hash. AlreadyExists if the path is taken; the model's other files are
  // untouched.
  virtual absl::StatusOr<v1::ModelFile> AddFile(absl::string_view name,
                                                absl::string_view relative_path,
                                                absl::string_view bytes) = 0;

  virtual absl::Status RemoveModel(absl::string_view name) = 0;

  // Recomputes every file's hash and compares with what AddModel recorded.
  virtual absl::Status VerifyModel(absl::string_view name) const = 0;

  // e.g. "file:///var/lib/infaas/models"
  virtual std::string Describe() const = 0;
};

}  // namespace infaas::repository
