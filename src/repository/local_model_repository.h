#pragma once

// LocalModelRepository: a ModelRepository in a local folder.
//
// Layout: <root>/<model>/<files...> plus <root>/<model>/.infaas-manifest,
// a text file of "sha256  size  path" lines written last. AddModel builds
// the model in <root>/.staging-<model>-<random>/ and renames it into place,
// so a crash mid-copy leaves only a staging folder (cleaned on the next
// Open), never a half model.
//
// Thread-safe: adds and removes of different models run in parallel; the
// file system's rename arbitrates two adds of one name (one wins, the other
// gets AlreadyExists). AddFile rewrites a model's manifest under a mutex
// (the file itself appears by rename before the manifest names it).

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "repository/model_repository.h"

namespace infaas::repository {

class LocalModelRepository final : public ModelRepository {
 public:
  // Opens the repository at `url` (file:// URL or plain path). The folder
  // must exist and be writable: NotFound / PermissionDenied otherwise, with
  // the remedy in the message.
  static absl::StatusOr<std::unique_ptr<LocalModelRepository>> Open(absl::string_view url);

  absl::StatusOr<StoredModel> AddModel(absl::string_view name,
                                       const std::filesystem::path& source) override;
  absl::StatusOr<StoredModel> GetModel(absl::string_view name) const override;
  absl::StatusOr<std::vector<std::string>> ListModels() const override;
  absl::StatusOr<v1::ModelFile> AddFile(absl::string_view name, absl::string_view relative_path,
                                        absl::string_view bytes) override;
  absl::Status RemoveModel(absl::string_view name) override;
  absl::Status VerifyModel(absl::string_view name) const override;
  std::string Describe() const override;

  const std::filesystem::path& root() const { return root_; }

  static constexpr absl::string_view kManifestName = ".infaas-manifest";

 private:
  explicit LocalModelRepository(std::filesystem::path root) : root_(std::move(root)) {}

  const std::filesystem::path root_;
  // Serialises AddFile's read-modify-write of a manifest, and RemoveModel.
  absl::Mutex manifest_mu_;
};

}  // namespace infaas::repository
