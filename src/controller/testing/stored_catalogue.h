#pragma once

// StoredCatalogue: a catalogue for tests of the layers that read it through
// a CatalogueView (router, autoscaler, frontends): the records written to a
// SQLite store in a fresh temporary folder, and a view loaded from it. The
// folder is removed on destruction.
//
//   absl::StatusOr<std::unique_ptr<StoredCatalogue>> catalogue = StoredCatalogue::Create(
//       "router-test", {MakeVariant({.name = "lenet5_onnx_cpu1_b1"})});
//   QueryRouter router({(*catalogue)->view(), ...});
//
// Test-only. view() and store() are as thread-safe as CatalogueView and the
// store are.

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "controller/catalogue_view.h"
#include "infaas/v1/catalogue.pb.h"
#include "store/metadata_store.h"

namespace infaas::controller::testing {

class StoredCatalogue {
 public:
  // A folder named after `name` (and unique in this process) under the
  // system's temporary folder, its store holding `variants`. Errors: the
  // store's (e.g. InvalidArgument for a record the store refuses).
  static absl::StatusOr<std::unique_ptr<StoredCatalogue>> Create(
      absl::string_view name, const std::vector<v1::VariantRecord>& variants);
  ~StoredCatalogue();
  StoredCatalogue(const StoredCatalogue&) = delete;
  StoredCatalogue& operator=(const StoredCatalogue&) = delete;

  CatalogueView* view() { return view_.get(); }
  store::MetadataStore* store() { return store_.get(); }
  // The temporary folder, for whatever else the test keeps there.
  const std::filesystem::path& dir() const { return dir_; }

 private:
  explicit StoredCatalogue(std::filesystem::path dir) : dir_(std::move(dir)) {}

  const std::filesystem::path dir_;
  std::unique_ptr<store::MetadataStore> store_;
  std::unique_ptr<CatalogueView> view_;
};

}  // namespace infaas::controller::testing
